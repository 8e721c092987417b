"""The run ledger: a run's row in ``runs``, from ``running`` to its final status."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from .entities import LoadCounts, RunRecord

INTERRUPTED_RUNS = "SELECT run_id, kind, started_at, sources FROM runs WHERE status = 'running' ORDER BY started_at"
"""Runs still ``running``: read by a writer holding the warehouse lock, these belong to dead processes."""


def close_interrupted(con: duckdb.DuckDBPyConnection, run_ids: Sequence[str], error: str) -> None:
    """Mark runs a dead process left ``running`` as ``failed`` with ``error`` (committed on its own)."""
    con.execute(
        "UPDATE runs SET status = 'failed', error = ? WHERE status = 'running' AND list_contains(?, run_id)",
        [error, list(run_ids)],
    )


def record_run_start(con: duckdb.DuckDBPyConnection, run: RunRecord) -> None:
    """Insert the run's row with status ``running``."""
    con.execute(
        "INSERT INTO runs (run_id, kind, started_at, status, sources) VALUES (?, ?, ?, 'running', ?)",
        [run.run_id, run.kind, run.started_at, list(run.sources)],
    )


def record_run_end(
    con: duckdb.DuckDBPyConnection, run: RunRecord, counts: LoadCounts | None = None, load_s: float | None = None
) -> None:
    """Write the run's final status, counts, failed URLs and phase timings."""
    counts = counts or LoadCounts()
    failed = [{"url": url, "reason": reason} for url, reason in run.failed_urls]
    con.execute(
        """
        UPDATE runs SET finished_at = ?, status = ?, payloads = ?, observations = ?, new_versions = ?,
            measurements = ?, quarantined = ?, failed_urls = ?::STRUCT(url VARCHAR, reason VARCHAR)[],
            fetch_s = ?, archive_s = ?, parse_s = ?, load_s = ?, error = ?
        WHERE run_id = ?
        """,
        [
            run.finished_at, run.status, counts.payloads, counts.observations, counts.new_versions,
            counts.measurements, counts.quarantined, failed, run.fetch_s, run.archive_s, run.parse_s,
            load_s, run.error, run.run_id,
        ],
    )  # fmt: skip


def record_load_time(con: duckdb.DuckDBPyConnection, run_id: str, seconds: float) -> None:
    """Set ``runs.load_s`` of a run whose data has landed."""
    con.execute("UPDATE runs SET load_s = ? WHERE run_id = ?", [seconds, run_id])
