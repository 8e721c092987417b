"""The catalog source reads the seed page's facts out of every markup, and says clearly when it cannot."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from extractors.catalog import SITEMAP_URL, SOURCE, gone_page, page_url, parse_page, parse_sitemap
from tests.conftest import FIXTURES, ROOT
from transforms.records import Listing, ParseError

PAGES = FIXTURES / "catalog"
SCOUT = "llama-4-scout-17b-16e-instruct-groq"
SCOUT_URL = f"https://www.mindstudio.ai/models/{SCOUT}"
MAVERICK = "llama-4-maverick-17b-128e-instruct-fp8-deepinfra"
MARKUPS = ("dl", "table", "divs", "nextdata", "flat")

SCOUT_DESCRIPTION = (
    "Llama 4 Scout is a multimodal AI model developed by Meta, released in early 2025 as part of the Llama 4 model "
    "family. It uses a Mixture of Experts (MoE) architecture with 17 billion active parameters, 16 experts, and 109 "
    "billion total parameters, meaning only a subset of parameters is activated per token during inference. The "
    "model processes both text and image inputs within a unified backbone and supports a 130,000-token context "
    "window. Llama 4 Scout is designed for developers and enterprises building applications that require combined "
    "text and vision understanding. Its MoE design makes it more compute-efficient during training and inference "
    "compared to dense models of similar total parameter counts. On MindStudio, it is served via Groq, which "
    "provides low-latency inference for the instruct-tuned variant."
)

SCOUT_MODEL = {
    "source": "catalog", "model_id": SCOUT, "name": "Llama 4 Scout", "creator": "Meta",
    "canonical_slug": None, "hugging_face_id": None, "base_model": None,
    "context_window": 130000, "max_output_tokens": 8192,
    "input_price_per_mtok": None, "output_price_per_mtok": None,
    # the page's own (wrong) date and flag, as printed: "Apr 11, 2022 4 years ago", "Open Source: No"
    "release_date": date(2022, 4, 11), "knowledge_cutoff": None, "expiration_date": None, "last_updated": None,
    "open_weights": False, "status": None,
    "input_modalities": ["image", "text"], "output_modalities": None, "supported_params": None,
    "api_providers": ["DeepInfra", "Google", "Groq", "Hugging Face", "Novita"],
    "capabilities": ["Code Generation", "Fast Inference via Groq", "Instruction Following", "Long Context Window",
                     "Mixture of Experts", "Multimodal Input"],
    "mode": None, "description": SCOUT_DESCRIPTION,
}  # fmt: skip


def endpoint(model_id: str, key: str, provider: str, max_out: int, params: int, caching: bool) -> dict[str, Any]:
    return {
        "source": "catalog", "model_id": model_id, "endpoint_key": key, "provider": provider,
        "context_length": None, "max_output_tokens": max_out, "max_prompt_tokens": None,
        "input_price_per_mtok": None, "output_price_per_mtok": None,
        "cache_read_price_per_mtok": None, "cache_write_price_per_mtok": None, "price_tiers": None,
        "quantization": None,
        "supported_params": None, "supported_params_count": params, "implicit_caching": caching, "status": None,
    }  # fmt: skip


def uptime(model_id: str, key: str, provider: str, pct: float) -> dict[str, Any]:
    return {"source": "catalog", "model_id": model_id, "endpoint_key": key, "provider": provider,
            "period": "1d", "uptime_pct": pct}  # fmt: skip


def benchmark(model_id: str, name: str, score: float) -> dict[str, Any]:
    return {"source": "catalog", "model_id": model_id, "benchmark": name, "score": score}


SCOUT_ENDPOINTS = [
    endpoint(SCOUT, "deepinfra", "DeepInfra", 16384, 13, False),
    endpoint(SCOUT, "groq", "Groq", 8192, 8, False),
    endpoint(SCOUT, "novita", "Novita", 131072, 9, False),
    endpoint(SCOUT, "google", "Google", 8192, 12, False),
]
SCOUT_UPTIME = [
    uptime(SCOUT, "deepinfra", "DeepInfra", 100.0),
    uptime(SCOUT, "groq", "Groq", 99.7),
    uptime(SCOUT, "novita", "Novita", 99.9),
    uptime(SCOUT, "google", "Google", 99.8),
]
SCOUT_BENCHMARKS = [
    benchmark(SCOUT, "aime_2024", 28.3),
    benchmark(SCOUT, "gpqa_diamond", 58.7),
    benchmark(SCOUT, "hle", 4.3),
    benchmark(SCOUT, "livecodebench", 29.9),
    benchmark(SCOUT, "math_500", 84.4),
    benchmark(SCOUT, "mmlu_pro", 75.2),
    benchmark(SCOUT, "scicode", 17.0),
]


def page_body(markup: str) -> bytes:
    return (PAGES / f"synthetic_catalog_page__{markup}.html").read_bytes()


def tiny_page(*lines: str) -> bytes:
    """A small page in a markup none of the fixtures use: the seed's facts as "Label: value" lines."""
    items = "".join(f"<li>{line}</li>" for line in lines)
    return (
        "<html><head><title>Llama 4 Scout - MindStudio</title></head><body><main><h1>Llama 4 Scout</h1>"
        "<p>A short synthetic description of Llama 4 Scout, long enough to read as a paragraph.</p>"
        f"<ul>{items}</ul>"
        "<h2>Provider Endpoints</h2>"
        "<p>Groq: Max output: 8,192 · 1d uptime: 99.7% · Supported params: 8 · Implicit caching: No</p>"
        "</main></body></html>"
    ).encode()


