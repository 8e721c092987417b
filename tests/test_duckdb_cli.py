"""The warehouse opens in the DuckDB CLI users have (``duckdb -readonly``, 1.5 from the package registry):
every view and macro answers there as it does in modelsync's own DuckDB."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from flows.demo import WAREHOUSE_NAME, run_demo
from warehouse import db

CLI = shutil.which("duckdb")
AFTER_THE_DEMO = "TIMESTAMPTZ '2026-09-01 00:00:00+00'"
MACRO_CALLS = {
    "as_of_instant": f"SELECT as_of_instant({AFTER_THE_DEMO})",
    "utc_day": f"SELECT utc_day({AFTER_THE_DEMO})",
    "utc_midnight": f"SELECT utc_midnight({AFTER_THE_DEMO})",
    "held_at": f"SELECT held_at({AFTER_THE_DEMO}, NULL, {AFTER_THE_DEMO})",
    "canonical_model_id": "SELECT canonical_model_id('openrouter', 'meta-llama/llama-4-scout', NULL)",
    "provider_key": "SELECT provider_key('openrouter', 'groq', 'Groq')",
    "source_model_key": "SELECT source_model_key('openrouter', 'meta-llama/llama-4-scout', 'groq', 'Groq')",
    "price_text": "SELECT price_text(0.11::DECIMAL(38,12))",
    "tiers_text": "SELECT tiers_text([{'price': 'input', 'above_tokens': 200000, 'price_per_mtok': 2.5::DECIMAL(38,12),"
    " 'utc_start': '22:00', 'utc_end': '06:00', 'utc_days': ['saturday'], 'entry': 0}])",
    "tier_price": "SELECT tier_price([{'price': 'input', 'above_tokens': NULL::BIGINT,"
    " 'price_per_mtok': 0.5::DECIMAL(38,12), 'utc_start': '22:00', 'utc_end': '06:00', 'utc_days': NULL::VARCHAR[],"
    " 'entry': 0}], 'input', 1000, TIMESTAMPTZ '2026-08-01 23:30:00+00')",
    "endpoints_as_of": f"SELECT * FROM endpoints_as_of({AFTER_THE_DEMO})",
    "models_as_of": f"SELECT * FROM models_as_of({AFTER_THE_DEMO})",
    "benchmarks_as_of": f"SELECT * FROM benchmarks_as_of({AFTER_THE_DEMO})",
    "model_facts_as_of": f"SELECT * FROM model_facts_as_of({AFTER_THE_DEMO})",
    "uptime_as_of": f"SELECT * FROM uptime_as_of({AFTER_THE_DEMO}, NULL)",
    "endpoint_history_as_known": f"SELECT * FROM endpoint_history_as_known({AFTER_THE_DEMO})",
    "model_history_as_known": f"SELECT * FROM model_history_as_known({AFTER_THE_DEMO})",
    "benchmark_history_as_known": f"SELECT * FROM benchmark_history_as_known({AFTER_THE_DEMO})",
    "model_aliases_as_known": f"SELECT * FROM model_aliases_as_known({AFTER_THE_DEMO})",
    "prices_on": f"SELECT * FROM prices_on({AFTER_THE_DEMO})",
    "diff": f"SELECT * FROM diff(TIMESTAMPTZ '2026-08-01 00:00:00+00', {AFTER_THE_DEMO})",
    "endpoint_field_values": "SELECT * FROM endpoint_field_values()",
    "model_field_values": "SELECT * FROM model_field_values()",
    "is_list_field": "SELECT is_list_field('supported_params')",
    "items_added": "SELECT items_added('supported_params', 'tools', 'tools,top_k')",
    "suspect_id": "SELECT suspect_id('endpoint', 'openrouter', 'synthetic/a', 'groq', 'abc')",
}
"""One call of each macro the warehouse defines, returning rows on the demo."""

pytestmark = pytest.mark.skipif(CLI is None, reason="the DuckDB CLI (duckdb-cli, in the dev group) is not installed")


@pytest.fixture(scope="module")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("demo")
    assert run_demo(where, lambda line: None) == 0
    return where / WAREHOUSE_NAME


def in_cli(warehouse: Path, statement: str) -> str:
    """What the DuckDB CLI prints for ``statement`` on the warehouse opened read-only, as CSV without header."""
    assert CLI is not None
    done = subprocess.run([CLI, "-readonly", str(warehouse), "-csv", "-noheader", "-c", statement],
                          capture_output=True, text=True, check=False, timeout=60)  # fmt: skip
    assert done.returncode == 0, f"{statement}: {done.stderr}"
    assert not done.stderr, f"{statement}: {done.stderr}"
    return done.stdout


def in_python(warehouse: Path, statement: str) -> str:
    """The same through modelsync's own DuckDB, printed as the CLI prints it."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(f"SELECT count(*) FROM ({statement})").fetchall()
    finally:
        con.close()
    return f"{rows[0][0]}\n"


