"""A person's decision on a held change: recorded with who and when, then the key's history re-derived.

Decisions are input, like observations: the versions stay a pure function of both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from entities import ENTITIES, SuspectRules
from warehouse.db import transaction

from .derive import _derive_versions, merge_affected
from .invariants import InvariantError, invariant_violations

DECISIONS = ("accept", "reject")
SUSPECT_BY_ID = """
SELECT entity, source, model_id, endpoint_key, attr_hash, min(first_observed_at), any_value(status)
FROM suspect_runs WHERE suspect_id(entity, source, model_id, endpoint_key, attr_hash) = ?
GROUP BY ALL
"""


class UnknownSuspect(Exception):
    """No held change has this id."""


@dataclass(frozen=True)
class Decided:
    """What a decision was about, and the change's status after it."""

    entity: str
    source: str
    model_id: str
    endpoint_key: str | None
    status: str


def decide(
    con: duckdb.DuckDBPyConnection,
    suspect: str,
    decision: str,
    by: str,
    now: datetime,
    *,
    rules: SuspectRules,
    retire_after: timedelta = timedelta(0),
) -> Decided:
    """Record ``decision`` on the suspect change ``suspect`` and re-derive its key, in one transaction."""
    if decision not in DECISIONS:
        raise ValueError(f"a decision is {' or '.join(DECISIONS)}, not {decision!r}")
    with transaction(con):
        found = con.execute(SUSPECT_BY_ID, [suspect]).fetchall()
        if not found:
            raise UnknownSuspect(suspect)
        entity, source, model_id, endpoint_key, attr_hash, since, _ = found[0]
        con.execute("INSERT INTO review_decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [entity, source, model_id, endpoint_key, attr_hash, decision, by, now])  # fmt: skip
        spec = ENTITIES[entity]
        scope = model_id if "endpoint_key" in spec.key else ""
        con.execute("CREATE OR REPLACE TEMP TABLE affected (source VARCHAR, scope VARCHAR, since TIMESTAMPTZ)")
        con.execute("INSERT INTO affected VALUES (?, ?, ?)", [source, scope, since])
        earliest = merge_affected(con, retire_after)
        _derive_versions(con, spec, now, earliest, retire_after=retire_after, rules=rules)
        broken = invariant_violations(con)
        if broken:
            raise InvariantError("; ".join(broken))
        status = con.execute(SUSPECT_BY_ID, [suspect]).fetchall()[0][6]
    return Decided(entity, source, model_id, endpoint_key, status)