SEED_LINES = (
    "Provider: Meta",
    "Input context window: 130,000 tokens",
    "Maximum output tokens: 8,192 tokens tokens",
    "Open source: No",
    "Release date: Apr 11, 2022 4 years ago",
    "Knowledge cutoff date: Unknown",
    "API providers: Hugging Face, DeepInfra, Groq, Novita, Google",
    "Modalities: Text Image",
)


@pytest.mark.parametrize("markup", MARKUPS)
def test_every_markup_yields_the_seed_model_record(markup: str) -> None:
    parsed = parse_page(page_body(markup), SCOUT_URL)

    assert parsed.records["model"] == [SCOUT_MODEL]


@pytest.mark.parametrize("markup", MARKUPS)
def test_every_markup_yields_the_seed_endpoints_uptime_and_benchmarks(markup: str) -> None:
    parsed = parse_page(page_body(markup), SCOUT_URL)

    assert parsed.records["endpoint"] == SCOUT_ENDPOINTS
    assert parsed.records["uptime"] == SCOUT_UPTIME
    assert parsed.records["benchmark"] == SCOUT_BENCHMARKS


@pytest.mark.parametrize("markup", MARKUPS)
def test_a_page_lists_its_endpoints_and_benchmarks_in_full(markup: str) -> None:
    parsed = parse_page(page_body(markup), SCOUT_URL)

    assert parsed.listings == (Listing("endpoint", SCOUT, 4), Listing("benchmark", SCOUT, 7))
    assert parsed.links == ()


def test_the_maverick_page_reads_label_colon_value_items_and_dash_separated_endpoint_lines() -> None:
    parsed = parse_page(page_body("maverick"), page_url(MAVERICK))

    assert parsed.records["model"] == [
        {
            "source": "catalog", "model_id": MAVERICK, "name": "Llama 4 Maverick", "creator": "Meta",
            "canonical_slug": None, "hugging_face_id": None, "base_model": None,
            "context_window": 1048576, "max_output_tokens": 16384,
            "input_price_per_mtok": None, "output_price_per_mtok": None,
            "release_date": date(2025, 4, 5), "knowledge_cutoff": date(2024, 8, 1), "expiration_date": None,
            "last_updated": None, "open_weights": True, "status": None,
            "input_modalities": ["image", "text"], "output_modalities": None, "supported_params": None,
            "api_providers": ["DeepInfra", "Groq", "Together"],
            "capabilities": ["Mixture of Experts", "Multimodal Input"], "mode": None,
            "description": "Llama 4 Maverick is a synthetic test model: a larger Mixture of Experts sibling of "
                           "Llama 4 Scout, served here via DeepInfra in FP8.",
        }
    ]  # fmt: skip
    assert parsed.records["endpoint"] == [
        endpoint(MAVERICK, "deepinfra", "DeepInfra", 16384, 14, False),
        endpoint(MAVERICK, "together", "Together", 1048576, 11, True),
    ]
    assert parsed.records["uptime"] == [
        uptime(MAVERICK, "deepinfra", "DeepInfra", 99.9),
        uptime(MAVERICK, "together", "Together", 99.5),
    ]
    assert parsed.records["benchmark"] == [
        benchmark(MAVERICK, "mmlu_pro", 80.9),
        benchmark(MAVERICK, "gpqa_diamond", 69.8),
        benchmark(MAVERICK, "livecodebench", 43.4),
    ]


