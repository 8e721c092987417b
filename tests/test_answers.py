"""The questions people ask of the history: prices on a date (`prices`, `prices_on`), usage priced at its time
(`cost`), what differs between two dates (`diff`), and what left (`retired`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import capture, query, synthetic_endpoint, synthetic_endpoints, synthetic_models

MODEL = "synthetic/price-mover"
ENDPOINTS_URL = f"https://openrouter.ai/api/v1/models/{MODEL}/endpoints"
MODELS_URL = "https://openrouter.ai/api/v1/models"


def import_days(run_cli, tmp_path: Path, url: str, bodies: dict[str, bytes]) -> None:
    """Import one payload per day (fetched at 02:00 UTC), in one run each."""
    for day, body in bodies.items():
        line = capture(tmp_path, url.rsplit("/", 1)[-1], body, url, day)
        result = run_cli("import", line["path"], "--url", url, "--fetched-at", line["fetched_at"])
        assert result.code == 0, result.err


def endpoint_on(prompt: str, max_out: int = 8192) -> bytes:
    return synthetic_endpoints(MODEL, [synthetic_endpoint("groq", "Groq", max_out=max_out, prompt=prompt)])


@pytest.fixture
def price_change(warehouse: Path, run_cli, tmp_path: Path) -> Path:
    """Groq's input price for the model: 0.10 on Aug 1 and 2, 0.20 from Aug 4 (not observed on Aug 3)."""
    import_days(run_cli, tmp_path, ENDPOINTS_URL, {
        "2026-08-01": endpoint_on("0.0000001"), "2026-08-02": endpoint_on("0.0000001"),
        "2026-08-04": endpoint_on("0.0000002"),
    })  # fmt: skip
    return warehouse


def test_prices_on_a_date_give_the_bracket_of_when_the_price_took_effect(price_change: Path, run_cli) -> None:
    result = run_cli("prices", "--on", "2026-08-05", "--model", "price-mover", "--format", "json")

    assert result.code == 0, result.err
    assert json.loads(result.out) == [{
        "model_id": "synthetic/price-mover", "provider": "Groq", "source": "openrouter",
        "input_price_per_mtok": 0.2, "output_price_per_mtok": 0.3, "cache_read_price_per_mtok": None,
        "cache_write_price_per_mtok": None, "price_tiers": None,
        "effective_after": "2026-08-02T02:00:00+00:00", "effective_by": "2026-08-04T02:00:00+00:00",
        "seen_until": "2026-08-04T02:00:00+00:00", "next_effective_by": None,
        "endpoint_key": "groq", "source_key": "synthetic/price-mover",
    }]  # fmt: skip


def test_prices_between_two_observations_end_with_the_bracket_of_the_change(price_change: Path) -> None:
    rows = query(price_change, "SELECT CAST(input_price_per_mtok AS VARCHAR), effective_after, effective_by, "
                 "seen_until, next_effective_by FROM prices_on('2026-08-03')")  # fmt: skip

    assert [tuple(str(v) for v in row) for row in rows] == [
        ("0.100000000000", "None", "2026-08-01 02:00:00+00:00", "2026-08-02 02:00:00+00:00",
         "2026-08-04 02:00:00+00:00"),
    ]  # fmt: skip


def test_cost_prices_each_row_at_its_time_and_flags_the_row_inside_the_change(
    price_change: Path, run_cli, tmp_path: Path
) -> None:
    usage = tmp_path / "synthetic_usage.csv"
    usage.write_text(
        "time,model,provider,input_tokens,output_tokens,team\n"
        "2026-08-01T12:00:00Z,synthetic/price-mover,groq,1000000,0,search\n"  # 0.10: certain
        "2026-08-03T00:00:00Z,synthetic/price-mover,Groq,1000000,1000000,search\n"  # between Aug 2 and Aug 4
        "2026-08-05T00:00:00Z,synthetic/price-mover,Groq,2000000,0,chat\n"  # 0.20 a million
    )

    result = run_cli("cost", "--usage", str(usage), "--format", "json")

    assert result.code == 0, result.err
    rows = [(r["line"], r["cost_usd"], r["input_price_per_mtok"], r["uncertain"], r["note"])
            for r in json.loads(result.out)]  # fmt: skip
    assert rows == [
        (2, 0.1, 0.1, False, None),
        (3, 0.4, 0.1, True,
         "the price changed between 2026-08-02 02:00 and 2026-08-04 02:00 UTC: priced at the earlier one"),
        (4, 0.4, 0.2, False, None),
    ]  # fmt: skip
    assert result.err == "total: 0.9 USD for 3 of 3 rows priced; 1 uncertain (a price changed around their time)\n"


