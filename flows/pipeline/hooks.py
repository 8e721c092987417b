"""What the warehouse is handed to call: migration data steps and the identity resolvers."""

from __future__ import annotations

import functools
import hashlib
import inspect
from collections.abc import Mapping
from importlib import resources

import duckdb

from extractors.registry import identity_roles, source_specs
from flows.pipeline.base import ImportInputError, utc_now
from flows.settings import settings_from_env
from transforms.hashing import row_hashes
from transforms.identity import Override, crosswalk, provider_crosswalk, read_overrides
from warehouse import db, history
from warehouse.history import Resolver

OVERRIDES_FILE = "identity_overrides.csv"
PROVIDER_OVERRIDES_FILE = "provider_overrides.csv"


def rehash_attributes(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute every stored ``attr_hash`` with today's ``row_hashes`` (migration 003's data step)."""
    history.rehash_attributes(con, row_hashes)


def schedule_stated_retirements(con: duckdb.DuckDBPyConnection) -> None:
    """Re-derive the keys whose fetches state a retirement date, with this environment's rules (migration 015)."""
    settings = settings_from_env()
    history.rederive_stated_retirements(
        con, utc_now(), retire_after=settings.retire_after, rules=settings.suspect_rules
    )


MIGRATION_HOOKS: Mapping[int, db.Hook] = {3: rehash_attributes, 15: schedule_stated_retirements}
"""Data steps that run inside a migration's transaction."""


def identity_resolver() -> Resolver:
    """The crosswalk rules, each source's identity role, and the reviewed ``transforms/identity_overrides.csv``."""
    overrides = _overrides(OVERRIDES_FILE, "source_key", "model_id")
    roles = identity_roles()
    return lambda facts: crosswalk(facts, roles, overrides)


@functools.cache
def identity_rules_version() -> str:
    """A hash of the crosswalk's rules (``transforms/identity.py``), the overrides and the sources' modules (their
    identity roles): a new one re-resolves every key."""
    files = resources.files("transforms")
    digest = hashlib.sha256()
    for name in ("identity.py", OVERRIDES_FILE):
        digest.update(files.joinpath(name).read_bytes())
    for spec in source_specs().values():
        module = inspect.getmodule(spec.identity.names)
        digest.update(inspect.getsource(module).encode() if module else spec.id.encode())
        digest.update(repr((spec.id, spec.identity.rank, spec.identity.anchors)).encode())
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