def test_label_colon_value_lines_of_an_unseen_markup_parse() -> None:
    parsed = parse_page(tiny_page(*SEED_LINES), SCOUT_URL)

    assert parsed.records["model"] == [
        {
            **SCOUT_MODEL,
            "capabilities": None,
            "description": "A short synthetic description of Llama 4 Scout, long enough to read as a paragraph.",
        }
    ]
    assert parsed.records["endpoint"] == [SCOUT_ENDPOINTS[1]]
    assert parsed.records["uptime"] == [SCOUT_UPTIME[1]]
    assert parsed.records["benchmark"] == []
    assert parsed.listings == (Listing("endpoint", SCOUT, 1),)  # no benchmark section: no benchmark listing


def test_a_label_that_first_heads_a_table_column_is_read_where_it_has_a_value() -> None:
    body = (
        b"<h1>Llama 4 Scout</h1><h2>Provider Endpoints</h2><table><tr><th>Provider</th><th>Max output</th></tr>"
        b"<tr><td>Groq</td><td>8,192</td></tr></table>"
        b"<div><div><div>Provider</div><div>Meta</div></div>"
        b"<div><div>Input Context Window</div><div>130,000</div></div>"
        b"<div><div>Maximum Output Tokens</div><div>8,192</div></div>"
        b"<div><div>Release Date</div><div>Apr 11, 2022</div></div></div>"
    )

    model = parse_page(body, SCOUT_URL).records["model"][0]

    assert (model["creator"], model["context_window"], model["max_output_tokens"]) == ("Meta", 130000, 8192)


def test_a_page_without_its_labels_is_a_parse_error_naming_them() -> None:
    message = "catalog page lacks the labels: Provider, Input Context Window, Maximum Output Tokens, Release Date"

    with pytest.raises(ParseError, match=re.escape(message)):
        parse_page(page_body("labels_stripped"), SCOUT_URL)


def test_the_nextdata_page_without_its_json_lacks_the_labels() -> None:
    body = re.sub(rb'<script id="__NEXT_DATA__".*?</script>', b"", page_body("nextdata"), flags=re.S)

    with pytest.raises(ParseError, match="lacks the labels: Provider, Input Context Window"):
        parse_page(body, SCOUT_URL)


def test_one_missing_label_is_named_alone() -> None:
    lines = [line for line in SEED_LINES if not line.startswith("Release date")]

    with pytest.raises(ParseError, match=re.escape("lacks the labels: Release Date (layout change?)")):
        parse_page(tiny_page(*lines), SCOUT_URL)


def test_a_model_value_that_does_not_parse_names_the_label_and_the_value() -> None:
    lines = [line.replace("130,000 tokens", "lots") for line in SEED_LINES]

    with pytest.raises(ParseError, match="Input context window value 'lots' does not parse"):
        parse_page(tiny_page(*lines), SCOUT_URL)


def test_an_endpoint_value_that_does_not_parse_names_the_endpoint_label_and_value() -> None:
    body = tiny_page(*SEED_LINES).replace(b"Max output: 8,192", b"Max output: lots")

    with pytest.raises(ParseError, match="endpoint 'Groq' Max output value 'lots' does not parse"):
        parse_page(body, SCOUT_URL)


def test_an_unknown_modality_is_a_parse_error() -> None:
    lines = [line.replace("Text Image", "Text Hologram") for line in SEED_LINES]

    with pytest.raises(ParseError, match="Modalities value 'Text Hologram' does not parse"):
        parse_page(tiny_page(*lines), SCOUT_URL)


# --- embedded JSON: only the page's own model, required values present, one percentage scale -----------------

NEXT_DATA = re.compile(rb'(<script id="__NEXT_DATA__" type="application/json">)(?P<json>.*?)</script>', re.S)

