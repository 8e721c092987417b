"""The identity crosswalk and the provider aliases: alias logs re-resolved in the load's transaction."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from .entities import Resolver

IDENTITY_FACTS = """
WITH latest AS (
    SELECT source, model_id AS source_key, canonical_slug, hugging_face_id, base_model, api_providers
    FROM model_versions WHERE superseded_at IS NULL AND NOT is_deleted
    QUALIFY row_number() OVER (PARTITION BY source, model_id ORDER BY valid_from DESC) = 1
),
keyed AS (
    SELECT DISTINCT source, model_id AS source_key FROM endpoint_versions WHERE superseded_at IS NULL
    UNION SELECT DISTINCT source, model_id FROM benchmark_versions WHERE superseded_at IS NULL
    UNION SELECT DISTINCT source, model_id FROM speed_measurements
    UNION SELECT DISTINCT source, model_id FROM model_versions WHERE superseded_at IS NULL
)
SELECT k.source, k.source_key, l.canonical_slug, l.hugging_face_id, l.base_model, l.api_providers
FROM keyed k LEFT JOIN latest l USING (source, source_key)
ORDER BY k.source, k.source_key
"""
"""One row per source key the warehouse knows, with the facts identity rules read (latest live version)."""


FACTS_FINGERPRINT = f"""
SELECT count(*) || ':' || coalesce(sum(hash(source, source_key, canonical_slug, hugging_face_id, base_model,
    api_providers)), 0)
FROM ({IDENTITY_FACTS})
"""
UNMATCHED_KEYS = "SELECT source, source_key FROM model_alias_log WHERE superseded_at IS NULL AND model_id IS NULL"


def refresh_crosswalk(
    con: duckdb.DuckDBPyConnection, resolve: Resolver, now: datetime, rules_version: str = ""
) -> tuple[tuple[str, str], ...]:
    """Re-resolve every source key; supersede mappings that changed, record new ones; returns the unmatched keys.

    With a ``rules_version``, a load whose identity facts and rules are those of the last
    refresh skips resolving (it would yield the same crosswalk).
    """
    fingerprint = f"{rules_version}:{con.execute(FACTS_FINGERPRINT).fetchall()[0][0]}"
    held = con.execute("SELECT fingerprint FROM identity_state WHERE resolver = 'model'").fetchall()
    if not (rules_version and held and held[0][0] == fingerprint):
        wanted = resolve(con.execute(IDENTITY_FACTS).df())
        _refresh_log(con, "model_alias_log", ("source_key", "model_id"), wanted, now)
        con.execute("INSERT OR REPLACE INTO identity_state VALUES ('model', ?, ?)", [fingerprint, now])
    return tuple(con.execute(f"{UNMATCHED_KEYS} ORDER BY ALL").fetchall())


PROVIDER_KEYS = """
SELECT DISTINCT source, provider_key(source, endpoint_key, provider) AS provider_key
FROM endpoint_versions WHERE superseded_at IS NULL AND provider_key(source, endpoint_key, provider) IS NOT NULL
ORDER BY ALL
"""
"""Every (source, provider key) the warehouse knows."""


def _refresh_log(
    con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, str], wanted: pd.DataFrame, now: datetime
) -> None:
    """Make ``wanted`` (source, key, id, rule) the current rows of an alias log: supersede the rest, add the new."""
    key, target = columns
    wanted_text = wanted.astype(pd.StringDtype())  # noqa: F841 (read by name)
    same = (
        f"w.source = l.source AND w.{key} = l.{key} AND w.{target} IS NOT DISTINCT FROM l.{target} AND w.rule = l.rule"
    )
    con.execute(
        f"UPDATE {table} l SET superseded_at = ? WHERE l.superseded_at IS NULL"
        f" AND NOT EXISTS (SELECT 1 FROM wanted_text w WHERE {same})",
        [now],
    ).fetchall()
    con.execute(
        f"INSERT INTO {table} (source, {key}, {target}, rule, recorded_at, superseded_at)"
        f" SELECT w.source, w.{key}, w.{target}, w.rule, ?, NULL FROM wanted_text w"
        f" WHERE NOT EXISTS (SELECT 1 FROM {table} l WHERE l.superseded_at IS NULL AND {same})",
        [now],
    ).fetchall()
