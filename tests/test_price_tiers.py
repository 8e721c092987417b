"""Tiered and time-of-day prices kept as data (issue 21): OpenRouter's ``pricing.overrides``, LiteLLM's
``*_above_*_tokens`` and models.dev's tiers as an endpoint's ``price_tiers``, versioned, and applied by ``cost``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from extractors.litellm import PRICES_URL
from tests.conftest import query
from tests.test_litellm import CLAUDE_SONNET_4_5
from transforms.hashing import row_hash
from warehouse import db

OLD_TIERS = "STRUCT(price VARCHAR, above_tokens BIGINT, price_per_mtok DECIMAL(38,12))[]"
"""The column as migration 011 made it, before 013 gave a tier its window, weekdays and entry."""
NO_CONDITION = {"utc_start": None, "utc_end": None, "utc_days": None, "entry": None}


def _import_litellm(run_cli, tmp_path: Path, day: str) -> None:
    path = tmp_path / f"synthetic_prices__{day}.json"
    path.write_bytes(json.dumps({"claude-sonnet-4-5": CLAUDE_SONNET_4_5}).encode())
    result = run_cli("import", str(path), "--url", PRICES_URL, "--fetched-at", f"{day}T02:00:00Z")
    assert result.code == 0, result.err


def _as_before_migration_13(warehouse: Path) -> None:
    """Put a warehouse back as migration 011 left its tiers: the old column type, 013 not applied."""
    con = duckdb.connect(str(warehouse))
    try:
        for table in ("endpoint_attributes", "endpoint_versions"):
            con.execute(
                f"ALTER TABLE {table} ALTER COLUMN price_tiers SET DATA TYPE {OLD_TIERS} USING list_transform("
                "price_tiers, lambda t: {'price': t.price, 'above_tokens': t.above_tokens,"
                " 'price_per_mtok': t.price_per_mtok})"
            )
        con.execute("DELETE FROM schema_migrations WHERE version = 13")
    finally:
        con.close()


def test_a_tier_hashes_as_before_windows_whatever_null_fields_it_carries() -> None:
    tier = {"price": "input", "above_tokens": 200_000, "price_per_mtok": Decimal("6")}

    assert row_hash({"price_tiers": [tier]}) == "7948de44fdc224a09fee9d398cd62505"  # as 011 stored it
    assert row_hash({"price_tiers": [{**tier, **NO_CONDITION}]}) == "7948de44fdc224a09fee9d398cd62505"


def test_migration_13_keeps_every_stored_tier_and_an_unchanged_payload_adds_no_version(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    _import_litellm(run_cli, tmp_path, "2026-07-01")
    history = "SELECT valid_from, valid_to, attr_hash FROM endpoint_versions WHERE source = 'litellm' ORDER BY ALL"
    stored = query(warehouse, history)
    _as_before_migration_13(warehouse)
    assert query(warehouse, "SELECT price_tiers[1] FROM endpoint_versions") == [
        ({"price": "input", "above_tokens": 200_000, "price_per_mtok": Decimal("6")},)
    ]

    con = db.open_for_write(warehouse, datetime(2026, 7, 2, 1, tzinfo=UTC))  # applies 013
    con.close()
    both = "SELECT price_tiers FROM endpoint_attributes UNION ALL SELECT price_tiers FROM endpoint_versions"
    kept = query(warehouse, both)
    _import_litellm(run_cli, tmp_path, "2026-07-02")

    tiers = [
        {"price": "input", "above_tokens": 200_000, "price_per_mtok": Decimal("6"), **NO_CONDITION},
        {"price": "output", "above_tokens": 200_000, "price_per_mtok": Decimal("22.5"), **NO_CONDITION},
        {"price": "cache_read", "above_tokens": 200_000, "price_per_mtok": Decimal("0.6"), **NO_CONDITION},
        {"price": "cache_write", "above_tokens": 200_000, "price_per_mtok": Decimal("7.5"), **NO_CONDITION},
    ]
    assert kept == [(tiers,), (tiers,)]
    assert query(warehouse, history) == stored  # one version, its hash unchanged
    assert query(warehouse, "SELECT count(*) FROM changes WHERE source = 'litellm'") == [(0,)]
    assert query(warehouse, "SELECT tiers_text(price_tiers) FROM endpoints WHERE source = 'litellm'") == [
        ("input>200000:6.000000, output>200000:22.500000, cache_read>200000:0.600000, cache_write>200000:7.500000",)
    ]