GPT_4O_CARD = {
    "name": "GPT-4o", "slug": "gpt-4o", "provider": {"name": "OpenAI", "slug": "openai"},
    "contextWindow": 128000, "maxOutputTokens": 16384, "openSource": False, "releaseDate": "2024-05-13",
    "knowledgeCutoff": "2023-10", "apiProviders": ["OpenAI", "Azure"], "modalities": ["Text", "Image"],
    "capabilities": [{"title": "Vision"}],
    "endpoints": [{"provider": "OpenAI", "maxOutput": 16384, "uptime1d": 99.9, "supportedParams": 20,
                   "implicitCaching": True}],
    "benchmarks": [{"name": "MMLU-Pro", "score": 74.7}],
}  # fmt: skip
"""A "More models" card as rich as the page's own model (all ten model keys), for another model."""


def nextdata_page(edit: Callable[[dict[str, Any]], None]) -> bytes:
    """The nextdata fixture with its ``props.pageProps`` (``model``, ``moreModels``, ...) changed by ``edit``."""
    body = page_body("nextdata")
    match = NEXT_DATA.search(body)
    assert match is not None
    data = json.loads(match["json"])
    edit(data["props"]["pageProps"])
    text = json.dumps(data).replace("</", "<\\/").encode()
    return body[: match.start("json")] + text + body[match.end("json") :]


def scout_json(page_props: dict[str, Any]) -> dict[str, Any]:
    model: dict[str, Any] = page_props["model"]
    return model


def test_a_more_models_card_with_more_keys_than_the_page_model_does_not_replace_it() -> None:
    def edit(props: dict[str, Any]) -> None:
        props["model"] = {
            "slug": SCOUT, "name": "Llama 4 Scout", "provider": "Meta", "contextWindow": 130000,
            "maxOutputTokens": 8192, "openSource": False, "releaseDate": "2022-04-11", "modalities": ["Text", "Image"],
        }  # fmt: skip
        props["moreModels"].insert(0, GPT_4O_CARD)

    parsed = parse_page(nextdata_page(edit), "https://www.mindstudio.ai/models/foo")

    assert parsed.records["model"] == [
        {
            **SCOUT_MODEL,
            "model_id": "foo",
            "knowledge_cutoff": None,
            "api_providers": None,
            "capabilities": None,
            "description": None,
        }
    ]
    # the card's endpoint and benchmark are GPT-4o's, never this page's; the page shows none of its own
    assert (parsed.records["endpoint"], parsed.records["uptime"], parsed.records["benchmark"]) == ([], [], [])
    assert parsed.listings == ()


def test_a_more_models_card_as_rich_as_the_page_model_and_listed_first_is_ignored() -> None:
    def edit(props: dict[str, Any]) -> None:
        model = props.pop("model")
        props["moreModels"].insert(0, GPT_4O_CARD)
        props["model"] = model  # after the cards in document order

    parsed = parse_page(nextdata_page(edit), SCOUT_URL)

    assert parsed.records["model"] == [SCOUT_MODEL]
    assert parsed.records["endpoint"] == SCOUT_ENDPOINTS
    assert parsed.records["uptime"] == SCOUT_UPTIME
    assert parsed.records["benchmark"] == SCOUT_BENCHMARKS


def test_a_nested_object_naming_another_model_lends_the_page_model_nothing() -> None:
    def edit(props: dict[str, Any]) -> None:
        model = scout_json(props)
        del model["endpoints"], model["benchmarks"], model["knowledgeCutoff"]
        model["compareWith"] = GPT_4O_CARD

    parsed = parse_page(nextdata_page(edit), SCOUT_URL)

    assert parsed.records["model"] == [SCOUT_MODEL]
    assert (parsed.records["endpoint"], parsed.records["benchmark"], parsed.listings) == ([], [], ())


def test_a_json_model_slug_without_the_provider_suffix_names_the_page() -> None:
    def edit(props: dict[str, Any]) -> None:
        model = scout_json(props)
        model["slug"], model["name"] = "llama-4-scout-17b-16e-instruct", "Llama-4-Scout-17B-16E-Instruct"

    parsed = parse_page(nextdata_page(edit), SCOUT_URL)

    assert parsed.records["model"] == [{**SCOUT_MODEL, "name": "Llama-4-Scout-17B-16E-Instruct"}]


def test_a_page_whose_json_holds_only_another_model_reads_its_labels() -> None:
    def edit(props: dict[str, Any]) -> None:
        props["model"] = GPT_4O_CARD

    with pytest.raises(ParseError, match="lacks the labels: Provider, Input Context Window"):
        parse_page(nextdata_page(edit), SCOUT_URL)


