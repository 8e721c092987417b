"""``modelsync sql``: read-only, three formats, and no Prefect import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import KIMI_AT, KIMI_FILE, KIMI_URL, ROOT, query


def test_sql_refuses_a_delete_with_one_clear_line(warehouse: Path, run_cli) -> None:
    run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", KIMI_AT)

    result = run_cli("sql", "DELETE FROM endpoints")

    assert result.code == 1
    assert result.err.count("\n") == 1
    assert result.err == (
        "modelsync: refused: modelsync sql is read-only and this is a DELETE statement; "
        "the warehouse changes only through sync, import and backfill\n"
    )
    assert query(warehouse, "SELECT count(*) FROM endpoints") == [(4,)]


def test_sql_refuses_any_write_to_a_table(warehouse: Path, run_cli) -> None:
    run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", KIMI_AT)

    statements = (
        "DROP TABLE runs",
        "INSERT INTO runs (run_id) VALUES ('x')",
        "CREATE TABLE t (x INT)",
        "SELECT 1; DELETE FROM runs",
        "COPY runs TO '/tmp/synthetic_runs.csv'",
        "ATTACH '/tmp/synthetic_other.duckdb'",
    )
    for statement in statements:
        result = run_cli("sql", statement)
        assert result.code == 1, statement
        assert "read-only" in result.err


def test_sql_prints_csv_and_json(warehouse: Path, run_cli) -> None:
    run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", KIMI_AT)
    select = "SELECT endpoint_key, input_price_per_mtok, implicit_caching FROM endpoints ORDER BY 1 LIMIT 2"

    as_csv = run_cli("sql", select, "--format", "csv")
    as_json = run_cli("sql", select, "--format", "json")

    # DuckDB's CSV dialect, the one `export --format csv` writes: decimals at their scale, booleans lower case
    assert as_csv.out == (
        "endpoint_key,input_price_per_mtok,implicit_caching\n"
        "alibaba,3.450000000000,false\nfireworks,3.000000000000,false\n"
    )
    assert json.loads(as_json.out) == [
        {"endpoint_key": "alibaba", "input_price_per_mtok": 3.45, "implicit_caching": False},
        {"endpoint_key": "fireworks", "input_price_per_mtok": 3.0, "implicit_caching": False},
    ]


def test_sql_on_a_missing_warehouse_says_how_to_make_one(warehouse: Path, run_cli) -> None:
    result = run_cli("sql", "SELECT 1")

    assert result.code == 1
    assert result.err == f"modelsync: no warehouse at {warehouse}: run 'modelsync sync' or 'modelsync demo' first\n"


def test_sql_with_a_syntax_error_keeps_duckdbs_whole_message(warehouse: Path, run_cli) -> None:
    run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", KIMI_AT)

    result = run_cli("sql", "SELEC 1")
    misspelt = run_cli("sql", "SELECT * FROM model")

    assert result.code == 1
    assert result.err == 'modelsync: Parser Error: syntax error at or near "SELEC"\n\nLINE 1: SELEC 1\n        ^^^^^\n'
    assert misspelt.code == 1
    assert 'Did you mean "models"' in misspelt.err


def test_sql_import_and_help_never_import_prefect(warehouse: Path) -> None:
    script = (
        "import sys; from flows.cli import main; "
        "main(['--help']); main(['sql', '--help']); main(['import', '--help']); main(['sql', 'SELECT 1']); "
        "print('PREFECT LOADED' if any(m.split('.')[0] == 'prefect' for m in sys.modules) else 'NO PREFECT')"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False)

    assert done.stdout.strip().endswith("NO PREFECT"), done.stdout + done.stderr


def test_unknown_option_is_a_one_line_usage_error(run_cli) -> None:
    result = run_cli("sql", "SELECT 1", "--format", "xml")

    assert result.code == 2
    assert result.err.count("\n") == 1
    assert result.err.startswith("modelsync sql: Invalid value for '--format'")
