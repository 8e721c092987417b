"""The run ledger: new runs, recorded as ``running`` on the write connection, and recovery of interrupted ones."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

import duckdb

from extractors.policy import Validators
from flows.pipeline.base import INTERRUPTED, LOADED_PAYLOADS, Archived, Known, Recovered, Started, utc_now
from flows.pipeline.hooks import MIGRATION_HOOKS
from flows.pipeline.load import parse_and_load
from flows.settings import Settings
from warehouse import db, history
from warehouse.archive import object_path, read_index
from warehouse.history import RunRecord


def new_run(kind: str, sources: Iterable[str], now: datetime) -> RunRecord:
    """A run record with a fresh id, not yet started."""
    return RunRecord(run_id=f"{kind}-{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}", kind=kind,
                     started_at=now, sources=tuple(sources))  # fmt: skip


def start_run(settings: Settings, run: RunRecord, *, known: bool = True) -> Started:
    """Finish interrupted runs, then record this one as ``running``; returns validators for conditional GETs.

    Call it holding the warehouse lock (every writer does): see ``recover_interrupted``.
    With ``known=False`` (a run that fetches nothing, such as an import) no validators are
    gathered: that query reads every payload row the warehouse holds.
    """
    recovered: tuple[Recovered, ...] = ()
    con = db.open_for_write(settings.warehouse, run.started_at, hooks=MIGRATION_HOOKS)
    try:
        if con.execute(history.INTERRUPTED_RUNS).fetchall():  # rare: a process died mid-run
            con.close()  # recovery loads through connections of its own
            recovered = recover_interrupted(settings, run.run_id)
            con = db.open_for_write(settings.warehouse, run.started_at, hooks=MIGRATION_HOOKS)
        history.record_run_start(con, run)
        validators = _known_validators(settings, con) if known else {}
    finally:
        con.close()
    return Started(validators, recovered)


def _known_validators(settings: Settings, con: duckdb.DuckDBPyConnection) -> dict[str, Known]:
    """What the archive holds of each URL last fetched with an ETag or Last-Modified, for a conditional GET."""
    rows = con.execute(
        """
        SELECT url, arg_max(etag, fetched_at), arg_max(last_modified, fetched_at),
               arg_max(sha256, fetched_at), arg_max(bytes, fetched_at)
        FROM payloads WHERE status = 200 GROUP BY url
        """
    ).fetchall()
    return {
        url: Known(Validators(etag, modified), sha, size)
        for url, etag, modified, sha, size in rows
        if (etag or modified) and object_path(settings.raw_dir, sha).exists()
    }


def recover_interrupted(settings: Settings, by_run_id: str) -> tuple[Recovered, ...]:
    """Finish the runs a dead process left ``running``: load what each had archived, under its own id, once.

    Every writer holds the warehouse lock, so a run still ``running`` when a writer starts
    belongs to a process that died (SIGKILL, power cut, SIGTERM mid-sync). Each is first
    closed as ``failed``, committed, so a process that dies while recovering is never
    retried forever; then the payloads the index names as its own and no run has loaded
    are parsed and loaded in a transaction of their own, and the run ends ``partial``
    (or ``failed``) with an ``interrupted: ...`` error. The caller's own data is not in
    that transaction, so a bad recovered payload never holds it back.
    """
    if not settings.warehouse.exists():
        return ()
    con = db.open_for_write(settings.warehouse, utc_now(), hooks=MIGRATION_HOOKS)
    try:
        dead = [RunRecord(run_id, kind, started_at.astimezone(UTC), tuple(sources or ()))
                for run_id, kind, started_at, sources in con.execute(history.INTERRUPTED_RUNS).fetchall()]  # fmt: skip
        if not dead:
            return ()
        history.close_interrupted(con, [r.run_id for r in dead], f"{INTERRUPTED}; run {by_run_id} took it over")
        loaded = {(url, at.astimezone(UTC), sha) for url, at, sha in con.execute(LOADED_PAYLOADS).fetchall()}
    finally:
        con.close()
    ids = {r.run_id for r in dead}
    # An unreadable line is skipped here: it must not stop every later writer from starting.
    left = [p for p in read_index(settings.raw_dir, skip_bad=True)
            if p.run_id in ids and (p.url, p.fetched_at, p.sha256) not in loaded] \
        if (settings.raw_dir / "index.jsonl").exists() else []  # fmt: skip
    recovered = []
    for run in dead:
        payloads = [p for p in left if p.run_id == run.run_id]
        if not payloads:
            recovered.append(Recovered(run.run_id, "failed", 0))
            continue
        result = parse_and_load(settings, run, Archived(tuple(payloads)), interrupted_by=by_run_id)
        recovered.append(Recovered(run.run_id, result.status, len(payloads)))
    return tuple(recovered)