def test_two_different_json_models_matching_the_page_equally_are_not_used() -> None:
    def edit(props: dict[str, Any]) -> None:
        del scout_json(props)["slug"]  # both match by name only
        props["moreModels"].insert(0, {**GPT_4O_CARD, "name": "Llama 4 Scout", "slug": None})

    with pytest.raises(ParseError, match="lacks the labels: Provider, Input Context Window"):
        parse_page(nextdata_page(edit), SCOUT_URL)


def test_a_json_model_matching_the_page_slug_wins_over_a_card_matching_only_its_name() -> None:
    def edit(props: dict[str, Any]) -> None:
        card = {**GPT_4O_CARD, "name": "Llama 4 Scout", "slug": "llama-4-scout-17b-16e-instruct-deepinfra"}
        props["moreModels"].insert(0, card)

    parsed = parse_page(nextdata_page(edit), SCOUT_URL)

    assert parsed.records["model"] == [SCOUT_MODEL]
    assert parsed.records["endpoint"] == SCOUT_ENDPOINTS


def test_a_json_model_with_null_required_fields_is_a_parse_error_naming_them() -> None:
    def edit(props: dict[str, Any]) -> None:
        scout_json(props).update(provider=None, contextWindow=None, maxOutputTokens=None, releaseDate=None)

    message = (
        "catalog page gives no value for the required fields: Provider (embedded JSON 'provider' is null); "
        "Input Context Window (embedded JSON 'contextWindow' is null); "
        "Maximum Output Tokens (embedded JSON 'maxOutputTokens' is null); "
        "Release Date (embedded JSON 'releaseDate' is null)"
    )

    with pytest.raises(ParseError, match=re.escape(message)):
        parse_page(nextdata_page(edit), SCOUT_URL)


def test_a_json_model_saying_unknown_for_its_provider_is_a_parse_error() -> None:
    def edit(props: dict[str, Any]) -> None:
        scout_json(props)["provider"] = {"name": "Unknown"}

    message = """Provider (embedded JSON 'provider' is {"name": "Unknown"})"""

    with pytest.raises(ParseError, match=re.escape(message)):
        parse_page(nextdata_page(edit), SCOUT_URL)


def test_a_json_release_date_of_unknown_is_no_date() -> None:
    def edit(props: dict[str, Any]) -> None:
        scout_json(props)["releaseDate"] = "Unknown"

    parsed = parse_page(nextdata_page(edit), SCOUT_URL)

    assert parsed.records["model"] == [{**SCOUT_MODEL, "release_date": None}]


def test_a_null_json_value_is_read_from_its_visible_label() -> None:
    def edit(props: dict[str, Any]) -> None:
        scout_json(props)["contextWindow"] = None

    body = nextdata_page(edit).replace(b"<h1>", b"<p>Input Context Window: 130,000 tokens</p><h1>")

    assert parse_page(body, SCOUT_URL).records["model"] == [SCOUT_MODEL]


def test_a_label_saying_unknown_is_a_parse_error_for_a_required_value_but_the_release_date() -> None:
    lines = [line.replace("Meta", "Unknown").replace("Apr 11, 2022 4 years ago", "Unknown") for line in SEED_LINES]

    with pytest.raises(ParseError, match=re.escape("required fields: Provider (shown as 'Unknown')")) as raised:
        parse_page(tiny_page(*lines), SCOUT_URL)

    assert "Release date" not in str(raised.value)


def test_json_fractions_are_scaled_to_percent() -> None:
    def edit(props: dict[str, Any]) -> None:
        model = scout_json(props)
        for item in model["endpoints"]:
            item["uptime1d"] = round(item["uptime1d"] / 100, 4)  # 100.0 -> 1.0, 99.7 -> 0.997
        for item in model["benchmarks"]:
            item["score"] = round(item["score"] / 100, 4)  # 58.7 -> 0.587
        model["benchmarks"][2]["score"] = "4.3%"  # a percentage as printed, whatever the others' scale

    parsed = parse_page(nextdata_page(edit), SCOUT_URL)

    assert parsed.records["uptime"] == SCOUT_UPTIME
    assert parsed.records["benchmark"] == SCOUT_BENCHMARKS


