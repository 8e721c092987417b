"""Loading a run: the one transaction, and the inserts that append to history.

``load_batch`` calls ``_load`` and ``_load`` calls ``_insert_new`` through the package
(``warehouse.history``), so that a test can wrap them there (tests/crash_driver.py does).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from entities import ENTITIES, UPTIME, EntitySpec
from warehouse import history
from warehouse.db import transaction

from .completeness import INCOMPLETE_LISTINGS, SHORT_LISTING, _settle_completeness
from .crosswalk import PROVIDER_KEYS, _refresh_log, refresh_crosswalk
from .derive import _derive_versions, merge_affected
from .entities import MEASUREMENTS, KeyChanges, LoadBatch, LoadCounts
from .invariants import InvariantError, invariant_violations
from .runs import record_run_end
from .uptime import roll_up_uptime

DRIFT_KEY = ("url", "observed_at", "payload_sha256", "path", "kind")
"""A fetch's drift is recorded once, however often the fetch is loaded."""


def load_batch(con: duckdb.DuckDBPyConnection, batch: LoadBatch) -> LoadCounts:
    """Load one run in one transaction and return what it added; rolls back on any error."""
    with transaction(con):
        counts = history._load(con, batch)
        record_run_end(con, batch.run, counts)
    return counts


def _load(con: duckdb.DuckDBPyConnection, batch: LoadBatch) -> LoadCounts:
    """Insert the batch and re-derive the versions it touches; returns what it added."""
    payloads = history._insert_new(con, "payloads", batch.payloads, ("url", "fetched_at", "sha256"))
    quarantined = 0
    if batch.quarantine is not None and not batch.quarantine.empty:
        quarantined = _insert_all(con, "quarantine", batch.quarantine)
    if batch.drift is not None and not batch.drift.empty:
        history._insert_new(con, "drift_observations", batch.drift, DRIFT_KEY)
    observations, new_versions, keys, held = _load_entities(con, batch)
    _set_field_precedence(con, batch.field_precedence)
    measurements = _insert_measurements(con, batch)
    unmatched = _refresh_identities(con, batch)
    _check_invariants(con, batch)
    incomplete = tuple(con.execute(INCOMPLETE_LISTINGS, [batch.run.run_id, f"{SHORT_LISTING}%"]).fetchall())
    return LoadCounts(
        payloads, observations, new_versions, measurements, quarantined, keys, unmatched, incomplete, held
    )


def _set_field_precedence(con: duckdb.DuckDBPyConnection, declared: Sequence[tuple[str, str, int]]) -> None:
    """Make the ``field_precedence`` table the sources' declarations (unchanged when none are given or they agree)."""
    if not declared:
        return
    held = con.execute("SELECT field, source, rank FROM field_precedence ORDER BY ALL").fetchall()
    if held == sorted(declared):
        return
    con.execute("DELETE FROM field_precedence")
    con.executemany("INSERT INTO field_precedence VALUES (?, ?, ?)", sorted(declared))


def _load_entities(con: duckdb.DuckDBPyConnection, batch: LoadBatch) -> tuple[int, int, dict[str, KeyChanges], int]:
    """Insert each entity's observations and snapshots, re-derive its versions; returns counts, key changes, held."""
    observations = 0
    new_versions = 0
    suspects_held = 0
    keys: dict[str, KeyChanges] = {}
    listed: dict[str, pd.DataFrame] = {}  # entity -> earliest new listing per source in this batch
    for name, spec in ENTITIES.items():
        frame = batch.observations.get(name)
        snaps = None if batch.snapshots is None else batch.snapshots[batch.snapshots["entity"] == name]
        has_obs = frame is not None and not frame.empty
        has_snaps = snaps is not None and not snaps.empty
        parent_listed = listed.get(spec.parent or "")
        if not has_obs and not has_snaps and parent_listed is None:
            continue
        # affected: each scope this load touches, and `since`, the earliest time a new event of it lands at.
        con.execute("CREATE OR REPLACE TEMP TABLE affected (source VARCHAR, scope VARCHAR, since TIMESTAMPTZ)")
        if parent_listed is not None:  # a new parent listing may retire (or restore) any child scope
            _add_parent_scopes(con, spec, parent_listed)
        if has_obs:
            assert frame is not None
            observations += _add_observations(con, spec, frame)
        if has_snaps:
            assert snaps is not None
            listed[name] = _add_snapshots(con, snaps)
        earliest = merge_affected(con, batch.retire_after)
        _settle_completeness(con, spec, earliest)
        added, keys[name], held = _derive_versions(
            con, spec, batch.recorded_at, earliest, retire_after=batch.retire_after, rules=batch.suspect_rules
        )
        new_versions += added
        suspects_held += held
    return observations, new_versions, keys, suspects_held


def _add_parent_scopes(con: duckdb.DuckDBPyConnection, spec: EntitySpec, parent_listed: pd.DataFrame) -> None:
    """Add to ``affected`` every current child scope of the sources with a new parent listing."""
    con.execute(  # every child scope ever observed has versions: read them, not every observation
        f"INSERT INTO affected SELECT DISTINCT t.source, {spec.scope_expr}, p.since"
        f" FROM {spec.versions} t JOIN parent_listed p USING (source) WHERE t.superseded_at IS NULL"
    )


