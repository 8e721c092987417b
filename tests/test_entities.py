"""Each entity and series is declared once, in ``entities``; the tables, views and schemas agree with it."""

from __future__ import annotations

import ast
import sys
import tomllib
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import duckdb
import pandas as pd
import pytest

from entities import DECLARATIONS, ENTITIES, PRICE, PRICE_TIERS, SERIES, EntitySpec, Kind
from tests.conftest import ROOT
from transforms.frames import SCHEMAS, entity_frame
from transforms.hashing import row_hash
from transforms.units import PRICE_SCALE
from warehouse import db

Columns = dict[str, tuple[str, bool]]  # column -> (DuckDB type, NULL allowed)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    path = tmp_path_factory.mktemp("entities") / "w.duckdb"
    con = db.open_for_write(path, datetime(2026, 12, 4, tzinfo=UTC))
    try:
        yield con
    finally:
        con.close()


def columns_of(con: duckdb.DuckDBPyConnection, relation: str) -> Columns:
    """Each column of a table or view: its type as ``information_schema`` names it, and whether it takes NULL."""
    rows = con.execute(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = ?", [relation]
    ).fetchall()
    return {name: (kind, nullable == "YES") for name, kind, nullable in rows}


def stored_tables() -> list[tuple[str, dict[str, Kind]]]:
    """Every table a declaration is stored in, with the declared columns it must hold."""
    tables = [(spec.versions, dict(spec.columns)) for spec in ENTITIES.values()]
    for spec in ENTITIES.values():  # observations are narrow: key and volatile fields; attributes apart
        tables.append((spec.observations, {c: spec.columns[c] for c in (*spec.key, *spec.volatile)}))
        tables.append((spec.attribute_table, {c: spec.columns[c] for c in (*spec.key, *spec.attributes)}))
    return [*tables, *((spec.table, dict(spec.columns)) for spec in SERIES.values())]


def mismatches(relation: str, declared: dict[str, Kind], found: Columns, shown_as: dict[str, str]) -> list[str]:
    """``relation.column: declared X, found Y`` for each declared column found missing or of another type."""
    types = {name: found.get(shown_as.get(name, name), ("missing", True))[0] for name in declared}
    return [
        f"{relation}.{name}: declared {kind.duckdb_type}, found {types[name]}"
        for name, kind in declared.items()
        if types[name] != kind.duckdb_type
    ]


def test_a_fresh_warehouse_stores_every_declared_column_with_its_declared_type(
    fresh: duckdb.DuckDBPyConnection,
) -> None:
    for table, _ in stored_tables():
        assert columns_of(fresh, table), f"no table {table}"
    wrong = [
        line
        for table, declared in stored_tables()
        for line in mismatches(table, declared, columns_of(fresh, table), {})
    ]
    assert wrong == []


def test_a_fresh_warehouse_requires_a_value_only_where_a_declaration_does(fresh: duckdb.DuckDBPyConnection) -> None:
    too_strict = [
        f"{table}.{name}"
        for table, declared in stored_tables()
        for name, (_, nullable) in columns_of(fresh, table).items()
        if name in declared and not nullable and not declared[name].required
    ]
    assert too_strict == []


def test_every_history_view_shows_each_declared_column_with_its_type(fresh: duckdb.DuckDBPyConnection) -> None:
    # The views show the canonical model id as `model_id` and the source's own key as `source_key`.
    shown_as = {"model_id": "source_key"}
    relations = {f"{spec.name}_history": dict(spec.columns) for spec in ENTITIES.values()}
    relations |= {spec.name: dict(spec.columns) for spec in SERIES.values()}  # the series' views: `uptime`, `speed`
    for view in relations:
        assert columns_of(fresh, view), f"no view {view}"
    wrong = [
        line
        for view, declared in relations.items()
        for line in mismatches(view, declared, columns_of(fresh, view), shown_as)
    ]
    assert wrong == []


def test_each_schema_validates_exactly_the_declared_columns_then_when_and_from_which_payload() -> None:
    assert set(SCHEMAS) == set(DECLARATIONS)
    for name, spec in DECLARATIONS.items():
        assert list(SCHEMAS[name].columns) == [*spec.columns, "observed_at", "payload_sha256"], name


def sample(kind: Kind) -> object:
    """A value a record may give a column of ``kind``."""
    by_type: dict[str, object] = {
        "VARCHAR": kind.choices[0] if kind.choices else "x",
        "BIGINT": 8192,
        "INTEGER": 200,
        "DOUBLE": 42.5,
        "BOOLEAN": True,
        "DATE": date(2026, 8, 2),
        PRICE.duckdb_type: Decimal("0.17992692"),
        "VARCHAR[]": ["text", "tools"],
        PRICE_TIERS.duckdb_type: [{"price": "input", "above_tokens": 200_000, "price_per_mtok": Decimal("6")}],
    }
    return by_type[kind.duckdb_type]


