"""What the benchmarks share: a median timer, a timed child process, and a day of the market parsed as a run
would parse it."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable
from datetime import timedelta

from generator import Market

from flows import pipeline
from flows.settings import Settings
from warehouse import history
from warehouse.archive import ArchivedPayload, sha256_hex


def median_ms(run: Callable[[], object], repeat: int = 5) -> float:
    """Median milliseconds of ``repeat`` calls of ``run``."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def timed_command(command: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> float:
    """Wall seconds of ``command`` run as a child process; its failure (an exit code not in ``ok``) ends the
    benchmark, naming it."""
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    if done.returncode not in ok:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return took


def parsed_today(settings: Settings, market: Market, *, endpoints_only: bool = False) -> history.LoadBatch:
    """Today's OpenRouter payloads of the market (bodies in memory), parsed into a load batch."""
    items = [(u, b) for u, b in market.openrouter_payloads() if not endpoints_only or u.endswith("/endpoints")]
    at = market.fetched_at
    payloads = [ArchivedPayload("openrouter", url, at, 200, sha256_hex(b), len(b)) for url, b in items]
    recorded_at = at + timedelta(minutes=30)
    run = pipeline.new_run("import", ["openrouter"], recorded_at)
    return pipeline.parse_archived(settings, run, payloads, recorded_at, {sha256_hex(b): b for _, b in items}).batch
