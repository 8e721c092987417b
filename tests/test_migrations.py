"""A warehouse made by an older modelsync is migrated in place: every view reads back the rows it had."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from scripts import compare_views
from tests.conftest import DEMO, FIXTURES, ROOT, query
from warehouse import db

LEGACY = FIXTURES / "legacy_warehouse_v5"  # `modelsync demo` as commit 62abe41 left it (see its README)
LEGACY_VERSION = 5
WIDE = FIXTURES / "legacy_warehouse_v6"  # `modelsync demo` as commit 0bc1e4f left it: observations stored wide
PRICE_COLUMNS = {
    "endpoint_attributes": ("input", "output", "cache_read", "cache_write"),
    "endpoint_versions": ("input", "output", "cache_read", "cache_write"),
    "model_attributes": ("input", "output"),
    "model_versions": ("input", "output"),
}
PRICE_FIELDS = ("input_price_per_mtok", "output_price_per_mtok")
Views = dict[str, tuple[list[str], list[tuple[object, ...]]]]


def legacy_warehouse(path: Path, exported: Path = LEGACY) -> None:
    """Rebuild the fixture's warehouse at ``path``: its schema as DuckDB exported it, then its data.

    The export lists views and macros alphabetically, not by what they use: a statement that
    names something not yet created is retried once the rest have run.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        pending = [s for s in (exported / "schema.sql").read_text().split(";\n") if s.strip()]
        while pending:
            waiting = []
            for statement in pending:
                try:
                    con.execute(statement)
                except duckdb.CatalogException:
                    waiting.append(statement)
            if len(waiting) == len(pending):
                raise AssertionError(f"legacy schema: {len(waiting)} statements never bind: {waiting[0][:80]}")
            pending = waiting
        con.execute((exported / "load.sql").read_text().replace("LEGACY_DIR", str(exported)))
    finally:
        con.close()


def view_rows(con: duckdb.DuckDBPyConnection, columns: dict[str, list[str]] | None = None) -> Views:
    """Every view's columns and rows (sorted; decimals compared by value), or of ``columns`` where given."""
    names = [r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()]
    found: Views = {}
    for name in sorted(names):
        wanted = (columns or {}).get(name) or [r[0] for r in con.execute(f'DESCRIBE "{name}"').fetchall()]
        found[name] = (wanted, compare_views.view_rows(con, name, wanted))
    return found


@pytest.fixture
def legacy(warehouse: Path) -> Path:
    legacy_warehouse(warehouse)
    return warehouse


def test_the_legacy_fixture_is_a_warehouse_at_version_5_with_every_source(legacy: Path) -> None:
    assert query(legacy, "SELECT max(version) FROM schema_migrations") == [(LEGACY_VERSION,)]
    assert query(legacy, "SELECT DISTINCT source FROM raw_fetches ORDER BY 1") == [
        ("artificial_analysis",), ("catalog",), ("models_dev",), ("openrouter",)
    ]  # fmt: skip
    assert query(legacy, "SELECT data_type FROM information_schema.columns WHERE table_name = 'endpoint_versions'"
                         " AND column_name = 'input_price_per_mtok'") == [("DECIMAL(18,6)",)]  # fmt: skip


def test_migrating_a_legacy_warehouse_keeps_every_view_s_rows(legacy: Path) -> None:
    con = duckdb.connect(str(legacy))
    try:
        before = view_rows(con)
        applied = db.apply_migrations(con, datetime(2026, 12, 4, tzinfo=UTC))
        after = view_rows(con, {name: columns for name, (columns, _) in before.items()})
    finally:
        con.close()

    assert applied == [version for version, _, _ in db.migrations() if version > LEGACY_VERSION]
    assert before.keys() <= after.keys()
    for name, (_, rows) in before.items():
        if name not in ("models", "model_facts", "conflicts"):
            assert after[name][1] == rows, name
    # `conflicts` now compares context windows and max outputs too: its other rows are as they were.
    old_conflicts, new_conflicts = before["conflicts"][1], after["conflicts"][1]
    assert set(old_conflicts) <= set(new_conflicts)
    assert {row[1] for row in set(new_conflicts) - set(old_conflicts)} <= {"context_window", "max_output_tokens"}
    # `models` gains the list prices, and its provenance says where they came from: all else is as it was.
    columns, rows = before["models"]
    p = columns.index("provenance")
    for old, new in zip(rows, after["models"][1], strict=True):
        assert old[:p] + old[p + 1 :] == new[:p] + new[p + 1 :]
        assert set(old[p]) <= set(new[p])
        assert {k for k, _ in new[p]} - {k for k, _ in old[p]} <= set(PRICE_FIELDS)
    # `model_facts` gains one row per source price of a model; its other rows are as they were.
    old_facts, new_facts = before["model_facts"][1], after["model_facts"][1]
    assert set(old_facts) <= set(new_facts)
    assert {row[1] for row in new_facts} - {row[1] for row in old_facts} == set(PRICE_FIELDS)


