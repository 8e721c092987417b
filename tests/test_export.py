"""``modelsync export``: the public views as Parquet or CSV files that read back as the views; price history in
llm-prices' shape."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from flows.demo import WAREHOUSE_NAME, run_demo
from tests.conftest import DEMO, synthetic_endpoint, synthetic_endpoints, synthetic_models
from warehouse.llm_prices import PriceVersion, llm_prices_document

# The SQL views of README, and runs.
PUBLIC = (
    "announced",
    "benchmark_history",
    "benchmarks",
    "changes",
    "conflicts",
    "endpoint_history",
    "endpoints",
    "model_aliases",
    "model_facts",
    "model_history",
    "models",
    "price_periods",
    "provider_aliases",
    "raw_fetches",
    "retired",
    "runs",
    "schema_drift",
    "speed",
    "suspect_changes",
    "unmatched_keys",
    "uptime",
)


@pytest.fixture
def demo_warehouse(warehouse: Path, run_cli) -> Path:  # type: ignore[no-untyped-def]
    """The warehouse with every demo capture imported (all four sources, six dates)."""
    result = run_cli("import", "--manifest", str(DEMO / "manifest.jsonl"))
    assert result.code in (0, 3), result.err
    return warehouse


def view_and_file(warehouse: Path, view: str, path: Path) -> tuple[object, ...]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:

        def described(sql: str) -> list[tuple[object, ...]]:
            return [row[:2] for row in con.execute(f"DESCRIBE {sql}").fetchall()]

        def rows(sql: str) -> list[tuple[object, ...]]:
            return sorted(con.execute(sql).fetchall(), key=repr)

        file = f"SELECT * FROM read_parquet('{path}')"
        return described(f"SELECT * FROM {view}"), described(file), rows(f"SELECT * FROM {view}"), rows(file)
    finally:
        con.close()


def test_parquet_export_reads_back_with_the_rows_and_types_of_every_view(
    demo_warehouse: Path, run_cli, tmp_path: Path
) -> None:
    out = tmp_path / "exports"

    result = run_cli("export", "--format", "parquet", "--out", str(out))

    assert result.code == 0, result.err
    written = sorted(p.name for p in out.iterdir())
    assert written == [f"{view}.parquet" for view in PUBLIC]
    for name in written:
        view_types, file_types, view_rows, file_rows = view_and_file(demo_warehouse, name[:-8], out / name)
        assert file_types == view_types, name
        assert file_rows == view_rows, name
        # The demo fills every view but these: its keys all match, its parsers know all its fields, no
        # price moves 10x, no model is dated to retire ahead.
        assert file_rows or name in (
            "announced.parquet",
            "unmatched_keys.parquet",
            "schema_drift.parquet",
            "suspect_changes.parquet",
        ), name


def test_csv_export_of_chosen_views_writes_only_those_with_a_header(
    demo_warehouse: Path, run_cli, tmp_path: Path
) -> None:
    result = run_cli("export", "--format", "csv", "--out", str(tmp_path), "--view", "endpoints", "--view", "changes")

    assert result.code == 0, result.err
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".csv") == ["changes.csv", "endpoints.csv"]
    assert (tmp_path / "endpoints.csv").read_text().startswith("model_id,provider,endpoint_key,")


def test_an_unknown_view_is_a_usage_error_naming_the_views(demo_warehouse: Path, run_cli, tmp_path: Path) -> None:
    result = run_cli("export", "--out", str(tmp_path / "x"), "--view", "endpoint")

    assert result.code == 2
    assert "endpoint: not a view of this warehouse; choose from" in result.err
    assert not (tmp_path / "x").exists()


SYNTHETIC_MODEL = "synthetic/model-a"
SYNTHETIC_MODELS_URL = "https://openrouter.ai/api/v1/models"
SYNTHETIC_ENDPOINTS_URL = f"{SYNTHETIC_MODELS_URL}/{SYNTHETIC_MODEL}/endpoints"


def test_llm_prices_export_splits_a_price_change_into_two_periods_meeting_on_the_day_it_was_seen(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    models = tmp_path / "synthetic_models.json"
    models.write_bytes(synthetic_models([SYNTHETIC_MODEL]))
    before, after = tmp_path / "synthetic_endpoints_1.json", tmp_path / "synthetic_endpoints_3.json"
    before.write_bytes(synthetic_endpoints(SYNTHETIC_MODEL, [
        synthetic_endpoint("deepinfra", "DeepInfra", prompt="0.0000001"),
        synthetic_endpoint("groq", "Groq", prompt="0.0000002"),
    ]))  # fmt: skip
    after.write_bytes(synthetic_endpoints(SYNTHETIC_MODEL, [
        synthetic_endpoint("deepinfra", "DeepInfra", prompt="0.00000015"),
        synthetic_endpoint("groq", "Groq", prompt="0.0000002"),
    ]))  # fmt: skip
    imports = [
        run_cli("import", str(models), "--url", SYNTHETIC_MODELS_URL, "--fetched-at", "2026-08-01T02:00:00Z"),
        run_cli("import", str(before), "--url", SYNTHETIC_ENDPOINTS_URL, "--fetched-at", "2026-08-01T02:00:00Z"),
        run_cli("import", str(after), "--url", SYNTHETIC_ENDPOINTS_URL, "--fetched-at", "2026-08-03T15:30:00Z"),
    ]  # fmt: skip
    assert [r.code for r in imports] == [0, 0, 0], [r.err for r in imports]

    result = run_cli("export", "--format", "llm-prices", "--out", str(tmp_path / "out"))

    target = tmp_path / "out" / "historical-v1.json"
    assert result.code == 0, result.err
    assert result.out == f"export: llm-prices: openrouter: 3 price periods of 2 models -> {target}\n"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["historical-v1.json"]
    assert json.loads(target.read_text(encoding="utf-8")) == {
        "prices": [
            {"id": SYNTHETIC_MODEL, "vendor": "deepinfra", "name": f"Synthetic: {SYNTHETIC_MODEL}", "input": 0.15,
             "output": 0.3, "input_cached": None, "from_date": "2026-08-03", "to_date": None},
            {"id": SYNTHETIC_MODEL, "vendor": "deepinfra", "name": f"Synthetic: {SYNTHETIC_MODEL}", "input": 0.1,
             "output": 0.3, "input_cached": None, "from_date": "2026-08-01", "to_date": "2026-08-03"},
            {"id": SYNTHETIC_MODEL, "vendor": "groq", "name": f"Synthetic: {SYNTHETIC_MODEL}", "input": 0.2,
             "output": 0.3, "input_cached": None, "from_date": "2026-08-01", "to_date": None},
        ]
    }  # fmt: skip


def test_llm_prices_export_of_the_demo_is_valid_json_with_a_retired_endpoint_ending_its_history(
    tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_demo(tmp_path, lambda line: None) == 0
    monkeypatch.setenv("MODELSYNC_WAREHOUSE", str(tmp_path / WAREHOUSE_NAME))

    result = run_cli("export", "--format", "llm-prices", "--out", str(tmp_path / "out"))

    assert result.code == 0, result.err
    prices = json.loads((tmp_path / "out" / "historical-v1.json").read_text(encoding="utf-8"))["prices"]
    assert len(prices) == 9
    fields = ["id", "vendor", "name", "input", "output", "input_cached", "from_date", "to_date"]
    assert all(list(price) == fields for price in prices)
    assert [p for p in prices if p["vendor"] == "alibaba"] == [
        {"id": "moonshotai/kimi-k3", "vendor": "alibaba", "name": "MoonshotAI: Kimi K3", "input": 3.45,
         "output": 17.25, "input_cached": 0.345, "from_date": "2026-08-24", "to_date": "2026-08-26"},
        {"id": "moonshotai/kimi-k3", "vendor": "alibaba", "name": "MoonshotAI: Kimi K3", "input": 3.9,
         "output": 19.5, "input_cached": 0.345, "from_date": "2026-08-23", "to_date": "2026-08-24"},
    ]  # fmt: skip


def test_llm_prices_periods_skip_retirements_missing_prices_and_the_routed_price_sentinel() -> None:
    def synthetic_version(day: int, to: int | None, price: str | None, deleted: bool = False) -> PriceVersion:
        priced = Decimal(price) if price is not None else None
        return PriceVersion("synthetic-vendor", "synthetic/model", "Synthetic", deleted, priced, Decimal("2"), None,
                            date(2026, 8, day), date(2026, 8, to) if to else None)  # fmt: skip

    document = llm_prices_document([
        synthetic_version(1, 2, "1.000000000000"),
        synthetic_version(2, 4, "1"),  # equal prices: one period
        synthetic_version(4, 4, "9"),  # superseded the day it began: that day is the next version's
        synthetic_version(4, 5, "-1000000"),  # OpenRouter's routed price: a gap
        synthetic_version(5, 6, "1.5"),
        synthetic_version(6, 7, None, deleted=True),  # retired: a gap
        synthetic_version(7, 8, None),  # no input price: a gap
        synthetic_version(8, None, "0.17992692"),
    ])  # fmt: skip

    entry = {
        "id": "synthetic/model",
        "vendor": "synthetic-vendor",
        "name": "Synthetic",
        "output": 2,
        "input_cached": None,
    }
    assert document == {"prices": [
        {**entry, "input": 0.17992692, "from_date": "2026-08-08", "to_date": None},
        {**entry, "input": 1.5, "from_date": "2026-08-05", "to_date": "2026-08-06"},
        {**entry, "input": 1, "from_date": "2026-08-01", "to_date": "2026-08-04"},
    ]}  # fmt: skip
    assert json.dumps(document["prices"][0]["input"]) == "0.17992692"


def test_view_with_the_llm_prices_format_is_a_usage_error(warehouse: Path, run_cli, tmp_path: Path) -> None:
    result = run_cli("export", "--format", "llm-prices", "--out", str(tmp_path / "x"), "--view", "endpoints")

    assert result.code == 2
    assert "Invalid value for '--view': --format llm-prices writes one price file, not views" in result.err
    assert not (tmp_path / "x").exists()


def test_source_without_the_llm_prices_format_is_a_usage_error(warehouse: Path, run_cli, tmp_path: Path) -> None:
    result = run_cli("export", "--out", str(tmp_path / "x"), "--source", "openrouter")

    assert result.code == 2
    assert "Invalid value for '--source': only --format llm-prices exports one source's prices" in result.err
    assert not (tmp_path / "x").exists()
