"""The models.dev and Artificial Analysis parsers, on their fixtures and on small literal payloads."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest

from extractors import artificial_analysis, models_dev
from extractors.artificial_analysis import parse_models
from extractors.models_dev import parse_api
from tests.conftest import FIXTURES
from transforms.records import Listing, ParseError, Record

MODELS_DEV = FIXTURES / "models_dev"
AA = FIXTURES / "artificial_analysis"
AA_DOC = AA / "aa_v2_data_llms_models__official_doc_example.json"
AA_OCT = AA / "synthetic_aa_v2_models__llama4__2026-10-09.json"
AA_JUL = AA / "synthetic_aa_v2_models__llama4__2026-07-05.json"

MODEL_KEYS = {
    "source", "model_id", "name", "creator", "canonical_slug", "hugging_face_id", "base_model", "context_window",
    "max_output_tokens", "input_price_per_mtok", "output_price_per_mtok", "release_date", "knowledge_cutoff",
    "expiration_date", "last_updated", "open_weights", "status", "input_modalities", "output_modalities",
    "supported_params", "api_providers", "capabilities", "mode", "description",
}  # fmt: skip
ENDPOINT_KEYS = {
    "source", "model_id", "endpoint_key", "provider", "context_length", "max_output_tokens", "max_prompt_tokens",
    "input_price_per_mtok", "output_price_per_mtok", "cache_read_price_per_mtok", "cache_write_price_per_mtok",
    "price_tiers", "quantization", "supported_params", "supported_params_count", "implicit_caching", "status",
}  # fmt: skip
EMPTY_MODEL = dict.fromkeys(MODEL_KEYS)


def _by_id(records: list[Record], model_id: str) -> Record:
    [record] = [r for r in records if r["model_id"] == model_id]
    return record


def _body(document: Any) -> bytes:
    return json.dumps(document).encode()


# models.dev


def test_models_dev_fixture_parses_every_provider_model_with_every_contract_key() -> None:
    parsed = parse_api((MODELS_DEV / "synthetic_api.json").read_bytes())

    assert len(parsed.records["model"]) == len(parsed.records["endpoint"]) == 32
    assert parsed.listings == (Listing("model", "", 32),)
    assert parsed.links == ()
    assert all(set(r) == MODEL_KEYS for r in parsed.records["model"])
    assert all(set(r) == ENDPOINT_KEYS for r in parsed.records["endpoint"])
    scout_keys = sorted(r["model_id"] for r in parsed.records["model"] if "scout" in r["model_id"].lower())
    assert scout_keys == [
        "cloudflare-workers-ai/@cf/meta/llama-4-scout-17b-16e-instruct",
        "deepinfra/meta-llama/Llama-4-Scout-17B-16E-Instruct",
        "github-models/meta/llama-4-scout-17b-16e-instruct",
        "groq/meta-llama/llama-4-scout-17b-16e-instruct",
        "novita-ai/meta-llama/llama-4-scout-17b-16e-instruct",
        "openrouter/meta-llama/llama-4-scout",
        "wandb/meta-llama/Llama-4-Scout-17B-16E-Instruct",
    ]


def test_groq_llama_4_scout_endpoint_carries_limits_and_exact_prices() -> None:
    parsed = parse_api((MODELS_DEV / "synthetic_api.json").read_bytes())

    assert _by_id(parsed.records["endpoint"], "groq/meta-llama/llama-4-scout-17b-16e-instruct") == {
        "source": "models_dev", "model_id": "groq/meta-llama/llama-4-scout-17b-16e-instruct", "endpoint_key": "groq",
        "provider": "Groq", "context_length": 131072, "max_output_tokens": 8192, "max_prompt_tokens": None,
        "input_price_per_mtok": Decimal("0.11"), "output_price_per_mtok": Decimal("0.34"),
        "cache_read_price_per_mtok": None, "cache_write_price_per_mtok": None, "price_tiers": None,
        "quantization": None,
        "supported_params": None, "supported_params_count": None, "implicit_caching": None, "status": None,
    }  # fmt: skip


def test_groq_llama_4_scout_model_has_dates_flags_and_modalities_but_no_limits() -> None:
    parsed = parse_api((MODELS_DEV / "synthetic_api.json").read_bytes())

    assert _by_id(parsed.records["model"], "groq/meta-llama/llama-4-scout-17b-16e-instruct") == {
        **EMPTY_MODEL,
        "source": "models_dev",
        "model_id": "groq/meta-llama/llama-4-scout-17b-16e-instruct",
        "name": "Llama 4 Scout 17B 16E",
        "release_date": date(2025, 4, 5),
        "last_updated": date(2025, 4, 5),
        "knowledge_cutoff": date(2024, 8, 1),  # "2024-08"
        "open_weights": True,
        "status": "beta",
        "input_modalities": ["image", "text"],
        "output_modalities": ["text"],
    }


def test_cloudflare_entry_inherits_from_its_base_model_and_keeps_base_model() -> None:
    parsed = parse_api((MODELS_DEV / "synthetic_api.json").read_bytes())
    key = "cloudflare-workers-ai/@cf/meta/llama-4-scout-17b-16e-instruct"

    assert _by_id(parsed.records["model"], key) == {
        **EMPTY_MODEL,
        "source": "models_dev",
        "model_id": key,
        "name": "Llama 4 Scout 17B 16E Instruct",  # its own
        "base_model": "meta/llama-4-scout-17b-instruct",
        "release_date": date(2025, 4, 5),  # the rest from models/meta/llama-4-scout-17b-instruct.toml
        "last_updated": date(2025, 4, 5),
        "knowledge_cutoff": date(2024, 8, 1),
        "open_weights": True,
        "input_modalities": ["image", "text"],
        "output_modalities": ["text"],
    }
    endpoint = _by_id(parsed.records["endpoint"], key)
    assert (endpoint["provider"], endpoint["context_length"], endpoint["max_output_tokens"]) == (
        "Cloudflare Workers AI",
        131000,  # its own limit.context
        16384,  # the base model's limit.output
    )
    assert (endpoint["input_price_per_mtok"], endpoint["output_price_per_mtok"]) == (Decimal("0.27"), Decimal("0.85"))


def test_models_dev_dated_fixture_differs_only_in_deepinfra_scout_endpoint() -> None:
    now = parse_api((MODELS_DEV / "synthetic_api.json").read_bytes())
    then = parse_api((MODELS_DEV / "synthetic_api__2026-03-13.json").read_bytes())
    key = "deepinfra/meta-llama/Llama-4-Scout-17B-16E-Instruct"

    assert then.records["model"] == now.records["model"]
    changed = [(a, b) for a, b in zip(then.records["endpoint"], now.records["endpoint"], strict=True) if a != b]
    assert [(a["model_id"], b["model_id"]) for a, b in changed] == [(key, key)]
    old, new = changed[0]
    fields = ("context_length", "max_output_tokens", "input_price_per_mtok", "output_price_per_mtok")
    assert {f: old[f] for f in fields} == {
        "context_length": 10_000_000,
        "max_output_tokens": None,
        "input_price_per_mtok": Decimal("0.08"),
        "output_price_per_mtok": Decimal("0.3"),
    }
    assert {f: new[f] for f in fields} == {
        "context_length": 327_680,
        "max_output_tokens": 16_384,
        "input_price_per_mtok": Decimal("0.1"),
        "output_price_per_mtok": Decimal("0.3"),
    }


CURRENT_NAMES = {
    "acme": {
        "id": "acme",
        "name": "Acme AI",
        "models": {
            "acme/m1": {
                "id": "acme/m1",
                "name": "M1",
                "release_date": "2025-04-05",
                "last_updated": "2025-05-01",
                "knowledge": "2024-08",
                "open_weights": False,
                "modalities": {"input": ["text", "image"], "output": ["text"]},
                "cost": {"input": 0.11, "output": 0.34, "cache_read": 0.02, "cache_write": 0.5},
                "limit": {"context": 131072, "output": 8192, "input": 120000},
            }
        },
    }
}


@pytest.mark.parametrize(
    ("cache_read", "output_limit"),
    [("input_cache_read", "max_output"), ("cached_input", "max_tokens")],
)
def test_renamed_fields_parse_to_the_same_records_as_the_current_names(cache_read: str, output_limit: str) -> None:
    renamed = {
        "acme": {
            "id": "acme",
            "name": "Acme AI",
            "models": [  # a list of objects with 'id', not an object keyed by id
                {
                    "id": "acme/m1",
                    "name": "M1",
                    "released": "2025-04-05",
                    "last_updated": "2025-05-01",
                    "knowledge_cutoff": "2024-08",
                    "open_source": False,
                    "modalities": {"input": ["image", "text"], "output": ["text"]},
                    "cost": {"input": 0.11, "output": 0.34, cache_read: 0.02, "input_cache_write": 0.5},
                    "limit": {"context": 131072, output_limit: 8192, "max_input": 120000},
                    "some_future_field": {"ignored": True},
                }
            ],
        }
    }

    expected = parse_api(_body(CURRENT_NAMES))
    assert parse_api(_body(renamed)) == expected
    assert expected.records["endpoint"][0]["cache_read_price_per_mtok"] == Decimal("0.02")
    assert expected.records["endpoint"][0]["max_prompt_tokens"] == 120000
    assert expected.records["model"][0]["open_weights"] is False


def test_models_dev_missing_optional_fields_are_none() -> None:
    parsed = parse_api(_body({"tiny": {"models": {"t1": {"name": "T1"}}}}))

    assert parsed.records["model"] == [{**EMPTY_MODEL, "source": "models_dev", "model_id": "tiny/t1", "name": "T1"}]
    assert parsed.records["endpoint"] == [
        {
            **dict.fromkeys(ENDPOINT_KEYS),
            "source": "models_dev",
            "model_id": "tiny/t1",
            "endpoint_key": "tiny",
        }
    ]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([{"id": "groq"}], "expected a JSON object of providers"),
        ({"groq": ["not", "an", "object"]}, "provider 'groq' is not an object"),
        ({"groq": {"name": "Groq"}}, "provider 'groq' has no 'models'"),
        ({"groq": {"models": "llama"}}, "provider 'groq' 'models' is neither an object nor a list"),
        ({"groq": {"models": {"llama-4": "big"}}}, "provider 'groq' model 'llama-4' is not an object"),
        ({"groq": {"models": [{"name": "no id"}]}}, r"provider 'groq' models\[0\] is not an object with an 'id'"),
    ],
)
def test_models_dev_bad_shapes_raise_parse_error_naming_provider_and_model(document: Any, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_api(_body(document))


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ({"limit": {"context": "lots"}}, "provider 'groq' model 'm': 'lots' is not"),
        ({"open_weights": "maybe"}, "provider 'groq' model 'm': 'maybe' is not yes"),
        ({"modalities": ["text"]}, "provider 'groq' model 'm': 'modalities' is"),
        ({"release_date": "soon"}, "provider 'groq' model 'm': 'soon' is not a date"),
    ],
)
def test_a_models_dev_entry_with_a_bad_value_is_a_rejected_row_and_the_rest_parses(
    model: dict[str, Any], message: str
) -> None:
    parsed = parse_api(_body({"groq": {"models": {"m": model, "ok": {"name": "OK"}}}}))

    assert [(e.entity, e.row_key) for e in parsed.rejected] == [("model", "groq/m")]
    assert parsed.rejected[0].reason.startswith(message)
    assert [r["model_id"] for r in parsed.records["model"]] == ["groq/ok"]
    assert [listing.key_count for listing in parsed.listings] == [2]


def test_models_dev_body_that_is_not_json_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="not valid JSON"):
        parse_api(b"<html>")


# Artificial Analysis


def test_aa_doc_example_gives_model_benchmarks_and_speed_of_o3_mini() -> None:
    parsed = parse_models(AA_DOC.read_bytes())

    assert parsed.records["model"] == [
        {
            **EMPTY_MODEL,
            "source": "artificial_analysis",
            "model_id": "o3-mini",
            "name": "o3-mini",
            "creator": "OpenAI",
            "input_price_per_mtok": Decimal("1.1"),
            "output_price_per_mtok": Decimal("4.4"),
        }
    ]
    scores = {r["benchmark"]: r["score"] for r in parsed.records["benchmark"]}
    assert scores == {
        "aa_intelligence_index": 62.9,  # indices kept as published (0-100)
        "aa_coding_index": 55.8,
        "aa_math_index": 87.2,
        "mmlu_pro": 79.1,  # fractions scaled to 0-100
        "gpqa_diamond": 74.8,
        "hle": 8.7,
        "livecodebench": 71.7,
        "scicode": 39.9,
        "math_500": 97.3,
        "aime_2024": 77.0,
    }
    assert all(r["source"] == "artificial_analysis" and r["model_id"] == "o3-mini" for r in parsed.records["benchmark"])
    assert parsed.records["speed"] == [
        {"source": "artificial_analysis", "model_id": "o3-mini", "metric": "output_tokens_per_s", "value": 153.831},
        {"source": "artificial_analysis", "model_id": "o3-mini", "metric": "time_to_first_token_s", "value": 14.939},
        {
            "source": "artificial_analysis",
            "model_id": "o3-mini",
            "metric": "time_to_first_answer_token_s",
            "value": 14.939,
        },
    ]
    assert parsed.listings == (Listing("model", "", 1), Listing("benchmark", "o3-mini", 10))


def test_aa_llama_4_scout_scores_and_null_speed_is_skipped() -> None:
    parsed = parse_models(AA_OCT.read_bytes())

    assert _by_id(parsed.records["model"], "llama-4-scout") == {
        **EMPTY_MODEL,
        "source": "artificial_analysis",
        "model_id": "llama-4-scout",
        "name": "Llama 4 Scout",
        "creator": "Meta",
        "input_price_per_mtok": Decimal("0.19"),
        "output_price_per_mtok": Decimal("0.68"),
    }
    assert [(r["benchmark"], r["score"]) for r in parsed.records["benchmark"] if r["model_id"] == "llama-4-scout"] == [
        ("aa_intelligence_index", 8.1),
        ("aa_coding_index", 8.2),
        ("aa_math_index", 14.0),
        ("mmlu_pro", 75.2),
        ("gpqa_diamond", 58.7),
        ("hle", 4.3),
        ("livecodebench", 29.9),
        ("scicode", 17.0),
        ("math_500", 84.4),
        ("aime_2024", 28.3),
    ]
    assert [r for r in parsed.records["speed"] if r["model_id"] == "llama-4-scout"] == [
        {"source": "artificial_analysis", "model_id": "llama-4-scout", "metric": "output_tokens_per_s", "value": 56.0},
        {
            "source": "artificial_analysis",
            "model_id": "llama-4-scout",
            "metric": "time_to_first_token_s",
            "value": 0.62,
        },
    ]
    assert parsed.listings == (
        Listing("model", "", 3),
        Listing("benchmark", "llama-4-scout", 10),
        Listing("benchmark", "llama-4-maverick", 3),
        Listing("benchmark", "o3-mini", 10),
    )


def test_aa_rescore_shows_as_a_changed_index_between_snapshots() -> None:
    def scout_scores(path: Any) -> dict[str, float]:
        records = parse_models(path.read_bytes()).records["benchmark"]
        return {r["benchmark"]: r["score"] for r in records if r["model_id"] == "llama-4-scout"}

    july, october = scout_scores(AA_JUL), scout_scores(AA_OCT)

    assert (july["aa_intelligence_index"], october["aa_intelligence_index"]) == (10.0, 8.1)
    assert {k: v for k, v in july.items() if k != "aa_intelligence_index"} == {
        k: v for k, v in october.items() if k != "aa_intelligence_index"
    }


def _aa_model(evaluations: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"status": 200, "data": [{"slug": "m", "name": "M", "evaluations": evaluations, **fields}]}


def test_aa_fraction_above_one_on_a_non_index_evaluation_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match=r"model 'm'.*evaluations\.gpqa is 74\.8, not a 0-1 fraction"):
        parse_models(_body(_aa_model({"artificial_analysis_intelligence_index": 62.9, "gpqa": 74.8})))


def test_aa_unknown_evaluations_are_slugged_and_unknown_indices_kept_as_published() -> None:
    parsed = parse_models(
        _body(_aa_model({"artificial_analysis_agentic_index": 41.5, "new_index": 55.0, "GPQA Diamond": 0.5, "x": None}))
    )

    assert [(r["benchmark"], r["score"]) for r in parsed.records["benchmark"]] == [
        ("aa_agentic_index", 41.5),
        ("new_index", 55.0),
        ("gpqa_diamond", 50.0),
    ]
    assert parsed.listings[1] == Listing("benchmark", "m", 3)


def test_aa_release_date_is_read_when_present() -> None:
    parsed = parse_models(_body(_aa_model({}, release_date="2025-04-05")))

    assert parsed.records["model"][0]["release_date"] == date(2025, 4, 5)
    assert parsed.records["benchmark"] == []
    assert parsed.records["speed"] == []


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"status": 200}, "expected a 'data' list of models"),
        ({"status": 200, "data": {"slug": "m"}}, "expected a 'data' list of models"),
        ([], "expected a JSON object"),
        ({"data": [{"name": "no slug"}]}, r"missing required field 'slug' in data\[0\]"),
        ({"data": [{"slug": "m", "evaluations": {"gpqa": "high"}}]}, r"model 'm'.* evaluations\.gpqa is 'high'"),
        ({"data": [{"slug": "m", "median_output_tokens_per_second": "fast"}]}, "median_output_tokens_per_second"),
        ({"data": [{"slug": "m", "pricing": {"price_1m_input_tokens": "n/a?"}}]}, r"model 'm'.*is not a number"),
        ({"data": [{"slug": "m"}, {"slug": "m"}]}, "slug listed twice"),
    ],
)
def test_aa_bad_shapes_raise_parse_error(document: Any, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_models(_body(document))


# Declarations


@pytest.mark.parametrize("spec", [models_dev.SOURCE, artificial_analysis.SOURCE])
def test_each_seed_url_is_served_by_one_of_its_payload_kinds(spec: Any) -> None:
    for url in spec.seeds:
        assert url.startswith(spec.origin)
        assert any(re.fullmatch(kind.path_pattern, urlsplit(url).path) for kind in spec.payload_kinds)


def test_artificial_analysis_needs_a_key_sent_in_x_api_key_and_models_dev_none() -> None:
    aa = artificial_analysis.SOURCE
    assert (aa.api_key_header, aa.api_key_prefix, aa.requires_api_key) == ("x-api-key", "", True)
    assert (models_dev.SOURCE.api_key_header, models_dev.SOURCE.requires_api_key) == (None, False)
