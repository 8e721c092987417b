"""A whole day imported: ``modelsync import --manifest`` of N endpoints' payloads against the floor process.

The generator's market writes one day of OpenRouter payloads (the model list and one
endpoints page per model, 5 endpoints each) and their manifest. Then, each in a child
process as a user runs it:

- **modelsync**: ``modelsync import --manifest`` into a fresh warehouse; its phases
  (archive, parse, load) from the run it records;
- **floor**: what any tool must do: read each file and ``json.loads`` it, write each body
  gzipped to a content-addressed archive with one index line, and ``INSERT`` the endpoint
  rows, flattened, into a DuckDB table (no history, no checks).

Prints both walls and the ratio (goal: modelsync within 1.5x of the floor).

    uv run python benchmarks/import_day.py [--endpoints 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

CLI = str(Path(sys.executable).with_name("modelsync"))
FLOOR_COLUMNS = ("model_id", "tag", "provider", "context_length", "max_completion_tokens", "prompt", "completion",
                 "quantization", "uptime_1d")  # fmt: skip


def write_day(root: Path, endpoints: int) -> Path:
    """One day of the market's OpenRouter payloads and their manifest under ``root``; the manifest's path."""
    from generator import Market

    market = Market(max(endpoints // 5, 1), 5)
    lines = []
    for n, (url, body) in enumerate(market.openrouter_payloads()):
        (root / f"p{n}.json").write_bytes(body)
        lines.append(json.dumps({"path": f"p{n}.json", "url": url,
                                 "fetched_at": f"{market.fetched_at:%Y-%m-%dT%H:%M:%SZ}"}))  # fmt: skip
    manifest = root / "manifest.jsonl"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


def floor(manifest: Path, out: Path) -> None:
    """The floor process: read and decode every file, archive it, bare-insert its endpoint rows."""
    import duckdb

    objects = out / "objects"
    objects.mkdir(parents=True)
    rows = []
    with (out / "index.jsonl").open("w", encoding="utf-8") as index:
        for line in manifest.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            body = (manifest.parent / entry["path"]).read_bytes()
            digest = hashlib.sha256(body).hexdigest()
            target = objects / f"{digest}.gz"
            if not target.exists():
                target.write_bytes(gzip.compress(body, compresslevel=6))
            index.write(json.dumps({"url": entry["url"], "fetched_at": entry["fetched_at"], "sha256": digest}) + "\n")
            data = json.loads(body)["data"]
            for e in data.get("endpoints", []) if isinstance(data, dict) else []:
                price = e["pricing"]
                rows.append((data["id"], e.get("tag"), e.get("provider_name"), e.get("context_length"),
                             e.get("max_completion_tokens"), price.get("prompt"), price.get("completion"),
                             e.get("quantization"), e.get("uptime_last_1d")))  # fmt: skip
    con = duckdb.connect(str(out / "floor.duckdb"))
    con.execute("CREATE TABLE endpoints (model_id VARCHAR, tag VARCHAR, provider VARCHAR, context_length BIGINT, "
                "max_completion_tokens BIGINT, prompt VARCHAR, completion VARCHAR, quantization VARCHAR, "
                "uptime_1d DOUBLE)")  # fmt: skip
    import pyarrow as pa

    table = pa.table({name: [row[n] for row in rows] for n, name in enumerate(FLOOR_COLUMNS)})
    con.register("rows_table", table)
    con.execute("INSERT INTO endpoints SELECT * FROM rows_table")
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--floor", nargs=2, metavar=("MANIFEST", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor:
        floor(Path(args.floor[0]), Path(args.floor[1]))
        return
    import duckdb
    from common import timed_command  # here, not on top: the floor's child process must not import modelsync

    env = {**os.environ, "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    with tempfile.TemporaryDirectory(prefix="modelsync-import-day-") as name:
        tmp = Path(name)
        (tmp / "day").mkdir()
        manifest = write_day(tmp / "day", args.endpoints)
        payloads = len(manifest.read_text(encoding="utf-8").splitlines())
        ours, floors, phases = [], [], []
        for n in range(args.repeat):
            warehouse = tmp / f"w{n}" / "modelsync.duckdb"
            run_env = {**env, "MODELSYNC_WAREHOUSE": str(warehouse)}
            ours.append(timed_command([CLI, "import", "--manifest", str(manifest)], run_env))
            con = duckdb.connect(str(warehouse), read_only=True)
            phases.append(con.execute("SELECT archive_s, parse_s, load_s FROM runs").fetchall()[0])
            con.close()
            floors.append(timed_command([sys.executable, __file__, "--floor", str(manifest), str(tmp / f"f{n}")], env))
        wall, floor_wall = statistics.median(ours), statistics.median(floors)
        archive_s, parse_s, load_s = (statistics.median(p[i] for p in phases) for i in range(3))
        print(f"{args.endpoints:,} endpoints ({payloads:,} payloads), medians of {args.repeat}")
        print(f"modelsync import --manifest  {wall:6.2f} s wall: archive {archive_s:.2f} s, parse {parse_s:.2f} s, "
              f"load {load_s:.2f} s ({parse_s / payloads * 1000:.2f} ms a payload to parse)")  # fmt: skip
        print(f"floor (read, archive, bare INSERT)  {floor_wall:6.2f} s wall")
        print(f"ratio {wall / floor_wall:.2f}x the floor (goal <= 1.5x)")


if __name__ == "__main__":
    main()
