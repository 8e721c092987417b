"""Fetch: an OpenRouter-shaped sync of N models against a local mirror answering every request 50 ms late.

The mirror (``flows/doubles/mirror.py``, in a process of its own so it does not share this one's
interpreter) serves the generator's model list and endpoints pages, each reply after
``--latency-ms``. With the rate limit out of the way, the client's ceiling is
concurrency / latency requests a second. Prints:

- **fetch efficiency**: requests a second of ``fetch_and_archive`` (the model list, then
  every endpoints page; archive writes included) against that ceiling (goal >= 80%),
  median of ``--repeat``;
- **outside fetching**: a whole ``modelsync sync`` of the mirror in a child process, with
  the default task runner (threads) and then with ``--task-runner dask`` (a local Dask cluster
  started and stopped by the flow), and the share of each one's wall time not spent
  fetching (start-up, parse, load, exit), from the run's own timings.

    uv run python benchmarks/fetch.py [--models 1000] [--latency-ms 50] [--concurrency 8] [--repeat 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from generator import Market

from extractors.openrouter import ORIGIN
from flows.doubles.mirror import Mirror, Reply


def serve(models: int, latency_s: float, ready: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """Run a mirror of the market's OpenRouter payloads, every reply ``latency_s`` late, until killed."""
    market = Market(models, 5)
    with Mirror() as mirror:
        for url, body in market.openrouter_payloads():
            mirror.script(url.removeprefix(ORIGIN), Reply(200, body, delay_s=latency_s))
        ready.put(mirror.base_url)
        while True:
            time.sleep(3600)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    ceiling = args.concurrency / latency
    ready: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(target=serve, args=(args.models, latency, ready), daemon=True)
    server.start()
    base_url = ready.get(timeout=120)
    requests = args.models + 1
    print(f"{requests:,} requests ({args.models:,} models), {args.latency_ms:g} ms a reply, "
          f"concurrency {args.concurrency}: ceiling {ceiling:.0f} requests/s")  # fmt: skip
    env = {
        **os.environ,
        "MODELSYNC_OPENROUTER_BASE_URL": base_url,
        "MODELSYNC_OPENROUTER_RATE": "100000",
        "MODELSYNC_OPENROUTER_CONCURRENCY": str(args.concurrency),
        "MODELSYNC_SOURCES": "openrouter",
    }
    try:
        from flows import pipeline
        from flows.settings import settings_from_env

        rates, fetch_rates = [], []
        with tempfile.TemporaryDirectory() as tmp:
            for n in range(args.repeat):
                settings = settings_from_env({**env, "MODELSYNC_WAREHOUSE": str(Path(tmp) / f"f{n}" / "w.duckdb")})
                started = time.perf_counter()
                archived = pipeline.fetch_and_archive(settings, "openrouter", {})
                took = time.perf_counter() - started
                if archived.failures or len(archived.payloads) != requests:
                    raise SystemExit(f"fetch failed: {archived.failures[:3]}")
                rates.append(requests / took)
                fetch_rates.append(requests / archived.fetch_s)
            rate, fetching = statistics.median(rates), statistics.median(fetch_rates)
            print(f"fetch_and_archive  {rate:6.1f} requests/s = {rate / ceiling:.0%} of the ceiling (goal >= 80%); "
                  f"requests alone (archive writes apart) {fetching:.1f}/s = {fetching / ceiling:.0%}")  # fmt: skip

            for runner in ("threads", "dask"):  # the same sync with the default runner (threads), then on Dask
                _whole_sync(env, Path(tmp) / runner / "modelsync.duckdb", runner)
    finally:
        server.kill()


def _whole_sync(env: dict[str, str], warehouse: Path, runner: str) -> None:
    """Run ``modelsync sync`` with this task runner in a child process and print where its wall time went."""
    import duckdb

    command = [str(Path(sys.executable).with_name("modelsync")), "sync", "--task-runner", runner]
    started = time.perf_counter()
    done = subprocess.run(command, env={**env, "MODELSYNC_WAREHOUSE": str(warehouse)},
                          capture_output=True, text=True, check=False)  # fmt: skip
    wall = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"sync --task-runner {runner} failed ({done.returncode}): {done.stderr[-2000:]}")
    con = duckdb.connect(str(warehouse), read_only=True)
    fetch_s, archive_s, parse_s, load_s = con.execute(
        "SELECT fetch_s, archive_s, parse_s, load_s FROM runs WHERE kind = 'sync'"
    ).fetchall()[0]
    con.close()
    outside = wall - fetch_s - archive_s
    print(f"sync ({runner + ' runner':<14}) {wall:6.1f} s wall: fetch {fetch_s:.1f} s, archive {archive_s:.1f} s, "
          f"parse {parse_s:.1f} s, load {load_s:.1f} s; outside fetching and archiving {outside:.1f} s = "
          f"{outside / wall:.0%} of the wall time (start-up, parse, load)")  # fmt: skip


if __name__ == "__main__":
    main()
