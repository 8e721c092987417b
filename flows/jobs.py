"""The jobs ``sync`` and ``backfill``: their steps, and the one code path that runs them.

A job calls its steps through ``flows.steps.Steps``: plain calls when no Prefect server is
configured, a Prefect flow's tasks when one is (``flows.sync``). ``run_sync`` and
``run_backfill`` choose, so a one-off command never waits for a Prefect server to start.
Retries stay in the HTTP layer, never in the steps.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from flows import git_history, git_replay, pipeline, wayback
from flows.feeds.publish import publish_changes
from flows.lock import warehouse_lock
from flows.pipeline.load import MB
from flows.progress import fetch_progress, note, task_progress
from flows.settings import SOURCES, Settings, settings_from_env
from flows.steps import LocalSteps, Steps, check_prefect_api, prefect_api_url
from warehouse.archive import ArchivedPayload
from warehouse.history import RunRecord

RunResult = pipeline.RunResult
Advance = Callable[[int], None]
ChunkT = TypeVar("ChunkT", ArchivedPayload, wayback.Planned)


@dataclass(frozen=True)
class SyncJob:
    """What a sync is asked to do: ``as_of`` stamps fetches and their recording with a fixed time (the demo
    replays dated captures)."""

    sources: Sequence[str] | None = None
    env_overrides: Mapping[str, str] | None = None
    as_of: datetime | None = None
    lock_holder: str | None = None  # take the warehouse lock as this holder (serve, the demo); None: caller holds it


@dataclass(frozen=True)
class BackfillJob:
    """What a backfill is asked to replay: an archive (``raw_dir``, default this warehouse's) or the web archive."""

    raw_dir: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    sources: Sequence[str] | None = None
    env_overrides: Mapping[str, str] | None = None
    from_wayback: bool = False
    reload: bool = False
    git: GitHistory | None = None  # replay a git-scraped history into this archive first
    run_mb: float = 0.0  # consecutive dates share a run up to this many MB of payloads (0: MODELSYNC_BACKFILL_RUN_MB)


@dataclass(frozen=True)
class GitHistory:
    """``backfill --git``: the repository (clone, bundle or URL), the path in it, the URL it mirrors."""

    repo: str
    path: str
    as_url: str | None = None
    source: str | None = None  # the source the file feeds (--source): its URL, when --as names none


# The steps: plain functions; Prefect shows each as a task named after it (flows.steps.step_name).


def fetch_and_archive(
    settings: Settings, source_id: str, known: dict[str, pipeline.Known], as_of: datetime | None, run_id: str
) -> pipeline.Archived:
    """Fetch one source and archive every payload (as ``run_id``'s) before anything parses it."""
    clock = (lambda: as_of) if as_of else pipeline.utc_now
    with fetch_progress(source_id) as progress:
        return pipeline.fetch_and_archive(settings, source_id, known, clock, progress, run_id=run_id)


def parse(settings: Settings, run: RunRecord, archived: pipeline.Archived, recorded_at: datetime) -> pipeline.ParsedRun:
    """Parse and validate every archived payload of the run."""
    return pipeline.parse_archived(settings, run, archived.payloads, recorded_at)


def load(settings: Settings, run: RunRecord, archived: pipeline.Archived, parsed: pipeline.ParsedRun) -> RunResult:
    """Load the run in one transaction and record how it ended."""
    return pipeline.load_parsed(settings, run, archived, parsed, pipeline.utc_now())


def git_plan(settings: Settings, job: BackfillJob) -> git_replay.GitPlan:
    """Read the repository's first-parent history of the path: the commits the archive lacks."""
    assert job.git is not None
    plan = git_replay.plan_git(
        job.git.repo, job.git.path, job.git.as_url or source_url(job.git), cache_root=git_cache(settings),
        archived=git_replay.archived_commits(settings.raw_dir), source_of=git_source, trees=git_trees(),
        since=job.since, until=job.until,
    )  # fmt: skip
    if job.git.source is not None and plan.source != job.git.source:
        raise git_history.GitHistoryError(f"{plan.url} is served by {plan.source}, not --source {job.git.source}")
    held = f", {plan.archived} archived before" if plan.archived else ""
    note(f"backfill --git: {plan.commits} commits changed {plan.path}; {len(plan.payloads)} to archive{held}")
    return plan


def git_archive(settings: Settings, plan: git_replay.GitPlan, run_id: str) -> int:
    """Archive the plan's files as payloads (origin ``git``); returns how many."""
    with task_progress("backfill --git: archiving commits") as bar:
        advance = _counted(bar, len(plan.payloads))
        stored = git_replay.archive_git(settings.raw_dir, plan, run_id, advance, int(settings.load_batch_mb * MB))
    return len(stored)


def _counted(bar: Callable[[int, int], None] | None, total: int) -> Advance:
    """An ``advance(count)`` that adds up the counts and draws them on ``bar`` (when there is one) out of ``total``."""
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if bar:
            bar(done, total)

    return advance


def git_cache(settings: Settings) -> Path:
    """Where clones of bundles and URLs are kept: beside the archive."""
    return settings.raw_dir.parent / f"{settings.raw_dir.name}-git"


def source_url(git: GitHistory) -> str | None:
    """The URL a file of no known path mirrors when ``--source`` names what it feeds: the source's first seed."""
    if git.source is None or git_history.default_url(git.path) or git.path.rstrip("/") + "/" in git_trees():
        return None
    from extractors.registry import source_specs

    seeds = source_specs()[git.source].seeds
    return seeds[0] if seeds else None


def git_trees() -> dict[str, git_replay.Tree]:
    """The trees of files sources read from git, by the folder ``--path`` names (models.dev: ``providers/``)."""
    from extractors.registry import source_specs

    return {
        spec.tree.folders[0]: git_replay.Tree(spec.tree.folders, spec.tree.suffix, spec.tree.url_base)
        for spec in source_specs().values()
        if spec.tree is not None
    }


def git_source(url: str) -> str:
    """The id of the source serving ``url``; a GitHistoryError naming the URL when none does."""
    from extractors.registry import UnknownURL, payload_kind_for

    try:
        return payload_kind_for(url)[0].id
    except UnknownURL as e:
        raise git_history.GitHistoryError(str(e)) from None


def read_archive(settings: Settings, raw_dir: str, job: BackfillJob) -> pipeline.ReplayPlan:
    """Plan the replay, date by date: payloads in the job's window, oldest first, not loaded yet (unless ``reload``)."""
    sources = tuple(job.sources or SOURCES)
    plan = pipeline.replay_plan(settings, Path(raw_dir), job.since, job.until, sources, reload=job.reload,
                                run_bytes=(job.run_mb or settings.backfill_run_mb) * MB)  # fmt: skip
    loaded = f", {plan.loaded} loaded before" if plan.loaded else ""
    note(f"backfill: {plan.payloads} payloads to load from {raw_dir}{loaded}")
    return plan


def replay_chunk(
    settings: Settings, run: RunRecord, raw_dir: str, payloads: list[ArchivedPayload],
    archived_here: Collection[pipeline.FetchKey],
) -> RunResult:  # fmt: skip
    """One date of a replay as one run: payloads copied into this archive if elsewhere (unless
    ``archived_here``, the plan's), parsed, loaded."""
    adopted = pipeline.adopt_payloads(settings, Path(raw_dir), payloads, run.run_id, archived_here)
    return pipeline.load_chunk(settings, run, adopted)


def wayback_list(
    settings: Settings, sources: Sequence[str], since: datetime | None, until: datetime | None, reload: bool
) -> wayback.WaybackPlan:
    """List the Internet Archive's captures of the sources' URLs that the warehouse has not loaded."""
    with task_progress("listing Internet Archive captures (CDX)") as progress:
        return wayback.plan_wayback(settings, sources, since, until, reload=reload, progress=progress)


def wayback_chunk(
    settings: Settings, run: RunRecord, planned: list[wayback.Planned], listing_failures: tuple[tuple[str, str], ...],
    advance: Advance,
) -> RunResult:  # fmt: skip
    """One capture date as one run: captures fetched and archived (unless held), parsed, loaded."""
    archived = wayback.fetch_captures(settings, planned, advance, run.run_id)
    archived = replace(archived, failures=(*archived.failures, *listing_failures))
    return pipeline.load_chunk(settings, run, archived)


# The jobs: the one code path, whatever runs the steps.


def sync_job(steps: Steps, job: SyncJob) -> RunResult:
    """Fetch, archive, parse and load the job's sources (all enabled by default), under the lock if asked."""
    settings = settings_from_env(job.env_overrides)
    held = warehouse_lock(settings.warehouse, job.lock_holder, pipeline.utc_now()) if job.lock_holder else nullcontext()
    with held:
        chosen, skipped = pipeline.runnable_sources(settings, tuple(job.sources or settings.sources))
        run = pipeline.new_run("sync", chosen, pipeline.utc_now())
        started = pipeline.start_run(settings, run)
        # The fan-out: sources fetch side by side, then parse side by side (threads, or Dask
        # workers under Prefect); the load stays here, the one writer.
        fetches = [steps.submit(fetch_and_archive, settings, s, started.known, job.as_of, run.run_id) for s in chosen]
        parts = [future.result() for future in fetches]
        merged = pipeline.merged(parts)
        # A replay of dated captures (the demo) learns each date's facts at that date, so
        # `known_at` questions about it read as they would have then.
        recorded_at = job.as_of or pipeline.utc_now()
        parses = [steps.submit(parse, settings, run, part, recorded_at) for part in parts or [merged]]
        parsed = pipeline.merged_parsed([future.result() for future in parses])
        loaded = steps.call(load, settings, run, merged, parsed)
        result = replace(loaded, skipped=tuple(skipped), recovered=started.recovered)
        # Still under the lock: the feeds are rewritten by one writer at a time. A replay (as_of) records its
        # facts at that time, so its changes are those recorded from then on.
        publish_changes(settings, result, job.as_of or run.started_at)
    return result


def backfill_job(steps: Steps, job: BackfillJob) -> RunResult:
    """Replay archived payloads (or the Internet Archive's captures) into history, one run per date, oldest first.

    Each date's run commits on its own, so a stopped backfill started again loads only what
    did not land (payloads already loaded are skipped unless ``reload``). Idempotent. With
    nothing to load, no run is recorded (the result's ``run_id`` is empty).
    """
    settings = settings_from_env(job.env_overrides)
    chosen = tuple(job.sources or SOURCES)
    began = pipeline.utc_now()
    base_id = pipeline.new_run("backfill", chosen, began).run_id
    # Before planning: what a killed run archived is loaded under its own id, not planned again.
    recovered = pipeline.recover_interrupted(settings, base_id)
    if job.git is not None:  # archived first, then replayed from this archive like any backfill
        history = steps.call(git_plan, settings, job)
        steps.call(git_archive, settings, history, base_id)
        # A history has a commit or two a date: its dates share runs, a load batch each (the same history, in far
        # fewer loads: LiteLLM's 640 commits 299 s -> 112 s). A bad commit holds back its run's other dates.
        job = replace(job, git=None, raw_dir=None, sources=[history.source], run_mb=settings.load_batch_mb)
        chosen = (history.source,)
    if job.from_wayback:
        plan = steps.call(wayback_list, settings, chosen, job.since, job.until, job.reload)
        chunks = pipeline.backfill_chunks(plan.captures, lambda p: p.fetched_at)

        def load_wayback(run: RunRecord, part: list[wayback.Planned], last: bool, advance: Advance) -> RunResult:
            return steps.call(wayback_chunk, settings, run, part, plan.failures if last else (), advance)

        results = _run_chunks(base_id, chosen, chunks, load_wayback, total=len(plan.captures), runs=len(chunks),
                              record_empty=bool(plan.failures))  # fmt: skip
        skipped = plan.skipped
    else:
        raw = job.raw_dir or str(settings.raw_dir)
        replay = steps.call(read_archive, settings, raw, job)

        def load_replay(run: RunRecord, part: list[ArchivedPayload], last: bool, advance: Advance) -> RunResult:
            result = steps.call(replay_chunk, settings, run, raw, part, replay.archived_here)
            advance(len(part))
            return result

        # One date's payloads are read from the index as its runs come up: never the whole window's.
        results = _run_chunks(base_id, chosen, replay.chunks(), load_replay, total=replay.payloads, runs=replay.runs,
                              record_empty=False)  # fmt: skip
        skipped = ()
    result = pipeline.combined_result(base_id if results else "", results)
    result = replace(result, skipped=skipped, recovered=(*recovered, *result.recovered))
    publish_changes(settings, result, began)  # the caller holds the lock
    return result


def _run_chunks(
    base_id: str,
    sources: Sequence[str],
    chunks: Iterable[tuple[str, list[ChunkT]]],
    load_one: Callable[[RunRecord, list[ChunkT], bool, Advance], RunResult],
    *,
    total: int,
    runs: int,
    record_empty: bool,
) -> list[RunResult]:
    """Load each chunk as its own run, oldest first, with a bar on a terminal and one line per run.

    ``chunks`` may be read lazily (a replay reads a date at a time): ``total`` items in ``runs``
    chunks say how far the bar goes and which chunk is the last. With no chunks, one empty run
    is recorded only when ``record_empty`` (it carries failures).
    """
    if not runs and not record_empty:
        return []
    results = []
    with task_progress("backfill: loading payloads") as bar:
        advance = _counted(bar, total)
        empty: list[tuple[str, list[ChunkT]]] = [("", [])]
        for n, (label, part) in enumerate(chunks if runs else empty):
            present = {item.source for item in part}
            ran = [s for s in sources if s in present] or sources
            run = pipeline.chunk_run(base_id, label, ran, pipeline.utc_now())
            result = load_one(run, part, n == max(runs, 1) - 1, advance)
            counts = result.counts
            if label:
                loaded = pipeline.counts_line(counts, measurements=False)
                note(f"backfill {label}: run {result.run_id}: {result.status}; {loaded}")
            results.append(result)
    return results


# Choosing where the steps run.


def run_sync(job: SyncJob, task_runner: str = "threads", dask_address: str | None = None) -> RunResult:
    """Run a sync: plain calls with no Prefect server configured; a Prefect flow with one, or on Dask."""
    api = prefect_api_url()
    if task_runner == "threads" and not api:
        with LocalSteps() as steps:
            return sync_job(steps, job)
    if api:
        check_prefect_api(api)  # before anything is recorded: a server that is down says so in one line
    from flows.sync import run_flow, sync_flow_on

    return run_flow(sync_flow_on(task_runner, dask_address), job=job)


def run_backfill(job: BackfillJob) -> RunResult:
    """Run a backfill: plain calls with no Prefect server configured; a Prefect flow with one."""
    api = prefect_api_url()
    if not api:
        with LocalSteps() as steps:
            return backfill_job(steps, job)
    check_prefect_api(api)
    from flows.sync import backfill_flow, run_flow

    return run_flow(backfill_flow, job=job)