def test_narrowing_the_observations_of_a_wide_warehouse_keeps_every_view_s_rows(warehouse: Path) -> None:
    legacy_warehouse(warehouse, WIDE)
    con = duckdb.connect(str(warehouse))
    try:
        wide_rows = con.execute("SELECT count(*) FROM endpoint_observations").fetchall()
        before = view_rows(con)
        applied = db.apply_migrations(con, datetime(2026, 12, 7, tzinfo=UTC))
        after = view_rows(con, {name: columns for name, (columns, _) in before.items()})
        narrow_rows = con.execute("SELECT count(*) FROM endpoint_observations").fetchall()
        attribute_rows = con.execute("SELECT count(*) FROM endpoint_attributes").fetchall()[0][0]
        distinct = con.execute("SELECT count(*) FROM endpoint_versions WHERE NOT is_deleted").fetchall()[0][0]
    finally:
        con.close()

    assert 7 in applied
    assert before.keys() <= after.keys()  # views added since (price_periods, retired) have no rows to compare
    assert {name: after[name][1] for name in before} == {name: rows for name, (_, rows) in before.items()}
    assert narrow_rows == wide_rows
    assert 0 < attribute_rows <= distinct


def test_a_narrowed_warehouse_loads_the_next_day_like_a_wide_one_did(warehouse: Path, run_cli) -> None:
    legacy_warehouse(warehouse, WIDE)
    con = db.open_for_write(warehouse, datetime(2026, 12, 7, tzinfo=UTC))
    con.close()
    held = query(warehouse, "SELECT count(*) FROM endpoint_versions")
    sources = [s for (s,) in query(warehouse, "SELECT DISTINCT source FROM raw_fetches")]

    result = run_cli("import", "--manifest", str(DEMO / "manifest.jsonl"))  # the same captures again: a no-op

    assert result.code == 0, result.err
    # (the captures of a source added to the demo since the fixture was built, such as litellm's, land as new)
    assert query(warehouse, "SELECT count(*) FROM endpoint_versions WHERE list_contains(?, source)", [sources]) == held


def test_a_migrated_warehouse_stores_prices_to_12_decimals_and_loads_them(
    legacy: Path, run_cli, tmp_path: Path
) -> None:
    document = json.loads((DEMO / "api_v1_models__llama4__2026-08-01.json").read_text())
    scout = next(m for m in document["data"] if m["id"] == "meta-llama/llama-4-scout")
    scout["pricing"]["prompt"] = "0.00000017992692"
    document["data"] = [scout]
    payload = tmp_path / "synthetic_models__precise.json"
    payload.write_text(json.dumps(document))

    result = run_cli("import", str(payload), "--url", "https://openrouter.ai/api/v1/models",
                     "--fetched-at", "2026-09-01T02:00:00Z")  # fmt: skip

    assert result.code == 0, result.err
    for table, prices in PRICE_COLUMNS.items():
        for price in prices:
            assert query(
                legacy,
                "SELECT data_type FROM information_schema.columns WHERE table_name = "
                f"'{table}' AND column_name = '{price}_price_per_mtok'",
            ) == [("DECIMAL(38,12)",)]
    assert query(legacy, "SELECT old_value, new_value FROM changes WHERE source_key = 'meta-llama/llama-4-scout'"
                         " AND source = 'openrouter' AND field = 'input_price_per_mtok'") == [
        ("0.100000", "0.17992692")
    ]  # fmt: skip


def test_every_view_and_macro_is_created_in_exactly_one_place() -> None:
    statement = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP\s+|TEMPORARY\s+)?(VIEW|MACRO)\s+(\w+)", re.IGNORECASE)
    places: dict[str, list[str]] = {}
    for package in ("flows", "extractors", "transforms", "warehouse"):
        for path in sorted((ROOT / package).rglob("*")):
            if path.suffix in (".py", ".sql"):
                for match in statement.finditer(path.read_text(encoding="utf-8")):
                    places.setdefault(match.group(2), []).append(path.relative_to(ROOT).as_posix())

    assert places, "no view or macro found"
    assert {name: where for name, where in places.items() if where != ["warehouse/views.sql"]} == {}


def test_a_new_warehouse_has_exactly_the_views_and_macros_of_views_sql(tmp_path: Path) -> None:
    con = db.open_for_write(tmp_path / "w.duckdb", datetime(2026, 12, 4, tzinfo=UTC))
    try:
        views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        macros = {r[0] for r in con.execute("SELECT function_name FROM duckdb_functions() WHERE NOT internal"
                                            " AND function_type IN ('macro', 'table_macro')").fetchall()}  # fmt: skip
    finally:
        con.close()

    declared = re.findall(r"CREATE OR REPLACE (VIEW|MACRO) (\w+)", db.views_sql())
    assert views == {name for kind, name in declared if kind == "VIEW"}
    assert macros == {name for kind, name in declared if kind == "MACRO"}


def test_migrations_9_and_10_give_old_endpoints_their_upstream_model_key_and_old_payloads_no_commit(
    warehouse: Path,
) -> None:
    legacy_warehouse(warehouse, WIDE)
    con = db.open_for_write(warehouse, datetime(2026, 12, 7, tzinfo=UTC))
    try:
        keys = con.execute(
            "SELECT DISTINCT source, source_key, source_model_key, is_deleted FROM endpoint_history ORDER BY ALL"
        ).fetchall()
        git = "SELECT count(*) FROM payloads WHERE repository IS NOT NULL OR git_commit IS NOT NULL"
        counts = (
            con.execute(git).fetchall(),
            con.execute("SELECT count(*) FROM model_history WHERE mode IS NOT NULL").fetchall(),
        )
    finally:
        con.close()

    assert ("models_dev", "groq/meta-llama/llama-4-scout-17b-16e-instruct",
            "meta-llama/llama-4-scout-17b-16e-instruct", False) in keys  # fmt: skip
    assert ("openrouter", "meta-llama/llama-4-scout", "meta-llama/llama-4-scout", False) in keys
    assert all(smk is not None for *_, smk, _ in keys)
    assert counts == ([(0,)], [(0,)])
