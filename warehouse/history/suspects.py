"""Suspect changes: a value that moves implausibly is held until a later fetch confirms it or a person decides.

A window's events fall into runs (consecutive events of one hash). Each run is judged against the last
run accepted before it: a price moving more than ``price_factor`` either way or to or from zero, or a
limit shrinking below ``limit_shrink`` of itself, makes it suspect; a suspect run is accepted once it
holds over ``confirmations`` later fetches or a person accepts its value (``review_decisions``), never
when its value was rejected. Only accepted runs make versions, so a confirmed change starts at its first
observation and a held one leaves the last accepted value current. Judging is recursive (acceptance
depends on what was accepted before), a pure function of the observations and the decisions.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from entities import EntitySpec


def watches(spec: EntitySpec) -> bool:
    """Whether the entity has values whose moves are judged."""
    return bool(spec.watched_prices or spec.watched_limits)


def _key_match(spec: EntitySpec, s: str, t: str) -> str:
    """SQL: a ``suspect_runs``/``review_decisions`` row ``s`` is about the key of ``t``."""
    endpoint = f"{s}.endpoint_key = {t}.endpoint_key" if "endpoint_key" in spec.key else f"{s}.endpoint_key IS NULL"
    return f"{s}.entity = '{spec.name}' AND {s}.source = {t}.source AND {s}.model_id = {t}.model_id AND {endpoint}"


def _implausible(spec: EntitySpec, old: str, new: str) -> str:
    """SQL: the attributes ``new`` moved implausibly from ``old``."""
    prices, limits = spec.watched_prices, spec.watched_limits
    moves = [
        f"($factor > 0 AND ((({old}.{p} > 0 AND {new}.{p} > 0) AND ({new}.{p} > {old}.{p} * $factor"
        f" OR {old}.{p} > {new}.{p} * $factor)) OR ({old}.{p} = 0 AND {new}.{p} > 0)"
        f" OR ({old}.{p} > 0 AND {new}.{p} = 0)))"
        for p in prices
    ] + [f"($shrink > 0 AND {old}.{c} > 0 AND {new}.{c} < {old}.{c} * $shrink)" for c in limits]
    return "coalesce(" + " OR ".join(moves) + ", false)"


def judged_runs(spec: EntitySpec) -> str:
    """SQL: each run of ``window_events`` (by ``run_no``) with whether it is suspect, its decision, whether accepted."""
    key = ", ".join(spec.key)
    cols = ", ".join(f"r.{c}" for c in spec.key)
    suspect = (
        f"(NOT r.is_deleted AND NOT j.accepted_deleted AND r.attr_hash <> j.accepted_hash"
        f" AND {_implausible(spec, 'o', 'n')})"
    )
    accepted = (
        f"(NOT {suspect} OR (coalesce(r.decision, '') <> 'reject'"
        f" AND (r.decision = 'accept' OR r.instants > $confirmations)))"
    )
    return f"""
        WITH RECURSIVE runs AS (
            SELECT {key}, run_no, any_value(attr_hash) AS attr_hash, bool_or(is_deleted) AS is_deleted,
                min(observed_at) AS first_at, max(observed_at) AS last_at, count(DISTINCT observed_at) AS instants
            FROM window_events GROUP BY ALL
        ),
        decided AS (
            SELECT r.*, (SELECT arg_max(d.decision, d.decided_at) FROM review_decisions d
                         WHERE {_key_match(spec, "d", "r")} AND d.attr_hash = r.attr_hash) AS decision
            FROM runs r
        ),
        judged AS (
            SELECT {cols}, r.run_no, r.attr_hash, r.is_deleted, r.first_at, r.last_at, r.instants, r.decision,
                false AS suspect, true AS accepted, NULL::VARCHAR AS previous_hash,
                r.attr_hash AS accepted_hash, r.is_deleted AS accepted_deleted
            FROM decided r WHERE r.run_no = 1
            UNION ALL
            SELECT {cols}, r.run_no, r.attr_hash, r.is_deleted, r.first_at, r.last_at, r.instants, r.decision,
                {suspect}, {accepted}, j.accepted_hash,
                CASE WHEN {accepted} THEN r.attr_hash ELSE j.accepted_hash END,
                CASE WHEN {accepted} THEN r.is_deleted ELSE j.accepted_deleted END
            FROM judged j JOIN decided r
                ON {" AND ".join(f"r.{c} = j.{c}" for c in spec.key)} AND r.run_no = j.run_no + 1
            LEFT JOIN {spec.attribute_table} o
                ON {" AND ".join(f"o.{c} = r.{c}" for c in spec.key)} AND o.attr_hash = j.accepted_hash
            LEFT JOIN {spec.attribute_table} n
                ON {" AND ".join(f"n.{c} = r.{c}" for c in spec.key)} AND n.attr_hash = r.attr_hash
        )
        SELECT * EXCLUDE (accepted_hash, accepted_deleted),
            lead(first_at) OVER (PARTITION BY {key} ORDER BY run_no) AS ended_at
        FROM judged"""


def held_since(spec: EntitySpec) -> str:
    """SQL (a UNION branch of the window's candidates): each key of an affected scope with a suspect run that a
    new event may extend or split (its span reaches the scope's ``since``), and the run's start.

    A run is judged whole: an event at ``since`` inside it changes how many fetches it spans, so its window
    starts where the run does, whatever the order the observations arrive in.
    """
    return f"""
            UNION ALL
            SELECT {", ".join(f"t.{c}" for c in spec.key)}, t.first_observed_at
            FROM suspect_runs t JOIN affected a ON a.source = t.source AND a.scope = {spec.scope_expr}
            WHERE t.entity = '{spec.name}' AND t.first_observed_at < a.since
              AND (t.ended_at IS NULL OR t.ended_at >= a.since)"""


def not_held(spec: EntitySpec, alias: str) -> str:
    """SQL: the key of ``alias`` has no open suspect run (a repeat would extend it: judged again, not skipped)."""
    return f"NOT EXISTS (SELECT 1 FROM suspect_runs s WHERE {_key_match(spec, 's', alias)} AND s.ended_at IS NULL)"


def record_suspects(con: duckdb.DuckDBPyConnection, spec: EntitySpec, now: datetime) -> int:
    """Replace the window's suspect runs in ``suspect_runs`` with those just judged; returns how many are held.

    The window judges the runs that start at its ``since`` or later (the seed run before it is accepted), so
    exactly those are replaced. A run is ``held`` while it lasts and ``unconfirmed`` once another run ended it
    unaccepted: its status depends on its own span only, never on runs after it.
    """
    endpoint = "j.endpoint_key" if "endpoint_key" in spec.key else "NULL"
    con.execute(
        f"""
        DELETE FROM suspect_runs s WHERE s.entity = '{spec.name}'
          AND EXISTS (SELECT 1 FROM window_keys w WHERE {_key_match(spec, "s", "w")}
                      AND s.first_observed_at >= w.since)
        """
    )
    con.execute(
        f"""
        INSERT INTO suspect_runs
        SELECT '{spec.name}', j.source, j.model_id, {endpoint}, j.previous_hash, j.attr_hash, j.first_at, j.last_at,
            j.instants, j.ended_at,
            CASE WHEN j.decision = 'reject' THEN 'rejected' WHEN j.accepted AND j.decision = 'accept' THEN 'accepted'
                 WHEN j.accepted THEN 'confirmed' WHEN j.ended_at IS NOT NULL THEN 'unconfirmed' ELSE 'held' END,
            ?
        FROM judged j
        WHERE j.suspect
        """,
        [now],
    )
    held: int = con.execute(
        f"SELECT count(*) FROM suspect_runs WHERE entity = '{spec.name}' AND status = 'held' AND recorded_at = ?", [now]
    ).fetchall()[0][0]
    return held
