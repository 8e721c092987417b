"""Memory at any size: peak RSS of ``import --manifest`` of N MB of model lists, and of their backfill (goal < 1 GB).

The generator's market writes ``--megabytes`` of OpenRouter model-list snapshots, one a day
(``--models`` models each, prices and max output drifting with their endpoints), and their
manifest. Then, each in a child process as a user runs it:

- **import**: ``modelsync import --manifest`` of them all into a fresh warehouse (one run);
- **backfill**: ``modelsync backfill --raw-dir`` of that warehouse's archive into another
  fresh warehouse (one run a date).

Each command's peak RSS is the kernel's high-water mark (``VmHWM``, see ``memory.py``), with
the bare ``python -c "import flows.jobs"`` of the same run as the reference.

    uv run python benchmarks/manifest_memory.py [--megabytes 400] [--models 1000] [--skip-backfill]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from generator import Market
from memory import peak_mb, report

CLI = str(Path(sys.executable).with_name("modelsync"))
FIRST_DAY = datetime(2020, 1, 1, 2, tzinfo=UTC)  # a fetch time may not be in the future: 400 MB is 630 days


def write_model_lists(root: Path, megabytes: float, models: int) -> tuple[Path, int, int]:
    """Model-list snapshots, one a day, until they hold ``megabytes`` of JSON, and their manifest under ``root``.

    Returns the manifest's path, how many snapshots and how many bytes of JSON.
    """
    market = Market(models, 5)
    lines, total = [], 0
    while total < megabytes * 1_000_000:
        if lines:
            market.advance()
        body = market.models_body(from_endpoints=True)
        name = f"models-{market.day:05d}.json"
        (root / name).write_bytes(body)
        total += len(body)
        fetched_at = FIRST_DAY + timedelta(days=market.day)
        lines.append(json.dumps({"path": name, "url": "https://openrouter.ai/api/v1/models",
                                 "fetched_at": f"{fetched_at:%Y-%m-%dT%H:%M:%SZ}"}))  # fmt: skip
    manifest = root / "manifest.jsonl"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest, len(lines), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=400.0, help="JSON in the manifest, in MB (10^6 bytes)")
    parser.add_argument("--models", type=int, default=1000, help="models in each list (about 0.47 KB of JSON each)")
    parser.add_argument("--skip-backfill", action="store_true", help="measure the import only")
    args = parser.parse_args()
    env = {**os.environ, "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    with tempfile.TemporaryDirectory(prefix="modelsync-manifest-memory-") as name:
        tmp = Path(name)
        (tmp / "lists").mkdir()
        started = time.perf_counter()
        manifest, snapshots, size = write_model_lists(tmp / "lists", args.megabytes, args.models)
        print(f"wrote {snapshots:,} model lists of {args.models:,} models, {size / 1e6:,.0f} MB of JSON, "
              f"in {time.perf_counter() - started:.0f} s")  # fmt: skip
        reference, _, _ = peak_mb([sys.executable, "-c", "import flows.jobs"], env)
        print(f"reference: python with flows.jobs imported     {reference:6.0f} MB")
        imported = tmp / "import" / "modelsync.duckdb"
        peaks = peak_mb([CLI, "import", "--manifest", str(manifest)], {**env, "MODELSYNC_WAREHOUSE": str(imported)})
        report(f"import --manifest of {size / 1e6:,.0f} MB ({snapshots:,} payloads)", *peaks, reference)
        print(f"  phases: {_phases(imported)}")
        if args.skip_backfill:
            return
        replayed = tmp / "backfill" / "modelsync.duckdb"
        command = [CLI, "backfill", "--raw-dir", str(imported.parent / "raw")]
        peaks = peak_mb(command, {**env, "MODELSYNC_WAREHOUSE": str(replayed)})
        report(f"backfill --raw-dir of those {snapshots:,} payloads ({snapshots:,} dates)", *peaks, reference)


def _phases(warehouse: Path) -> str:
    """The import run's archive, parse and load seconds, as it recorded them."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        archive_s, parse_s, load_s, status = con.execute(
            "SELECT archive_s, parse_s, load_s, status FROM runs WHERE kind = 'import'"
        ).fetchall()[0]
    finally:
        con.close()
    return f"{status}; archive {archive_s:.1f} s, parse {parse_s:.1f} s, load {load_s:.1f} s"


if __name__ == "__main__":
    main()
