"""Replay for backfill: which archived payloads to load, adopted into this archive, in chunks of one run each."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import duckdb

from flows.pipeline.base import LOADED_PAYLOADS, Archived, RunResult, utc_now
from flows.pipeline.load import load_parsed
from flows.pipeline.parse import parse_archived
from flows.pipeline.runs import start_run
from flows.settings import Settings
from warehouse import db
from warehouse.archive import ArchivedPayload, archive_payloads, object_path, read_body, read_index
from warehouse.history import KeyChanges, LoadCounts, RunRecord

BACKFILL_CHUNK_MAX = 5000  # payloads per backfill run at most: a date with more loads as several runs
PayloadT = TypeVar("PayloadT")


def loaded_payloads(settings: Settings) -> set[tuple[str, datetime, str]]:
    """``(url, fetched_at, sha256)`` of every payload the warehouse has loaded (read-only; empty without one)."""
    if not settings.warehouse.exists():
        return set()
    con = db.open_for_read(settings.warehouse)
    try:
        rows = con.execute(LOADED_PAYLOADS).fetchall()
    except duckdb.CatalogException:  # a file no load has migrated yet
        return set()
    finally:
        con.close()
    return {(url, fetched_at.astimezone(UTC), sha) for url, fetched_at, sha in rows}


def replay_payloads(
    settings: Settings,
    raw_dir: Path,
    since: datetime | None = None,
    until: datetime | None = None,
    sources: Sequence[str] = (),
    *,
    reload: bool = False,
) -> tuple[list[ArchivedPayload], int]:
    """Payloads of ``raw_dir`` in ``[since, until)`` to replay, oldest first, and how many were skipped as loaded.

    A payload the warehouse has loaded (same URL, time and sha256) is skipped unless ``reload``:
    that is what makes a stopped backfill resume where it stopped.
    """
    chosen = [
        p
        for p in read_index(raw_dir)
        if (since is None or p.fetched_at >= since)
        and (until is None or p.fetched_at < until)
        and (not sources or p.source in sources)
    ]
    chosen.sort(key=lambda p: (p.fetched_at, p.url))
    # The same fetch listed twice (an index replayed into itself) is one payload.
    unique = list({(p.url, p.fetched_at, p.sha256, p.status): p for p in chosen}.values())
    if reload:
        return unique, 0
    loaded = loaded_payloads(settings)
    fresh = [p for p in unique if (p.url, p.fetched_at, p.sha256) not in loaded]
    return fresh, len(unique) - len(fresh)


def adopt_payloads(
    settings: Settings, raw_dir: Path, payloads: Sequence[ArchivedPayload], run_id: str | None = None
) -> Archived:
    """``payloads`` of ``raw_dir`` as part of this warehouse's archive (copied when elsewhere: bodies once each).

    Copied index lines name ``run_id``, the run that adopts them, as the run that archived them here.
    """
    started = time.perf_counter()
    if raw_dir.resolve() != settings.raw_dir.resolve():
        ours = set()
        if (settings.raw_dir / "index.jsonl").exists():
            ours = {(p.url, p.fetched_at, p.sha256, p.status) for p in read_index(settings.raw_dir)}
        # Raw first: the payloads become part of this warehouse's archive (bodies once each) before parsing.
        new = [replace(p, run_id=run_id) for p in payloads if (p.url, p.fetched_at, p.sha256, p.status) not in ours]
        bodies: dict[str, bytes | None] = {
            p.sha256: None for p in new if not object_path(settings.raw_dir, p.sha256).exists()
        }
        items: list[tuple[ArchivedPayload, bytes | None]] = []
        for payload in new:
            if payload.sha256 in bodies and bodies[payload.sha256] is None:
                bodies[payload.sha256] = read_body(raw_dir, payload.sha256)
                items.append((payload, bodies[payload.sha256]))
            else:
                items.append((payload, None))
        archive_payloads(settings.raw_dir, items)
    return Archived(tuple(payloads), (), 0.0, time.perf_counter() - started)


def backfill_chunks(
    items: Sequence[PayloadT], fetched_at: Callable[[PayloadT], datetime], limit: int = BACKFILL_CHUNK_MAX
) -> list[tuple[str, list[PayloadT]]]:
    """Items grouped by the UTC date they were fetched (captured), oldest first: ``(label, items)``.

    Each group is one backfill run. A date with more than ``limit`` items is split into
    parts labelled ``2026-08-23#2``, ``#3``, ...
    """
    by_day: dict[str, list[PayloadT]] = {}
    for item in sorted(items, key=fetched_at):
        by_day.setdefault(f"{fetched_at(item).astimezone(UTC):%Y-%m-%d}", []).append(item)
    chunks = []
    for day, group in by_day.items():
        parts = [group[n : n + limit] for n in range(0, len(group), limit)]
        chunks += [(day if n == 0 else f"{day}#{n + 1}", part) for n, part in enumerate(parts)]
    return chunks


def chunk_run(base_id: str, label: str, sources: Iterable[str], now: datetime) -> RunRecord:
    """The run of one backfill chunk: ``<base id>-<yyyymmdd>[-<part>]``, or the base id for a chunk with no date."""
    suffix = label.replace("-", "").replace("#", "-")
    return RunRecord(run_id=f"{base_id}-{suffix}" if suffix else base_id, kind="backfill",
                     started_at=now, sources=tuple(sources))  # fmt: skip


def load_chunk(settings: Settings, run: RunRecord, archived: Archived) -> RunResult:
    """One backfill chunk as one run: recorded, parsed, then loaded in one transaction."""
    started = start_run(settings, run)
    parsed = parse_archived(settings, run, archived.payloads, utc_now())
    return replace(load_parsed(settings, run, archived, parsed, utc_now()), recovered=started.recovered)


def combined_result(run_id: str, results: Sequence[RunResult]) -> RunResult:
    """One result for a backfill's runs: counts summed, failures joined.

    ``ok`` when every run was; ``partial`` when some data landed despite a failure; else ``failed``.
    ``unmatched`` is the crosswalk's after the last run that landed.
    """
    statuses = {r.status for r in results}
    status = "ok" if statuses <= {"ok"} else "partial" if statuses & {"ok", "partial"} else "failed"
    keys: dict[str, KeyChanges] = {}
    for result in results:
        for entity, k in result.counts.keys.items():
            was = keys.get(entity, KeyChanges())
            keys[entity] = KeyChanges(was.new + k.new, was.changed + k.changed, was.retired + k.retired,
                                      was.unchanged + k.unchanged)  # fmt: skip
    counts = LoadCounts(
        payloads=sum(r.counts.payloads for r in results),
        observations=sum(r.counts.observations for r in results),
        new_versions=sum(r.counts.new_versions for r in results),
        measurements=sum(r.counts.measurements for r in results),
        quarantined=sum(r.counts.quarantined for r in results),
        keys=keys,
        unmatched=next((r.counts.unmatched for r in reversed(results) if r.status != "failed"), ()),
        incomplete=tuple(listing for r in results for listing in r.counts.incomplete),
    )
    failed_urls = tuple(f for r in results for f in r.failed_urls)
    failed = [f"{r.run_id}: {r.error}" for r in results if r.status == "failed" and r.error]
    error = "; ".join(failed) if failed else next((r.error for r in results if r.error), None)
    recovered = tuple(run for r in results for run in r.recovered)
    return RunResult(run_id, status, counts, failed_urls, error, recovered=recovered)
