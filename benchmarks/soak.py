"""Soak: consecutive syncs against a mirror that injects random faults; invariants checked after each.

Serves the demo's captures of all four sources from a loopback mirror, one demo date per
run in turn (so real changes, retirements and returns keep happening), and before each run
gives every served URL, with probability ``--fault-rate``, a fault drawn from
``flows.doubles.faults`` (seeded: the same seed injects the same faults). Each run is the real
``sync`` Prefect flow. A clean twin warehouse syncs the same data at the same times from
a second mirror with no faults, through the same pipeline steps.

After every run it checks:
- the history invariants of the whole warehouse (``history.invariant_violations``);
- lost payloads: a body the mirror sent whole for a URL the run did not list as failed
  that is not in the archive, or an archived payload that is neither loaded nor
  quarantined;
- false retirements: a key retired at this run's time that the clean twin did not retire;
- no run left ``running``.
After the last run, one fault-free run, and the faulted warehouse's current views must
equal the twin's. Prints runs, statuses, faults by kind, retries, violations, lost
payloads, false retirements, convergence and peak memory.

    uv run python benchmarks/soak.py [--runs 100] [--seed 7] [--fault-rate 0.2]
"""

from __future__ import annotations

import os

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")

import argparse
import contextlib
import random
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import duckdb

from flows import pipeline
from flows.demo import DEMO_MANIFEST
from flows.doubles.faults import FAULTS, Fault, Target
from flows.doubles.mirror import Mirror, read_manifest
from flows.settings import SOURCES, Settings, settings_from_env
from warehouse import history
from warehouse.archive import parse_rfc3339, read_index

START = datetime(2027, 1, 1, 2, tzinfo=UTC)
READ_TIMEOUT_S, RESPONSE_TIMEOUT_S, MAX_BYTES = 0.5, 2.0, 1_000_000
KEYS = {"model": "source, source_key, ''", "endpoint": "source, source_key, endpoint_key",
        "benchmark": "source, source_key, benchmark"}  # fmt: skip
RETIRED_AT = "SELECT '{entity}', {key} FROM {entity}_history WHERE is_deleted AND valid_from = $at"
"""Keys retired at a time: a tombstone version starting then."""
RETIRED_AS_OF = (
    "SELECT '{entity}', {key} FROM {entity}_history"
    " WHERE is_deleted AND valid_from <= $at AND (valid_to IS NULL OR valid_to > $at)"
)
"""Keys retired as of a time, whenever their retirement began (a fault may delay a retirement, never invent one)."""
CURRENT_VIEWS = {
    "models": "SELECT * FROM models ORDER BY ALL",
    "endpoints": "SELECT * EXCLUDE (observed_since) FROM endpoints ORDER BY ALL",
    "benchmarks": "SELECT * EXCLUDE (observed_since) FROM benchmarks ORDER BY ALL",
}
"""What the warehouse says now; ``observed_since`` is left out: a fault may delay when a value was first seen."""


def environment(folder: Path, mirror: Mirror) -> dict[str, str]:
    """Settings of one warehouse synced from ``mirror``: short timeouts, a 1 MB cap, no politeness delay."""
    return {
        "MODELSYNC_WAREHOUSE": str(folder / "soak.duckdb"),
        "MODELSYNC_RAW_DIR": str(folder / "raw"),
        "ARTIFICIAL_ANALYSIS_API_KEY": "synthetic-soak-key",
        "MODELSYNC_READ_TIMEOUT_S": str(READ_TIMEOUT_S),
        "MODELSYNC_RESPONSE_TIMEOUT_S": str(RESPONSE_TIMEOUT_S),
        "MODELSYNC_MAX_BYTES": str(MAX_BYTES),
        "MODELSYNC_RETRY_WAIT_S": "6",
        **{f"MODELSYNC_{source.upper()}_RATE": "100" for source in SOURCES},
        **{f"MODELSYNC_{source.upper()}_BASE_URL": mirror.base_url for source in SOURCES},
    }


