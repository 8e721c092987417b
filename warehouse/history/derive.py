"""Version derivation: re-derive the versions of the keys a load touches, window by window.

Each step builds one temp table: ``window_keys`` (the keys and their windows), ``derived``
(the window's versions, narrow), ``to_insert`` (widened from the attribute table) and
``to_supersede`` (what changes); then the key moves are counted and the versions table is updated.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb

from entities import ENTITIES, EntitySpec, SuspectRules

from .entities import KeyChanges
from .events import _cols, _events, _match, _repeats, _version_starts, _volatile
from .suspects import held_since, judged_runs, not_held, record_suspects, watches


def _derive_versions(
    con: duckdb.DuckDBPyConnection,
    spec: EntitySpec,
    now: datetime,
    earliest: datetime | None,
    *,
    retire_after: timedelta = timedelta(0),
    rules: SuspectRules | None = None,
) -> tuple[int, KeyChanges, int]:
    """Re-derive the versions of the keys in the ``affected`` scopes; returns versions added, key moves, held changes.

    Only a window is re-derived per key: from the version in force just before the scope's
    ``since`` (the seed, taken from the versions table) to the end. Versions are a pure function
    of observations and listings, so the window gives the same rows a full re-derivation would,
    at a cost that grows with the change, not the history. Rows the derivation no longer yields
    are superseded (``superseded_at = now``), new rows are recorded at ``now``: the versions
    table is bitemporal.
    """
    floor = _window_keys(con, spec, earliest, retire_after)
    if floor is None:
        return 0, KeyChanges(), 0
    repeated = _set_aside_repeats(con, spec, earliest)
    if repeated and not con.execute("SELECT count(*) FROM window_keys").fetchall()[0][0]:
        return 0, KeyChanges(unchanged=repeated), 0  # every key repeats its current version: nothing to derive
    _derived(con, spec, floor, retire_after, rules or SuspectRules())
    held = record_suspects(con, spec, now) if watches(spec) else 0
    _to_insert(con, spec)
    _to_supersede(con, spec)
    new, changed, retired, unchanged, added = _key_changes(con, spec)
    _apply(con, spec, now)
    return added, KeyChanges(new, changed, retired, unchanged + repeated), held


def merge_affected(con: duckdb.DuckDBPyConnection, retire_after: timedelta) -> datetime | None:
    """Collapse ``affected`` to one row per scope; returns the earliest ``since`` of all of them.

    With a grace before retiring, ``since`` reaches back by it: an event at t can confirm (or cancel) the
    retirement of a key first absent up to ``retire_after`` before t.
    """
    con.execute(
        "CREATE OR REPLACE TEMP TABLE affected AS"
        " SELECT source, scope, min(since) - CAST($grace AS INTERVAL) AS since FROM affected GROUP BY ALL",
        {"grace": retire_after},
    )
    # The earliest `since`: a constant bound on every read of history, so zone maps skip older rows.
    earliest: datetime | None = con.execute("SELECT min(since) FROM affected").fetchall()[0][0]
    return earliest


def rederive_stated_retirements(
    con: duckdb.DuckDBPyConnection,
    now: datetime,
    *,
    retire_after: timedelta = timedelta(0),
    rules: SuspectRules | None = None,
) -> None:
    """Re-derive every key whose observations state a retirement date (``retires_on``), and its children.

    Migration 015's data step: a warehouse derived before such dates were scheduled retired a key at the
    first fetch past its date; re-derived, it retires on the date, as a fresh load of the same fetches does.
    """
    for spec in ENTITIES.values():
        if not spec.retires_on:
            continue
        stated = (
            f"SELECT {_cols('t', spec.key)}, min(t.observed_at) AS since FROM {spec.observations} t"
            f" JOIN {spec.attribute_table} r ON {_match(spec, 'r', 't')} AND r.attr_hash = t.attr_hash"
            f" WHERE r.{spec.retires_on} IS NOT NULL GROUP BY ALL"
        )
        for entity in (spec, *(c for c in ENTITIES.values() if c.parent == spec.name)):
            con.execute(f"CREATE OR REPLACE TEMP TABLE affected AS SELECT t.source, {entity.scope_expr} AS scope,"
                        f" t.since FROM ({stated}) t")  # fmt: skip
            earliest = merge_affected(con, retire_after)
            if earliest is not None:
                _derive_versions(con, entity, now, earliest, retire_after=retire_after, rules=rules)


def _in_window(spec: EntitySpec) -> str:
    """SQL: a held version ``t`` of the re-derived window of its key (the seed on)."""
    return (
        f"t.superseded_at IS NULL AND EXISTS (SELECT 1 FROM window_keys w WHERE {_match(spec, 'w', 't')}"
        " AND t.valid_from >= coalesce(w.seed_from, w.since))"
    )


def _same_row(spec: EntitySpec) -> str:
    """SQL: a derived row ``d`` and a held version ``t`` are the same row."""
    return " AND ".join(
        [_match(spec, "d", "t"), "d.valid_from = t.valid_from", "d.attr_hash = t.attr_hash",
         "d.valid_to IS NOT DISTINCT FROM t.valid_to", "d.payload_sha256 = t.payload_sha256",
         *(f"d.{c} IS NOT DISTINCT FROM t.{c}" for c in spec.volatile)]
    )  # fmt: skip


def _window_keys(
    con: duckdb.DuckDBPyConnection, spec: EntitySpec, earliest: datetime | None, retire_after: timedelta
) -> datetime | None:
    """Temp table ``window_keys``: each key of the affected scopes, its ``since``, seed and first version.

    With a grace before retiring, a key's window reaches back to its last observation: a listing at any
    later time can confirm an absence that followed it. Returns the floor (the earliest ``since``), None
    when there is no key.
    """
    key = ", ".join(spec.key)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE window_keys AS
        WITH candidates AS (
            SELECT {", ".join(f"t.{c}" for c in spec.key)}, a.since
            FROM {spec.versions} t JOIN affected a ON a.source = t.source AND a.scope = {spec.scope_expr}
            WHERE t.superseded_at IS NULL
            UNION ALL
            SELECT {", ".join(f"t.{c}" for c in spec.key)}, a.since
            FROM {spec.observations} t JOIN affected a ON a.source = t.source AND a.scope = {spec.scope_expr}
            WHERE t.observed_at >= a.since AND t.observed_at >= $earliest{held_since(spec) if watches(spec) else ""}
            UNION ALL
            SELECT {", ".join(f"t.{c}" for c in spec.key)}, max(t.observed_at)
            FROM {spec.observations} t JOIN affected a ON a.source = t.source AND a.scope = {spec.scope_expr}
            WHERE CAST($grace AS INTERVAL) > INTERVAL 0 SECOND AND t.observed_at < a.since
            GROUP BY ALL
        ),
        keys AS (SELECT {key}, min(since) AS since FROM candidates GROUP BY ALL)
        SELECT {", ".join(f"k.{c}" for c in spec.key)}, k.since,
            max(v.valid_from) FILTER (WHERE v.valid_from < k.since) AS seed_from,
            min(v.valid_from) AS first_version
        FROM keys k LEFT JOIN {spec.versions} v ON {_match(spec, "v", "k")} AND v.superseded_at IS NULL
        GROUP BY ALL
        """,
        {"earliest": earliest, "grace": retire_after},
    )
    floor: datetime | None = con.execute("SELECT min(since) FROM window_keys").fetchall()[0][0]
    return floor


