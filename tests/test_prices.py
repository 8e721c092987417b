"""Prices are kept exactly as published: real OpenRouter prices to their last digit, float noise not a change.

The prices are real ones OpenRouter published (2025-08 to 2026-07); the payloads around them are
synthetic, in OpenRouter's shape.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from extractors.openrouter import parse_endpoints
from tests.conftest import query
from transforms.records import ParseError
from transforms.units import UnitError, price_per_mtok
from warehouse import db

MODELS_URL = "https://openrouter.ai/api/v1/models"
DEEPSEEK = "deepseek/deepseek-chat"
DEEPSEEK_URL = f"{MODELS_URL}/{DEEPSEEK}/endpoints"
REAL_PRICES = {  # model: (prompt, completion) per token, as published
    "deepseek/deepseek-chat": ("0.00000017992692", "0.0000007200576"),
    "nousresearch/hermes-4-405b": ("0.0000001999188", "0.0000001999188"),
    "deepseek/deepseek-v3.1-base": ("0.00000024999988", "0.00000024999988"),
    "google/gemma-3-4b-it": ("0.00000001703012", "0.00000001703012"),
}


def synthetic_model(model_id: str, prompt: str, completion: str) -> dict[str, object]:
    return {
        "id": model_id, "name": f"Synthetic: {model_id}", "created": 1754352000, "context_length": 163840,
        "pricing": {"prompt": prompt, "completion": completion}, "top_provider": {"max_completion_tokens": 16384},
        "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
    }  # fmt: skip


def synthetic_endpoint(tag: str, prompt: str, completion: str, cache_read: str | None = None) -> dict[str, object]:
    pricing = {"prompt": prompt, "completion": completion, **({"input_cache_read": cache_read} if cache_read else {})}
    return {"name": f"{tag} | deepseek-chat", "context_length": 163840, "pricing": pricing,
            "provider_name": tag.title(), "tag": tag, "quantization": "fp8", "max_completion_tokens": 16384,
            "supported_parameters": ["tools"], "status": 0}  # fmt: skip


def manifest(tmp_path: Path, captures: list[tuple[str, str, object]]) -> Path:
    """A manifest of synthetic payloads: (url, fetched_at, document) each."""
    lines = []
    for n, (url, fetched_at, document) in enumerate(captures):
        path = tmp_path / f"synthetic_capture_{n}.json"
        path.write_text(json.dumps(document))
        lines.append(json.dumps({"path": path.name, "url": url, "fetched_at": fetched_at}) + "\n")
    target = tmp_path / "synthetic_manifest.jsonl"
    target.write_text("".join(lines))
    return target


def test_real_openrouter_prices_become_usd_per_million_to_their_last_digit() -> None:
    assert price_per_mtok("0.00000017992692") == Decimal("0.17992692")
    assert price_per_mtok("0.0000007200576") == Decimal("0.7200576")
    assert price_per_mtok("0.0000001999188") == Decimal("0.1999188")
    assert price_per_mtok("0.00000024999988") == Decimal("0.24999988")
    assert price_per_mtok("0.00000001703012") == Decimal("0.01703012")


def test_digits_past_1e_18_per_token_are_float_noise_rounded_half_even() -> None:
    assert price_per_mtok("0.0000006000000000000001") == Decimal("0.6")
    assert price_per_mtok("0.0000000000000000005") == Decimal(0)  # half to even: down to 0
    assert price_per_mtok("0.0000000000000000015") == Decimal("0.000000000002")  # half to even: up to 2
    assert str(price_per_mtok("-0.0000000000000000001")) == "0"  # not -0, which would hash apart from 0


def test_float_prices_of_models_dev_and_litellm_lose_only_their_noise() -> None:
    assert price_per_mtok(0.049999999999999996, per_tokens=1_000_000) == Decimal("0.05")  # models.dev, per million
    assert price_per_mtok(3.0001999999999996e-07) == Decimal("0.30002")  # LiteLLM, per token
    assert price_per_mtok(0.08333333333333334, per_tokens=1_000_000) == Decimal("0.083333333333")


def test_a_price_that_is_not_a_number_names_its_field() -> None:
    with pytest.raises(UnitError, match=r"^pricing.prompt: 'free' is not a number, not a price$"):
        price_per_mtok("free", field="pricing.prompt")
    document = {"data": {"id": DEEPSEEK, "endpoints": [synthetic_endpoint("deepinfra", "free", "0.000001")]}}
    with pytest.raises(ParseError, match=r"\(tag 'deepinfra'\): pricing.prompt: 'free' is not a number"):
        parse_endpoints(json.dumps(document).encode())


def test_the_router_models_minus_one_a_token_is_stored_as_published(warehouse: Path, run_cli, tmp_path: Path) -> None:
    document = {"data": [synthetic_model("openrouter/auto", "-1", "-1")]}

    result = run_cli("import", "--manifest", str(manifest(tmp_path, [(MODELS_URL, "2025-08-05T02:00:00Z", document)])))

    assert result.code == 0, result.err
    assert query(warehouse, "SELECT input_price_per_mtok, output_price_per_mtok FROM model_history") == [
        (Decimal(-1_000_000), Decimal(-1_000_000))
    ]  # fmt: skip


def test_a_price_too_large_for_any_context_is_quarantined_not_a_crash(warehouse: Path, run_cli, tmp_path: Path) -> None:
    assert price_per_mtok("1e22") == Decimal("1E+28")  # more digits than Python's default context holds
    assert price_per_mtok("1e70") == Decimal("1E+76")
    models = [synthetic_model(f"synthetic/plain-{n}", "0.0000001", "0.0000003") for n in range(20)]
    models.append(synthetic_model("synthetic/absurd", "1e22", "0.0000003"))
    captures = [(MODELS_URL, "2025-08-05T02:00:00Z", {"data": models})]

    result = run_cli("import", "--manifest", str(manifest(tmp_path, captures)))

    assert result.code == 3
    assert query(warehouse, "SELECT row_key, reason FROM quarantine") == [
        ("synthetic/absurd", "input_price_per_mtok: a price below 1,000,000,000 USD per million tokens "
                             "(got Decimal('10000000000000000000000000000'))")
    ]  # fmt: skip
    assert query(warehouse, "SELECT count(*) FROM model_history") == [(20,)]


def test_price_text_shows_any_number_as_a_price_with_six_decimals_at_least(tmp_path: Path) -> None:
    con = db.open_for_write(tmp_path / "w.duckdb", datetime(2026, 12, 4, tzinfo=UTC))
    try:
        shown = con.execute("SELECT price_text(10), price_text(100::DOUBLE), price_text(3.45::DECIMAL(18, 6)),"
                            " price_text(0.17992692), price_text(-1000000), price_text(NULL)").fetchall()  # fmt: skip
    finally:
        con.close()
    assert shown == [("10.000000", "100.000000", "3.450000", "0.17992692", "-1000000.000000", None)]


def test_real_prices_read_back_to_their_last_digit_in_every_view(warehouse: Path, run_cli, tmp_path: Path) -> None:
    before = [synthetic_model(DEEPSEEK, "0.00000027", "0.0000011")]
    after = [synthetic_model(DEEPSEEK, *REAL_PRICES[DEEPSEEK])]
    endpoints_before = [synthetic_endpoint("deepinfra", "0.00000027", "0.0000011", "0.00000007")]
    endpoints_after = [synthetic_endpoint("deepinfra", *REAL_PRICES[DEEPSEEK], "0.0000000449817")]
    captures = [
        (MODELS_URL, "2025-08-04T02:00:00Z", {"data": before}),
        (DEEPSEEK_URL, "2025-08-04T02:00:00Z", {"data": {"id": DEEPSEEK, "endpoints": endpoints_before}}),
        (MODELS_URL, "2025-08-05T02:00:00Z", {"data": after}),
        (DEEPSEEK_URL, "2025-08-05T02:00:00Z", {"data": {"id": DEEPSEEK, "endpoints": endpoints_after}}),
    ]

    result = run_cli("import", "--manifest", str(manifest(tmp_path, captures)))

    assert result.code == 0, result.err
    exact = (Decimal("0.17992692"), Decimal("0.7200576"))
    assert query(warehouse, "SELECT input_price_per_mtok, output_price_per_mtok, cache_read_price_per_mtok "
                            "FROM endpoints") == [(*exact, Decimal("0.0449817"))]  # fmt: skip
    assert query(warehouse, f"SELECT input_price_per_mtok, output_price_per_mtok FROM models "
                            f"WHERE model_id = '{DEEPSEEK}'") == [exact]  # fmt: skip
    assert query(warehouse, "SELECT strftime(valid_from, '%d'), input_price_per_mtok, output_price_per_mtok "
                            "FROM endpoint_history ORDER BY valid_from") == [
        ("04", Decimal("0.27"), Decimal("1.1")), ("05", *exact)
    ]  # fmt: skip
    assert query(warehouse, "SELECT strftime(valid_from, '%d'), input_price_per_mtok, output_price_per_mtok "
                            "FROM model_history ORDER BY valid_from") == [
        ("04", Decimal("0.27"), Decimal("1.1")), ("05", *exact)
    ]  # fmt: skip
    assert query(warehouse, "SELECT entity, field, old_value, new_value FROM changes ORDER BY ALL") == [
        ("endpoint", "cache_read_price_per_mtok", "0.070000", "0.0449817"),
        ("endpoint", "input_price_per_mtok", "0.270000", "0.17992692"),
        ("endpoint", "output_price_per_mtok", "1.100000", "0.7200576"),
        ("model", "input_price_per_mtok", "0.270000", "0.17992692"),
        ("model", "output_price_per_mtok", "1.100000", "0.7200576"),
    ]
    changes = run_cli("changes", "--since", "2025-08-01", "--field", "input_price_per_mtok")
    assert "│ 0.270000  │ 0.17992692 │" in changes.out
    as_csv = run_cli("sql", "SELECT input_price_per_mtok, output_price_per_mtok FROM endpoints", "--format", "csv")
    assert as_csv.out == "input_price_per_mtok,output_price_per_mtok\n0.179926920000,0.720057600000\n"  # every digit


def test_a_price_that_differs_only_by_float_noise_makes_no_version(warehouse: Path, run_cli, tmp_path: Path) -> None:
    luna = "openai/gpt-5.6-luna"
    captures = [
        (MODELS_URL, "2026-07-30T02:00:00Z", {"data": [synthetic_model(luna, "0.0000006", "0.0000024")]}),
        (MODELS_URL, "2026-07-31T02:00:00Z",
         {"data": [synthetic_model(luna, "0.0000006000000000000001", "0.0000024")]}),
        (MODELS_URL, "2026-08-01T02:00:00Z", {"data": [synthetic_model(luna, "0.0000006", "0.0000024")]}),
    ]  # fmt: skip

    assert run_cli("import", "--manifest", str(manifest(tmp_path, captures))).code == 0

    assert query(warehouse, "SELECT input_price_per_mtok, valid_to FROM model_history") == [(Decimal("0.6"), None)]
    assert query(warehouse, "SELECT count(DISTINCT attr_hash) FROM model_observations") == [(1,)]
    assert query(warehouse, "SELECT count(*) FROM changes") == [(0,)]


def test_a_list_where_40_percent_carry_such_prices_loads_whole(warehouse: Path, run_cli, tmp_path: Path) -> None:
    plain = [synthetic_model(f"synthetic/plain-{n:02}", "0.0000001", "0.0000003") for n in range(15)]
    precise = [synthetic_model(model_id, *prices) for model_id, prices in REAL_PRICES.items()]
    precise += [synthetic_model(f"synthetic/precise-{n}", *REAL_PRICES[DEEPSEEK]) for n in range(6)]  # 10 of 25
    captures = [(MODELS_URL, "2025-09-11T02:00:00Z", {"data": plain + precise})]

    result = run_cli("import", "--manifest", str(manifest(tmp_path, captures)))

    assert result.code == 0, result.err
    assert query(warehouse, "SELECT count(*) FROM quarantine") == [(0,)]
    assert query(warehouse, "SELECT status, quarantined FROM runs") == [("ok", 0)]
    assert query(warehouse, "SELECT count(*) FROM model_history WHERE input_price_per_mtok = 0.17992692") == [(7,)]
    assert query(warehouse, "SELECT source_key, input_price_per_mtok FROM model_history "
                            "WHERE source_key NOT LIKE 'synthetic/%' ORDER BY 1") == [
        ("deepseek/deepseek-chat", Decimal("0.17992692")),
        ("deepseek/deepseek-v3.1-base", Decimal("0.24999988")),
        ("google/gemma-3-4b-it", Decimal("0.01703012")),
        ("nousresearch/hermes-4-405b", Decimal("0.1999188")),
    ]  # fmt: skip


def test_what_is_not_a_price_is_quarantined_naming_source_url_and_field(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    endpoints = [
        synthetic_endpoint("deepinfra", *REAL_PRICES[DEEPSEEK]),
        synthetic_endpoint("negative", "-0.0000005", "0.000001"),
        synthetic_endpoint("absurd", "0.000001", "1000000"),  # a million dollars a token
    ] + [synthetic_endpoint(f"plain{n}", "0.0000001", "0.0000003") for n in range(20)]
    captures = [(DEEPSEEK_URL, "2025-08-05T02:00:00Z", {"data": {"id": DEEPSEEK, "endpoints": endpoints}})]

    result = run_cli("import", "--manifest", str(manifest(tmp_path, captures)))

    assert result.code == 3
    assert f"failed: {DEEPSEEK_URL}: openrouter endpoint {DEEPSEEK}/negative: input_price_per_mtok: a price, " \
           "not negative (but for the router's -1 a token) (got Decimal('-0.5'))" in result.err  # fmt: skip
    assert f"failed: {DEEPSEEK_URL}: openrouter endpoint {DEEPSEEK}/absurd: output_price_per_mtok: a price " \
           "below 1,000,000,000 USD per million tokens (got Decimal('1000000000000'))" in result.err  # fmt: skip
    assert query(warehouse, "SELECT source, url, row_key FROM quarantine ORDER BY row_key") == [
        ("openrouter", DEEPSEEK_URL, f"{DEEPSEEK}/absurd"), ("openrouter", DEEPSEEK_URL, f"{DEEPSEEK}/negative")
    ]  # fmt: skip
    assert query(warehouse, "SELECT count(*) FROM endpoints") == [(21,)]


def test_quarantine_rows_carry_the_fetched_at_of_their_own_fetch(warehouse: Path, run_cli, tmp_path: Path) -> None:
    endpoints = [synthetic_endpoint("negative", "-0.0000005", "0.000001")] + [
        synthetic_endpoint(f"plain{n}", "0.0000001", "0.0000003") for n in range(20)
    ]
    document = {"data": {"id": DEEPSEEK, "endpoints": endpoints}}
    captures = [(DEEPSEEK_URL, f"2025-08-0{day}T02:00:00Z", document) for day in (5, 6, 7)]  # one body, three fetches

    assert run_cli("import", "--manifest", str(manifest(tmp_path, captures))).code == 3

    assert query(warehouse, "SELECT strftime(fetched_at, '%d'), row_key FROM quarantine ORDER BY 1") == [
        ("05", f"{DEEPSEEK}/negative"), ("06", f"{DEEPSEEK}/negative"), ("07", f"{DEEPSEEK}/negative")
    ]  # fmt: skip