def clean_sync(settings: Settings, as_of: datetime) -> pipeline.RunResult:
    """The twin's sync: the pipeline steps of the ``sync`` flow, without Prefect."""
    run = pipeline.new_run("sync", settings.sources, pipeline.utc_now())
    started = pipeline.start_run(settings, run)
    parts = [pipeline.fetch_and_archive(settings, s, started.known, lambda: as_of, run_id=run.run_id)
             for s in settings.sources]  # fmt: skip
    archived = pipeline.merged(parts)
    parsed = pipeline.parse_archived(settings, run, archived.payloads, pipeline.utc_now())
    return pipeline.load_parsed(settings, run, archived, parsed, pipeline.utc_now())


def inject_faults(mirror: Mirror, foreign: Mirror, rng: random.Random, rate: float) -> dict[str, Fault]:
    """Script random faults on the served paths (on average ``rate`` of them); returns them by path.

    The fault is drawn first, uniformly, then a path it applies to: a fault that fits few
    URLs (``half_list`` fits models.dev's provider map only) is injected as often as any.
    """
    targets = {}
    for path in mirror.day_paths:
        mirror.script(path)  # yesterday's fault is over
        body, content_type = mirror.day_payload(path) or (b"", "application/json")
        targets[path] = Target(body, content_type, foreign.base_url, MAX_BYTES, READ_TIMEOUT_S, RESPONSE_TIMEOUT_S)
    injected: dict[str, Fault] = {}
    for _ in range(sum(rng.random() < rate for _ in targets)):
        fault = rng.choice(list(FAULTS.values()))
        free = [path for path, target in targets.items() if path not in injected and fault.applies(target)]
        if free:
            path = rng.choice(free)
            mirror.script(path, *fault.replies(targets[path]))
            injected[path] = fault
    return injected


def lost_payloads(
    con: duckdb.DuckDBPyConnection,
    raw: Path,
    result: pipeline.RunResult,
    *,
    served: list[tuple[str, int, str | None]],
    origins: dict[str, str],
    as_of: datetime,
) -> list[str]:
    """What this run lost: bodies sent whole but not archived, and archived payloads neither loaded nor quarantined."""
    failed = {url for url, _ in result.failed_urls}
    mine = [p for p in read_index(raw) if p.run_id == result.run_id]
    archived = {(p.url, p.status, p.sha256) for p in mine}
    lost = []
    for path, status, digest in served:
        if path not in origins:  # robots.txt: read, never archived
            continue
        url = origins[path] + path
        if url in failed:
            continue
        if status == 200 and (url, 200, digest) not in archived:
            lost.append(f"sent whole, not archived: {url}")
        if status == 304 and not any(u == url and s == 304 for u, s, _ in archived):
            lost.append(f"304, not archived: {url}")
    loaded = {
        (u, s) for u, s in con.execute("SELECT url, sha256 FROM payloads WHERE fetched_at = ?", [as_of]).fetchall()
    }
    refused = {
        (u, s) for u, s in con.execute("SELECT url, sha256 FROM quarantine WHERE fetched_at = ?", [as_of]).fetchall()
    }
    lost += [f"archived, not loaded: {p.url}" for p in mine if (p.url, p.sha256) not in loaded | refused]
    return lost


