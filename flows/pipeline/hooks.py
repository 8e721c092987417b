"""What the warehouse is handed to call: migration data steps and the identity resolvers."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from importlib import resources

import duckdb
import pandas as pd

from flows.pipeline.base import ImportInputError
from transforms.hashing import row_hashes
from transforms.identity import Override, crosswalk, provider_crosswalk, read_overrides
from warehouse import db
from warehouse.history import ENTITIES, Resolver

OVERRIDES_FILE = "identity_overrides.csv"
PROVIDER_OVERRIDES_FILE = "provider_overrides.csv"


def rehash_attributes(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute every stored ``attr_hash`` with the current hash (name-keyed, NULLs left out).

    Runs in migration 003's transaction: warehouses built before it hashed a positional
    list, and a new observation must hash like the stored ones or it would look changed.
    Equal values hash equal under both, so versions keep their boundaries.
    """
    for spec in ENTITIES.values():
        for table in (spec.observations, spec.versions):
            deleted = "is_deleted" if table == spec.versions else "false"
            frame = con.execute(
                f"SELECT rowid AS row_id, {', '.join(spec.attributes)} FROM {table} WHERE NOT {deleted}"
            ).df()
            if frame.empty:
                continue
            fresh = pd.DataFrame({"row_id": frame["row_id"], "attr_hash": row_hashes(frame, spec.attributes)})
            con.register("fresh", fresh)
            try:
                con.execute(f"UPDATE {table} t SET attr_hash = f.attr_hash FROM fresh f WHERE t.rowid = f.row_id")
            finally:
                con.unregister("fresh")


MIGRATION_HOOKS: Mapping[int, db.Hook] = {3: rehash_attributes}
"""Data steps that run inside a migration's transaction."""


def identity_resolver() -> Resolver:
    """The crosswalk rules with the reviewed overrides file shipped in ``transforms/identity_overrides.csv``."""
    overrides = _overrides(OVERRIDES_FILE, "source_key", "model_id")
    return lambda facts: crosswalk(facts, overrides)


@functools.cache
def identity_rules_version() -> str:
    """A hash of the crosswalk's rules (``transforms/identity.py``) and overrides: a new one re-resolves every key."""
    files = resources.files("transforms")
    digest = hashlib.sha256()
    for name in ("identity.py", OVERRIDES_FILE):
        digest.update(files.joinpath(name).read_bytes())
    return digest.hexdigest()[:16]


def provider_resolver() -> Resolver:
    """The provider rules with the reviewed ``transforms/provider_overrides.csv``."""
    overrides = _overrides(PROVIDER_OVERRIDES_FILE, "provider_key", "provider_id")
    return lambda keys: provider_crosswalk(keys, overrides)


def _overrides(name: str, key_column: str, id_column: str) -> list[Override]:
    text = resources.files("transforms").joinpath(name).read_text(encoding="utf-8")
    try:
        return read_overrides(text, key_column, id_column)
    except ValueError as e:
        raise ImportInputError(f"transforms/{name}: {e}") from None
