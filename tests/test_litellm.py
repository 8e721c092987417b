"""LiteLLM's price map: real entries to exact records, the entries that are skipped or rejected, its history."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from extractors import litellm
from extractors.litellm import PRICES_URL, max_output_tokens, parse_prices
from extractors.registry import identity_roles, source_specs
from tests.conftest import FIXTURES, query
from transforms.identity import FACT_COLUMNS, crosswalk
from transforms.records import Listing, ParseError, Record, RowError
from warehouse import db

LITELLM = FIXTURES / "litellm"
MAY_2025 = LITELLM / "model_prices_llama4__2025-05-19__ef4f4dc9455c.json"
JAN_2026 = LITELLM / "model_prices_llama4__2026-01-09__4d742cd9a243.json"
JUN_2026 = LITELLM / "model_prices_llama4__2026-06-26__0082afa4fc3e.json"
GROQ_SCOUT = "groq/meta-llama/llama-4-scout-17b-16e-instruct"
NOVITA_SCOUT = "novita/meta-llama/llama-4-scout-17b-16e-instruct"

# Real entries of the map (mirror RoCry/llm-api-price), copied here as they are.
EMBEDDING = {  # text-embedding-3-large, 2025-02-06 (commit b094ffea87ee): no output limit
    "max_tokens": 8191, "max_input_tokens": 8191, "output_vector_size": 3072, "input_cost_per_token": 1.3e-07,
    "output_cost_per_token": 0.0, "input_cost_per_token_batches": 6.5e-08, "output_cost_per_token_batches": 0.0,
    "litellm_provider": "openai", "mode": "embedding",
}  # fmt: skip
CLAUDE_3_HAIKU = {  # openrouter/anthropic/claude-3-haiku, 2025-02-06 (b094ffea87ee): max_tokens is its context
    "max_tokens": 200000, "input_cost_per_token": 2.5e-07, "output_cost_per_token": 1.25e-06,
    "input_cost_per_image": 0.0004, "litellm_provider": "openrouter", "mode": "chat",
    "supports_function_calling": True, "supports_vision": True, "supports_tool_choice": True,
}  # fmt: skip
CLAUDE_SONNET_4_5 = {  # claude-sonnet-4-5, 2026-07-24 (8442b939a6ea): cache and tiered prices
    "cache_creation_input_token_cost": 3.75e-06, "cache_creation_input_token_cost_above_1hr": 6e-06,
    "cache_creation_input_token_cost_above_1hr_above_200k_tokens": 1.2e-05, "cache_read_input_token_cost": 3e-07,
    "input_cost_per_token": 3e-06, "input_cost_per_token_above_200k_tokens": 6e-06,
    "output_cost_per_token_above_200k_tokens": 2.25e-05, "cache_creation_input_token_cost_above_200k_tokens": 7.5e-06,
    "cache_read_input_token_cost_above_200k_tokens": 6e-07, "litellm_provider": "anthropic",
    "max_input_tokens": 200000, "max_output_tokens": 64000, "max_tokens": 64000, "mode": "chat",
    "output_cost_per_token": 1.5e-05,
    "search_context_cost_per_query": {"search_context_size_high": 0.01, "search_context_size_low": 0.01,
                                      "search_context_size_medium": 0.01},
    "supports_assistant_prefill": True, "supports_computer_use": True, "supports_function_calling": True,
    "supports_pdf_input": True, "supports_prompt_caching": True, "supports_reasoning": True,
    "supports_response_schema": True, "supports_native_structured_output": True, "supports_tool_choice": True,
    "supports_vision": True, "prompt_cache_min_tokens": 1024,
}  # fmt: skip
TOOL_USE_PREVIEW = {  # groq/llama3-groq-70b-8192-tool-use-preview until 2025-05-26 (b50fbb5b1d66 zero-padded it)
    "max_tokens": 8192, "max_input_tokens": 8192, "max_output_tokens": 8192, "input_cost_per_token": 8.9e-07,
    "output_cost_per_token": 8.9e-07, "litellm_provider": "groq", "mode": "chat", "supports_function_calling": True,
    "supports_response_schema": True, "supports_tool_choice": True, "deprecation_date": "2025-1-6",
}  # fmt: skip


def _body(document: Any) -> bytes:
    return json.dumps(document).encode()


def _by_id(records: list[Record], model_id: str) -> Record:
    [record] = [r for r in records if r["model_id"] == model_id]
    return record


def _one(entry: dict[str, Any], key: str = "some/model") -> tuple[Record, Record]:
    parsed = parse_prices(_body({key: entry}))
    assert parsed.rejected == ()
    return parsed.records["model"][0], parsed.records["endpoint"][0]


def test_the_real_groq_scout_entry_parses_to_exact_records() -> None:
    parsed = parse_prices(JUN_2026.read_bytes())

    assert _by_id(parsed.records["endpoint"], GROQ_SCOUT) == {
        "source": "litellm", "model_id": GROQ_SCOUT, "endpoint_key": GROQ_SCOUT, "provider": "groq",
        "context_length": 131072, "max_output_tokens": 8192, "max_prompt_tokens": None,
        "input_price_per_mtok": Decimal("0.11"), "output_price_per_mtok": Decimal("0.34"),  # 1.1e-07, 3.4e-07 a token
        "cache_read_price_per_mtok": None, "cache_write_price_per_mtok": None, "price_tiers": None,
        "quantization": None, "supported_params": ["function_calling", "response_schema", "tool_choice", "vision"],
        "supported_params_count": 4, "implicit_caching": None, "status": None,
    }  # fmt: skip
    assert _by_id(parsed.records["model"], GROQ_SCOUT) == {
        "source": "litellm", "model_id": GROQ_SCOUT, "name": None, "creator": None, "canonical_slug": None,
        "hugging_face_id": None, "base_model": None, "context_window": None, "max_output_tokens": None,
        "input_price_per_mtok": None, "output_price_per_mtok": None, "release_date": None,  # the endpoint's
        "knowledge_cutoff": None, "expiration_date": None, "last_updated": None, "open_weights": None,
        "status": None, "input_modalities": None, "output_modalities": None, "supported_params": None,
        "api_providers": None, "capabilities": ["function_calling", "response_schema", "tool_choice", "vision"],
        "mode": "chat", "description": None,
    }  # fmt: skip


def test_modalities_cache_prices_float_limits_and_prices_above_a_prompt_size_are_read() -> None:
    parsed = parse_prices(MAY_2025.read_bytes())
    vertex = _by_id(parsed.records["model"], "vertex_ai/meta/llama-4-scout-17b-16e-instruct-maas")
    served = _by_id(parsed.records["endpoint"], "vertex_ai/meta/llama-4-scout-17b-16e-instruct-maas")
    assert (served["context_length"], served["max_output_tokens"]) == (10_000_000, 10_000_000)  # 10000000.0 in JSON
    assert (vertex["input_modalities"], vertex["output_modalities"]) == (["image", "text"], ["code", "text"])

    model, endpoint = _one(CLAUDE_SONNET_4_5, "claude-sonnet-4-5")
    prices = (
        "input_price_per_mtok",
        "output_price_per_mtok",
        "cache_read_price_per_mtok",
        "cache_write_price_per_mtok",
    )
    assert [endpoint[p] for p in prices] == [Decimal("3"), Decimal("15"), Decimal("0.3"), Decimal("3.75")]
    assert endpoint["supported_params_count"] == 10
    assert (endpoint["provider"], model["mode"]) == ("anthropic", "chat")

    assert endpoint["price_tiers"] == [  # not the cache write above an hour (a duration), nor its 200k tier
        {"price": "input", "above_tokens": 200_000, "price_per_mtok": Decimal("6")},
        {"price": "output", "above_tokens": 200_000, "price_per_mtok": Decimal("22.5")},
        {"price": "cache_read", "above_tokens": 200_000, "price_per_mtok": Decimal("0.6")},
        {"price": "cache_write", "above_tokens": 200_000, "price_per_mtok": Decimal("7.5")},
    ]
    special = {**CLAUDE_SONNET_4_5, "input_cost_per_image": [], "input_cost_per_token_above_200k_tokens_priority": "x"}
    assert _one(special, "claude-sonnet-4-5") == (model, endpoint)  # prices not read: a malformed one is no matter


def test_a_malformed_price_above_a_prompt_size_rejects_its_entry_naming_the_field() -> None:
    tiered = {**CLAUDE_SONNET_4_5, "input_cost_per_token_above_200k_tokens": "six dollars"}

    parsed = parse_prices(_body({"claude-sonnet-4-5": tiered}))

    assert [(r.row_key, "input_cost_per_token_above_200k_tokens" in r.reason) for r in parsed.rejected] == [
        ("claude-sonnet-4-5", True)
    ]


def test_a_real_fixture_gives_every_llama_4_key_and_lists_the_whole_map() -> None:
    parsed = parse_prices(JUN_2026.read_bytes())
    keys = [r["model_id"] for r in parsed.records["model"]]

    assert len(keys) == 36
    assert keys == [r["model_id"] for r in parsed.records["endpoint"]]
    assert "sample_spec" not in keys
    assert "_source" not in keys
    assert parsed.listings == (Listing("model", "", 36),)  # the whole map: endpoints follow their model
    assert parsed.rejected == ()
    assert parsed.links == ()


def test_sample_spec_fallback_rules_notes_and_the_mirror_s_last_updated_are_skipped() -> None:
    parsed = parse_prices(
        _body({
            "_source": {"repo": "RoCry/llm-api-price"},
            "sample_spec": {"litellm_provider": "one of https://docs.litellm.ai/docs/providers", "mode": "chat"},
            "fallback_generalizations": {"rules": [{"name": "bedrock-claude-ids", "pattern": "^anthropic\\.claude-"}]},
            GROQ_SCOUT: {"litellm_provider": "groq", "input_cost_per_token": 1.1e-07},
            "last_updated": "2026-06-26T17:39:25.492178+00:00",
        })
    )  # fmt: skip

    assert [r["model_id"] for r in parsed.records["model"]] == [GROQ_SCOUT]
    assert parsed.listings == (Listing("model", "", 1),)
    assert parsed.rejected == ()


def test_max_tokens_is_the_output_limit_only_when_below_max_input_tokens() -> None:
    # the legacy field is the input limit when the provider gives no output limit (sample_spec)...
    assert _one(EMBEDDING, "text-embedding-3-large")[1]["max_output_tokens"] is None
    # ...the context window when it gives neither...
    model, endpoint = _one(CLAUDE_3_HAIKU, "openrouter/anthropic/claude-3-haiku")
    assert (endpoint["context_length"], endpoint["max_output_tokens"], model["max_output_tokens"]) == (None, None, None)
    # ...and ignored next to max_output_tokens (meta_llama's Scout: 128,000 then, 4,028 from 2026-01-09)
    meta = _by_id(
        parse_prices(MAY_2025.read_bytes()).records["endpoint"], "meta_llama/Llama-4-Scout-17B-16E-Instruct-FP8"
    )
    assert (meta["context_length"], meta["max_output_tokens"]) == (10_000_000, 4028)
    # below the input limit it cannot be that limit: it is the output's
    assert max_output_tokens({"max_tokens": 8192, "max_input_tokens": 131072}, 131072) == 8192
    assert max_output_tokens({"max_tokens": 8192, "max_output_tokens": None}, None) is None
    assert max_output_tokens({"max_tokens": 8192, "max_output_tokens": 4096}, 131072) == 4096


@pytest.mark.parametrize(
    ("key", "provider", "expected"),
    [
        (GROQ_SCOUT, "groq", "meta-llama/llama-4-scout-17b-16e-instruct"),
        ("vertex_ai/meta/llama-4-scout-17b-16e-instruct-maas", "vertex_ai-llama_models",
         "meta/llama-4-scout-17b-16e-instruct-maas"),
        ("openrouter/meta-llama/llama-4-scout", "openrouter", "meta-llama/llama-4-scout"),
        ("fireworks_ai/accounts/fireworks/models/llama4-scout-instruct-basic", "fireworks_ai",
         "accounts/fireworks/models/llama4-scout-instruct-basic"),
        ("cloudflare/@cf/meta/llama-4-scout-17b-16e-instruct", "cloudflare", "@cf/meta/llama-4-scout-17b-16e-instruct"),
        ("azure/claude-sonnet-4-5", "azure_ai", "claude-sonnet-4-5"),
        ("meta.llama4-scout-17b-instruct-v1:0", "bedrock_converse", "meta.llama4-scout-17b-instruct-v1:0"),
        ("gpt-4o", "openai", "gpt-4o"),
        ("1024-x-1024/dall-e-2", "openai", "1024-x-1024/dall-e-2"),  # a size, not a provider
        ("amazon-nova/nova-micro-v1", "amazon_nova", "nova-micro-v1"),  # `-` and `_` alike
    ],
)  # fmt: skip
def test_source_model_key_drops_the_prefix_only_when_the_provider_begins_with_it(
    warehouse: Path, key: str, provider: str, expected: str
) -> None:
    con = db.open_for_write(warehouse, datetime(2026, 12, 7, tzinfo=UTC))  # the views' macros, on a new warehouse
    try:
        held = con.execute("SELECT source_model_key('litellm', ?, ?, ?)", [key, key, provider]).fetchall()
    finally:
        con.close()
    assert held == [(expected,)]


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        ({"litellm_provider": "groq", "input_cost_per_token": "0.11 USD per 1M"}, "input_cost_per_token"),
        ({"litellm_provider": "groq", "output_cost_per_token": True}, "output_cost_per_token"),
        ({"litellm_provider": "groq", "max_input_tokens": "128k"}, "'128k' is not a number"),
        ({"litellm_provider": "groq", "max_output_tokens": 8192.5}, "not a whole number of tokens"),
        ({"input_cost_per_token": 1.1e-07, "mode": "chat"}, "'litellm_provider' is None"),
        ({"litellm_provider": "groq", "supports_vision": "yes"}, "'supports_vision' is 'yes'"),
        ({"litellm_provider": "groq", "deprecation_date": "next spring"}, "not a date"),
        ({"litellm_provider": "groq", "supported_modalities": "text"}, "not a list"),
        ("a model", "is str, not an object"),
        (None, "is NoneType, not an object"),
    ],
)  # fmt: skip
def test_one_bad_entry_is_a_rejected_row_and_the_rest_of_the_map_lands(entry: object, why: str) -> None:
    good = json.loads(JUN_2026.read_bytes())[GROQ_SCOUT]
    parsed = parse_prices(
        _body({GROQ_SCOUT: good, "bad/model": entry, NOVITA_SCOUT: {**good, "litellm_provider": "novita"}})
    )

    assert [r["model_id"] for r in parsed.records["model"]] == [GROQ_SCOUT, NOVITA_SCOUT]
    assert [r["model_id"] for r in parsed.records["endpoint"]] == [GROQ_SCOUT, NOVITA_SCOUT]
    [rejected] = parsed.rejected
    assert (rejected.entity, rejected.row_key) == ("model", "bad/model")
    assert why in rejected.reason
    assert parsed.listings == (Listing("model", "", 3),)  # incomplete: it retires nothing


@pytest.mark.parametrize("body", [b"[]", b'"model_prices"', b"{not json", b"<html>rate limited</html>"])
def test_a_payload_that_is_not_a_json_object_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_prices(body)


def test_deprecation_date_becomes_expiration_date_also_without_leading_zeros() -> None:
    sambanova = _by_id(parse_prices(JUN_2026.read_bytes()).records["model"], "sambanova/Llama-4-Scout-17B-16E-Instruct")
    assert sambanova["expiration_date"] == date(2025, 6, 19)
    assert _one(TOOL_USE_PREVIEW)[0]["expiration_date"] == date(2025, 1, 6)


def test_a_model_past_its_deprecation_date_is_retired_and_its_endpoint_stays(warehouse: Path, run_cli) -> None:
    for path, at in ((JAN_2026, "2026-01-09T20:10:12Z"), (JUN_2026, "2026-06-26T17:39:25Z")):
        assert run_cli("import", str(path), "--url", PRICES_URL, "--fetched-at", at).code == 0

    key = "sambanova/Llama-4-Scout-17B-16E-Instruct"
    models = query(
        warehouse,
        "SELECT strftime(valid_from, '%Y-%m-%d'), is_deleted FROM model_history"
        " WHERE source = 'litellm' AND source_key = ? ORDER BY valid_from",
        [key],
    )
    assert models == [("2026-01-09", False), ("2026-06-26", True)]
    endpoints = query(warehouse, "SELECT count(*) FROM endpoints WHERE source = 'litellm' AND source_key = ?", [key])
    assert endpoints == [(1,)]  # LiteLLM still prices it


def test_a_repricing_between_real_versions_is_one_change_of_the_endpoint(warehouse: Path, run_cli) -> None:
    for path, at in ((JAN_2026, "2026-01-09T20:10:12Z"), (JUN_2026, "2026-06-26T17:39:25Z")):
        assert run_cli("import", str(path), "--url", PRICES_URL, "--fetched-at", at).code == 0

    changes = query(
        warehouse,
        "SELECT entity, endpoint_key, field, old_value, new_value FROM changes"
        " WHERE source = 'litellm' AND source_key = ? ORDER BY ALL",
        [NOVITA_SCOUT],
    )
    assert changes == [
        ("endpoint", NOVITA_SCOUT, "input_price_per_mtok", "800.000000", "0.180000"),
        ("endpoint", NOVITA_SCOUT, "output_price_per_mtok", "4000.000000", "0.590000"),
    ]


def test_a_repriced_tier_is_one_change_of_the_endpoint_s_price_tiers(warehouse: Path, run_cli, tmp_path: Path) -> None:
    repriced = {**CLAUDE_SONNET_4_5, "input_cost_per_token_above_200k_tokens": 7e-06}
    for day, entry in (("2026-07-01", CLAUDE_SONNET_4_5), ("2026-07-02", repriced)):
        path = tmp_path / f"synthetic_prices__{day}.json"
        path.write_bytes(_body({"claude-sonnet-4-5": entry}))
        assert run_cli("import", str(path), "--url", PRICES_URL, "--fetched-at", f"{day}T02:00:00Z").code == 0

    changes = query(warehouse, "SELECT field, old_value, new_value FROM changes WHERE source = 'litellm'")
    tiers = "output>200000:22.500000, cache_read>200000:0.600000, cache_write>200000:7.500000"
    assert changes == [("price_tiers", f"input>200000:6.000000, {tiers}", f"input>200000:7.000000, {tiers}")]
    held = query(warehouse, "SELECT price_tiers[1] FROM endpoints WHERE source = 'litellm'")
    assert held == [({"price": "input", "above_tokens": 200_000, "price_per_mtok": Decimal("7"), "utc_start": None,
                      "utc_end": None, "utc_days": None, "entry": None},)]  # fmt: skip


def test_a_key_removed_from_the_map_retires_its_model_and_its_endpoint(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    entries = json.loads(JUN_2026.read_bytes())
    for day, keys in (("2026-07-01", [GROQ_SCOUT, NOVITA_SCOUT]), ("2026-07-02", [GROQ_SCOUT])):
        path = tmp_path / f"synthetic_prices__{day}.json"
        path.write_bytes(_body({k: entries[k] for k in keys}))
        assert run_cli("import", str(path), "--url", PRICES_URL, "--fetched-at", f"{day}T02:00:00Z").code == 0

    retired = query(
        warehouse,
        "SELECT 'model', source_key FROM model_history WHERE source = 'litellm' AND is_deleted AND valid_to IS NULL"
        " UNION ALL SELECT 'endpoint', endpoint_key FROM endpoint_history"
        " WHERE source = 'litellm' AND is_deleted AND valid_to IS NULL ORDER BY ALL",
    )
    assert retired == [("endpoint", NOVITA_SCOUT), ("model", NOVITA_SCOUT)]
    assert query(warehouse, "SELECT source_key FROM endpoints WHERE source = 'litellm'") == [(GROQ_SCOUT,)]


def test_a_rejected_entry_is_quarantined_and_retires_nothing(warehouse: Path, run_cli, tmp_path: Path) -> None:
    entries = json.loads(JUN_2026.read_bytes())
    first, second = tmp_path / "synthetic_prices__2026-07-01.json", tmp_path / "synthetic_prices__2026-07-02.json"
    first.write_bytes(_body({k: entries[k] for k in (GROQ_SCOUT, NOVITA_SCOUT)}))
    second.write_bytes(_body({NOVITA_SCOUT: {**entries[NOVITA_SCOUT], "input_cost_per_token": "n/a per token"}}))
    assert run_cli("import", str(first), "--url", PRICES_URL, "--fetched-at", "2026-07-01T02:00:00Z").code == 0
    run_cli("import", str(second), "--url", PRICES_URL, "--fetched-at", "2026-07-02T02:00:00Z")

    quarantined = query(warehouse, "SELECT entity, row_key FROM quarantine WHERE source = 'litellm'")
    assert quarantined == [("model", NOVITA_SCOUT)]
    current = query(warehouse, "SELECT source_key FROM endpoints WHERE source = 'litellm' ORDER BY ALL")
    assert current == [(GROQ_SCOUT,), (NOVITA_SCOUT,)]  # the incomplete list retired neither


def _facts(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame([{c: row.get(c) for c in FACT_COLUMNS} for row in rows], columns=list(FACT_COLUMNS))


def _resolved(*rows: dict[str, object]) -> dict[tuple[str, str], tuple[str | None, str]]:
    table = crosswalk(_facts(*rows), identity_roles())
    return {(r.source, r.source_key): (None if pd.isna(r.model_id) else r.model_id, r.rule) for r in table.itertuples()}


SCOUT = {"source": "openrouter", "source_key": "meta-llama/llama-4-scout",
         "canonical_slug": "meta-llama/llama-4-scout-17b-16e-instruct"}  # fmt: skip
MAVERICK = {"source": "openrouter", "source_key": "meta-llama/llama-4-maverick",
            "canonical_slug": "meta-llama/llama-4-maverick-17b-128e-instruct"}  # fmt: skip


def test_identity_names_offer_the_key_without_its_provider_prefix_and_the_key() -> None:
    names = litellm.identity_names
    assert names("openrouter/meta-llama/llama-4-scout", {}) == [
        ("meta-llama/llama-4-scout", "litellm openrouter/ entry"),
        ("openrouter/meta-llama/llama-4-scout", "normalized slug"),
    ]
    assert names(GROQ_SCOUT, {}) == [
        ("meta-llama/llama-4-scout-17b-16e-instruct", "normalized slug"),
        (GROQ_SCOUT, "normalized slug"),
    ]
    assert names("gpt-4o", {}) == [("gpt-4o", "normalized slug")]


def test_litellm_keys_join_the_models_other_sources_name_and_name_none_themselves() -> None:
    table = _resolved(
        SCOUT,
        MAVERICK,
        {"source": "models_dev", "source_key": GROQ_SCOUT},
        {"source": "litellm", "source_key": "openrouter/meta-llama/llama-4-scout"},
        {"source": "litellm", "source_key": GROQ_SCOUT},
        {"source": "litellm", "source_key": "together_ai/meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8"},
        {"source": "litellm", "source_key": "databricks/databricks-llama-4-maverick"},
        {"source": "litellm", "source_key": "snowflake/llama4-maverick"},
    )

    assert table[("litellm", "openrouter/meta-llama/llama-4-scout")] == (
        "meta-llama/llama-4-scout", "litellm openrouter/ entry"
    )  # fmt: skip
    assert table[("litellm", GROQ_SCOUT)] == ("meta-llama/llama-4-scout", "normalized slug")
    assert table[("models_dev", GROQ_SCOUT)] == ("meta-llama/llama-4-scout", "normalized slug")
    assert table[("litellm", "together_ai/meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8")][0] == (
        "meta-llama/llama-4-maverick"  # its -FP8 suffix dropped; Maverick, not Scout: no merge by family
    )
    assert table[("litellm", "databricks/databricks-llama-4-maverick")] == (None, "unmatched")
    assert table[("litellm", "snowflake/llama4-maverick")] == (None, "unmatched")


def test_litellm_keys_alone_stay_unmatched_and_another_source_s_key_names_their_model() -> None:
    alone = _resolved(
        {"source": "litellm", "source_key": GROQ_SCOUT}, {"source": "litellm", "source_key": NOVITA_SCOUT}
    )
    assert set(alone.values()) == {(None, "unmatched")}  # never an anchor, even with two keys of one name

    with_aa = _resolved({"source": "litellm", "source_key": "vercel_ai_gateway/meta/llama-4-scout"},
                        {"source": "artificial_analysis", "source_key": "llama-4-scout"})  # fmt: skip
    assert set(with_aa.values()) == {("llama-4-scout", "normalized slug"), ("llama-4-scout", "artificial_analysis key")}


def test_it_ranks_after_the_sources_that_name_models_and_only_for_what_a_model_accepts() -> None:
    specs = source_specs()
    role = specs["litellm"].identity
    assert not role.anchors
    assert role.rank > max(specs[s].identity.rank for s in specs if s != "litellm")
    assert dict(specs["litellm"].field_precedence) == {"input_modalities": 5, "output_modalities": 5}
    for field, rank in specs["litellm"].field_precedence.items():
        assert all(rank > s.field_precedence.get(field, 0) for s in specs.values() if s.id != "litellm"), field


def test_every_rejected_row_names_the_model_entity_and_its_key() -> None:
    parsed = parse_prices(_body({"a": [], "b": {"litellm_provider": 7}}))
    assert parsed.rejected == (
        RowError("model", "a", "model 'a': is list, not an object"),
        RowError("model", "b", "model 'b': 'litellm_provider' is 7, not a provider"),
    )


def test_an_entry_seen_before_parses_to_the_same_records_and_its_flags_are_told_apart_by_type() -> None:
    entry = {"litellm_provider": "groq", "mode": "chat", "input_cost_per_token": 1.1e-07, "supports_vision": True}
    first = parse_prices(_body({GROQ_SCOUT: entry}))
    again = parse_prices(_body({GROQ_SCOUT: entry}))
    as_number = parse_prices(_body({GROQ_SCOUT: {**entry, "supports_vision": 1}}))  # equal to True, not a flag

    assert again.records == first.records
    assert first.records["endpoint"][0]["supported_params"] == ["vision"]
    assert [r.row_key for r in as_number.rejected] == [GROQ_SCOUT]
