"""Memory: peak RSS of a sync of N endpoints (goal under 1 GB) and of a year-long backfill (under 512 MB).

Each command runs as a child process; its peak RSS is the kernel's high-water mark
(``VmHWM``), reported for ``modelsync`` itself and, apart, for the largest process it starts
(none with no Prefect server configured: the steps run as plain calls). As the reference
measured in the same run: a bare ``python -c "import flows.jobs"`` (the interpreter,
pandas and DuckDB loaded, nothing done).

- **sync**: ``modelsync sync --source openrouter`` of the generator's market (``--endpoints``,
  5 a model) from a local mirror;
- **backfill**: ``modelsync backfill`` of ``--nights`` nights of the same market archived
  raw (a drifting year: one run a night, every payload parsed and loaded).

    uv run python benchmarks/memory.py [--endpoints 5000] [--nights 365]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fetch import serve
from generator import Market

from warehouse.archive import ArchivedPayload, archive_payloads, read_body, read_index, sha256_hex


def peak_mb(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Peak RSS (MB) of ``command``'s own process and of the largest process it started, and its wall seconds.

    Peaks are the kernel's high-water marks (``VmHWM``), read while the processes live; a
    child would be, for instance, a Prefect server the command started.
    """
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as stderr:  # a file, not a pipe: a full pipe would stall the child
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr, text=True)
        own = children = 0.0
        while process.poll() is None:
            own = max(own, _hwm_mb(process.pid))
            for child in _descendants(process.pid):
                children = max(children, _hwm_mb(child))
            time.sleep(0.1)
        if process.returncode:
            stderr.seek(0)
            raise SystemExit(f"{' '.join(command)} exited {process.returncode}: {stderr.read()[-2000:]}")
    return own, children, time.perf_counter() - started


def _hwm_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # it has exited
        return 0.0
    return next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM")), 0.0)


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        try:
            children = Path(f"/proc/{todo.pop()}/task").glob("*/children")
            kids = [int(k) for path in children for k in path.read_text().split()]
        except OSError:
            continue
        found += kids
        todo += kids
    return found


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
        reference, _, _ = peak_mb([sys.executable, "-c", "import flows.jobs"], env)
        print(f"reference: python with flows.jobs imported     {reference:6.0f} MB")

        ready: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
        server = multiprocessing.Process(target=serve, args=(args.endpoints // 5, 0.0, ready), daemon=True)
        server.start()
        try:
            env_sync = {**env, "MODELSYNC_OPENROUTER_BASE_URL": ready.get(timeout=120),
                        "MODELSYNC_WAREHOUSE": str(root / "sync" / "modelsync.duckdb")}  # fmt: skip
            report(f"sync of {args.endpoints:,} endpoints", *peak_mb([modelsync, "sync"], env_sync), reference)
        finally:
            server.kill()

        warehouse = root / "year" / "modelsync.duckdb"
        started = time.perf_counter()
        payloads = archive_year(warehouse.parent / "raw", args.endpoints, args.nights)
        print(f"archived {args.nights} nights ({payloads:,} payloads) in {time.perf_counter() - started:.0f} s")
        peaks = peak_mb([modelsync, "backfill"], {**env, "MODELSYNC_WAREHOUSE": str(warehouse)})
        report(f"backfill of {args.nights} nights x {args.endpoints:,} endpoints", *peaks, reference, goal_mb=512)
        floor = decode_floor(warehouse.parent / "raw")
        print(f"floor: reading, gunzipping and json.loads of every payload of the archive {floor:.0f} s; "
              f"backfill = {peaks[2] / floor:.1f}x it (goal: the year in 120 s = {120 / floor:.1f}x it)")  # fmt: skip


def decode_floor(raw_dir: Path) -> float:
    """Seconds to read every payload the archive's index names and decode its JSON: what any replay must do."""
    started = time.perf_counter()
    for payload in read_index(raw_dir):
        json.loads(read_body(raw_dir, payload.sha256))
    return time.perf_counter() - started


def report(what: str, own: float, children: float, wall: float, reference: float, *, goal_mb: int = 1024) -> None:
    print(f"{what}: modelsync {own:.0f} MB peak ({own / reference:.1f}x the reference; goal < {goal_mb:,} MB), "
          f"the largest process it started {children:.0f} MB; {wall:.0f} s")  # fmt: skip


if __name__ == "__main__":
    main()
