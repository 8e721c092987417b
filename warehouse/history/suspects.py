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

from dataclasses import dataclass

import duckdb

from entities import EntitySpec

WATCHED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "endpoint": (("input_price_per_mtok", "output_price_per_mtok", "cache_read_price_per_mtok",
                  "cache_write_price_per_mtok"), ("context_length", "max_output_tokens")),
    "model": (("input_price_per_mtok", "output_price_per_mtok"), ("context_window", "max_output_tokens")),
}  # fmt: skip
"""Per entity, the prices and the limits whose implausible moves are held."""


@dataclass(frozen=True)
class SuspectRules:
    """When a change is suspect, and how many later fetches confirm it (0 turns a rule off)."""

    price_factor: float = 10.0  # a price moving more than this many times either way, or to or from zero
    limit_shrink: float = 0.5  # a limit falling below this fraction of itself
    confirmations: int = 1  # later fetches of the same value that make a suspect change current

    def params(self) -> dict[str, float | int]:
        return {"factor": self.price_factor, "shrink": self.limit_shrink, "confirmations": self.confirmations}


def watches(spec: EntitySpec) -> bool:
    """Whether the entity has values whose moves are judged."""
    return spec.name in WATCHED


def _key_match(spec: EntitySpec, s: str, t: str) -> str:
    """SQL: a ``suspect_runs``/``review_decisions`` row ``s`` is about the key of ``t``."""
    endpoint = f"{s}.endpoint_key = {t}.endpoint_key" if "endpoint_key" in spec.key else f"{s}.endpoint_key IS NULL"
    return f"{s}.entity = '{spec.name}' AND {s}.source = {t}.source AND {s}.model_id = {t}.model_id AND {endpoint}"


def _implausible(spec: EntitySpec, old: str, new: str) -> str:
    """SQL: the attributes ``new`` moved implausibly from ``old``."""
    prices, limits = WATCHED[spec.name]
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
        SELECT * EXCLUDE (accepted_hash, accepted_deleted) FROM judged"""


def held_since(spec: EntitySpec) -> str:
    """SQL (a UNION branch of the window's candidates): each key of an affected scope with a held run, and its start."""
    return f"""
            UNION ALL
            SELECT {", ".join(f"t.{c}" for c in spec.key)}, t.first_observed_at
            FROM suspect_runs t JOIN affected a ON a.source = t.source AND a.scope = {spec.scope_expr}
            WHERE t.entity = '{spec.name}' AND t.status = 'held'"""


def not_held(spec: EntitySpec, alias: str) -> str:
    """SQL: the key of ``alias`` has no held run (its window must be judged again, not skipped as a repeat)."""
    return f"NOT EXISTS (SELECT 1 FROM suspect_runs s WHERE {_key_match(spec, 's', alias)} AND s.status = 'held')"


def record_suspects(con: duckdb.DuckDBPyConnection, spec: EntitySpec, now: object) -> int:
    """Replace the window's suspect runs in ``suspect_runs`` with those just judged; returns how many are held."""
    endpoint = "j.endpoint_key" if "endpoint_key" in spec.key else "NULL"
    con.execute(
        f"""
        DELETE FROM suspect_runs s WHERE s.entity = '{spec.name}'
          AND EXISTS (SELECT 1 FROM window_keys w WHERE {_key_match(spec, "s", "w")}
                      AND s.first_observed_at >= coalesce(w.seed_from, w.since))
        """
    )
    con.execute(
        f"""
        INSERT INTO suspect_runs
        SELECT '{spec.name}', j.source, j.model_id, {endpoint}, j.previous_hash, j.attr_hash, j.first_at, j.last_at,
            j.instants,
            CASE WHEN j.decision = 'reject' THEN 'rejected' WHEN j.accepted AND j.decision = 'accept' THEN 'accepted'
                 WHEN j.accepted THEN 'confirmed' WHEN j.later_accepted THEN 'unconfirmed' ELSE 'held' END,
            ?
        FROM (SELECT *, coalesce(max(run_no) FILTER (WHERE accepted) OVER (PARTITION BY {", ".join(spec.key)})
                                  > run_no, false) AS later_accepted
              FROM judged) j
        WHERE j.suspect
        """,
        [now],
    )
    held: int = con.execute(
        f"SELECT count(*) FROM suspect_runs WHERE entity = '{spec.name}' AND status = 'held' AND recorded_at = ?", [now]
    ).fetchall()[0][0]
    return held