def _set_aside_repeats(con: duckdb.DuckDBPyConnection, spec: EntitySpec, earliest: datetime | None) -> int:
    """Drop from ``window_keys`` the keys whose window only repeats their open current version; returns how many.

    The derivation would yield the row such a key holds (``events._repeats`` says when), so
    the window functions are skipped for it: most keys of a night are such repeats.
    """
    repeats = _repeats(spec) + (f" AND {not_held(spec, 'h')}" if watches(spec) else "")
    con.execute(f"CREATE OR REPLACE TEMP TABLE repeats AS {repeats}", {"earliest": earliest})
    repeated: int = con.execute("SELECT count(*) FROM repeats").fetchall()[0][0]
    if repeated:
        con.execute(f"DELETE FROM window_keys t WHERE EXISTS (SELECT 1 FROM repeats r WHERE {_match(spec, 'r', 't')})")
    return repeated


def _derived(
    con: duckdb.DuckDBPyConnection, spec: EntitySpec, floor: datetime, retire_after: timedelta, rules: SuspectRules
) -> None:
    """Temp table ``derived``: the window's versions, one row per version start.

    The window's events (``window_events``, numbered in runs of one hash) are judged first where the
    entity has values to watch (``suspects``): only accepted runs make versions. Derived narrow (keys,
    hashes, times): only the rows that change are widened with their attributes (``_to_insert``).
    """
    key = ", ".join(spec.key)
    vol = _volatile(spec)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE window_events AS
        WITH {_events(spec)},
        marked AS (
            SELECT *, CASE WHEN attr_hash IS DISTINCT FROM lag(attr_hash) OVER (PARTITION BY {key} ORDER BY observed_at)
                THEN 1 ELSE 0 END AS new_run
            FROM events
        )
        SELECT * EXCLUDE (new_run),
            sum(new_run) OVER (PARTITION BY {key} ORDER BY observed_at ROWS UNBOUNDED PRECEDING) AS run_no
        FROM marked
        """,
        {"floor": floor, "grace": retire_after},
    )
    kept = "SELECT * EXCLUDE (run_no) FROM window_events"
    if watches(spec):
        con.execute(f"CREATE OR REPLACE TEMP TABLE judged AS {judged_runs(spec)}", rules.params())
        kept = f"""SELECT e.* EXCLUDE (run_no) FROM window_events e JOIN judged j USING ({key}, run_no)
            WHERE j.accepted"""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE derived AS
        WITH kept AS ({kept}),
        flagged AS (
            SELECT *, CASE WHEN attr_hash IS DISTINCT FROM lag(attr_hash) OVER (PARTITION BY {key} ORDER BY observed_at)
                THEN 1 ELSE 0 END AS is_start
            FROM kept
        ),
        grouped AS (
            SELECT *, sum(is_start) OVER (PARTITION BY {key} ORDER BY observed_at ROWS UNBOUNDED PRECEDING) AS grp
            FROM flagged
        ),
        starts AS ({_version_starts(spec)})
        SELECT {key}, attr_hash, is_deleted, observed_at AS valid_from,
            lead(observed_at) OVER (PARTITION BY {key} ORDER BY observed_at) AS valid_to, payload_sha256{vol}
        FROM starts
        """
    )