def retirements(con: duckdb.DuckDBPyConnection, at: datetime, sql: str) -> set[tuple[object, ...]]:
    """Keys of every entity that ``sql`` (RETIRED_AT or RETIRED_AS_OF) finds at ``at``."""
    return {
        row
        for entity, key in KEYS.items()
        for row in con.execute(sql.format(entity=entity, key=key), {"at": at}).fetchall()
    }


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextlib.contextmanager
def prefect_api() -> Iterator[None]:
    """The Prefect server in PREFECT_API_URL, or a temporary one for this process (about 12 s to start)."""
    if os.environ.get("PREFECT_API_URL"):
        yield
        return
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fault-rate", type=float, default=0.2, help="chance that a served URL gets a fault per run")
    args = parser.parse_args()
    from flows.jobs import SyncJob, run_sync

    rng = random.Random(args.seed)
    captures = read_manifest(DEMO_MANIFEST)
    dates = sorted({c.fetched_at for c in captures}, key=parse_rfc3339)
    origins = {urlsplit(c.url).path: f"{urlsplit(c.url).scheme}://{urlsplit(c.url).netloc}" for c in captures}
    statuses: Counter[str] = Counter()
    faults: Counter[str] = Counter()
    retries = violations = 0
    lost: list[str] = []
    false_retired: list[tuple[object, ...]] = []
    durations = []
    differ: list[str] = []
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="modelsync-soak-") as tmp, prefect_api(), \
            Mirror(captures) as mirror, Mirror(captures) as clean, Mirror() as foreign:  # fmt: skip
        faulted_env, twin_env = environment(Path(tmp) / "faulted", mirror), environment(Path(tmp) / "twin", clean)
        twin = settings_from_env(twin_env)
        print(f"soak: {args.runs} syncs of {len(origins)} URLs of 4 sources, fault rate {args.fault_rate:.0%}, "
              f"seed {args.seed}; warehouses in {tmp}", flush=True)  # fmt: skip
        for n in range(args.runs + 1):
            final = n == args.runs  # one last run without faults: the warehouses must then agree
            mirror.serve_day(dates[n % len(dates)])
            clean.serve_day(dates[n % len(dates)])
            injected = inject_faults(mirror, foreign, rng, 0.0 if final else args.fault_rate)
            faults.update(f.name for f in injected.values())
            as_of = START + timedelta(days=n)
            asked, sent = len(mirror.requests), len(mirror.served)
            started = time.perf_counter()
            result = run_sync(SyncJob(env_overrides=faulted_env, as_of=as_of, lock_holder="soak"))
            durations.append(time.perf_counter() - started)
            clean_sync(twin, as_of)
            statuses[result.status] += 1
            paths = Counter(path for path, _ in mirror.requests[asked:])
            retries += sum(count - 1 for count in paths.values())
            con = duckdb.connect(faulted_env["MODELSYNC_WAREHOUSE"], read_only=True)
            twin_con = duckdb.connect(twin_env["MODELSYNC_WAREHOUSE"], read_only=True)
            try:
                broken = history.invariant_violations(con)
                broken += [f"run left running: {r[0]}" for r in con.execute(history.INTERRUPTED_RUNS).fetchall()]
                violations += len(broken)
                run_lost = lost_payloads(con, Path(faulted_env["MODELSYNC_RAW_DIR"]), result,
                                         served=mirror.served[sent:], origins=origins, as_of=as_of)  # fmt: skip
                lost += run_lost
                wrong = sorted(
                    retirements(con, as_of, RETIRED_AT) - retirements(twin_con, as_of, RETIRED_AS_OF), key=str
                )
                false_retired += wrong
                if final:
                    differ = [v for v, sql in CURRENT_VIEWS.items()
                              if con.execute(sql).fetchall() != twin_con.execute(sql).fetchall()]  # fmt: skip
            finally:
                con.close()
                twin_con.close()
            shown = ", ".join(sorted(f.name for f in injected.values())) or "none"
            print(f"  run {n + 1:>3}: {result.status:<7} faults: {shown}", flush=True)
            for problem in [*broken, *run_lost, *(f"false retirement: {w}" for w in wrong)]:
                print(f"      PROBLEM: {problem}", flush=True)
    wall = time.perf_counter() - began
    print(f"\nruns done: {sum(statuses.values())} ({args.runs} with faults, then 1 without)")
    print("runs by status: " + ", ".join(f"{s} {statuses[s]}" for s in ("ok", "partial", "failed")))
    print(f"faults injected: {sum(faults.values())}, {len(faults)} of the {len(FAULTS)} kinds")
    for name, count in sorted(faults.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {name:<24} {count:>4}  ({FAULTS[name].kind})")
    print(f"retries (requests beyond the first per URL and run): {retries}")
    print(f"partial runs: {statuses['partial']}")
    print(f"invariant violations: {violations} (goal 0)")
    print(f"lost payloads: {len(lost)} (goal 0)")
    print(f"false retirements (retired here, not in the clean twin): {len(false_retired)} (goal 0)")
    converged = "yes" if not differ else "no: " + ", ".join(differ)
    print(f"after a fault-free run, current views equal the clean twin's: {converged}")
    print(f"sync wall time: median {statistics.median(durations):.2f} s, max {max(durations):.2f} s; "
          f"whole soak {wall / 60:.1f} min")  # fmt: skip
    print(f"peak memory (max RSS of this process): {peak_rss_mb():.0f} MB")
    return 0 if not (violations or lost or false_retired or differ) else 1


if __name__ == "__main__":
    sys.exit(main())
