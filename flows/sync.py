"""The Prefect flow ``sync``: coarse tasks (one per source fetch, one parse, one load).

Importing this module imports Prefect (over a second): only commands that
orchestrate do. Retries stay in the HTTP layer, never in task retries.
"""

from __future__ import annotations

import os

# Telemetry off before Prefect is imported: every server start would try to reach the network.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows import pipeline
from flows.artifacts import publish_run_summary
from flows.progress import fetch_progress
from flows.settings import SOURCES, Settings, settings_from_env
from warehouse.history import RunRecord


@task(name="fetch-and-archive", cache_policy=NO_CACHE)
def fetch_and_archive_task(
    settings: Settings, source_id: str, known: dict[str, pipeline.Known], as_of: datetime | None
) -> pipeline.Archived:
    """Fetch one source and archive every payload before anything parses it."""
    clock = (lambda: as_of) if as_of else pipeline.utc_now
    with fetch_progress(source_id) as progress:
        return pipeline.fetch_and_archive(settings, source_id, known, clock, progress)


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
    settings: Settings, raw_dir: str, since: datetime | None, until: datetime | None, sources: Sequence[str]
) -> pipeline.Archived:
    """Select archived payloads to replay (copied into this warehouse's archive when elsewhere)."""
    return pipeline.archived_for_backfill(settings, Path(raw_dir), since, until, sources)


@flow(name="backfill", log_prints=True)
def backfill_flow(
    raw_dir: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    sources: Sequence[str] | None = None,
    env_overrides: Mapping[str, str] | None = None,
) -> pipeline.RunResult:
    """Replay archived payloads through parse and load, oldest first; idempotent."""
    settings = settings_from_env(env_overrides)
    chosen = tuple(sources or SOURCES)
    now = pipeline.utc_now()
    run = pipeline.new_run("backfill", chosen, now)
    pipeline.start_run(settings, run)
    archived = read_archive_task(settings, raw_dir or str(settings.raw_dir), since, until, chosen)
    parsed = parse_task(settings, run, archived, pipeline.utc_now())
    result = load_task(settings, run, archived, parsed)
    publish_run_summary(result, "backfill")
    return result


@flow(name="sync", log_prints=True)
def sync_flow(
    sources: Sequence[str] | None = None,
    env_overrides: Mapping[str, str] | None = None,
    as_of: datetime | None = None,
) -> pipeline.RunResult:
    """Fetch, archive, parse and load the named sources (all by default).

    ``as_of`` stamps fetches with a fixed time (the demo replays dated captures).
    """
    settings = settings_from_env(env_overrides)
    chosen, skipped = pipeline.runnable_sources(settings, tuple(sources or settings.sources))
    now = pipeline.utc_now()
    run = pipeline.new_run("sync", chosen, now)
    known = pipeline.start_run(settings, run)
    archived = [fetch_and_archive_task(settings, source_id, known, as_of) for source_id in chosen]
    merged = pipeline.Archived(
        payloads=tuple(p for a in archived for p in a.payloads),
        failures=tuple(f for a in archived for f in a.failures),
        fetch_s=sum(a.fetch_s for a in archived),
        archive_s=sum(a.archive_s for a in archived),
    )
    parsed = parse_task(settings, run, merged, pipeline.utc_now())
    result = replace(load_task(settings, run, merged, parsed), skipped=tuple(skipped))
    publish_run_summary(result, "sync")
    return result
