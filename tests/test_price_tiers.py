"""Tiered and time-of-day prices kept as data (issue 21): OpenRouter's ``pricing.overrides``, LiteLLM's
``*_above_*_tokens`` and models.dev's tiers as an endpoint's ``price_tiers``, versioned, and applied by ``cost``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from extractors.litellm import PRICES_URL
from extractors.openrouter import parse_endpoints
from tests.conftest import query, synthetic_endpoint, synthetic_endpoints
from tests.test_answers import import_days
from tests.test_litellm import CLAUDE_SONNET_4_5
from transforms.hashing import row_hash
from transforms.records import ParseError
from warehouse import db

OLD_TIERS = "STRUCT(price VARCHAR, above_tokens BIGINT, price_per_mtok DECIMAL(38,12))[]"
"""The column as migration 011 made it, before 013 gave a tier its window, weekdays and entry."""
NO_CONDITION = {"utc_start": None, "utc_end": None, "utc_days": None, "entry": None}
MODEL = "synthetic/night-owl"
ENDPOINTS_URL = f"https://openrouter.ai/api/v1/models/{MODEL}/endpoints"
LONG_PROMPTS = {"min_prompt_tokens": 200000, "prompt": "0.000002", "completion": "0.000004"}
NIGHTS = {"utc_start": 2200, "utc_end": 600, "prompt": "0.00000005", "audio": "0.001"}
"""``pricing.overrides`` entries as OpenRouter's spec gives them (``PricingOverride``, openapi.yaml): above 200k
prompt tokens, and 22:00-06:00 UTC, when the prompt costs half; ``audio`` is not a price of ours."""


def synthetic_overrides(*overrides: dict[str, object]) -> bytes:
    """The model's one endpoint (Groq; prompt 0.10, completion 0.30 a million) with ``pricing.overrides``."""
    endpoint = synthetic_endpoint("groq", "Groq")
    endpoint["pricing"] = {**endpoint["pricing"], "overrides": list(overrides)}  # type: ignore[dict-item]
    return synthetic_endpoints(MODEL, [endpoint])


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


def test_openrouter_s_overrides_are_the_endpoint_s_tiers_each_price_of_an_entry_with_its_conditions(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    import_days(run_cli, tmp_path, ENDPOINTS_URL, {"2026-08-01": synthetic_overrides(LONG_PROMPTS, NIGHTS)})

    assert query(warehouse, "SELECT price_tiers, tiers_text(price_tiers) FROM endpoints") == [([
        {"price": "input", "above_tokens": 200_000, "price_per_mtok": Decimal("2"), "utc_start": None,
         "utc_end": None, "utc_days": None, "entry": 0},
        {"price": "input", "above_tokens": None, "price_per_mtok": Decimal("0.05"), "utc_start": "22:00",
         "utc_end": "06:00", "utc_days": None, "entry": 1},
        {"price": "output", "above_tokens": 200_000, "price_per_mtok": Decimal("4"), "utc_start": None,
         "utc_end": None, "utc_days": None, "entry": 0},
    ], "input>200000:2.000000, input@22:00-06:00:0.050000, output>200000:4.000000")]  # fmt: skip


def test_an_override_on_weekdays_only_keeps_its_days_and_a_malformed_one_fails_the_payload_naming_it() -> None:
    weekend = {"utc_days": ["sunday", "Saturday"], "input_cache_read": "0.00000001"}
    [endpoint] = parse_endpoints(synthetic_overrides(weekend)).records["endpoint"]
    assert endpoint["price_tiers"] == [
        {"price": "cache_read", "price_per_mtok": Decimal("0.01"), "utc_days": ["saturday", "sunday"], "entry": 0}
    ]

    for bad, reason in (
        ({**NIGHTS, "utc_start": 2460}, "pricing.overrides[1].utc_start: 2460 is not a UTC clock time HHMM"),
        ({**NIGHTS, "prompt": "half"}, "pricing.overrides[1].prompt: 'half' is not a number, not a price"),
        ({"utc_start": 2200, "prompt": "0.00000005"}, "pricing.overrides[1]: a window needs both utc_start and"
                                                      " utc_end (got 2200 and None)"),
    ):  # fmt: skip
        with pytest.raises(ParseError) as raised:
            parse_endpoints(synthetic_overrides(LONG_PROMPTS, bad))
        assert str(raised.value) == f"data.endpoints[0] (tag 'groq'): {reason}"


def test_cost_picks_the_tier_of_a_row_s_prompt_size_and_utc_time_a_later_override_winning(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    import_days(run_cli, tmp_path, ENDPOINTS_URL, {"2026-08-01": synthetic_overrides(LONG_PROMPTS, NIGHTS)})
    usage = tmp_path / "synthetic_usage.csv"
    usage.write_text(
        "time,model,provider,input_tokens,output_tokens\n"
        "2026-08-02T12:00:00Z,synthetic/night-owl,Groq,100000,1000000\n"  # base: 0.10 and 0.30
        "2026-08-02T12:00:00Z,synthetic/night-owl,Groq,300000,1000000\n"  # a long prompt: 2 and 4
        "2026-08-02T23:30:00Z,synthetic/night-owl,Groq,100000,1000000\n"  # at night: 0.05, output at its base
        "2026-08-03T01:00:00+02:00,synthetic/night-owl,Groq,300000,1000000\n"  # 23:00 UTC, long: the night's input
        "2026-08-03T06:00:00Z,synthetic/night-owl,Groq,100000,0\n"  # the window's end is not in it
        "2026-08-03T22:00:00Z,synthetic/night-owl,Groq,100000,0\n"  # its start is
    )

    result = run_cli("cost", "--usage", str(usage), "--format", "json")

    assert result.code == 0, result.err
    rows = [(r["line"], r["input_price_per_mtok"], r["output_price_per_mtok"], r["cost_usd"])
            for r in json.loads(result.out)]  # fmt: skip
    assert rows == [
        (2, 0.1, 0.3, 0.31),
        (3, 2.0, 4.0, 4.6),
        (4, 0.05, 0.3, 0.305),
        (5, 0.05, 4.0, 4.015),  # both entries apply to its input: the later one, the night's, wins
        (6, 0.1, 0.3, 0.01),
        (7, 0.05, 0.3, 0.005),
    ]


def test_a_repriced_window_is_a_change_of_the_endpoint_s_price_tiers(warehouse: Path, run_cli, tmp_path: Path) -> None:
    import_days(run_cli, tmp_path, ENDPOINTS_URL, {
        "2026-08-01": synthetic_overrides(LONG_PROMPTS, NIGHTS),
        "2026-08-02": synthetic_overrides(LONG_PROMPTS, {**NIGHTS, "prompt": "0.00000006"}),
        "2026-08-03": synthetic_overrides(LONG_PROMPTS, {**NIGHTS, "prompt": "0.00000006", "audio": "0.002"}),
    })  # fmt: skip

    changes = query(warehouse, "SELECT changed_at, field, old_value, new_value FROM changes ORDER BY ALL")
    assert [(str(at), *rest) for at, *rest in changes] == [
        ("2026-08-02 02:00:00+00:00", "price_tiers",
         "input>200000:2.000000, input@22:00-06:00:0.050000, output>200000:4.000000",
         "input>200000:2.000000, input@22:00-06:00:0.060000, output>200000:4.000000"),
    ]  # fmt: skip  # the audio price is none of ours: no change
