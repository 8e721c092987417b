"""``modelsync status`` and ``warehouse.connect``: the warehouse's state for a person and for a notebook."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import KIMI_AT, KIMI_FILE, KIMI_URL


@pytest.fixture
def one_import(warehouse: Path, run_cli) -> Path:  # type: ignore[no-untyped-def]
    result = run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", KIMI_AT)
    assert result.code == 0, result.err
    return warehouse


def test_status_lists_every_source_and_the_last_run_of_those_that_ran(one_import: Path, run_cli) -> None:
    result = run_cli("status")

    assert result.code == 0, result.err
    lines = {line.split("│")[1].strip(): line for line in result.out.splitlines() if line.count("│") > 3}
    assert {"artificial_analysis", "catalog", "models_dev", "openrouter"} <= set(lines)
    assert "import-" in lines["openrouter"]
    assert "2026-08-25 10:26" in lines["openrouter"]  # the newest data: when the imported payload was fetched
    assert "import-" not in lines["catalog"]


def test_status_without_a_warehouse_says_how_to_make_one(warehouse: Path, run_cli) -> None:
    result = run_cli("status")

    assert result.code == 1
    assert "run 'modelsync sync' or 'modelsync demo' first" in result.err


def test_connect_opens_the_configured_warehouse_read_only(one_import: Path) -> None:
    import duckdb

    from warehouse import connect

    con = connect()
    try:
        assert con.sql("SELECT count(*) FROM endpoints").fetchall() == [(4,)]
        assert len(con.sql("SELECT * FROM changes").df().columns) > 3
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("DELETE FROM runs")
    finally:
        con.close()