def test_a_record_with_a_value_of_each_declared_kind_passes_its_schema() -> None:
    meta = {"observed_at": pd.Timestamp("2026-08-25T10:26:01Z"), "payload_sha256": "0" * 64}
    for name, spec in DECLARATIONS.items():
        record = {column: sample(kind) for column, kind in spec.columns.items()}
        frame, rejected = entity_frame(name, [{**record, **meta}])
        assert (len(frame), rejected) == (1, []), name


def test_a_value_outside_its_kind_is_refused_with_the_rule_it_breaks() -> None:
    meta = {"observed_at": pd.Timestamp("2026-08-25T10:26:01Z"), "payload_sha256": "0" * 64}
    wrong = {
        "endpoint": {
            "endpoint_key": "",
            "context_length": -1,
            "supported_params": ["b", "a"],
            "price_tiers": [{"price": "input", "above_tokens": 0, "price_per_mtok": Decimal("6")}],
        },
        "uptime": {"period": "2h", "uptime_pct": 101.0},
        "speed": {"metric": "tokens", "value": -0.5},
    }
    reasons = {}
    for name, values in wrong.items():
        record = {column: sample(kind) for column, kind in DECLARATIONS[name].columns.items()}
        frame, rejected = entity_frame(name, [{**record, **meta, **values}])
        assert frame.empty, name
        reasons[name] = [(r.row_key, r.reason) for r in rejected]
    assert reasons == {
        "endpoint": [("x/", "endpoint_key: str_length(1, None) (got ''); context_length: greater_than_or_equal_to(0)"
                            " (got -1); price_tiers: tiers sorted by price (input, output, cache_read, cache_write),"
                            " entry and size, each an exact price above a positive token count, in a daily UTC window"
                            " HH:MM-HH:MM or on weekdays (got [{'price': 'input',"
                            " 'above_tokens': 0, 'price_per_mtok': Decimal('6')}]); supported_params: sorted list of"
                            " strings (got ['b', 'a'])")],
        "uptime": [("x/x/2h", "period: isin(['5m', '30m', '1d']) (got '2h'); uptime_pct: in_range(0.0, 100.0)"
                              " (got 101.0)")],
        "speed": [("x/tokens", "metric: isin(['output_tokens_per_s', 'time_to_first_token_s',"
                               " 'time_to_first_answer_token_s']) (got 'tokens'); value: greater_than_or_equal_to(0.0)"
                               " (got -0.5)")],
    }  # fmt: skip


def test_the_hashed_attribute_names_stay_those_of_the_stored_history() -> None:
    # Each versioned attribute's name is hashed with its value: renaming, dropping or moving one
    # into `volatile` changes every stored hash (and needs a re-hash migration). One value each.
    # Adding one changes this fingerprint but no stored hash (NULLs are left out): `mode` (009),
    # `price_tiers` (011).
    hashes = {name: row_hash({column: column for column in spec.attributes}) for name, spec in ENTITIES.items()}
    assert hashes == {
        "model": "3172bc6dd19f85e80a58e15d3eb45646",
        "endpoint": "9b0ec499c2a7aac0b579e2f02fbad0c0",
        "benchmark": "afb7f6a3e71687fef670e699cb2c5bfe",
    }


def test_the_versioned_attributes_are_the_columns_neither_key_nor_volatile() -> None:
    for spec in ENTITIES.values():
        parts = (spec.key, spec.attributes, spec.volatile)
        assert sorted(c for part in parts for c in part) == sorted(spec.columns), spec.name
    assert ENTITIES["model"].volatile == ("description",)


def test_a_declaration_whose_key_is_not_among_its_columns_is_refused() -> None:
    with pytest.raises(ValueError, match="must open with 'source'"):
        EntitySpec(name="thing", key=("source", "thing_id"), scope=("source",), columns={"source": PRICE})


def test_the_price_type_holds_every_decimal_prices_are_rounded_to() -> None:
    assert PRICE.duckdb_type == f"DECIMAL(38,{PRICE_SCALE})"


def test_the_declarations_import_the_standard_library_only() -> None:
    imported = set()
    for path in sorted((ROOT / "entities").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
    assert imported - set(sys.stdlib_module_names) == set()


def test_the_declarations_are_packaged_and_type_checked_like_every_layer() -> None:
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    assert "entities" in tool["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert "entities" in tool["mypy"]["packages"]
