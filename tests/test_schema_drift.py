"""Schema drift: fields a payload holds beyond those its parser knows, and known ones it lacks, per run."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from extractors.litellm import PRICES_FIELDS
from extractors.models_dev import API_FIELDS
from extractors.registry import payload_kind_for
from flows.demo import WAREHOUSE_NAME, run_demo
from tests.conftest import FIXTURES, CliResult, query
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


OPENROUTER_MODELS_URL = "https://openrouter.ai/api/v1/models"


def synthetic_drifted_models() -> bytes:
    """A model list in OpenRouter's shape with two fields no parser knows and no ``top_provider`` anywhere."""
    models = [
        {"id": m, "name": f"Synthetic: {m}", "created": 1743881519, "context_length": 131072,
         "pricing": {"prompt": "0.0000001", "completion": "0.0000003",
                     "promotions": [{"min_prompt_tokens": 200000, "prompt": "0.0000002"}]},
         "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
         "supported_parameters": ["max_tokens", "tools"], "reasoning_effort": ["low", "high"]}
        for m in ("synthetic/one", "synthetic/two")
    ]  # fmt: skip
    return json.dumps({"data": models}).encode()


def import_models(run_cli, tmp_path: Path, body: bytes, day: str) -> CliResult:  # type: ignore[no-untyped-def]
    path = tmp_path / f"synthetic_models__{day}.json"
    path.write_bytes(body)
    return run_cli("import", str(path), "--url", OPENROUTER_MODELS_URL, "--fetched-at", f"{day}T02:00:00Z")


def test_two_new_fields_and_a_missing_one_are_three_rows_of_schema_drift_named_in_the_summary(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    result = import_models(run_cli, tmp_path, synthetic_drifted_models(), "2026-07-14")

    assert result.code == 0, result.err
    at = datetime(2026, 7, 14, 2, tzinfo=UTC)
    assert query(warehouse, "SELECT * FROM schema_drift") == [
        ("openrouter", "models", "data[].top_provider", "missing", at, at, None, 1),
        ("openrouter", "models", "data[].pricing.promotions", "new", at, at,
         '[{"min_prompt_tokens": 200000, "prompt": "0.0000002"}]', 1),
        ("openrouter", "models", "data[].reasoning_effort", "new", at, at, '["low", "high"]', 1),
    ]  # fmt: skip
    assert (
        "  schema drift: openrouter: new data[].pricing.promotions, data[].reasoning_effort; "
        "missing data[].top_provider (see the schema_drift view)\n"
    ) in result.out


def test_drift_seen_again_the_next_night_moves_last_seen_and_is_not_named_again(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    import_models(run_cli, tmp_path, synthetic_drifted_models(), "2026-07-14")

    again = import_models(run_cli, tmp_path, synthetic_drifted_models() + b"\n", "2026-07-15")

    assert again.code == 0, again.err
    assert "schema drift" not in again.out
    first, second = datetime(2026, 7, 14, 2, tzinfo=UTC), datetime(2026, 7, 15, 2, tzinfo=UTC)
    assert query(warehouse, "SELECT path, kind, first_seen, last_seen, payloads FROM schema_drift") == [
        ("data[].top_provider", "missing", first, second, 2),
        ("data[].pricing.promotions", "new", first, second, 2),
        ("data[].reasoning_effort", "new", first, second, 2),
    ]


def test_loading_the_same_payload_again_adds_no_drift_row(warehouse: Path, run_cli, tmp_path: Path) -> None:
    import_models(run_cli, tmp_path, synthetic_drifted_models(), "2026-07-14")
    rows = "SELECT * FROM drift_observations ORDER BY ALL"
    before = query(warehouse, rows)

    again = import_models(run_cli, tmp_path, synthetic_drifted_models(), "2026-07-14")
    replayed = run_cli("backfill", "--reload")

    assert (again.code, replayed.code) == (0, 0), replayed.err
    assert len(before) == 3
    assert query(warehouse, rows) == before
    assert "schema drift" not in again.out + replayed.out


def test_the_demo_and_the_recorded_payloads_show_no_schema_drift(tmp_path: Path, warehouse: Path, run_cli) -> None:
    assert run_demo(tmp_path / "demo", lambda line: None) == 0
    for manifest in sorted(FIXTURES.glob("*/recorded.jsonl")):
        for line in manifest.read_text().splitlines():
            recorded = json.loads(line)
            if payload_kind_for(recorded["url"])[1].fields is None:
                continue  # HTML pages, TOML files: no field paths to compare
            path = str(manifest.parent / recorded["path"])
            result = run_cli("import", path, "--url", recorded["url"], "--fetched-at", recorded["fetched_at"])
            assert result.code == 0, result.err

    assert query(tmp_path / "demo" / WAREHOUSE_NAME, "SELECT * FROM schema_drift") == []
    assert query(warehouse, "SELECT count(*) FROM raw_fetches") == [(7,)]  # 4 sources, 7 JSON captures
    assert query(warehouse, "SELECT * FROM schema_drift") == []


def test_the_prefect_run_summary_lists_the_drift_first_seen() -> None:
    from flows.artifacts import run_summary_markdown
    from flows.pipeline import RunResult

    drifted = (("openrouter", "missing", "data[].top_provider"), ("openrouter", "new", "data[].pricing.overrides"))

    markdown = run_summary_markdown(RunResult("sync-1", "ok", drift=drifted))

    assert (
        "**Schema drift first seen** (2; see the `schema_drift` view)\n\n"
        "- openrouter missing `data[].top_provider`\n- openrouter new `data[].pricing.overrides`\n"
    ) in markdown