def test_json_benchmark_fractions_keyed_by_name_are_scaled_to_percent() -> None:
    def edit(props: dict[str, Any]) -> None:
        scout_json(props)["benchmarks"] = {"GPQA Diamond": 0.587, "HLE": 0.043, "SciCode": "0.17"}

    parsed = parse_page(nextdata_page(edit), SCOUT_URL)

    assert parsed.records["benchmark"] == [
        benchmark(SCOUT, "gpqa_diamond", 58.7),
        benchmark(SCOUT, "hle", 4.3),
        benchmark(SCOUT, "scicode", 17.0),
    ]


@pytest.mark.parametrize(
    ("key", "index", "value", "field"),
    [("benchmarks", 1, 0.587, "benchmark Score"), ("endpoints", 1, 0.997, "endpoint 1d uptime")],
)
def test_json_percentages_on_mixed_0_1_and_0_100_scales_are_a_parse_error(
    key: str, index: int, value: float, field: str
) -> None:
    def edit(props: dict[str, Any]) -> None:
        item = scout_json(props)[key][index]
        item["score" if key == "benchmarks" else "uptime1d"] = value

    with pytest.raises(ParseError, match=f"embedded {field} values .* are on mixed 0-1 and 0-100 scales"):
        parse_page(nextdata_page(edit), SCOUT_URL)


def test_a_zero_json_uptime_beside_percentages_is_zero_percent() -> None:
    def edit(props: dict[str, Any]) -> None:
        scout_json(props)["endpoints"][0]["uptime1d"] = 0

    parsed = parse_page(nextdata_page(edit), SCOUT_URL)

    assert parsed.records["uptime"] == [uptime(SCOUT, "deepinfra", "DeepInfra", 0.0), *SCOUT_UPTIME[1:]]


def test_sitemap_links_each_model_page_once_and_skips_other_paths() -> None:
    parsed = parse_sitemap((PAGES / "synthetic_sitemap.xml").read_bytes())

    assert parsed.links == (page_url(SCOUT), page_url(MAVERICK))
    assert (parsed.records, parsed.listings) == ({}, ())


def test_a_sitemap_index_links_its_own_sitemaps() -> None:
    body = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://www.mindstudio.ai/sitemap-models.xml</loc><lastmod>2026-05-01</lastmod></sitemap>
  <sitemap><loc>https://www.mindstudio.ai/blog/sitemap.xml</loc></sitemap>
  <sitemap><loc>https://cdn.example.com/sitemap-models.xml</loc></sitemap>
</sitemapindex>"""

    parsed = parse_sitemap(body)

    assert parsed.links == (
        "https://www.mindstudio.ai/sitemap-models.xml",
        "https://www.mindstudio.ai/blog/sitemap.xml",
    )


def test_a_malformed_sitemap_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="sitemap is not well-formed XML"):
        parse_sitemap(b"<urlset><url><loc>https://www.mindstudio.ai/models/x</loc></url>")


def test_a_gone_page_is_evidence_that_its_endpoints_and_benchmarks_are_gone() -> None:
    evidence = "catalog page answered 404/410"

    assert gone_page(page_url(SCOUT)).listings == (
        Listing("endpoint", SCOUT, 0, evidence=evidence),
        Listing("benchmark", SCOUT, 0, evidence=evidence),
    )


def test_the_source_routes_its_sitemaps_and_pages_and_asks_for_the_page_url() -> None:
    kinds = {kind.name: kind for kind in SOURCE.payload_kinds}

    assert SOURCE.seeds == (SITEMAP_URL,)
    assert (SOURCE.policy.rate_per_s, SOURCE.policy.concurrency, SOURCE.policy.obey_robots) == (1.0, 2, True)
    assert re.fullmatch(kinds["sitemap"].path_pattern, "/sitemap.xml")
    assert re.fullmatch(kinds["sitemap"].path_pattern, "/blog/sitemap.xml")
    assert re.fullmatch(kinds["page"].path_pattern, f"/models/{SCOUT}")
    assert not re.fullmatch(kinds["page"].path_pattern, "/models")
    assert (kinds["sitemap"].needs_url, kinds["page"].needs_url) == (False, True)
    assert kinds["page"].gone is gone_page


def test_the_catalog_source_does_not_need_entity_frames() -> None:
    code = (
        "import sys, extractors.catalog; print(sorted(m for m in sys.modules if m.startswith(('transforms', 'flows'))))"
    )

    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)

    expected = ["transforms", "transforms.benchmarks", "transforms.drift", "transforms.records", "transforms.roles",
                "transforms.units"]  # fmt: skip
    assert loaded.stdout.strip() == str(expected)
