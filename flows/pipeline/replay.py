"""Replay for backfill: which archived payloads to load, adopted into this archive, in chunks of one run each."""

from __future__ import annotations

import time
from array import array
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import duckdb

from flows.pipeline.base import LOADED_PAYLOADS, Archived, RunResult
from flows.pipeline.load import parse_and_load
from flows.pipeline.runs import start_run
from flows.settings import Settings
from warehouse import db
from warehouse.archive import (
    ArchivedPayload,
    archive_payloads,
    index_entries,
    object_path,
    read_body,
    read_index,
    read_index_at,
)
from warehouse.history import KeyChanges, LoadCounts, RunRecord

FetchKey = tuple[str, datetime, str, int]
"""One fetch as an index names it: URL, time, body sha256, HTTP status."""
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


@dataclass(frozen=True)
class ReplayPlan:
    """What a backfill replays from an archive: per UTC date, oldest first, where its payloads' index lines are.

    A plan holds byte offsets in ``raw_dir``'s index (8 bytes a payload), not payloads: a
    date's payloads are read when its runs load (``days``, ``chunks``), so a backfill holds
    one date at a time however long its window (issue 18: a year's plan of 365,365
    payloads held as objects was about 200 MB).
    """

    raw_dir: Path
    dates: tuple[tuple[str, array[int]], ...]  # (yyyy-mm-dd, offsets of the date's payloads to load, in load order)
    loaded: int = 0  # payloads of the window skipped as loaded before
    limit: int = BACKFILL_CHUNK_MAX  # payloads per run at most: a date with more loads as several runs
    archived_here: frozenset[FetchKey] = frozenset()  # planned payloads this warehouse's archive already names
    sizes: tuple[int, ...] = ()  # bytes of each date's payloads, as ``dates``
    run_bytes: float = 0.0  # consecutive dates share a run while their payloads add up to no more (0: a run a date)

    @property
    def payloads(self) -> int:
        """How many payloads the plan loads."""
        return sum(len(offsets) for _, offsets in self.dates)

    @property
    def runs(self) -> int:
        """How many runs (chunks) the plan loads in."""
        return sum(1 if len(group) > 1 else -(-len(group[0][1]) // self.limit) for group in self._groups())

    def days(self) -> Iterator[tuple[str, list[ArchivedPayload]]]:
        """Each date and its payloads, oldest first, read from the index one date at a time."""
        for day, offsets in self.dates:
            yield day, read_index_at(self.raw_dir, offsets)

    def chunks(self) -> Iterator[tuple[str, list[ArchivedPayload]]]:
        """``(label, payloads)`` of each run, oldest first, its dates read when it comes up.

        A run is one date (``2026-08-23``; a date of over ``limit`` payloads is split into
        ``2026-08-23#2``, ...), or with ``run_bytes``, consecutive dates whose payloads add up to
        no more (``2026-08-01..2026-08-05``): fewer, larger loads, the same history.
        """
        for group in self._groups():
            if len(group) == 1:
                day, offsets = group[0]
                yield from _date_parts(day, read_index_at(self.raw_dir, offsets), self.limit)
            else:
                payloads = [p for _, offsets in group for p in read_index_at(self.raw_dir, offsets)]
                yield f"{group[0][0]}..{group[-1][0]}", payloads

    def _groups(self) -> list[list[tuple[str, array[int]]]]:
        """The dates, grouped into runs: alone, or consecutive while within ``run_bytes`` and ``limit``."""
        groups: list[list[tuple[str, array[int]]]] = []
        size = count = 0
        for (day, offsets), day_bytes in zip(self.dates, self.sizes or [0] * len(self.dates), strict=True):
            joins = groups and size + day_bytes <= self.run_bytes and count + len(offsets) <= self.limit
            if not joins:
                groups.append([])
                size = count = 0
            groups[-1].append((day, offsets))
            size += day_bytes
            count += len(offsets)
        return groups


def replay_plan(
    settings: Settings,
    raw_dir: Path,
    since: datetime | None = None,
    until: datetime | None = None,
    sources: Sequence[str] = (),
    *,
    reload: bool = False,
    limit: int = BACKFILL_CHUNK_MAX,
    run_bytes: float = 0.0,
) -> ReplayPlan:
    """The payloads of ``raw_dir`` in ``[since, until)`` to replay, by date, and how many were skipped as loaded.

    A payload the warehouse has loaded (same URL, time and sha256) is skipped unless ``reload``:
    that is what makes a stopped backfill resume where it stopped. The index is read once for
    the dates, then a date at a time (with the warehouse's payloads of that date) to drop
    duplicates and what was loaded, so the plan's memory is its offsets. When ``raw_dir`` is
    another archive, this warehouse's own index is read once too, for the planned payloads it
    already names (``archived_here``: not copied again, see ``adopt_payloads``).
    """
    by_day: dict[str, array[int]] = {}
    for offset, p in index_entries(raw_dir):
        if (since is None or p.fetched_at >= since) and (until is None or p.fetched_at < until) \
                and (not sources or p.source in sources):  # fmt: skip
            by_day.setdefault(_utc_day(p.fetched_at), array("q")).append(offset)
    here = _named_here(settings, raw_dir, since, until, sources)
    con = None if reload else _open_loaded(settings)
    try:
        dates, sizes, skipped, archived_here = [], [], 0, set()
        for day in sorted(by_day):
            fresh, loaded, named, size = _fresh_of_day(raw_dir, by_day.pop(day), con, day, here)
            skipped += loaded
            archived_here |= named
            if fresh:
                dates.append((day, fresh))
                sizes.append(size)
    finally:
        if con is not None:
            con.close()
    return ReplayPlan(raw_dir, tuple(dates), skipped, limit, frozenset(archived_here), tuple(sizes), run_bytes)


def _named_here(
    settings: Settings, raw_dir: Path, since: datetime | None, until: datetime | None, sources: Sequence[str]
) -> set[FetchKey]:
    """The fetches in the window that this warehouse's own archive names, when ``raw_dir`` is another archive."""
    if raw_dir.resolve() == settings.raw_dir.resolve() or not (settings.raw_dir / "index.jsonl").exists():
        return set()
    return {
        (p.url, p.fetched_at, p.sha256, p.status)
        for p in read_index(settings.raw_dir)
        if (since is None or p.fetched_at >= since)
        and (until is None or p.fetched_at < until)
        and (not sources or p.source in sources)
    }


def _fresh_of_day(
    raw_dir: Path, offsets: array[int], con: duckdb.DuckDBPyConnection | None, day: str, here: set[FetchKey]
) -> tuple[array[int], int, set[FetchKey], int]:
    """A date's index lines in load order (by time, then URL), one per fetch, without those loaded before.

    Returns their offsets, how many of the date's fetches were skipped as loaded, which of
    those left ``here`` (this warehouse's archive) names already, and their bytes.
    """
    entries = sorted(zip(read_index_at(raw_dir, offsets), offsets, strict=True),
                     key=lambda e: (e[0].fetched_at, e[0].url))  # fmt: skip
    # The same fetch listed twice (an index replayed into itself) is one payload: its last line, at its first place.
    unique = {(p.url, p.fetched_at, p.sha256, p.status): offset for p, offset in entries}
    loaded = _loaded_on(con, day) if con is not None else set()
    kept = {key: offset for key, offset in unique.items() if key[:3] not in loaded}
    kept_offsets = set(kept.values())
    size = sum(p.bytes for p, offset in entries if offset in kept_offsets)
    return array("q", kept.values()), len(unique) - len(kept), here & kept.keys(), size


def _open_loaded(settings: Settings) -> duckdb.DuckDBPyConnection | None:
    """A read-only connection to ask which payloads the warehouse has loaded; None when it has none."""
    if not settings.warehouse.exists():
        return None
    con = db.open_for_read(settings.warehouse)
    try:
        con.execute(f"{LOADED_PAYLOADS} LIMIT 0")
    except duckdb.CatalogException:  # a file no load has migrated yet
        con.close()
        return None
    return con


def _loaded_on(con: duckdb.DuckDBPyConnection, day: str) -> set[tuple[str, datetime, str]]:
    """``(url, fetched_at, sha256)`` of the payloads fetched on this UTC date that the warehouse has loaded."""
    start = datetime.fromisoformat(day).replace(tzinfo=UTC)
    rows = con.execute(f"{LOADED_PAYLOADS} WHERE fetched_at >= ? AND fetched_at < ?",
                       [start, start + timedelta(days=1)]).fetchall()  # fmt: skip
    return {(url, fetched_at.astimezone(UTC), sha) for url, fetched_at, sha in rows}


def _utc_day(at: datetime) -> str:
    """The UTC date of a time, ``yyyy-mm-dd``: a backfill's unit."""
    return f"{at.astimezone(UTC):%Y-%m-%d}"


def adopt_payloads(
    settings: Settings,
    raw_dir: Path,
    payloads: Sequence[ArchivedPayload],
    run_id: str | None = None,
    archived_here: Collection[FetchKey] | None = None,
) -> Archived:
    """``payloads`` of ``raw_dir`` as part of this warehouse's archive (copied when elsewhere: bodies once each).

    Copied index lines name ``run_id``, the run that adopts them, as the run that archived them here.
    ``archived_here`` are those this archive names already (a plan's); None reads its whole index.
    """
    started = time.perf_counter()
    if raw_dir.resolve() != settings.raw_dir.resolve():
        ours = archived_here
        if ours is None:
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
        by_day.setdefault(_utc_day(fetched_at(item)), []).append(item)
    return [chunk for day, group in by_day.items() for chunk in _date_parts(day, group, limit)]


def _date_parts(day: str, group: list[PayloadT], limit: int) -> list[tuple[str, list[PayloadT]]]:
    """A date's items as runs of at most ``limit``: labelled ``2026-08-23``, then ``2026-08-23#2``, ..."""
    parts = [group[n : n + limit] for n in range(0, len(group), limit)]
    return [(day if n == 0 else f"{day}#{n + 1}", part) for n, part in enumerate(parts)]


def chunk_run(base_id: str, label: str, sources: Iterable[str], now: datetime) -> RunRecord:
    """The run of one backfill chunk: ``<base id>-<yyyymmdd>[-<part> | -<last yyyymmdd>]``, or the base id for a
    chunk with no date."""
    suffix = label.replace("-", "").replace("..", "-").replace("#", "-")
    return RunRecord(run_id=f"{base_id}-{suffix}" if suffix else base_id, kind="backfill",
                     started_at=now, sources=tuple(sources))  # fmt: skip


def load_chunk(settings: Settings, run: RunRecord, archived: Archived) -> RunResult:
    """One backfill chunk as one run: recorded, parsed, then loaded in one transaction (a batch at a time)."""
    started = start_run(settings, run)
    return replace(parse_and_load(settings, run, archived), recovered=started.recovered)


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
    drift = tuple(sorted({seen for r in results for seen in r.drift}))
    return RunResult(run_id, status, counts, failed_urls, error, recovered=recovered, drift=drift)
