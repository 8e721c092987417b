"""History is derived from observations: any order, any duplicate, the same versions; absence is not deletion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import capture, query, synthetic_endpoint, synthetic_endpoints, synthetic_models
from warehouse.history import ENDPOINT, ENTITIES

SCOUT = "meta-llama/llama-4-scout"
SCOUT_URL = f"https://openrouter.ai/api/v1/models/{SCOUT}/endpoints"
MODELS_URL = "https://openrouter.ai/api/v1/models"
VERSION_COLUMNS = ", ".join(
    (*ENDPOINT.key, *ENDPOINT.attributes, "attr_hash", "is_deleted", "valid_from", "valid_to", "payload_sha256")
)


def write_snapshots(tmp_path: Path, days: dict[str, list[dict[str, object]]]) -> list[dict[str, str]]:
    """One synthetic endpoints payload file per day; returns manifest lines."""
    return [capture(tmp_path, "endpoints", synthetic_endpoints(SCOUT, e), SCOUT_URL, day) for day, e in days.items()]


def import_lines(run_cli, tmp_path: Path, lines: list[dict[str, str]], name: str) -> None:
    manifest = tmp_path / f"{name}.jsonl"
    manifest.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = run_cli("import", "--manifest", str(manifest))
    assert result.code == 0, result.err


def versions(warehouse: Path) -> list[tuple[object, ...]]:
    return query(warehouse, f"SELECT {VERSION_COLUMNS} FROM endpoint_versions WHERE superseded_at IS NULL ORDER BY ALL")


@pytest.fixture
def four_days(tmp_path: Path) -> list[dict[str, str]]:
    return write_snapshots(tmp_path, {
        "2026-08-01": [synthetic_endpoint("groq", "Groq", 8192), synthetic_endpoint("novita", "Novita")],
        "2026-08-02": [synthetic_endpoint("groq", "Groq", 8192)],  # novita retired by a complete listing
        "2026-08-03": [synthetic_endpoint("groq", "Groq", 4096), synthetic_endpoint("novita", "Novita")],
        "2026-08-04": [synthetic_endpoint("groq", "Groq", 8192), synthetic_endpoint("novita", "Novita")],
    })  # fmt: skip


def test_versions_collapse_equal_observations_and_split_on_change(
    warehouse: Path, run_cli, tmp_path: Path, four_days: list[dict[str, str]]
) -> None:
    import_lines(run_cli, tmp_path, four_days, "in-order")

    sql = """SELECT endpoint_key, max_output_tokens, is_deleted, strftime(valid_from, '%d'),
        strftime(valid_to, '%d') FROM endpoint_history ORDER BY endpoint_key, valid_from"""
    rows = query(warehouse, sql)
    assert rows == [
        ("groq", 8192, False, "01", "03"),
        ("groq", 4096, False, "03", "04"),
        ("groq", 8192, False, "04", None),
        ("novita", 8192, False, "01", "02"),
        ("novita", None, True, "02", "03"),
        ("novita", 8192, False, "03", None),
    ]


@pytest.mark.parametrize("order", [[3, 2, 1, 0], [2, 0, 3, 1], [1, 3, 0, 2, 1, 3]])
def test_any_load_order_and_duplicate_loads_give_the_same_versions(
    tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch, four_days: list[dict[str, str]], order: list[int]
) -> None:
    results = []
    for name, sequence in (("in-order", [0, 1, 2, 3]), ("shuffled", order)):
        warehouse = tmp_path / name / "modelsync.duckdb"
        monkeypatch.setenv("MODELSYNC_WAREHOUSE", str(warehouse))
        monkeypatch.setenv("MODELSYNC_RAW_DIR", str(tmp_path / name / "raw"))
        for step, index in enumerate(sequence):  # one run per snapshot, as nightly or backfill loads would be
            import_lines(run_cli, tmp_path, [four_days[index]], f"{name}-{step}")
        results.append(versions(warehouse))

    assert results[0] == results[1]
    assert len(results[0]) == 6


def test_a_listing_far_below_the_recent_median_retires_nothing(warehouse: Path, run_cli, tmp_path: Path) -> None:
    many = [synthetic_endpoint(f"p{n}", f"P{n}") for n in range(6)]
    lines = write_snapshots(tmp_path, {"2026-08-01": many, "2026-08-02": many, "2026-08-03": many[:2]})
    import_lines(run_cli, tmp_path, lines, "shrinking")

    assert query(warehouse, "SELECT count(*) FROM endpoints") == [(6,)]
    assert query(warehouse, "SELECT count(*) FROM endpoint_history WHERE is_deleted") == [(0,)]
    assert query(warehouse, "SELECT complete, reason FROM snapshots ORDER BY observed_at") == [
        (True, None),
        (True, None),
        (False, "lists 2 keys, at most half the recent median 6"),
    ]


def test_a_short_listing_months_after_the_last_is_judged_against_those_listings(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    many = [synthetic_endpoint(f"p{n}", f"P{n}") for n in range(6)]
    lines = write_snapshots(tmp_path, {"2026-03-01": many, "2026-03-02": many, "2026-08-03": many[:2]})
    for n, line in enumerate(lines):  # one run each: the last one's window starts five months after its seeds
        import_lines(run_cli, tmp_path, [line], f"night-{n}")

    assert query(warehouse, "SELECT count(*) FROM endpoints") == [(6,)]
    assert query(warehouse, "SELECT reason FROM snapshots ORDER BY observed_at") == [
        (None,),
        (None,),
        ("lists 2 keys, at most half the recent median 6",),
    ]


def test_a_listing_with_a_quarantined_row_retires_nothing(warehouse: Path, run_cli, tmp_path: Path) -> None:
    bad = synthetic_endpoint("novita", "Novita")
    bad["context_length"] = -1
    lines = write_snapshots(tmp_path, {
        "2026-08-01": [synthetic_endpoint("groq", "Groq"), synthetic_endpoint("novita", "Novita")],
        "2026-08-02": [synthetic_endpoint("groq", "Groq"), bad],
    })  # fmt: skip
    manifest = tmp_path / "m.jsonl"
    manifest.write_text("".join(json.dumps(line) + "\n" for line in lines))

    result = run_cli("import", "--manifest", str(manifest))

    assert result.code == 3
    assert "endpoint meta-llama/llama-4-scout/novita: context_length" in result.err
    assert query(warehouse, "SELECT endpoint_key FROM endpoints ORDER BY 1") == [("groq",), ("novita",)]
    assert query(warehouse, "SELECT row_key FROM quarantine") == [("meta-llama/llama-4-scout/novita",)]


def test_a_reordered_parameter_list_is_not_a_change(warehouse: Path, run_cli, tmp_path: Path) -> None:
    reordered = synthetic_endpoint("groq", "Groq")
    reordered["supported_parameters"] = ["temperature", "tools", "max_tokens", "tools"]
    lines = write_snapshots(tmp_path, {"2026-08-01": [synthetic_endpoint("groq", "Groq")], "2026-08-02": [reordered]})
    import_lines(run_cli, tmp_path, lines, "reordered")

    assert query(warehouse, "SELECT supported_params, supported_params_count FROM endpoint_history") == [
        (["max_tokens", "temperature", "tools"], 3)
    ]


def test_the_changes_view_has_one_row_per_changed_field(
    warehouse: Path, run_cli, tmp_path: Path, four_days: list[dict[str, str]]
) -> None:
    import_lines(run_cli, tmp_path, four_days, "in-order")

    rows = query(warehouse, "SELECT key, field, old_value, new_value, strftime(changed_at, '%d') FROM changes "
                            "ORDER BY changed_at, key, field")  # fmt: skip
    assert rows == [
        (f"{SCOUT} novita", "deleted", "false", "true", "02"),
        (f"{SCOUT} groq", "max_output_tokens", "8192", "4096", "03"),
        (f"{SCOUT} novita", "deleted", "true", "false", "03"),
        (f"{SCOUT} groq", "max_output_tokens", "4096", "8192", "04"),
    ]


def test_migrations_are_recorded_in_the_database(warehouse: Path, run_cli, tmp_path: Path) -> None:
    import_lines(run_cli, tmp_path, write_snapshots(tmp_path, {"2026-08-01": [synthetic_endpoint("g", "G")]}), "m")

    from warehouse.db import migrations

    recorded = query(warehouse, "SELECT version, name FROM schema_migrations ORDER BY version")
    assert recorded == [(version, name) for version, name, _ in migrations()]
    assert recorded[:2] == [(1, "001_initial"), (2, "002_as_of")]


def test_entity_declarations_match_their_tables(warehouse: Path, run_cli, tmp_path: Path) -> None:
    import_lines(run_cli, tmp_path, write_snapshots(tmp_path, {"2026-08-01": [synthetic_endpoint("g", "G")]}), "m")

    def columns(table: str) -> set[str]:
        return {row[0] for row in query(warehouse, f"SELECT column_name FROM (DESCRIBE {table})")}

    for spec in ENTITIES.values():
        assert {*spec.key, *spec.attributes, *spec.volatile} <= columns(spec.versions), spec.versions
        assert {*spec.key, "attr_hash", *spec.volatile} <= columns(spec.observations), spec.observations
        assert not set(spec.attributes) & columns(spec.observations), f"{spec.observations} is narrow"
        assert {*spec.key, "attr_hash", *spec.attributes} <= columns(spec.attribute_table), spec.attribute_table


def test_a_run_with_too_many_invalid_rows_lands_no_data_and_says_why(warehouse: Path, run_cli, tmp_path: Path) -> None:
    endpoints = [synthetic_endpoint(f"p{n}", f"P{n}") for n in range(10)]
    for endpoint in endpoints[:7]:
        endpoint["context_length"] = -1
    lines = write_snapshots(tmp_path, {"2026-08-01": endpoints})
    manifest = tmp_path / "m.jsonl"
    manifest.write_text("".join(json.dumps(line) + "\n" for line in lines))

    result = run_cli("import", "--manifest", str(manifest))

    assert result.code == 1
    assert result.err.splitlines()[-1] == (
        "modelsync: 7 of 40 rows failed validation (over the 10% threshold): nothing loaded; see the quarantine table"
    )
    assert query(warehouse, "SELECT count(*) FROM endpoint_observations") == [(0,)]
    assert query(warehouse, "SELECT count(*) FROM uptime") == [(0,)]
    assert query(warehouse, "SELECT count(*) FROM quarantine") == [(7,)]
    assert query(warehouse, "SELECT status FROM runs") == [("failed",)]


def test_a_volatile_field_is_shown_but_never_starts_a_version(warehouse: Path, run_cli, tmp_path: Path) -> None:
    lines = []
    for day, description in (("2026-08-01", "A model."), ("2026-08-02", "A model, described again.")):
        document = json.loads(synthetic_models(["synthetic/a"]))
        document["data"][0]["description"] = description
        lines.append(capture(tmp_path, "models", json.dumps(document).encode(), MODELS_URL, day))
    import_lines(run_cli, tmp_path, lines, "descriptions")

    assert query(warehouse, "SELECT description, valid_to FROM model_history") == [("A model, described again.", None)]


def test_a_model_past_its_expiration_date_is_retired_with_its_endpoints_on_that_date(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    endpoints = synthetic_endpoints("synthetic/a", [synthetic_endpoint("groq", "Groq")])
    lines = [capture(tmp_path, "endpoints", endpoints, f"{MODELS_URL}/synthetic/a/endpoints", "2026-08-01")]
    for day in ("2026-08-01", "2026-08-03"):
        document = json.loads(synthetic_models(["synthetic/a"]))
        document["data"][0]["expiration_date"] = "2026-08-02"
        lines.append(capture(tmp_path, "models", json.dumps(document).encode(), MODELS_URL, day))
    import_lines(run_cli, tmp_path, lines, "expiring")

    assert query(warehouse, "SELECT count(*) FROM models") == [(0,)]
    assert query(warehouse, "SELECT count(*) FROM endpoints") == [(0,)]
    assert query(warehouse, "SELECT entity, strftime(changed_at, '%d %H:%M') FROM changes WHERE field = 'deleted' "
                            "ORDER BY entity") == [("endpoint", "02 00:00"), ("model", "02 00:00")]  # fmt: skip
    assert query(warehouse, "SELECT entity, strftime(last_seen, '%d'), strftime(retired_at, '%d'), evidence, "
                            "came_back FROM retired ORDER BY entity") == [
        ("endpoint", "01", "02", "model retired: expiration date 2026-08-02", False),
        ("model", "01", "02", "expiration date 2026-08-02", False),
    ]  # fmt: skip


def test_a_warehouse_hashed_the_old_way_is_rehashed_by_its_migration_and_reloads_as_a_no_op(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    import duckdb

    from flows.pipeline import rehash_attributes

    lines = write_snapshots(tmp_path, {"2026-08-01": [synthetic_endpoint("g", "G")]})
    import_lines(run_cli, tmp_path, lines, "first")
    before = query(warehouse, "SELECT attr_hash FROM endpoint_versions")
    con = duckdb.connect(str(warehouse))
    try:
        for table in ("endpoint_observations", "endpoint_attributes", "endpoint_versions"):  # as migration 003 met them
            con.execute(f"UPDATE {table} SET attr_hash = 'positional-' || attr_hash")
        rehash_attributes(con)
    finally:
        con.close()
    assert query(warehouse, "SELECT attr_hash FROM endpoint_versions") == before

    import_lines(run_cli, tmp_path, lines, "again")

    assert query(warehouse, "SELECT count(*) FROM endpoint_versions") == [(1,)]


def test_a_migration_s_hook_runs_in_its_transaction(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from warehouse import db

    seen: list[int] = []
    con = db.open_for_write(tmp_path / "w.duckdb", datetime.now(UTC), hooks={3: lambda c: seen.append(3)})
    con.close()
    assert seen == [3]


def model_lists(tmp_path: Path, days: dict[str, list[str]]) -> list[dict[str, str]]:
    """One synthetic model list per day (fetched at 02:00 UTC); returns manifest lines."""
    return [capture(tmp_path, "models", synthetic_models(ids), MODELS_URL, day) for day, ids in days.items()]


def model_history(warehouse: Path) -> list[tuple[object, ...]]:
    return query(warehouse, "SELECT model_id, is_deleted, strftime(valid_from, '%d'), strftime(valid_to, '%d') "
                            "FROM model_history ORDER BY ALL")  # fmt: skip


def test_with_a_grace_of_two_days_a_key_absent_one_night_is_not_retired(
    warehouse: Path, run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELSYNC_RETIRE_AFTER", "2d")
    a, b, c = "synthetic/a", "synthetic/b", "synthetic/c"
    days = {"2026-08-01": [a, b, c], "2026-08-02": [a, c], "2026-08-03": [a, b, c]}
    for n, line in enumerate(model_lists(tmp_path, days)):
        import_lines(run_cli, tmp_path, [line], f"night{n}")

    assert model_history(warehouse) == [(a, False, "01", None), (b, False, "01", None), (c, False, "01", None)]
    assert query(warehouse, "SELECT count(*) FROM retired") == [(0,)]


def test_with_a_grace_of_two_days_a_key_absent_three_nights_is_retired_at_its_first_absence_in_any_order(
    warehouse: Path, run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELSYNC_RETIRE_AFTER", "2d")
    a, b, c = "synthetic/a", "synthetic/b", "synthetic/c"
    lines = model_lists(tmp_path, {"2026-08-01": [a, b, c], "2026-08-02": [a, c], "2026-08-03": [a, c],
                                   "2026-08-04": [a, c]})  # fmt: skip
    for n, line in enumerate([lines[3], lines[1], lines[0], lines[2]]):  # the last night first
        import_lines(run_cli, tmp_path, [line], f"night{n}")

    assert model_history(warehouse) == [
        (a, False, "01", None), (b, False, "01", "02"), (b, True, "02", None), (c, False, "01", None),
    ]  # fmt: skip
    assert query(warehouse, "SELECT model_id, strftime(last_seen, '%d'), strftime(retired_at, '%d') FROM retired") == [
        (b, "01", "02")
    ]


def test_without_a_grace_a_key_absent_one_night_is_retired_that_night(warehouse: Path, run_cli, tmp_path: Path) -> None:
    a, b, c = "synthetic/a", "synthetic/b", "synthetic/c"
    days = {"2026-08-01": [a, b, c], "2026-08-02": [a, c], "2026-08-03": [a, b, c]}
    import_lines(run_cli, tmp_path, model_lists(tmp_path, days), "nights")

    assert model_history(warehouse) == [
        (a, False, "01", None), (b, False, "01", "02"), (b, False, "03", None), (b, True, "02", "03"),
        (c, False, "01", None),
    ]  # fmt: skip
