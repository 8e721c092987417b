"""Loading one run given in several batches: one transaction still, so the run lands whole or not at all.

A run too large to hold in memory at once (an ``import --manifest`` of hundreds of MB) is
parsed and loaded a batch at a time. Each batch goes through the steps ``load_batch`` runs
for a whole run (``history._load``: observations, versions re-derived, invariants checked),
all inside one transaction that ends with the run's row. Versions are derived from
observations, so the batches leave the held versions one batch would. What differs is
settled before the commit, so the tables hold the rows one batch would have written:

- a row an earlier batch recorded and a later one re-derived (a version's end, an alias) is
  superseded at the run's own ``recorded_at``: no instant ever held it, and it is dropped;
- a row held before the run that an earlier batch superseded and a later one derived again
  (older payloads that first merge two versions, then split them back) is held again, and
  the run's copy of it is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime

import duckdb

from entities import ENTITIES
from warehouse import history
from warehouse.db import transaction

from .entities import KeyChanges, LoadBatch, LoadCounts, RunRecord
from .runs import record_run_end

BITEMPORAL_TABLES = """
SELECT table_name FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = 'main' AND column_name IN ('recorded_at', 'superseded_at')
GROUP BY table_name HAVING count(*) = 2 ORDER BY table_name
"""
"""Tables whose rows are held from ``recorded_at`` until ``superseded_at`` (versions, alias logs)."""

TABLE_COLUMNS = """
SELECT column_name FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ? ORDER BY column_index
"""


def load_batches(
    con: duckdb.DuckDBPyConnection, batches: Iterable[LoadBatch], finished: Callable[[], RunRecord]
) -> LoadCounts:
    """Load the batches of one run in one transaction and return what they added; rolls back on any error.

    ``batches`` may be produced lazily (parsed as they are asked for). ``finished`` gives the
    run's row as it ends, once the last batch is in (its status may depend on them all);
    an exception it raises rolls the whole run back.
    """
    with transaction(con):
        total = LoadCounts()
        recorded_at: datetime | None = None
        for batch in batches:
            total = _summed(total, history._load(con, batch))
            recorded_at = batch.recorded_at
        if recorded_at is not None:
            _hold_again(con, recorded_at)
            _drop_never_held(con, recorded_at)
            total = replace(total, new_versions=_versions_added(con, recorded_at))
        record_run_end(con, finished(), total)
    return total


def _hold_again(con: duckdb.DuckDBPyConnection, recorded_at: datetime) -> None:
    """Hold again the rows this run superseded and then recorded anew, unchanged (its copies are dropped)."""
    for (table,) in con.execute(BITEMPORAL_TABLES).fetchall():
        columns = [c for (c,) in con.execute(TABLE_COLUMNS, [table]).fetchall()
                   if c not in ("recorded_at", "superseded_at")]  # fmt: skip
        same = " AND ".join(f"o.{c} IS NOT DISTINCT FROM n.{c}" for c in columns)
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE held_again AS
            WITH o AS (SELECT rowid AS row_id, * FROM {table} WHERE superseded_at = $at AND recorded_at < $at),
                 n AS (SELECT rowid AS row_id, * FROM {table} WHERE recorded_at = $at AND superseded_at IS NULL)
            SELECT o.row_id AS old_id, n.row_id AS new_id FROM o JOIN n ON {same}
            """,
            {"at": recorded_at},
        )
        con.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT new_id FROM held_again)")
        con.execute(f"UPDATE {table} SET superseded_at = NULL WHERE rowid IN (SELECT old_id FROM held_again)")


def _versions_added(con: duckdb.DuckDBPyConnection, recorded_at: datetime) -> int:
    """Versions the run added, as one load counts them: rows it recorded that do not restate a row it superseded."""
    added = 0
    for spec in ENTITIES.values():
        match = " AND ".join(f"o.{c} = n.{c}" for c in (*spec.key, "valid_from", "attr_hash"))
        added += con.execute(
            f"""
            SELECT count(*) FROM {spec.versions} n WHERE n.recorded_at = $at AND NOT EXISTS (
                SELECT 1 FROM {spec.versions} o WHERE o.superseded_at = $at AND o.recorded_at < $at AND {match})
            """,
            {"at": recorded_at},
        ).fetchall()[0][0]
    return added


def _drop_never_held(con: duckdb.DuckDBPyConnection, recorded_at: datetime) -> None:
    """Delete the rows this run both recorded and superseded (at ``recorded_at``): no instant ever held them."""
    for (table,) in con.execute(BITEMPORAL_TABLES).fetchall():
        con.execute(f"DELETE FROM {table} WHERE recorded_at = $at AND superseded_at = $at", {"at": recorded_at})


def _summed(total: LoadCounts, counts: LoadCounts) -> LoadCounts:
    """Counts of two batches of one run: added rows summed, key moves summed per entity.

    A key a run touches in several batches counts in each; the unmatched keys and the short
    listings are the run's as of its last batch (each batch reports the run's so far).
    """
    keys = dict(total.keys)
    for entity, k in counts.keys.items():
        was = keys.get(entity, KeyChanges())
        keys[entity] = KeyChanges(was.new + k.new, was.changed + k.changed, was.retired + k.retired,
                                  was.unchanged + k.unchanged)  # fmt: skip
    return LoadCounts(
        payloads=total.payloads + counts.payloads,
        observations=total.observations + counts.observations,
        new_versions=total.new_versions + counts.new_versions,
        measurements=total.measurements + counts.measurements,
        quarantined=total.quarantined + counts.quarantined,
        keys=keys,
        unmatched=counts.unmatched,
        incomplete=counts.incomplete,
    )