def test_cost_names_the_file_and_line_of_a_bad_row(price_change: Path, run_cli, tmp_path: Path) -> None:
    usage = tmp_path / "synthetic_usage.csv"
    usage.write_text("time,model,provider,input_tokens,output_tokens\n2026-08-01,m,p,12k,0\n")

    result = run_cli("cost", "--usage", str(usage))

    assert result.code == 2
    assert result.err == f"modelsync: {usage}, line 2: input_tokens '12k' is not a whole number of tokens\n"


def test_diff_across_a_change_reverted_in_between_shows_only_what_differs(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    import_days(run_cli, tmp_path, ENDPOINTS_URL, {
        "2026-08-01": endpoint_on("0.0000001", max_out=8192),
        "2026-08-02": endpoint_on("0.0000001", max_out=4096),  # cut, then restored
        "2026-08-03": endpoint_on("0.00000015", max_out=8192),
    })  # fmt: skip

    result = run_cli("diff", "--from", "2026-08-01", "--to", "2026-08-03", "--format", "json")

    assert result.code == 0, result.err
    assert json.loads(result.out) == [{
        "entity": "endpoint", "change": "changed", "model_id": "synthetic/price-mover", "provider": "Groq",
        "endpoint_key": "groq", "field": "input_price_per_mtok", "old_value": "0.100000", "new_value": "0.150000",
        "relative_change": 0.5, "added": None, "removed": None, "source": "openrouter",
        "source_key": "synthetic/price-mover",
    }]  # fmt: skip
    assert query(warehouse, "SELECT count(*) FROM changes WHERE field = 'max_output_tokens'") == [(2,)]


def test_a_model_retired_then_listed_again_appears_once_in_retired_as_come_back(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    a, b, c = "synthetic/a", "synthetic/b", "synthetic/c"
    import_days(run_cli, tmp_path, MODELS_URL, {
        "2026-08-01": synthetic_models([a, b, c]), "2026-08-02": synthetic_models([a, c]),
        "2026-08-03": synthetic_models([a, b, c]),
    })  # fmt: skip

    rows = query(warehouse, "SELECT entity, model_id, provider, endpoint_key, source, CAST(last_seen AS VARCHAR), "
                 "CAST(retired_at AS VARCHAR), evidence, came_back, CAST(came_back_at AS VARCHAR) "
                 "FROM retired")  # fmt: skip

    assert rows == [
        ("model", b, None, None, "openrouter", "2026-08-01 02:00:00+00", "2026-08-02 02:00:00+00",
         "absent from a complete model list", True, "2026-08-03 02:00:00+00"),
    ]  # fmt: skip


def test_prices_with_a_date_that_is_not_one_is_a_usage_error(warehouse: Path, run_cli) -> None:
    result = run_cli("prices", "--on", "last tuesday")

    assert result.code == 2
    assert "'--on': 'last tuesday' is not a date (2026-08-01) or a timestamp" in result.err


def test_openrouters_2098_placeholder_is_no_expiration_date(warehouse: Path, run_cli, tmp_path: Path) -> None:
    document = json.loads(synthetic_models(["synthetic/a", "synthetic/b"]))
    document["data"][0]["expiration_date"] = "2098-12-31"
    document["data"][1]["expiration_date"] = "2026-09-30"
    import_days(run_cli, tmp_path, MODELS_URL, {"2026-08-01": json.dumps(document).encode()})

    rows = query(warehouse, "SELECT model_id, CAST(expiration_date AS VARCHAR) FROM model_history "
                            "WHERE NOT is_deleted ORDER BY 1")  # fmt: skip

    assert rows == [("synthetic/a", None), ("synthetic/b", "2026-09-30")]
