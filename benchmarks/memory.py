"""Memory: peak RSS of a sync of N endpoints and of a year-long backfill (goal under 1 GB each).

Each command runs as a child of a small wrapper that reports its children's peak RSS
(``getrusage(RUSAGE_CHILDREN).ru_maxrss``: the largest single process, which is
``modelsync`` itself, not its temporary Prefect server). As the reference measured in the
same run, the wrapper also reports a bare ``python -c "import flows.sync"`` (the
interpreter, pandas, DuckDB and Prefect loaded, nothing done).

- **sync**: ``modelsync sync --source openrouter`` of the generator's market (``--endpoints``,
  5 a model) from a local mirror;
- **backfill**: ``modelsync backfill`` of ``--nights`` nights of the same market archived
  raw (a drifting year: one run a night, every payload parsed and loaded).

    uv run python benchmarks/memory.py [--endpoints 5000] [--nights 365]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fetch import serve
from generator import Market

from warehouse.archive import ArchivedPayload, archive_payloads, sha256_hex

PEAK = "import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; " \
       "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)"  # fmt: skip


def peak_mb(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Peak RSS (MB) of ``command`` and its wall seconds; exits when it fails."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK, *command], env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    kb, code = done.stdout.split()[-2:]
    if code != "0":
        raise SystemExit(f"{' '.join(command)} exited {code}: {done.stderr[-2000:]}")
    return int(kb) / 1024, wall


def archive_year(raw_dir: Path, endpoints: int, nights: int) -> int:
    """``nights`` nights of the market's OpenRouter payloads in a raw archive; returns how many payloads."""
    market = Market(endpoints // 5, 5)
    count = 0
    for night in range(nights):
        if night:
            market.advance()
        items = [(ArchivedPayload("openrouter", url, market.fetched_at, 200, sha256_hex(body), len(body),
                                  "application/json", origin="import"), body)
                 for url, body in market.openrouter_payloads()]  # fmt: skip
        archive_payloads(raw_dir, items)
        count += len(items)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=int, default=5000)
    parser.add_argument("--nights", type=int, default=365)
    args = parser.parse_args()
    modelsync = str(Path(sys.executable).with_name("modelsync"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = {**os.environ, "MODELSYNC_SOURCES": "openrouter", "MODELSYNC_OPENROUTER_RATE": "100000"}
        reference, _ = peak_mb([sys.executable, "-c", "import flows.sync"], env)
        print(f"reference: python with flows.sync imported   {reference:6.0f} MB")

        ready: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
        server = multiprocessing.Process(target=serve, args=(args.endpoints // 5, 0.0, ready), daemon=True)
        server.start()
        try:
            env_sync = {**env, "MODELSYNC_OPENROUTER_BASE_URL": ready.get(timeout=120),
                        "MODELSYNC_WAREHOUSE": str(root / "sync" / "modelsync.duckdb")}  # fmt: skip
            mb, wall = peak_mb([modelsync, "sync"], env_sync)
        finally:
            server.kill()
        print(f"sync of {args.endpoints:,} endpoints               {mb:6.0f} MB peak ({mb / reference:.1f}x the "
              f"reference; {wall:.0f} s) (goal < 1,024 MB)")  # fmt: skip

        warehouse = root / "year" / "modelsync.duckdb"
        started = time.perf_counter()
        payloads = archive_year(warehouse.parent / "raw", args.endpoints, args.nights)
        print(f"archived {args.nights} nights ({payloads:,} payloads) in {time.perf_counter() - started:.0f} s")
        mb, wall = peak_mb([modelsync, "backfill"], {**env, "MODELSYNC_WAREHOUSE": str(warehouse)})
        what = f"backfill of {args.nights} nights x {args.endpoints:,} endpoints"
        print(f"{what} {mb:6.0f} MB peak ({mb / reference:.1f}x the reference; {wall:.0f} s) (goal < 1,024 MB)")


if __name__ == "__main__":
    main()
