"""Re-hashing stored attributes in place, for a migration whose hash rule changed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import duckdb
import pandas as pd

from entities import ENTITIES

Hasher = Callable[[pd.DataFrame, Sequence[str]], pd.Series]
"""The hash of the named columns of every row of a frame (``transforms.hashing.row_hashes``)."""


def rehash_attributes(con: duckdb.DuckDBPyConnection, hashes: Hasher) -> None:
    """Recompute every stored ``attr_hash`` with ``hashes``, in the caller's transaction.

    Migration 003 runs it: warehouses built before it hashed a positional list, and a new
    observation must hash like the stored ones or it would look changed. Equal values hash
    equal under both, so versions keep their boundaries.
    """
    for spec in ENTITIES.values():
        for table in (spec.observations, spec.versions):
            deleted = "is_deleted" if table == spec.versions else "false"
            frame = con.execute(
                f"SELECT rowid AS row_id, {', '.join(spec.attributes)} FROM {table} WHERE NOT {deleted}"
            ).df()
            if frame.empty:
                continue
            fresh = pd.DataFrame({"row_id": frame["row_id"], "attr_hash": hashes(frame, spec.attributes)})
            con.register("fresh", fresh)
            try:
                con.execute(f"UPDATE {table} t SET attr_hash = f.attr_hash FROM fresh f WHERE t.rowid = f.row_id")
            finally:
                con.unregister("fresh")
