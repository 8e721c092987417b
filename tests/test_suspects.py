"""Suspect changes are held, not hidden: an implausible value waits for a later fetch or a person's decision."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import capture, query, synthetic_endpoint, synthetic_endpoints

MODEL = "synthetic/jumpy"


@pytest.fixture(autouse=True)
def holding(monkeypatch: pytest.MonkeyPatch) -> None:
    """The thresholds docs/cli.md suggests: a price moving 10x, a limit falling below half."""
    monkeypatch.setenv("MODELSYNC_SUSPECT_PRICE_FACTOR", "10")
    monkeypatch.setenv("MODELSYNC_SUSPECT_LIMIT_SHRINK", "0.5")


URL = f"https://openrouter.ai/api/v1/models/{MODEL}/endpoints"


def import_nights(run_cli, tmp_path: Path, prompts: dict[str, str]) -> None:
    """One endpoints page a night (fetched at 02:00 UTC), Groq's input price per token as given, one run each."""
    for day, prompt in prompts.items():
        body = synthetic_endpoints(MODEL, [synthetic_endpoint("groq", "Groq", prompt=prompt)])
        line = capture(tmp_path, f"jumpy_{day}", body, URL, day)
        result = run_cli("import", line["path"], "--url", URL, "--fetched-at", line["fetched_at"])
        assert result.code == 0, result.err


def prices(warehouse: Path) -> list[tuple[object, ...]]:
    return query(warehouse, "SELECT CAST(input_price_per_mtok AS VARCHAR), strftime(valid_from, '%d'), "
                            "strftime(valid_to, '%d') FROM endpoint_history ORDER BY valid_from")  # fmt: skip


def test_a_100x_price_jump_is_held_until_a_later_fetch_confirms_it(warehouse: Path, run_cli, tmp_path: Path) -> None:
    import_nights(run_cli, tmp_path, {"2026-08-01": "0.0000001", "2026-08-02": "0.00001"})

    assert prices(warehouse) == [("0.100000000000", "01", None)]
    assert query(warehouse, "SELECT status, strftime(first_observed_at, '%d') FROM suspect_runs") == [("held", "02")]

    import_nights(run_cli, tmp_path, {"2026-08-03": "0.00001"})

    assert prices(warehouse) == [("0.100000000000", "01", "02"), ("10.000000000000", "02", None)]
    assert query(warehouse, "SELECT status FROM suspect_runs") == [("confirmed",)]


def test_a_suspect_price_that_reverts_never_becomes_a_version(warehouse: Path, run_cli, tmp_path: Path) -> None:
    import_nights(run_cli, tmp_path, {"2026-08-01": "0.0000001", "2026-08-02": "0.00001", "2026-08-03": "0.0000001"})

    assert prices(warehouse) == [("0.100000000000", "01", None)]
    assert query(warehouse, "SELECT status FROM suspect_runs") == [("unconfirmed",)]


