"""Overhead: what a one-off ``sync`` and ``backfill`` spend outside their own work, without and with a Prefect server.

A mirror in a process of its own serves an OpenRouter-shaped market of ``--models`` models.
Each command runs in a child process, as a user runs it; its work is what its runs record
(fetch, archive, parse and load seconds), and everything else (interpreter start, imports,
Prefect, lock, exit) is overhead. Prints, per command and mode, the wall time, the work,
the overhead and its ratio to the work, against a reference: a child that only imports
the CLI. Then the demo's wall time. Goal: under 2 s of overhead with no Prefect server
configured; the demo well under 20 s.

    uv run python benchmarks/overhead.py [--models 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
from pathlib import Path

import duckdb
from common import timed_command
from fetch import serve

from flows.serve import _free_port, start_local_server, stop_local_server

CLI = str(Path(sys.executable).with_name("modelsync"))
WORK = "coalesce(fetch_s, 0) + coalesce(archive_s, 0) + coalesce(parse_s, 0) + coalesce(load_s, 0)"


def work_s(warehouse: Path, kind: str) -> float:
    """Seconds of fetch, archive, parse and load that the runs of ``kind`` recorded."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(f"SELECT {WORK} FROM runs WHERE kind = ? ORDER BY started_at", [kind]).fetchall()
    finally:
        con.close()
    return float(sum(r[0] for r in rows))


def measure(env: dict[str, str], tmp: Path, label: str, repeat: int, reference: float) -> None:
    """Time ``sync`` then ``backfill --reload`` ``repeat`` times each, in fresh warehouses; print the medians."""
    for kind, args in (("sync", ["sync"]), ("backfill", ["backfill", "--reload"])):
        walls, works = [], []
        for n in range(repeat):
            warehouse = tmp / f"{label}-{n}" / "modelsync.duckdb"
            run_env = {**env, "MODELSYNC_WAREHOUSE": str(warehouse)}
            if kind == "backfill":
                timed_command([CLI, "sync"], run_env)  # an archive to replay
            walls.append(timed_command([CLI, *args], run_env))
            works.append(work_s(warehouse, kind))
        wall, work = statistics.median(walls), statistics.median(works)
        outside = wall - work
        print(f"{kind:<9} {label:<22} {wall:6.2f} s wall, work {work:5.2f} s, outside it {outside:5.2f} s "
              f"({outside / work:4.1f}x the work; {outside / reference:4.1f}x importing the CLI)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-server", action="store_true", help="only the runs without a Prefect server")
    args = parser.parse_args()
    ready: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    mirror = multiprocessing.Process(target=serve, args=(args.models, 0.0, ready), daemon=True)
    mirror.start()
    base_url = ready.get(timeout=120)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"MODELSYNC_OPENROUTER_BASE_URL": base_url, "MODELSYNC_OPENROUTER_RATE": "100000",
            "MODELSYNC_SOURCES": "openrouter", "DO_NOT_TRACK": "1",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="modelsync-overhead-") as name:
        tmp = Path(name)
        env["PREFECT_HOME"] = str(tmp / "prefect-home")  # no profile naming a server
        reference = statistics.median(
            timed_command([sys.executable, "-c", "import flows.cli"], env) for _ in range(args.repeat)
        )
        print(f"{args.models} models ({args.models + 1} payloads) from a loopback mirror; medians of {args.repeat}")
        print(f"reference: a child importing the CLI {reference:.2f} s")
        measure(env, tmp, "no Prefect server", args.repeat, reference)
        if not args.skip_server:
            server = start_local_server(tmp / "prefect-server", _free_port(), lambda line: None)
            try:
                measure({**env, "PREFECT_API_URL": server.api_url}, tmp, "Prefect server running", args.repeat,
                        reference)  # fmt: skip
            finally:
                stop_local_server(server)
        demos = [timed_command([CLI, "demo", "--dir", str(tmp / f"demo{n}")], env) for n in range(args.repeat)]
        demo = statistics.median(demos)
        print(f"demo      {'no Prefect server':<22} {demo:6.2f} s wall (goal: well under 20 s)")
    mirror.terminate()


if __name__ == "__main__":
    main()
