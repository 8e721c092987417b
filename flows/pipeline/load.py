"""Load a parsed run into the warehouse in one transaction and record how it ended.

A run of more payloads than ``Settings.load_batch_mb`` is parsed and loaded a batch at a time
(``parse_and_load``), still in one transaction: memory holds one batch, not the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import datetime

import duckdb

from flows.pipeline.base import INTERRUPTED, Archived, RunResult, utc_now
from flows.pipeline.hooks import MIGRATION_HOOKS
from flows.pipeline.parse import ParsedRun, parse_archived, too_many_quarantined
from flows.settings import Settings
from warehouse import db, history
from warehouse.archive import ArchivedPayload
from warehouse.history import LoadBatch, LoadCounts, RunRecord
from warehouse.history.batches import load_batches

LOAD_WAIT_S = 60.0
MB = 1_000_000
FIRST_SEEN_DRIFT = """
SELECT DISTINCT d.source, d.kind, d.path FROM drift_observations d
WHERE d.run_id = $run AND NOT EXISTS (
    SELECT 1 FROM drift_observations o WHERE o.source = d.source AND o.kind = d.kind AND o.path = d.path
        AND o.run_id <> $run)
ORDER BY ALL
"""
"""The schema drift a run recorded that no other run had: what its summary names (``schema_drift`` has it all)."""


def load_parsed(
    settings: Settings,
    run: RunRecord,
    archived: Archived,
    parsed: ParsedRun,
    now: datetime,
    *,
    interrupted_by: str | None = None,
) -> RunResult:
    """Load a parsed run in one transaction and record how it ended (failed loads roll back whole).

    ``interrupted_by`` names the run finishing this one for a dead process: it cannot end ``ok``.
    """
    error = None
    if parsed.too_many_quarantined(settings.max_quarantined_fraction):
        error = _quarantine_error(settings, parsed.rows_quarantined, parsed.rows)
        parsed = parsed.without_data()
    finished = _finished(run, archived, parsed.failures, has_rows=_has_rows(parsed), parse_s=parsed.parse_s,
                         error=error, now=now, interrupted_by=interrupted_by)  # fmt: skip

    def load(con: duckdb.DuckDBPyConnection) -> LoadCounts:
        return history.load_batch(con, replace(parsed.batch, run=finished))

    return _load(settings, now, interrupted_by, load, lambda: (finished, 0.0))


def parse_and_load(
    settings: Settings, run: RunRecord, archived: Archived, *, interrupted_by: str | None = None
) -> RunResult:
    """Parse a run's archived payloads and load them in one transaction, as ``parse_archived`` then
    ``load_parsed`` do, a batch of at most ``settings.load_batch_mb`` of payloads at a time.

    A run that fits one batch is parsed before the warehouse is opened, as a sync is. A larger
    one is parsed batch by batch, oldest payloads first, inside its load transaction, so memory
    holds one batch whatever the run's size.
    """
    # The same fetch listed twice (a manifest naming a file twice) is one payload, whichever batch it falls in.
    payloads = list({(p.url, p.fetched_at, p.sha256, p.status): p for p in archived.payloads}.values())
    batches = payload_batches(payloads, settings.load_batch_mb * MB)
    if len(batches) <= 1:
        parsed = parse_archived(settings, run, payloads, utc_now(), archived.bodies)
        return load_parsed(settings, run, archived, parsed, utc_now(), interrupted_by=interrupted_by)
    return _load_batched(settings, run, archived, batches, interrupted_by)


def payload_batches(payloads: Sequence[ArchivedPayload], limit_bytes: float) -> list[list[ArchivedPayload]]:
    """Payloads oldest first, in batches of at most ``limit_bytes`` of bodies (a larger payload is a batch alone)."""
    batches: list[list[ArchivedPayload]] = []
    size = 0.0
    for payload in sorted(payloads, key=lambda p: (p.fetched_at, p.url)):
        if not batches or size + payload.bytes > limit_bytes:
            batches.append([])
            size = 0.0
        batches[-1].append(payload)
        size += payload.bytes
    return [batch for batch in batches if batch]


def run_status(failures: Sequence[tuple[str, str]], observations_loaded: bool) -> str:
    """``ok`` without failures; ``partial`` when some data landed despite them; else ``failed``."""
    if not failures:
        return "ok"
    return "partial" if observations_loaded else "failed"


@dataclass
class _Tally:
    """What the batches of a run parsed so far add up to."""

    failures: list[tuple[str, str]] = field(default_factory=list)
    rows: int = 0
    rows_quarantined: int = 0
    parse_s: float = 0.0
    has_rows: bool = False

    def add(self, parsed: ParsedRun) -> None:
        self.failures += parsed.failures
        self.rows += parsed.rows
        self.rows_quarantined += parsed.rows_quarantined
        self.parse_s += parsed.parse_s
        self.has_rows = self.has_rows or _has_rows(parsed)


class _TooManyQuarantined(Exception):
    """The run's batches, all parsed, quarantined too many rows: its data must not land."""


