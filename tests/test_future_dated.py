"""Future-dated facts: an expiration date a source states ahead retires the model on that date, not before.

The current views (``models``, ``endpoints``, ``retired``) show what is in effect now; ``announced``
shows what a source has dated later. A later fetch before the date that restates or withdraws it
moves or cancels the retirement, in whatever order the fetches are loaded.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from tests.conftest import capture, query, synthetic_endpoint, synthetic_endpoints, synthetic_models

MODELS_URL = "https://openrouter.ai/api/v1/models"
MODEL = "synthetic/a"
FAR = "2090-06-30"  # a date still ahead whenever the suite runs


def listing_line(tmp_path: Path, day: str, expiration: str | None) -> dict[str, str]:
    """The model list of ``day`` (02:00 UTC): synthetic/a, stating ``expiration`` (or none)."""
    document = json.loads(synthetic_models([MODEL]))
    document["data"][0]["expiration_date"] = expiration
    return capture(tmp_path, f"models_{expiration}", json.dumps(document).encode(), MODELS_URL, day)


def endpoints_line(tmp_path: Path, day: str) -> dict[str, str]:
    body = synthetic_endpoints(MODEL, [synthetic_endpoint("groq", "Groq")])
    return capture(tmp_path, "endpoints", body, f"{MODELS_URL}/{MODEL}/endpoints", day)


def import_lines(run_cli, tmp_path: Path, lines: list[dict[str, str]]) -> None:
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = run_cli("import", "--manifest", str(manifest))
    assert result.code == 0, result.err


def model_versions(warehouse: Path) -> list[tuple[object, ...]]:
    return query(warehouse, "SELECT is_deleted, strftime(valid_from, '%Y-%m-%d %H:%M'), "
                            "CAST(expiration_date AS VARCHAR) FROM model_history ORDER BY valid_from")  # fmt: skip


def test_a_future_expiration_date_is_announced_and_the_model_stays_in_effect_until_then(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    import_lines(run_cli, tmp_path, [listing_line(tmp_path, "2026-08-01", FAR), endpoints_line(tmp_path, "2026-08-01")])

    assert model_versions(warehouse) == [(False, "2026-08-01 02:00", FAR), (True, f"{FAR} 00:00", None)]
    assert query(warehouse, "SELECT model_id FROM models") == [(MODEL,)]
    assert query(warehouse, "SELECT provider FROM endpoints") == [("Groq",)]
    assert query(warehouse, "SELECT count(*) FROM retired") == [(0,)]
    assert query(warehouse, "SELECT entity, model_id, provider, change, CAST(takes_effect_at AS DATE), "
                            "strftime(announced_at, '%Y-%m-%d'), evidence FROM announced ORDER BY entity") == [
        ("endpoint", MODEL, "Groq", "retired", date(2090, 6, 30), "2026-08-01",
         f"model retired: expiration date {FAR}"),
        ("model", MODEL, None, "retired", date(2090, 6, 30), "2026-08-01",
         f"expiration date {FAR}"),
    ]  # fmt: skip


def test_a_fetch_before_the_date_that_withdraws_it_cancels_the_retirement_in_any_order(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    stated = listing_line(tmp_path, "2026-08-01", "2026-08-05")
    withdrawn = listing_line(tmp_path, "2026-08-03", None)
    import_lines(run_cli, tmp_path, [withdrawn])
    import_lines(run_cli, tmp_path, [stated])

    assert model_versions(warehouse) == [(False, "2026-08-01 02:00", "2026-08-05"), (False, "2026-08-03 02:00", None)]
    assert query(warehouse, "SELECT count(*) FROM retired") == [(0,)]


def test_a_postponed_date_moves_the_retirement_to_the_new_date(warehouse: Path, run_cli, tmp_path: Path) -> None:
    lines = [listing_line(tmp_path, "2026-08-01", "2026-08-05"), listing_line(tmp_path, "2026-08-03", "2026-08-10"),
             endpoints_line(tmp_path, "2026-08-01")]  # fmt: skip
    import_lines(run_cli, tmp_path, lines[::-1])

    assert model_versions(warehouse) == [
        (False, "2026-08-01 02:00", "2026-08-05"), (False, "2026-08-03 02:00", "2026-08-10"),
        (True, "2026-08-10 00:00", None),
    ]  # fmt: skip
    assert query(warehouse, "SELECT entity, strftime(retired_at, '%m-%d %H:%M'), evidence FROM retired "
                            "ORDER BY entity") == [
        ("endpoint", "08-10 00:00", "model retired: expiration date 2026-08-10"),
        ("model", "08-10 00:00", "expiration date 2026-08-10"),
    ]  # fmt: skip
    assert query(warehouse, "SELECT count(*) FROM announced") == [(0,)]


def test_a_listing_after_the_date_that_still_states_it_keeps_the_retirement_from_the_date(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    lines = [listing_line(tmp_path, day, "2026-08-02") for day in ("2026-08-01", "2026-08-04")]
    import_lines(run_cli, tmp_path, lines)

    assert model_versions(warehouse) == [(False, "2026-08-01 02:00", "2026-08-02"), (True, "2026-08-02 00:00", None)]


def rewind_to_before_migration_15(warehouse: Path) -> None:
    """Make the warehouse as modelsync derived it before migration 015: retired at the fetch of the 3rd."""
    import duckdb

    con = duckdb.connect(str(warehouse))
    try:
        con.execute("UPDATE model_versions SET valid_to = TIMESTAMPTZ '2026-08-03 02:00:00+00' WHERE NOT is_deleted")
        con.execute("UPDATE model_versions SET valid_from = TIMESTAMPTZ '2026-08-03 02:00:00+00' WHERE is_deleted")
        con.execute("DELETE FROM schema_migrations WHERE version = 15")
    finally:
        con.close()


def test_a_warehouse_that_retired_at_the_first_fetch_past_the_date_is_re_derived_by_its_migration(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    from flows.pipeline.base import utc_now
    from flows.pipeline.hooks import MIGRATION_HOOKS
    from warehouse import db

    import_lines(run_cli, tmp_path, [listing_line(tmp_path, day, "2026-08-02") for day in ("2026-08-01", "2026-08-03")])
    rewind_to_before_migration_15(warehouse)

    db.open_for_write(warehouse, utc_now(), hooks=MIGRATION_HOOKS).close()

    assert model_versions(warehouse) == [(False, "2026-08-01 02:00", "2026-08-02"), (True, "2026-08-02 00:00", None)]


def test_review_on_a_warehouse_before_migration_15_runs_its_data_step_too(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    import_lines(run_cli, tmp_path, [listing_line(tmp_path, day, "2026-08-02") for day in ("2026-08-01", "2026-08-03")])
    rewind_to_before_migration_15(warehouse)

    result = run_cli("review", "reject", "000000000000", "--by", "alice")  # no such change: migrated all the same

    assert result.code == 2, result.err

    assert model_versions(warehouse) == [(False, "2026-08-01 02:00", "2026-08-02"), (True, "2026-08-02 00:00", None)]
