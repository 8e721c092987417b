"""The Prefect flow ``sync``: coarse tasks (one per source fetch, one parse, one load).

Importing this module imports Prefect (over a second): only commands that
orchestrate do. Retries stay in the HTTP layer, never in task retries.
"""

# No `from __future__ import annotations` here: Prefect validates flow parameters from their
# annotations in the process that runs a deployment, where string annotations do not resolve.
import os

# Telemetry off before Prefect is imported: every server start would try to reach the network.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from prefect import Flow, flow, task
from prefect.cache_policies import NO_CACHE

from flows import pipeline, wayback
from flows.artifacts import publish_run_summary
from flows.lock import warehouse_lock
from flows.progress import fetch_progress, note, task_progress
from flows.settings import SOURCES, Settings, settings_from_env
from warehouse.archive import ArchivedPayload
from warehouse.history import RunRecord


@task(name="fetch-and-archive", cache_policy=NO_CACHE)
def fetch_and_archive_task(
    settings: Settings, source_id: str, known: dict[str, pipeline.Known], as_of: datetime | None, run_id: str
) -> pipeline.Archived:
    """Fetch one source and archive every payload (as ``run_id``'s) before anything parses it."""
    clock = (lambda: as_of) if as_of else pipeline.utc_now
    with fetch_progress(source_id) as progress:
        return pipeline.fetch_and_archive(settings, source_id, known, clock, progress, run_id=run_id)


@task(name="parse", cache_policy=NO_CACHE)
def parse_task(
    settings: Settings, run: RunRecord, archived: pipeline.Archived, recorded_at: datetime
) -> pipeline.ParsedRun:
    """Parse and validate every archived payload of the run."""
    return pipeline.parse_archived(settings, run, archived.payloads, recorded_at)


@task(name="load", cache_policy=NO_CACHE)
def load_task(
    settings: Settings, run: RunRecord, archived: pipeline.Archived, parsed: pipeline.ParsedRun
) -> pipeline.RunResult:
    """Load the run in one transaction and record how it ended."""
    return pipeline.load_parsed(settings, run, archived, parsed, pipeline.utc_now())


@task(name="read-archive", cache_policy=NO_CACHE)
def read_archive_task(
    settings: Settings,
    raw_dir: str,
    since: datetime | None,
    until: datetime | None,
    sources: Sequence[str],
    *,
    reload: bool,
) -> list[ArchivedPayload]:
    """Select archived payloads to replay: in the window, oldest first, not loaded yet (unless ``reload``)."""
    payloads, loaded = pipeline.replay_payloads(settings, Path(raw_dir), since, until, sources, reload=reload)
    note(f"backfill: {len(payloads)} payloads to load from {raw_dir}" + (f", {loaded} loaded before" if loaded else ""))
    return payloads


@task(name="replay-chunk", cache_policy=NO_CACHE)
def replay_chunk_task(
    settings: Settings, run: RunRecord, raw_dir: str, payloads: list[ArchivedPayload]
) -> pipeline.RunResult:
    """One date of a replay as one run: payloads copied into this archive if elsewhere, parsed, loaded."""
    return pipeline.load_chunk(settings, run, pipeline.adopt_payloads(settings, Path(raw_dir), payloads, run.run_id))


@task(name="wayback-list", cache_policy=NO_CACHE)
def wayback_list_task(
    settings: Settings, sources: Sequence[str], since: datetime | None, until: datetime | None, reload: bool
) -> wayback.WaybackPlan:
    """List the Internet Archive's captures of the sources' URLs that the warehouse has not loaded."""
    with task_progress("listing Internet Archive captures (CDX)") as progress:
        return wayback.plan_wayback(settings, sources, since, until, reload=reload, progress=progress)


@task(name="wayback-chunk", cache_policy=NO_CACHE)
def wayback_chunk_task(
    settings: Settings,
    run: RunRecord,
    planned: list[wayback.Planned],
    listing_failures: tuple[tuple[str, str], ...],
    advance: Callable[[int], None],
) -> pipeline.RunResult:
    """One capture date as one run: captures fetched and archived (unless held), parsed, loaded."""
    archived = wayback.fetch_captures(settings, planned, advance, run.run_id)
    archived = replace(archived, failures=(*archived.failures, *listing_failures))
    return pipeline.load_chunk(settings, run, archived)


Advance = Callable[[int], None]
RunResult = pipeline.RunResult
ChunkT = TypeVar("ChunkT", ArchivedPayload, wayback.Planned)


def _run_chunks(
    base_id: str,
    sources: Sequence[str],
    chunks: list[tuple[str, list[ChunkT]]],
    load: Callable[[RunRecord, list[ChunkT], bool, Advance], RunResult],
) -> list[RunResult]:
    """Load each chunk as its own run, oldest first, with a bar on a terminal and one line per run."""
    total = sum(len(part) for _, part in chunks)
    results = []
    with task_progress("backfill: loading payloads") as bar:
        done = 0

        def advance(count: int) -> None:
            nonlocal done
            done += count
            if bar:
                bar(done, total)

        for n, (label, part) in enumerate(chunks or [("", [])]):
            present = {item.source for item in part}
            run = pipeline.chunk_run(
                base_id, label, [s for s in sources if s in present] or sources, pipeline.utc_now()
            )
            result = load(run, part, n == max(len(chunks), 1) - 1, advance)
            counts = result.counts
            if label:
                note(
                    f"backfill {label}: run {result.run_id}: {result.status}; {counts.payloads} payloads, "
                    f"{counts.observations} new observations, {counts.new_versions} new versions"
                )
            results.append(result)
    return results


