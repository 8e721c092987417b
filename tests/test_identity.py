"""Identity rules: every (source, source key) to one canonical model id, never by a fuzzy guess."""

from __future__ import annotations

import pandas as pd
import pytest

from extractors.registry import identity_roles
from transforms import identity
from transforms.identity import FACT_COLUMNS, Override, provider_crosswalk, read_overrides
from transforms.roles import normalized


def crosswalk(frame: pd.DataFrame, overrides: list[Override] | tuple[Override, ...] = ()) -> pd.DataFrame:
    """The crosswalk with every registered source's identity role, as a load resolves it."""
    return identity.crosswalk(frame, identity_roles(), overrides)


def facts(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame([{c: row.get(c) for c in FACT_COLUMNS} for row in rows], columns=list(FACT_COLUMNS))


def resolved(frame: pd.DataFrame) -> dict[tuple[str, str], tuple[str | None, str]]:
    return {(r.source, r.source_key): (None if pd.isna(r.model_id) else r.model_id, r.rule) for r in frame.itertuples()}


SCOUT = {"source": "openrouter", "source_key": "meta-llama/llama-4-scout",
         "canonical_slug": "meta-llama/llama-4-scout-17b-16e-instruct",
         "hugging_face_id": "meta-llama/Llama-4-Scout-17B-16E-Instruct"}  # fmt: skip


def test_the_seed_model_s_keys_in_four_sources_resolve_to_one_model_id() -> None:
    table = resolved(
        crosswalk(
            facts(
                SCOUT,
                {"source": "models_dev", "source_key": "groq/meta-llama/llama-4-scout-17b-16e-instruct"},
                {
                    "source": "models_dev",
                    "source_key": "cloudflare-workers-ai/@cf/meta/llama-4-scout-17b-16e-instruct",
                    "base_model": "meta/llama-4-scout-17b-instruct",
                },
                {"source": "artificial_analysis", "source_key": "llama-4-scout"},
                {"source": "catalog", "source_key": "llama-4-scout-17b-16e-instruct-groq", "api_providers": ["Groq"]},
            )
        )
    )

    assert table == {
        ("openrouter", "meta-llama/llama-4-scout"): ("meta-llama/llama-4-scout", "openrouter id"),
        ("openrouter", "meta-llama/llama-4-scout-17b-16e-instruct"):
            ("meta-llama/llama-4-scout", "openrouter canonical_slug"),
        ("models_dev", "groq/meta-llama/llama-4-scout-17b-16e-instruct"):
            ("meta-llama/llama-4-scout", "normalized slug"),
        ("models_dev", "cloudflare-workers-ai/@cf/meta/llama-4-scout-17b-16e-instruct"):
            ("meta-llama/llama-4-scout", "normalized slug"),
        ("artificial_analysis", "llama-4-scout"): ("meta-llama/llama-4-scout", "normalized slug"),
        ("catalog", "llama-4-scout-17b-16e-instruct-groq"):
            ("meta-llama/llama-4-scout", "catalog slug without provider suffix -groq"),
    }  # fmt: skip


def test_a_key_no_other_source_names_stays_unmatched() -> None:
    table = resolved(crosswalk(facts(SCOUT, {"source": "catalog", "source_key": "some-other-model-groq"})))

    assert table[("catalog", "some-other-model-groq")] == (None, "unmatched")


def test_similar_names_are_not_merged() -> None:
    table = resolved(crosswalk(facts(SCOUT, {"source": "artificial_analysis", "source_key": "llama-4-scout-2"})))

    assert table[("artificial_analysis", "llama-4-scout-2")] == (None, "unmatched")


def test_a_name_two_openrouter_models_claim_links_nothing() -> None:
    table = resolved(
        crosswalk(
            facts(
                {"source": "openrouter", "source_key": "acme/chat-1", "canonical_slug": "acme/chat-1-2025"},
                {"source": "openrouter", "source_key": "other/chat-1", "canonical_slug": "other/chat-1-2024"},
                {"source": "artificial_analysis", "source_key": "chat-1"},
            )
        )
    )

    assert table[("openrouter", "acme/chat-1")][0] == "acme/chat-1"
    assert table[("openrouter", "other/chat-1")][0] == "other/chat-1"
    assert table[("artificial_analysis", "chat-1")] == (None, "ambiguous name")


def test_an_override_wins_and_links_nothing_else() -> None:
    overrides = read_overrides(
        "# reviewed\nsource,source_key,model_id,reason\n"
        "catalog,mystery-page,meta-llama/llama-4-scout,same weights (checked the model card)\n"
        "artificial_analysis,llama-4-scout,,AA's row is the older checkpoint\n"
    )
    table = resolved(
        crosswalk(
            facts(SCOUT, {"source": "catalog", "source_key": "mystery-page"},
                  {"source": "artificial_analysis", "source_key": "llama-4-scout"}),
            overrides,
        )
    )  # fmt: skip

    assert table[("catalog", "mystery-page")] == (
        "meta-llama/llama-4-scout",
        "override: same weights (checked the model card)",
    )
    assert table[("artificial_analysis", "llama-4-scout")] == (None, "override: AA's row is the older checkpoint")


def test_models_dev_alone_is_named_by_its_openrouter_entry_else_its_most_common_id() -> None:
    table = resolved(
        crosswalk(
            facts(
                {"source": "models_dev", "source_key": "openrouter/openai/gpt-oss-20b"},
                {"source": "models_dev", "source_key": "cloudflare-workers-ai/@cf/openai/gpt-oss-20b"},
                {"source": "models_dev", "source_key": "groq/openai/gpt-oss-120b"},
                {"source": "models_dev", "source_key": "wandb/openai/gpt-oss-120b"},
                {"source": "models_dev", "source_key": "cloudflare-workers-ai/@cf/openai/gpt-oss-120b"},
            )
        )
    )

    assert {model_id for model_id, _ in table.values()} == {"openai/gpt-oss-20b", "openai/gpt-oss-120b"}


def test_normalized_names_drop_the_path_case_and_quantization_suffix() -> None:
    assert normalized("deepinfra/meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8") == (
        "llama-4-maverick-17b-128e-instruct"
    )


def test_an_override_line_without_a_key_is_an_error() -> None:
    with pytest.raises(ValueError, match="line 2"):
        read_overrides("source,source_key,model_id,reason\ncatalog,,x,\n")


def test_the_shipped_overrides_file_reads() -> None:
    from importlib import resources

    text = resources.files("transforms").joinpath("identity_overrides.csv").read_text(encoding="utf-8")
    assert all(isinstance(o, Override) for o in read_overrides(text))


def test_provider_keys_resolve_by_their_letters_and_digits_and_reviewed_overrides() -> None:
    keys = pd.DataFrame(
        [("openrouter", "deepinfra"), ("catalog", "deep-infra"), ("models_dev", "novita-ai"), ("catalog", "google"),
         ("openrouter", "google-vertex")],
        columns=["source", "provider_key"],
    )  # fmt: skip
    overrides = read_overrides(
        "source,provider_key,provider_id,reason\nmodels_dev,novita-ai,novita,same company\n",
        "provider_key",
        "provider_id",
    )

    table = {(r.source, r.provider_key): r.provider_id for r in provider_crosswalk(keys, overrides).itertuples()}

    assert table == {
        ("openrouter", "deepinfra"): "deepinfra",
        ("catalog", "deep-infra"): "deepinfra",
        ("models_dev", "novita-ai"): "novita",
        ("catalog", "google"): "google",
        ("openrouter", "google-vertex"): "googlevertex",  # not merged with google by a guess
    }


def test_a_key_whose_names_join_two_openrouter_models_merges_nothing() -> None:
    table = resolved(
        crosswalk(
            facts(
                {"source": "openrouter", "source_key": "openai/gpt-4o", "canonical_slug": "openai/gpt-4o"},
                {"source": "openrouter", "source_key": "openai/gpt-4o-2024-11-20",
                 "canonical_slug": "openai/gpt-4o-2024-11-20"},
                {"source": "models_dev", "source_key": "azure/gpt-4o", "base_model": "openai/gpt-4o-2024-11-20"},
                {"source": "models_dev", "source_key": "openai/gpt-4o-2024-11-20"},
            )
        )
    )  # fmt: skip

    assert table[("openrouter", "openai/gpt-4o")][0] == "openai/gpt-4o"
    assert table[("openrouter", "openai/gpt-4o-2024-11-20")][0] == "openai/gpt-4o-2024-11-20"
    assert table[("models_dev", "openai/gpt-4o-2024-11-20")][0] == "openai/gpt-4o-2024-11-20"
    assert table[("models_dev", "azure/gpt-4o")] == (None, "ambiguous: its names match two OpenRouter models")


def test_a_catalog_slug_that_names_a_model_as_it_is_keeps_its_provider_like_suffix() -> None:
    table = resolved(
        crosswalk(
            facts(
                {"source": "openrouter", "source_key": "acme/coder"},
                {"source": "openrouter", "source_key": "acme/coder-xai"},
                {"source": "catalog", "source_key": "coder-xai"},
            )
        )
    )

    assert table[("catalog", "coder-xai")] == ("acme/coder-xai", "normalized slug")
    assert table[("openrouter", "acme/coder")][0] == "acme/coder"
