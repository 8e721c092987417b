"""Readers during a backfill: how long a reader waits for the warehouse while a long backfill writes it.

DuckDB lets no other process open a file while one writes it, so a reader gets in only
between the backfill's writes. This archives ``--nights`` nights of the generator's market
(the OpenRouter payloads of ``--endpoints`` endpoints), starts ``modelsync backfill`` as a
child process, and while it runs opens the warehouse read-only again and again, as
``modelsync sql`` does, timing how long each open waits. Prints the longest wait, the
median, and how many reads got in (goal: the longest under a few seconds).

    uv run python benchmarks/reader_wait.py [--endpoints 5000] [--nights 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from memory import archive_year

POLL_S = 0.05  # between a reader's attempts to open the file


def reader_waits(warehouse: Path, process: subprocess.Popen[bytes]) -> list[float]:
    """Open ``warehouse`` read-only, query it and close it, again and again until ``process`` ends: each wait."""
    waits = []
    while process.poll() is None:
        asked = time.perf_counter()
        while process.poll() is None:
            try:
                con = duckdb.connect(str(warehouse), read_only=True)
            except duckdb.Error:  # the writer holds it (or it does not exist yet)
                time.sleep(POLL_S)
                continue
            try:
                con.execute("SELECT count(*) FROM runs").fetchall()
            except duckdb.Error:
                pass  # no runs table yet: it got in all the same
            finally:
                con.close()
            waits.append(time.perf_counter() - asked)
            break
        time.sleep(POLL_S)
    return waits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=int, default=5000)
    parser.add_argument("--nights", type=int, default=30)
    args = parser.parse_args()
    modelsync = str(Path(sys.executable).with_name("modelsync"))
    with tempfile.TemporaryDirectory(prefix="modelsync-reader-wait-") as tmp:
        warehouse = Path(tmp) / "modelsync.duckdb"
        payloads = archive_year(warehouse.parent / "raw", args.endpoints, args.nights)
        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"} | {"MODELSYNC_WAREHOUSE": str(warehouse)}
        started = time.perf_counter()
        process = subprocess.Popen([modelsync, "backfill"], env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)  # fmt: skip
        waits = reader_waits(warehouse, process)
        wall = time.perf_counter() - started
        if process.returncode:
            raise SystemExit(f"backfill exited {process.returncode}")
    print(f"backfill of {args.nights} nights x {args.endpoints:,} endpoints ({payloads:,} payloads): {wall:.0f} s")
    if waits:
        print(f"readers: {len(waits)} got in; longest wait {max(waits):.2f} s, median {statistics.median(waits):.2f} s "
              "(goal: longest under a few seconds)")  # fmt: skip
    else:
        print("readers: none got in while the backfill ran")


if __name__ == "__main__":
    main()