@flow(name="backfill", log_prints=True)
def backfill_flow(
    raw_dir: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    sources: Sequence[str] | None = None,
    env_overrides: Mapping[str, str] | None = None,
    *,
    from_wayback: bool = False,
    reload: bool = False,
) -> pipeline.RunResult:
    """Replay archived payloads (or the Internet Archive's captures) into history, one run per date, oldest first.

    Each date's run commits on its own, so a stopped backfill started again loads only what
    did not land (payloads already loaded are skipped unless ``reload``). Idempotent.
    """
    settings = settings_from_env(env_overrides)
    chosen = tuple(sources or SOURCES)
    base_id = pipeline.new_run("backfill", chosen, pipeline.utc_now()).run_id
    # Before planning: what a killed run archived is loaded under its own id, not planned again.
    recovered = pipeline.recover_interrupted(settings, base_id)
    if from_wayback:
        plan = wayback_list_task(settings, chosen, since, until, reload)
        chunks = pipeline.backfill_chunks(plan.captures, lambda p: p.fetched_at)

        def load_wayback(run: RunRecord, part: list[wayback.Planned], last: bool, advance: Advance) -> RunResult:
            return wayback_chunk_task(settings, run, part, plan.failures if last else (), advance)

        results = _run_chunks(base_id, chosen, chunks, load_wayback)
        skipped = plan.skipped
    else:
        raw = raw_dir or str(settings.raw_dir)
        payloads = read_archive_task(settings, raw, since, until, chosen, reload=reload)

        def load_replay(run: RunRecord, part: list[ArchivedPayload], last: bool, advance: Advance) -> RunResult:
            result = replay_chunk_task(settings, run, raw, part)
            advance(len(part))
            return result

        results = _run_chunks(base_id, chosen, pipeline.backfill_chunks(payloads, lambda p: p.fetched_at), load_replay)
        skipped = ()
    result = pipeline.combined_result(base_id, results)
    result = replace(result, skipped=skipped, recovered=(*recovered, *result.recovered))
    publish_run_summary(result, "backfill")
    return result


@flow(name="sync", log_prints=True)
def sync_flow(
    sources: Sequence[str] | None = None,
    env_overrides: Mapping[str, str] | None = None,
    as_of: datetime | None = None,
    take_lock: bool = False,
    lock_holder: str = "serve (scheduled sync)",
) -> pipeline.RunResult:
    """Fetch, archive, parse and load the named sources (all by default).

    ``as_of`` stamps fetches with a fixed time (the demo replays dated captures).
    ``take_lock`` takes the warehouse lock first, as ``lock_holder``, for runs no CLI
    command started (``modelsync serve``'s schedule, the demo); a held lock fails the
    run with its holder.
    """
    if take_lock:
        settings = settings_from_env(env_overrides)
        with warehouse_lock(settings.warehouse, lock_holder, pipeline.utc_now()):
            return _sync(sources, env_overrides, as_of)
    return _sync(sources, env_overrides, as_of)


def _sync(
    sources: Sequence[str] | None, env_overrides: Mapping[str, str] | None, as_of: datetime | None
) -> pipeline.RunResult:
    settings = settings_from_env(env_overrides)
    chosen, skipped = pipeline.runnable_sources(settings, tuple(sources or settings.sources))
    now = pipeline.utc_now()
    run = pipeline.new_run("sync", chosen, now)
    started = pipeline.start_run(settings, run)
    # The fan-out: sources fetch side by side, then parse side by side, on the flow's task runner
    # (threads, or Dask workers); the load stays here, the one writer.
    fetches = [fetch_and_archive_task.submit(settings, s, started.known, as_of, run.run_id) for s in chosen]
    parts = [future.result() for future in fetches]
    merged = pipeline.merged(parts)
    recorded_at = pipeline.utc_now()
    parses = [parse_task.submit(settings, run, part, recorded_at) for part in parts or [merged]]
    parsed = pipeline.merged_parsed([future.result() for future in parses])
    result = replace(load_task(settings, run, merged, parsed), skipped=tuple(skipped), recovered=started.recovered)
    publish_run_summary(result, "sync")
    return result


TASK_RUNNERS = ("threads", "dask")
DASK_CONNECT_TIMEOUT_S = 20


def sync_flow_on(task_runner: str = "threads", dask_address: str | None = None) -> Flow[..., pipeline.RunResult]:
    """``sync_flow`` with its fetch and parse fan-out on ``task_runner``.

    ``threads`` (the default) runs the tasks in this process; ``dask`` on Prefect's Dask task
    runner: the scheduler at ``dask_address``, else a local cluster (a worker process per core)
    started for the run and stopped after it.
    """
    if task_runner not in TASK_RUNNERS:
        raise ValueError(f"unknown task runner {task_runner!r}: choose one of {', '.join(TASK_RUNNERS)}")
    if task_runner == "threads":
        return sync_flow
    from prefect_dask.task_runners import DaskTaskRunner

    client = {"timeout": f"{DASK_CONNECT_TIMEOUT_S}s"}
    if dask_address:
        runner = DaskTaskRunner(address=dask_address, client_kwargs=client)
    else:
        runner = DaskTaskRunner(cluster_kwargs={"dashboard_address": None}, client_kwargs=client)
    return sync_flow.with_options(task_runner=runner)  # type: ignore[arg-type]  # Dask futures are Prefect futures