def _add_observations(con: duckdb.DuckDBPyConnection, spec: EntitySpec, frame: pd.DataFrame) -> int:
    """Insert new observations (narrow) and attribute rows, add their scopes to ``affected``; returns how many.

    An observation row holds its key, time, hash, payload and run; the attributes go to
    ``spec.attribute_table`` once per distinct (key, hash), so a night that repeats yesterday
    writes narrow rows only.
    """
    # One observation per key, time, facts and payload: two payloads of one instant that differ only
    # in a volatile field are both kept, and the derivation picks between them by content.
    unique_by = (*spec.key, "observed_at", "attr_hash", "payload_sha256")
    narrow = (*spec.key, "attr_hash", "observed_at", "recorded_at", "run_id", "payload_sha256", *spec.volatile)
    inserted = history._insert_new(con, spec.observations, frame, unique_by, narrow)
    history._insert_new(
        con, spec.attribute_table, frame, (*spec.key, "attr_hash"), (*spec.key, "attr_hash", *spec.attributes)
    )
    con.execute(
        f"INSERT INTO affected SELECT t.source, {spec.scope_expr}, min(t.observed_at) FROM frame t GROUP BY ALL"
    )
    return inserted


def _add_snapshots(con: duckdb.DuckDBPyConnection, snaps: pd.DataFrame) -> pd.DataFrame:
    """Insert new snapshots and add their scopes to ``affected``; returns the earliest listing per source."""
    _insert_snapshots(con, snaps)
    since = snaps.groupby("source")["observed_at"].min()
    con.execute("INSERT INTO affected SELECT source, scope, min(observed_at) FROM snaps GROUP BY ALL")
    return pd.DataFrame({"source": since.index, "since": since.to_numpy()})


def _insert_measurements(con: duckdb.DuckDBPyConnection, batch: LoadBatch) -> int:
    """Insert the batch's new measurements; returns how many."""
    measurements = 0
    for name, frame in batch.measurements.items():
        table, key = MEASUREMENTS[name]
        if not frame.empty:
            measurements += history._insert_new(con, table, frame, key)
            if name == UPTIME.name:
                roll_up_uptime(con, frame)
    return measurements


def _refresh_identities(con: duckdb.DuckDBPyConnection, batch: LoadBatch) -> tuple[tuple[str, str], ...]:
    """Refresh the identity crosswalk and provider aliases, if resolvers are given; returns the unmatched keys."""
    unmatched: tuple[tuple[str, str], ...] = ()
    if batch.resolve_identity is not None:
        unmatched = refresh_crosswalk(con, batch.resolve_identity, batch.recorded_at, batch.identity_rules_version)
    if batch.resolve_providers is not None:
        _refresh_log(
            con,
            "provider_alias_log",
            ("provider_key", "provider_id"),
            batch.resolve_providers(con.execute(PROVIDER_KEYS).df()),
            batch.recorded_at,
        )
    return unmatched


def _check_invariants(con: duckdb.DuckDBPyConnection, batch: LoadBatch) -> None:
    """Raise ``InvariantError`` if this run broke any history invariant."""
    observed = [f["observed_at"].min() for f in batch.observations.values() if not f.empty]
    broken = invariant_violations(con, batch.run.run_id, min(observed) if observed else None)
    if broken:
        raise InvariantError("; ".join(broken))


def _insert_new(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pd.DataFrame,
    key: Sequence[str],
    columns: Sequence[str] | None = None,
) -> int:
    """Insert ``columns`` (all by default) of the ``frame`` rows whose ``key`` is not in ``table``; returns how many."""
    if frame.empty:
        return 0
    names = list(frame.columns if columns is None else columns)
    match = " AND ".join(f"t.{c} = n.{c}" for c in key)
    params = []
    for column in ("observed_at", "fetched_at"):  # only stored rows of the frame's time span can match:
        if column in key:  # a constant bound lets zone maps skip the rest of the history
            match += f" AND t.{column} >= ?"
            params.append(frame[column].min())
    row = con.execute(
        f"""
        INSERT INTO {table} ({", ".join(names)})
        SELECT DISTINCT ON ({", ".join(f"n.{c}" for c in key)}) {", ".join(f"n.{c}" for c in names)}
        FROM frame n
        WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {match})
        """,
        params,
    ).fetchall()[0]
    return int(row[0])


def _insert_all(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> int:
    row = con.execute(f"INSERT INTO {table} ({', '.join(frame.columns)}) SELECT * FROM frame").fetchall()[0]
    return int(row[0])


def _insert_snapshots(con: duckdb.DuckDBPyConnection, snaps: pd.DataFrame) -> None:
    """Insert snapshots not stored yet; their ``complete`` is settled later by ``_settle_completeness``."""
    fresh = snaps.assign(complete=snaps["listed_complete"], reason=snaps["listed_reason"])
    history._insert_new(con, "snapshots", fresh, ("entity", "source", "scope", "observed_at", "payload_sha256"))