def _load_batched(
    settings: Settings,
    run: RunRecord,
    archived: Archived,
    batches: Sequence[Sequence[ArchivedPayload]],
    interrupted_by: str | None,
) -> RunResult:
    """Parse and load ``batches`` in one transaction; past the quarantine threshold, land only the quarantine.

    The threshold is the whole run's, known after its last batch: then the transaction rolls
    back and the payloads are parsed again, a batch at a time, for their quarantine rows alone.
    """
    recorded_at = utc_now()  # one time for the whole run, as one parse would stamp it
    tally = _Tally()
    error: str | None = None

    def parsed_batches(keep_data: bool) -> Iterator[LoadBatch]:
        for part in batches:
            parsed = parse_archived(settings, run, part, recorded_at)
            kept = parsed if keep_data else parsed.without_data()
            tally.add(kept)
            yield kept.batch

    def so_far() -> RunRecord:
        return _finished(run, archived, tally.failures, has_rows=tally.has_rows, parse_s=tally.parse_s, error=error,
                         now=utc_now(), interrupted_by=interrupted_by)  # fmt: skip

    def finished() -> RunRecord:
        over = too_many_quarantined(tally.rows_quarantined, tally.rows, settings.max_quarantined_fraction)
        if error is None and over:
            raise _TooManyQuarantined
        return so_far()

    def load(con: duckdb.DuckDBPyConnection) -> LoadCounts:
        nonlocal tally, error
        try:
            return load_batches(con, parsed_batches(keep_data=True), finished)
        except _TooManyQuarantined:
            error = _quarantine_error(settings, tally.rows_quarantined, tally.rows)
            tally = _Tally()
            return load_batches(con, parsed_batches(keep_data=False), finished)

    return _load(settings, recorded_at, interrupted_by, load, lambda: (so_far(), tally.parse_s))


def _load(
    settings: Settings,
    now: datetime,
    interrupted_by: str | None,
    load: Callable[[duckdb.DuckDBPyConnection], LoadCounts],
    state: Callable[[], tuple[RunRecord, float]],
) -> RunResult:
    """Run ``load`` on a write connection and record how the run ended.

    ``state`` gives the run's row as it stands and the seconds of parsing done inside ``load``
    (not load time).
    """
    started = time.perf_counter()
    try:
        # Readers hold the file for seconds; after minutes of fetching, waiting a minute beats failing.
        con = db.open_for_write(settings.warehouse, now, wait_s=LOAD_WAIT_S, hooks=MIGRATION_HOOKS)
    except db.WarehouseError as e:
        run = state()[0]
        return RunResult(run.run_id, "failed", failed_urls=run.failed_urls, error=str(e))
    try:
        try:
            counts = load(con)
        except (history.InvariantError, duckdb.Error) as e:
            error = f"load rolled back, nothing landed: {str(e).splitlines()[0]}"
            if interrupted_by:
                error = f"{INTERRUPTED}; loading what it had archived failed: {error}"
            run = state()[0]
            history.record_run_end(con, replace(run, status="failed", error=error))
            return RunResult(run.run_id, "failed", failed_urls=run.failed_urls, error=error)
        run, parse_s = state()
        # The data has landed; load_s is a timing, so failing to record it must not mark the run failed.
        with suppress(duckdb.Error):
            history.record_load_time(con, run.run_id, time.perf_counter() - started - parse_s)
        drift: tuple[tuple[str, str, str], ...] = ()
        with suppress(duckdb.Error):  # nor may failing to read back what it recorded
            drift = tuple(con.execute(FIRST_SEEN_DRIFT, {"run": run.run_id}).fetchall())
    finally:
        con.close()
    return RunResult(run.run_id, run.status, counts, run.failed_urls, run.error, drift=drift)


def _finished(
    run: RunRecord,
    archived: Archived,
    parse_failures: Sequence[tuple[str, str]],
    *,
    has_rows: bool,
    parse_s: float,
    error: str | None,
    now: datetime,
    interrupted_by: str | None,
) -> RunRecord:
    """The run's row as it ends: status from its failures and whether data landed, its phases' seconds."""
    failures = (*archived.failures, *parse_failures)
    status = run_status(failures, has_rows)
    error = error or (failures[0][1] if failures and not has_rows else None)
    if interrupted_by:
        status = "partial" if has_rows else "failed"
        held = len(archived.payloads)
        error = "; ".join(e for e in (f"{INTERRUPTED}; run {interrupted_by} loaded the {held} payloads it had "
                                      "archived", error) if e)  # fmt: skip
    return replace(run, status=status, finished_at=now, failed_urls=failures, fetch_s=archived.fetch_s,
                   archive_s=archived.archive_s, parse_s=parse_s, error=error)  # fmt: skip


def _has_rows(parsed: ParsedRun) -> bool:
    return any(not f.empty for f in parsed.batch.observations.values())


def _quarantine_error(settings: Settings, quarantined: int, rows: int) -> str:
    return (
        f"{quarantined} of {rows} rows failed validation (over the "
        f"{settings.max_quarantined_fraction:.0%} threshold): nothing loaded; see the quarantine table"
    )
