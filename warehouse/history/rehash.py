"""Re-hashing stored attributes in place, for a migration whose hash rule changed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import duckdb
import pandas as pd

from entities import ENTITIES, EntitySpec

Hasher = Callable[[pd.DataFrame, Sequence[str]], pd.Series]
"""The hash of the named columns of every row of a frame (``transforms.hashing.row_hashes``)."""


def rehash_attributes(con: duckdb.DuckDBPyConnection, hashes: Hasher) -> None:
    """Recompute every stored ``attr_hash`` with ``hashes``, in the caller's transaction.

    Migration 003 runs it: warehouses built before it hashed a positional list, and a new
    observation must hash like the stored ones or it would look changed. Equal values hash
    equal under both, so versions keep their boundaries. It meets either layout: wide
    observations (before migration 007) or narrow ones with an attribute table, and only the
    declared attributes the tables hold yet (a column a later migration adds is NULL in every
    row, and NULLs are left out of a hash).
    """
    columns: dict[str, set[str]] = {}
    for table, column in con.execute("SELECT table_name, column_name FROM duckdb_columns()").fetchall():
        columns.setdefault(table, set()).add(column)
    for spec in ENTITIES.values():
        held = [c for c in spec.attributes if c in columns.get(spec.versions, ())]
        if spec.attribute_table in columns:
            _rehash_attribute_table(con, spec, held, hashes)
        else:
            _rehash_rows(con, spec.observations, held, "false", hashes)
        _rehash_rows(con, spec.versions, held, "is_deleted", hashes)


def _rehash_rows(
    con: duckdb.DuckDBPyConnection, table: str, attributes: Sequence[str], deleted: str, hashes: Hasher
) -> None:
    frame = con.execute(f"SELECT rowid AS row_id, {', '.join(attributes)} FROM {table} WHERE NOT {deleted}").df()
    if frame.empty:
        return
    fresh = pd.DataFrame({"row_id": frame["row_id"], "attr_hash": hashes(frame, attributes)})  # noqa: F841 (read by name)
    con.execute(f"UPDATE {table} t SET attr_hash = f.attr_hash FROM fresh f WHERE t.rowid = f.row_id")


def _rehash_attribute_table(
    con: duckdb.DuckDBPyConnection, spec: EntitySpec, attributes: Sequence[str], hashes: Hasher
) -> None:
    """Re-hash the attribute rows, and the narrow observations through the old hash of their key."""
    frame = con.execute(
        f"SELECT {', '.join(spec.key)}, attr_hash, {', '.join(attributes)} FROM {spec.attribute_table}"
    ).df()
    if frame.empty:
        return
    fresh = frame[list(spec.key)].assign(old_hash=frame["attr_hash"], attr_hash=hashes(frame, attributes))  # noqa: F841
    match = " AND ".join(f"t.{c} = f.{c}" for c in spec.key)
    for table in (spec.attribute_table, spec.observations):
        con.execute(
            f"UPDATE {table} t SET attr_hash = f.attr_hash FROM fresh f WHERE {match} AND t.attr_hash = f.old_hash"
        )
