"""Load a parsed run into the warehouse in one transaction and record how it ended."""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import replace
from datetime import datetime

import duckdb

from flows.pipeline.base import INTERRUPTED, Archived, RunResult
from flows.pipeline.hooks import MIGRATION_HOOKS
from flows.pipeline.parse import ParsedRun
from flows.settings import Settings
from warehouse import db, history
from warehouse.history import RunRecord

LOAD_WAIT_S = 60.0


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
    failures = (*archived.failures, *parsed.failures)
    error = None
    if parsed.too_many_quarantined(settings.max_quarantined_fraction):
        error = (
            f"{parsed.rows_quarantined} of {parsed.rows} rows failed validation (over the "
            f"{settings.max_quarantined_fraction:.0%} threshold): nothing loaded; see the quarantine table"
        )
        parsed = parsed.without_data()
    has_rows = any(not f.empty for f in parsed.batch.observations.values())
    status = run_status(failures, has_rows)
    error = error or (failures[0][1] if failures and not has_rows else None)
    if interrupted_by:
        status = "partial" if has_rows else "failed"
        held = len(archived.payloads)
        error = "; ".join(e for e in (f"{INTERRUPTED}; run {interrupted_by} loaded the {held} payloads it had "
                                      "archived", error) if e)  # fmt: skip
    finished = replace(run, status=status, finished_at=now, failed_urls=failures, fetch_s=archived.fetch_s,
                       archive_s=archived.archive_s, parse_s=parsed.parse_s, error=error)  # fmt: skip
    started = time.perf_counter()
    try:
        # Readers hold the file for seconds; after minutes of fetching, waiting a minute beats failing.
        con = db.open_for_write(settings.warehouse, now, wait_s=LOAD_WAIT_S, hooks=MIGRATION_HOOKS)
    except db.WarehouseError as e:
        return RunResult(run.run_id, "failed", failed_urls=failures, error=str(e))
    try:
        try:
            counts = history.load_batch(con, replace(parsed.batch, run=finished))
        except (history.InvariantError, duckdb.Error) as e:
            error = f"load rolled back, nothing landed: {str(e).splitlines()[0]}"
            if interrupted_by:
                error = f"{INTERRUPTED}; loading what it had archived failed: {error}"
            history.record_run_end(con, replace(finished, status="failed", error=error))
            return RunResult(run.run_id, "failed", failed_urls=failures, error=error)
        # The data has landed; load_s is a timing, so failing to record it must not mark the run failed.
        with suppress(duckdb.Error):
            history.record_load_time(con, run.run_id, time.perf_counter() - started)
    finally:
        con.close()
    return RunResult(run.run_id, finished.status, counts, failures, finished.error)


def run_status(failures: Sequence[tuple[str, str]], observations_loaded: bool) -> str:
    """``ok`` without failures; ``partial`` when some data landed despite them; else ``failed``."""
    if not failures:
        return "ok"
    return "partial" if observations_loaded else "failed"
