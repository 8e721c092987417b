"""Suspect changes are held, not hidden: an implausible value waits for a later fetch or a person's decision."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import capture, query, synthetic_endpoint, synthetic_endpoints

MODEL = "synthetic/jumpy"
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


def test_any_order_of_the_nights_holds_and_confirms_alike(warehouse: Path, run_cli, tmp_path: Path) -> None:
    import_nights(run_cli, tmp_path, {"2026-08-03": "0.00001", "2026-08-01": "0.0000001", "2026-08-02": "0.00001"})

    assert prices(warehouse) == [("0.100000000000", "01", "02"), ("10.000000000000", "02", None)]
