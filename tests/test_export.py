"""``modelsync export``: the public views as Parquet or CSV files that read back as the views."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import DEMO

# The SQL views of README, and runs.
PUBLIC = (
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
    "provider_aliases",
    "raw_fetches",
    "runs",
    "speed",
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
        assert file_rows or name == "unmatched_keys.parquet", name  # the demo fills every view but that one


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