def _to_insert(con: duckdb.DuckDBPyConnection, spec: EntitySpec) -> None:
    """Temp table ``to_insert``: derived rows not held yet, widened with their attributes (by key and hash)."""
    vol = _volatile(spec)
    same_row = _same_row(spec)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE to_insert AS
        WITH fresh AS (
            SELECT d.* FROM derived d
            WHERE NOT EXISTS (SELECT 1 FROM {spec.versions} t WHERE t.superseded_at IS NULL AND {same_row})
        )
        SELECT {", ".join(f"f.{c}" for c in spec.key)},
            {", ".join(f"CASE WHEN f.is_deleted THEN NULL ELSE a.{c} END AS {c}" for c in spec.attributes)},
            f.attr_hash, f.is_deleted, f.valid_from, f.valid_to, f.payload_sha256{vol.replace(", ", ", f.")}
        FROM fresh f LEFT JOIN {spec.attribute_table} a ON {_match(spec, "a", "f")} AND a.attr_hash = f.attr_hash
        """
    )


def _to_supersede(con: duckdb.DuckDBPyConnection, spec: EntitySpec) -> None:
    """Temp table ``to_supersede``: held rows of the window the derivation no longer yields."""
    in_window = _in_window(spec)
    same_row = _same_row(spec)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE to_supersede AS
        SELECT t.rowid AS row_id, {", ".join(f"t.{c}" for c in spec.key)}, t.valid_from, t.attr_hash
        FROM {spec.versions} t WHERE {in_window} AND NOT EXISTS (SELECT 1 FROM derived d WHERE {same_row})
        """
    )


def _key_changes(con: duckdb.DuckDBPyConnection, spec: EntitySpec) -> tuple[int, int, int, int, int]:
    """How keys moved (new, changed, retired, unchanged) and how many versions are added.

    Compared on the keys this load touches only (the rest are unchanged).
    """
    key = ", ".join(spec.key)
    in_window = _in_window(spec)
    summary = f"""
        SELECT {key}, string_agg(attr_hash || valid_from, ',' ORDER BY valid_from) AS signature,
            bool_or(is_deleted AND valid_to IS NULL) AS retired
        FROM {{table}} t WHERE {{where}} AND EXISTS (SELECT 1 FROM touched k WHERE {_match(spec, "k", "t")})
        GROUP BY ALL"""
    row = con.execute(
        f"""
        WITH touched AS (SELECT {key} FROM to_insert UNION SELECT {key} FROM to_supersede),
             a AS ({summary.format(table="derived", where="true")}),
             b AS ({summary.format(table=spec.versions, where=in_window)})
        SELECT
            count(*) FILTER (WHERE b.signature IS NULL),
            count(*) FILTER (WHERE b.signature IS NOT NULL AND a.signature <> b.signature
                             AND NOT (a.retired AND NOT b.retired)),
            count(*) FILTER (WHERE a.retired AND NOT coalesce(b.retired, true)),
            (SELECT count(*) FROM (SELECT DISTINCT {key} FROM derived))
                - count(*) FILTER (WHERE b.signature IS NULL OR a.signature <> b.signature),
            (SELECT count(*) FROM to_insert i WHERE NOT EXISTS (
                SELECT 1 FROM to_supersede s WHERE {_match(spec, "s", "i")}
                  AND s.valid_from = i.valid_from AND s.attr_hash = i.attr_hash))
        FROM a LEFT JOIN b USING ({key})
        """
    ).fetchall()[0]
    new, changed, retired, unchanged, added = (int(v) for v in row)
    return new, changed, retired, unchanged, added


def _apply(con: duckdb.DuckDBPyConnection, spec: EntitySpec, now: datetime) -> None:
    """Supersede ``to_supersede`` and insert ``to_insert``, both at ``now``."""
    key = ", ".join(spec.key)
    attrs = ", ".join(spec.attributes)
    vol = _volatile(spec)
    con.execute(f"UPDATE {spec.versions} SET superseded_at = ? WHERE rowid IN (SELECT row_id FROM to_supersede)", [now])
    con.execute(
        f"""
        INSERT INTO {spec.versions}
            ({key}, {attrs}, attr_hash, is_deleted, valid_from, valid_to, recorded_at, superseded_at,
             payload_sha256{vol})
        SELECT {key}, {attrs}, attr_hash, is_deleted, valid_from, valid_to, ?, NULL, payload_sha256{vol}
        FROM to_insert
        """,
        [now],
    )
