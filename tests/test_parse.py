"""Pure parse, normalize and hash functions, on real payloads and literal records."""

from __future__ import annotations

import json
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from entities import ENDPOINT
from extractors.openrouter import parse_endpoints, parse_models
from tests.conftest import FIXTURES, KIMI_FILE, synthetic_endpoint, synthetic_endpoints
from transforms.frames import entity_frame, observed_frame
from transforms.hashing import row_hash, row_hashes
from transforms.records import ParseError
from transforms.units import UnitError, price_per_mtok, sorted_set, token_count


def test_prices_per_token_become_exact_usd_per_million() -> None:
    assert price_per_mtok("0.000003") == Decimal("3")
    assert price_per_mtok("0.00000345") == Decimal("3.45")
    assert price_per_mtok("0.0000000375") == Decimal("0.0375")
    assert price_per_mtok(3e-05) == Decimal("30")
    assert price_per_mtok("0") == Decimal("0")
    assert price_per_mtok(None) is None


def test_a_price_that_is_not_a_number_is_a_unit_error() -> None:
    with pytest.raises(UnitError, match="'free' is not a number"):
        price_per_mtok("free")


def test_token_counts_read_catalog_spellings() -> None:
    assert token_count(131072) == 131072
    assert token_count("130,000 tokens") == 130000
    assert token_count("8,192 tokens tokens") == 8192
    assert token_count(None) is None
    with pytest.raises(UnitError):
        token_count("12.5")


def test_sorted_set_sorts_trims_and_dedupes() -> None:
    assert sorted_set([" tools", "max_tokens", "tools", ""]) == ["max_tokens", "tools"]
    assert sorted_set(None) is None


def test_equal_facts_hash_alike_whatever_their_spelling() -> None:
    assert row_hash({"p": "0.00003", "s": ["b", "a"], "t": " x "}) == row_hash({"p": 3e-05, "s": ["a", "b"], "t": "x"})
    assert row_hash({"p": Decimal("3.450000")}) == row_hash({"p": Decimal("3.45")})
    assert row_hash({"p": None}) != row_hash({"p": 0})
    assert row_hash({"p": 1}) != row_hash({"p": 2})
    assert row_hash({"p": 1}) != row_hash({"q": 1})


def test_a_new_null_column_leaves_existing_hashes_alone() -> None:
    assert row_hash({"p": 1, "added_later": None}) == row_hash({"p": 1})


def test_parse_endpoints_reads_every_field_of_the_real_kimi_capture() -> None:
    parsed = parse_endpoints(KIMI_FILE.read_bytes())

    morph = parsed.records["endpoint"][3]
    assert morph == {
        "source": "openrouter", "model_id": "moonshotai/kimi-k3", "endpoint_key": "morph/fast", "provider": "Morph",
        "context_length": 1048576, "max_output_tokens": 1048576, "max_prompt_tokens": None,
        "input_price_per_mtok": Decimal("6"), "output_price_per_mtok": Decimal("22.5"),
        "cache_read_price_per_mtok": Decimal("0.6"), "cache_write_price_per_mtok": None, "price_tiers": None,
        "quantization": "fp4",
        "supported_params": sorted(json.loads(KIMI_FILE.read_text())["data"]["endpoints"][3]["supported_parameters"]),
        "supported_params_count": 20, "implicit_caching": False, "status": -2,
    }  # fmt: skip
    assert [listing.key_count for listing in parsed.listings] == [4]


def test_older_payloads_with_only_the_30m_window_parse() -> None:
    old = synthetic_endpoint("groq", "Groq", max_out=None)
    for name in ("uptime_last_5m", "uptime_last_1d", "supports_implicit_caching"):
        del old[name]
    old["an_unknown_future_field"] = {"ignored": True}

    parsed = parse_endpoints(synthetic_endpoints("m/x", [old]))

    assert [(u["period"], u["uptime_pct"]) for u in parsed.records["uptime"]] == [("30m", 99.5)]
    endpoint = parsed.records["endpoint"][0]
    assert (endpoint["max_output_tokens"], endpoint["implicit_caching"]) == (None, None)


def test_a_missing_price_is_a_parse_error_naming_the_field() -> None:
    endpoint = synthetic_endpoint("groq", "Groq")
    endpoint["pricing"] = {"completion": "0.000001"}

    with pytest.raises(ParseError, match=r"missing required field 'prompt' in data.endpoints\[0\] \(tag 'groq'\)"):
        parse_endpoints(synthetic_endpoints("m/x", [endpoint]))


def test_a_changed_layout_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="expected a 'data' list of models"):
        parse_models(b'{"models": []}')


def test_parse_models_reads_the_real_list_and_links_each_endpoints_page() -> None:
    parsed = parse_models((FIXTURES / "api_v1_models__subset__2026-05-15.json").read_bytes())

    scout = next(m for m in parsed.records["model"] if m["model_id"] == "meta-llama/llama-4-scout")
    assert (scout["creator"], scout["context_window"], scout["max_output_tokens"]) == ("Meta", 327680, 16384)
    assert (scout["input_price_per_mtok"], scout["open_weights"]) == (Decimal("0.08"), True)
    assert "https://openrouter.ai/api/v1/models/meta-llama/llama-4-scout/endpoints" in parsed.links
    assert parsed.listings[0].key_count == 5


