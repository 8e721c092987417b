"""Schema drift: fields a payload holds beyond those its parser knows, and known ones it lacks, per run."""

from __future__ import annotations

import json

from extractors.litellm import PRICES_FIELDS
from extractors.models_dev import API_FIELDS
from transforms.drift import Drift, KnownFields, drift

KNOWN = KnownFields(
    expected=("data[].id", "data[].pricing.prompt", "data[].top_provider.max_completion_tokens"),
    optional=("data[].description", "data[].architecture", "data[].supports_*"),
)


def test_drift_names_new_paths_where_they_start_with_an_example_and_expected_paths_absent_everywhere() -> None:
    document = json.loads("""{"data": [
        {"id": "a/one", "pricing": {"prompt": "0.1", "overrides": [{"above": 200000, "prompt": "0.2"}]},
         "top_provider": {"max_completion_tokens": 8192}, "architecture": {"anything": ["goes"]}},
        {"id": "a/two", "pricing": {"prompt": "0.1"}, "reasoning": null, "supports_audio": true},
        {"id": "a/three", "pricing": {"prompt": "0.1"}, "reasoning": {"effort": "high"}}
    ], "meta": {"total": 3}}""")

    assert drift(document, KNOWN) == Drift(
        new=(
            ("data[].pricing.overrides", '[{"above": 200000, "prompt": "0.2"}]'),
            ("data[].reasoning", '{"effort": "high"}'),
            ("meta", '{"total": 3}'),
        ),
        missing=(),
    )


def test_an_expected_path_is_missing_only_when_no_object_that_could_hold_it_does() -> None:
    without_top_provider = {"data": [{"id": "a/one", "pricing": {"prompt": "0.1"}, "top_provider": None},
                                     {"id": "a/two", "pricing": {"prompt": "0.1"}}]}  # fmt: skip
    without_anything = {"data": [{"description": "only this"}]}

    assert drift(without_top_provider, KNOWN) == Drift(missing=())  # present (null) once: not missing
    assert drift({"data": [{"id": "a/one", "pricing": {"prompt": "0.1"}}]}, KNOWN) == Drift(
        missing=("data[].top_provider",)
    )
    assert drift(without_anything, KNOWN) == Drift(missing=("data[].id", "data[].pricing", "data[].top_provider"))
    assert drift({"data": []}, KNOWN) == Drift()  # an empty list lacks nothing
    assert drift({"models": []}, KNOWN) == Drift(new=(("models", "[]"),), missing=("data",))


def test_ids_of_a_map_are_not_fields_and_a_list_in_place_of_a_map_is_read_too() -> None:
    api = {
        "groq": {"id": "groq", "name": "Groq", "models": {"llama-4": {"name": "Llama 4", "limit": {"context": 1},
                                                                      "speed_tier": "fast"}}},
        "old": {"name": "Old", "models": [{"id": "m", "name": "M", "limit": {"context": 2}, "cost": {"input": 1}}]},
    }  # fmt: skip

    assert drift(api, API_FIELDS) == Drift(new=(("*.models.*.speed_tier", '"fast"'),))


def test_litellm_flags_and_price_tiers_are_known_by_their_pattern_and_sample_spec_is_no_model() -> None:
    prices = {
        "sample_spec": {"whatever": "documentation"},
        "_note": "ours",
        "groq/llama-4": {"litellm_provider": "groq", "mode": "chat", "max_input_tokens": 1, "max_output_tokens": 1,
                         "input_cost_per_token": 1e-07, "output_cost_per_token": 2e-07, "supports_brand_new": True,
                         "input_cost_per_token_above_200k_tokens": 2e-07, "input_cost_per_token_flex": 5e-08},
    }  # fmt: skip

    assert drift(prices, PRICES_FIELDS) == Drift(new=(("*.input_cost_per_token_flex", "5e-08"),))


def test_an_example_is_the_first_non_null_value_cut_short() -> None:
    document = {"data": [{"id": "a", "notes": None}, {"id": "b", "notes": "x" * 200}]}

    found = drift(document, KnownFields(expected=("data[].id",)))

    assert found == Drift(new=(("data[].notes", '"' + "x" * 78 + "…"),))