def test_a_reverted_suspect_price_stays_unconfirmed_after_a_later_listing_retires_the_endpoint(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    import_nights(run_cli, tmp_path, {"2026-08-01": "0.0000001", "2026-08-02": "0.00001", "2026-08-03": "0.0000001"})
    line = capture(tmp_path, "jumpy_empty", synthetic_endpoints(MODEL, []), URL, "2026-08-04")
    assert run_cli("import", line["path"], "--url", URL, "--fetched-at", line["fetched_at"]).code == 0

    assert query(warehouse, "SELECT status, strftime(first_observed_at, '%d') FROM suspect_runs") == [
        ("unconfirmed", "02")
    ]


def test_a_suspect_run_followed_by_another_is_unconfirmed_and_the_last_held(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    import_nights(run_cli, tmp_path, {"2026-08-01": "0.0000001", "2026-08-02": "0.00001", "2026-08-03": "0.001"})

    assert query(warehouse, "SELECT status, strftime(first_observed_at, '%d') FROM suspect_runs ORDER BY 2") == [
        ("unconfirmed", "02"), ("held", "03")
    ]  # fmt: skip


def test_any_order_of_the_nights_holds_and_confirms_alike(warehouse: Path, run_cli, tmp_path: Path) -> None:
    import_nights(run_cli, tmp_path, {"2026-08-03": "0.00001", "2026-08-01": "0.0000001", "2026-08-02": "0.00001"})

    assert prices(warehouse) == [("0.100000000000", "01", "02"), ("10.000000000000", "02", None)]


def test_a_held_change_is_listed_in_suspect_changes_with_its_fields(warehouse: Path, run_cli, tmp_path: Path) -> None:
    import_nights(run_cli, tmp_path, {"2026-08-01": "0.0000001", "2026-08-02": "0.00001"})

    rows = query(warehouse, "SELECT entity, model_id, provider, endpoint_key, source, field, old_value, new_value, "
                            "status, strftime(first_observed_at, '%d'), observations, decision "
                            "FROM suspect_changes")  # fmt: skip

    assert rows == [("endpoint", MODEL, "Groq", "groq", "openrouter", "input_price_per_mtok", "0.100000", "10.000000",
                     "held", "02", 1, None)]  # fmt: skip


def held_id(warehouse: Path) -> str:
    found = query(warehouse, "SELECT DISTINCT id FROM suspect_changes WHERE status = 'held'")
    assert len(found) == 1, found
    return str(found[0][0])


def test_review_accept_makes_a_held_change_current_from_its_first_observation(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    import_nights(run_cli, tmp_path, {"2026-08-01": "0.0000001", "2026-08-02": "0.00001"})
    change = held_id(warehouse)

    result = run_cli("review", "accept", change, "--by", "alice")

    assert result.code == 0, result.err
    assert result.out == f"accepted {change} by alice: endpoint {MODEL} groq (openrouter), now accepted\n"
    assert prices(warehouse) == [("0.100000000000", "01", "02"), ("10.000000000000", "02", None)]
    assert query(warehouse, "SELECT status, decision FROM suspect_changes") == [("accepted", "accept by alice")]


def test_review_reject_keeps_the_history_as_it_was_and_a_later_fetch_does_not_confirm_it(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    import_nights(run_cli, tmp_path, {"2026-08-01": "0.0000001", "2026-08-02": "0.00001"})
    before = query(warehouse, "SELECT * EXCLUDE (recorded_at) FROM endpoint_history ORDER BY ALL")

    result = run_cli("review", "reject", held_id(warehouse), "--by", "bob")
    import_nights(run_cli, tmp_path, {"2026-08-03": "0.00001"})

    assert result.code == 0, result.err
    assert query(warehouse, "SELECT * EXCLUDE (recorded_at) FROM endpoint_history ORDER BY ALL") == before
    assert query(warehouse, "SELECT status, decision FROM suspect_changes") == [("rejected", "reject by bob")]
    assert query(warehouse, "SELECT count(*) FROM endpoint_observations") == [(3,)]  # observations are all kept


def test_the_run_that_holds_a_change_says_so(warehouse: Path, run_cli, tmp_path: Path) -> None:
    import_nights(run_cli, tmp_path, {"2026-08-01": "0.0000001"})
    body = synthetic_endpoints(MODEL, [synthetic_endpoint("groq", "Groq", prompt="0.00001")])
    line = capture(tmp_path, "jumpy_02", body, URL, "2026-08-02")

    result = run_cli("import", line["path"], "--url", URL, "--fetched-at", line["fetched_at"])

    assert "  held: 1 suspect change (an implausible move, kept out of the views until a later fetch confirms it: " \
           "modelsync review list)\n" in result.out  # fmt: skip


def test_review_of_an_unknown_id_is_a_usage_error(warehouse: Path, run_cli, tmp_path: Path) -> None:
    import_nights(run_cli, tmp_path, {"2026-08-01": "0.0000001"})

    result = run_cli("review", "accept", "000000000000")

    assert result.code == 2
    assert result.err == "modelsync: no suspect change '000000000000': see 'modelsync review list --all'\n"


def test_review_of_a_warehouse_that_does_not_exist_creates_none(run_cli, tmp_path: Path, monkeypatch) -> None:
    missing = tmp_path / "typo.duckdb"
    monkeypatch.setenv("MODELSYNC_WAREHOUSE", str(missing))

    result = run_cli("review", "reject", "000000000000")

    assert result.code == 1
    assert result.err == f"modelsync: no warehouse at {missing}: run 'modelsync sync' or 'modelsync demo' first\n"
    assert not missing.exists()