def test_a_row_that_breaks_its_schema_is_rejected_with_the_reason() -> None:
    records = parse_endpoints(KIMI_FILE.read_bytes()).records["endpoint"]
    records[0]["input_price_per_mtok"] = Decimal("0.0000000000001")  # finer than price_per_mtok ever rounds
    records[1]["output_price_per_mtok"] = Decimal("-0.5")
    records[2]["cache_read_price_per_mtok"] = Decimal("1E+10")
    meta = {"observed_at": "2026-08-25T10:26:01Z", "payload_sha256": "0" * 64}
    import pandas as pd

    rows = [{**r, **meta, "observed_at": pd.Timestamp(meta["observed_at"])} for r in records]
    frame, rejected = entity_frame("endpoint", rows)

    assert list(frame["endpoint_key"]) == ["morph/fast"]
    assert [(r.row_key, r.reason) for r in rejected] == [
        ("moonshotai/kimi-k3/fireworks",
         "input_price_per_mtok: an exact decimal of at most 12 decimals (got Decimal('1E-13'))"),
        ("moonshotai/kimi-k3/alibaba",
         "output_price_per_mtok: a price, not negative (but for the router's -1 a token) (got Decimal('-0.5'))"),
        ("moonshotai/kimi-k3/fireworks/fast",
         "cache_read_price_per_mtok: a price below 1,000,000,000 USD per million tokens (got Decimal('1E+10'))"),
    ]  # fmt: skip


def _kimi_with_one_bad_price() -> list[dict[str, object]]:
    records = parse_endpoints(KIMI_FILE.read_bytes()).records["endpoint"]
    records[1]["output_price_per_mtok"] = Decimal("-0.5")
    return records


def test_a_record_repeated_across_payloads_gives_the_rows_and_rejects_of_each_occurrence() -> None:
    records = _kimi_with_one_bad_price()  # the same record objects, as a memo hands them out, in two payloads
    first, second = pd.Timestamp("2026-08-25T10:00:00Z"), pd.Timestamp("2026-08-26T10:00:00Z")
    occurrences = [(r, first, "a" * 64) for r in records] + [(r, second, "b" * 64) for r in records]
    apart = [({**r}, at, sha) for r, at, sha in occurrences]  # every occurrence its own object
    attributes = ENDPOINT.attributes

    shared, shared_rejected = observed_frame("endpoint", occurrences, attributes)
    each, each_rejected = observed_frame("endpoint", apart, attributes)

    pd.testing.assert_frame_equal(shared, each)
    assert shared_rejected == each_rejected
    assert [(r.row_key, r.payload_sha256) for r in shared_rejected] == [
        ("moonshotai/kimi-k3/alibaba", "a" * 64),
        ("moonshotai/kimi-k3/alibaba", "b" * 64),
    ]
    assert list(shared["attr_hash"]) == list(row_hashes(shared, attributes))


def test_one_record_twice_in_one_payload_is_still_a_duplicate_key() -> None:
    records = _kimi_with_one_bad_price()[2:3]
    at = pd.Timestamp("2026-08-25T10:00:00Z")

    frame, rejected = observed_frame("endpoint", [(records[0], at, "a" * 64), (records[0], at, "a" * 64)])

    assert frame.empty
    assert {r.row_key for r in rejected} == {"moonshotai/kimi-k3/fireworks/fast"}
    assert len(rejected) == 2


@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=12)
    | st.sampled_from(["max_tokens", "a!", "a", "a b", "A", "é", "x\\y", "", " tools ", '"q"', "#", "~"]),
    lambda inner: st.lists(inner, max_size=6), max_leaves=20))  # fmt: skip
def test_the_fast_paths_of_canonical_value_give_what_it_always_gave(value: object) -> None:
    from transforms.hashing import canonical_value, defined_canonical_value

    assert canonical_value(value) == defined_canonical_value(value)


@given(st.lists(st.tuples(*[st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from([0.0, -0.0, 1.0, float("nan"), 3e-05])
    | st.sampled_from([Decimal("1"), Decimal("1.0"), Decimal("-0"), "1", " a", "a", "b", ""]),
    lambda inner: st.lists(inner, max_size=3), max_leaves=6)] * 2), max_size=12))  # fmt: skip
def test_row_hashes_of_a_frame_are_each_rows_row_hash_whatever_values_repeat(rows: list[tuple[object, ...]]) -> None:
    import pandas as pd

    from transforms.hashing import row_hashes

    frame = pd.DataFrame({"a": pd.Series([r[0] for r in rows], dtype=object),
                          "b": pd.Series([r[1] for r in rows], dtype=object)})  # fmt: skip

    assert list(row_hashes(frame, ["a", "b"])) == [row_hash({"a": a, "b": b}) for a, b in rows]