def storage_version(warehouse: Path) -> str:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return str(con.execute("SELECT tags['storage_version'] FROM duckdb_databases() "
                               "WHERE database_name = current_database()").fetchall()[0][0])  # fmt: skip
    finally:
        con.close()


def public_views(warehouse: Path) -> list[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        found = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal AND NOT temporary ORDER BY 1")
        return [row[0] for row in found.fetchall()]
    finally:
        con.close()


def test_the_demo_warehouse_is_written_in_a_format_duckdb_1_4_reads(demo_warehouse: Path) -> None:
    assert in_cli(demo_warehouse, "SELECT tags['storage_version'] FROM duckdb_databases() "
                  "WHERE database_name = current_database()") == f"{db.STORAGE_VERSION}+\n"  # fmt: skip


def test_every_view_answers_in_the_duckdb_cli_with_the_rows_modelsync_sees(demo_warehouse: Path) -> None:
    views = public_views(demo_warehouse)
    assert {"endpoints", "endpoint_history", "changes", "models", "conflicts"} <= set(views)
    for view in views:
        statement = f'SELECT * FROM "{view}"'
        assert in_cli(demo_warehouse, f"SELECT count(*) FROM ({statement})") == in_python(demo_warehouse, statement)


def test_every_macro_answers_in_the_duckdb_cli_with_the_rows_modelsync_sees(demo_warehouse: Path) -> None:
    con = duckdb.connect(str(demo_warehouse), read_only=True)
    try:
        macros = {row[0] for row in con.execute(
            "SELECT function_name FROM duckdb_functions() WHERE NOT internal AND database_name = current_database()"
            " AND function_type IN ('macro', 'table_macro')").fetchall()}  # fmt: skip
    finally:
        con.close()
    assert macros == set(MACRO_CALLS), "a macro without a call here is not checked in the CLI: add one"
    for macro, statement in MACRO_CALLS.items():
        in_both = in_cli(demo_warehouse, f"SELECT count(*) FROM ({statement})")
        assert in_both == in_python(demo_warehouse, statement), macro
        assert in_both != "0\n", f"{macro}: no rows on the demo"


def test_a_warehouse_in_duckdb_2_format_is_rewritten_once_views_and_rows_kept(tmp_path: Path,
                                                                             demo_warehouse: Path) -> None:  # fmt: skip
    old = tmp_path / "old.duckdb"
    con = duckdb.connect(str(old), config={"storage_compatibility_version": "latest"})
    try:
        con.execute(f"ATTACH '{demo_warehouse}' AS demo (READ_ONLY)")
        con.execute("COPY FROM DATABASE demo TO old")
    finally:
        con.close()
    before = {view: in_python(old, f'SELECT * FROM "{view}"') for view in public_views(old)}
    assert storage_version(old).startswith("v2.")

    db.open_for_write(old, datetime.now(UTC)).close()

    assert {view: in_python(old, f'SELECT * FROM "{view}"') for view in public_views(old)} == before
    assert storage_version(old) == f"{db.STORAGE_VERSION}+"
    assert in_cli(old, "SELECT count(*) FROM endpoints") == before["endpoints"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.duckdb"]
