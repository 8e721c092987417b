"""Backfill, time travel and the change log, on dated captures."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import (
    KIMI_AT,
    KIMI_FILE,
    KIMI_URL,
    capture,
    query,
    synthetic_endpoint,
    synthetic_endpoints,
    synthetic_models,
)

SCOUT = "meta-llama/llama-4-scout"
SCOUT_URL = f"https://openrouter.ai/api/v1/models/{SCOUT}/endpoints"
MODELS_URL = "https://openrouter.ai/api/v1/models"
HISTORY = "SELECT * EXCLUDE (recorded_at) FROM endpoint_history ORDER BY ALL"


def write_day(tmp_path: Path, day: str, endpoints: list[dict[str, object]]) -> dict[str, str]:
    return capture(tmp_path, "scout", synthetic_endpoints(SCOUT, endpoints), SCOUT_URL, day)


def run_import(run_cli, tmp_path: Path, lines: list[dict[str, str]], name: str) -> str:
    manifest = tmp_path / f"{name}.jsonl"
    manifest.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = run_cli("import", "--manifest", str(manifest))
    assert result.code in (0, 3), result.err
    return result.out


@pytest.fixture
def three_days(tmp_path: Path) -> list[dict[str, str]]:
    return [
        write_day(tmp_path, "2026-08-01", [synthetic_endpoint("groq", "Groq", 8192, "0.0000001")]),
        write_day(tmp_path, "2026-08-02", [synthetic_endpoint("groq", "Groq", 4096, "0.0000002")]),
        write_day(tmp_path, "2026-08-03", [synthetic_endpoint("groq", "Groq", 4096, "0.0000003")]),
    ]


def test_out_of_order_imports_give_the_same_history_as_in_order(
    tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch, three_days: list[dict[str, str]]
) -> None:
    histories = []
    for name, order in (("dated", [0, 1, 2]), ("shuffled", [2, 0, 1])):
        warehouse = tmp_path / name / "w.duckdb"
        monkeypatch.setenv("MODELSYNC_WAREHOUSE", str(warehouse))
        monkeypatch.setenv("MODELSYNC_RAW_DIR", str(tmp_path / name / "raw"))
        for step, index in enumerate(order):
            run_import(run_cli, tmp_path, [three_days[index]], f"{name}-{step}")
        histories.append(query(warehouse, HISTORY))
        assert query(warehouse, "SELECT count(*) FROM endpoint_history WHERE valid_to <= valid_from") == [(0,)]
        assert query(warehouse, "SELECT count(*) FROM endpoint_history WHERE valid_to IS NULL") == [(1,)]

    assert histories[0] == histories[1]
    assert len(histories[0]) == 3


def test_endpoints_as_of_returns_the_values_imported_for_that_date(
    warehouse: Path, run_cli, tmp_path: Path, three_days: list[dict[str, str]]
) -> None:
    run_import(run_cli, tmp_path, three_days, "all")

    rows = query(warehouse, "SELECT endpoint_key, max_output_tokens, price_text(input_price_per_mtok), uptime_1d "
                            "FROM endpoints_as_of('2026-08-02')")  # fmt: skip
    assert rows == [("groq", 4096, "0.200000", 99.1)]
    assert query(warehouse, "SELECT count(*) FROM endpoints_as_of('2026-07-31')") == [(0,)]
    assert query(warehouse, "SELECT max_output_tokens FROM endpoints_as_of('2026-08-02T01:59:59Z')") == [(8192,)]
    assert query(warehouse, "SELECT max_output_tokens FROM endpoints_as_of('2026-08-02T02:00:00Z')") == [(4096,)]


def test_models_as_of_returns_the_model_list_of_that_date(warehouse: Path, run_cli, tmp_path: Path) -> None:
    lines = []
    for day, models in (("2026-08-01", ["a/one", "b/two"]), ("2026-08-02", ["a/one"])):
        path = tmp_path / f"synthetic_models__{day}.json"
        path.write_bytes(synthetic_models(models))
        lines.append({"path": str(path), "url": MODELS_URL, "fetched_at": f"{day}T02:00:00Z"})
    run_import(run_cli, tmp_path, lines, "models")

    assert query(warehouse, "SELECT model_id FROM models_as_of('2026-08-01T12:00:00Z') ORDER BY 1") == [
        ("a/one",),
        ("b/two",),
    ]
    assert query(warehouse, "SELECT model_id FROM models_as_of('2026-08-02T12:00:00Z')") == [("a/one",)]


def test_changes_command_prints_and_filters_the_change_log(
    warehouse: Path, run_cli, tmp_path: Path, three_days: list[dict[str, str]]
) -> None:
    run_import(run_cli, tmp_path, three_days, "all")

    everything = run_cli("changes", "--since", "2026-08-01")
    only_output = run_cli("changes", "--since", "2026-08-01", "--field", "max_output_tokens", "--provider", "GRO")
    nothing = run_cli("changes", "--since", "2026-08-01", "--model", "no-such-model")

    assert everything.code == 0
    assert everything.out.count("input_price_per_mtok") == 2
    assert only_output.out.count("│ groq ") == 1
    assert "8192" in only_output.out
    assert "input_price_per_mtok" not in only_output.out
    assert nothing.out.startswith("no changes since 2026-08-01 00:00 UTC")


def test_changes_with_a_bad_since_is_a_usage_error(warehouse: Path, run_cli) -> None:
    result = run_cli("changes", "--since", "last tuesday")

    assert result.code == 2
    assert "neither a duration (90m, 24h, 7d, 2w) nor a date" in result.err


def test_a_model_missing_from_an_incomplete_list_keeps_its_endpoints(warehouse: Path, run_cli, tmp_path: Path) -> None:
    ten = [f"synthetic/m{n}" for n in range(10)]
    lines = model_lists(tmp_path, {"2026-08-01": ten, "2026-08-02": ten[:4]})  # far below the median: incomplete
    lines.insert(1, endpoints_of(tmp_path, "synthetic/m9", "2026-08-01"))

    run_import(run_cli, tmp_path, lines, "incomplete")

    assert query(warehouse, "SELECT model_id, endpoint_key FROM endpoints") == [("synthetic/m9", "groq")]
    assert query(warehouse, "SELECT count(*) FROM models") == [(10,)]


def test_a_model_missing_from_a_complete_list_retires_its_endpoints_and_they_return(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    ten = [f"synthetic/m{n}" for n in range(10)]
    lines = model_lists(tmp_path, {"2026-08-01": ten, "2026-08-02": ten[:9], "2026-08-03": ten})
    lines.insert(1, endpoints_of(tmp_path, "synthetic/m9", "2026-08-01"))
    lines.append(endpoints_of(tmp_path, "synthetic/m9", "2026-08-03"))

    run_import(run_cli, tmp_path, lines, "complete")

    rows = query(warehouse, "SELECT entity, key, field, old_value, new_value, strftime(changed_at, '%d') "
                            "FROM changes WHERE model_id = 'synthetic/m9' ORDER BY changed_at, entity")  # fmt: skip
    assert rows == [
        ("endpoint", "synthetic/m9 groq", "deleted", "false", "true", "02"),
        ("model", "synthetic/m9", "deleted", "false", "true", "02"),
        ("endpoint", "synthetic/m9 groq", "deleted", "true", "false", "03"),
        ("model", "synthetic/m9", "deleted", "true", "false", "03"),
    ]
    assert query(warehouse, "SELECT model_id, endpoint_key FROM endpoints") == [("synthetic/m9", "groq")]


@pytest.mark.usefixtures("prefect_server")
def test_backfill_of_a_copied_archive_into_an_empty_warehouse_gives_the_same_history(
    tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch, three_days: list[dict[str, str]]
) -> None:
    original = tmp_path / "original" / "w.duckdb"
    monkeypatch.setenv("MODELSYNC_WAREHOUSE", str(original))
    monkeypatch.setenv("MODELSYNC_RAW_DIR", str(tmp_path / "original" / "raw"))
    run_import(run_cli, tmp_path, three_days, "all")
    run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", KIMI_AT)
    copy = tmp_path / "copy-of-raw"
    import shutil

    shutil.copytree(tmp_path / "original" / "raw", copy)
    rebuilt = tmp_path / "rebuilt" / "w.duckdb"
    monkeypatch.setenv("MODELSYNC_WAREHOUSE", str(rebuilt))
    monkeypatch.setenv("MODELSYNC_RAW_DIR", str(tmp_path / "rebuilt" / "raw"))

    first = run_cli("backfill", "--raw-dir", str(copy))
    again = run_cli("backfill", "--raw-dir", str(copy))

    assert (first.code, again.code) == (0, 0), first.err + again.err
    assert query(rebuilt, HISTORY) == query(original, HISTORY)
    assert query(rebuilt, "SELECT * EXCLUDE (observed_since) FROM endpoints ORDER BY ALL") == query(
        original, "SELECT * EXCLUDE (observed_since) FROM endpoints ORDER BY ALL"
    )
    assert again.out.startswith("nothing to load: every payload in the window was loaded before")
    index = (tmp_path / "rebuilt" / "raw" / "index.jsonl").read_text().splitlines()
    assert len(index) == 4  # adopted once, not again on the second replay


@pytest.mark.usefixtures("prefect_server")
def test_backfill_from_another_archive_does_not_name_again_what_this_archive_holds_unloaded(
    tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch, three_days: list[dict[str, str]]
) -> None:
    import shutil

    monkeypatch.setenv("MODELSYNC_WAREHOUSE", str(tmp_path / "original" / "w.duckdb"))
    monkeypatch.setenv("MODELSYNC_RAW_DIR", str(tmp_path / "original" / "raw"))
    run_import(run_cli, tmp_path, three_days, "all")
    shutil.copytree(tmp_path / "original" / "raw", tmp_path / "fresh" / "raw")  # archived here, never loaded
    monkeypatch.setenv("MODELSYNC_WAREHOUSE", str(tmp_path / "fresh" / "w.duckdb"))
    monkeypatch.setenv("MODELSYNC_RAW_DIR", str(tmp_path / "fresh" / "raw"))

    result = run_cli("backfill", "--raw-dir", str(tmp_path / "original" / "raw"))

    assert result.code == 0, result.err
    assert "3 payloads to load" in result.err
    assert len((tmp_path / "fresh" / "raw" / "index.jsonl").read_text().splitlines()) == 3
    assert query(tmp_path / "fresh" / "w.duckdb", HISTORY) == query(tmp_path / "original" / "w.duckdb", HISTORY)


@pytest.mark.usefixtures("prefect_server")
def test_backfill_with_a_window_replays_only_those_days(
    warehouse: Path, run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, three_days: list[dict[str, str]]
) -> None:
    run_import(run_cli, tmp_path, three_days, "all")
    rebuilt = tmp_path / "rebuilt" / "w.duckdb"
    monkeypatch.setenv("MODELSYNC_WAREHOUSE", str(rebuilt))
    monkeypatch.setenv("MODELSYNC_RAW_DIR", str(tmp_path / "rebuilt" / "raw"))

    result = run_cli(
        "backfill", "--raw-dir", str(warehouse.parent / "raw"), "--from", "2026-08-02", "--to", "2026-08-02"
    )

    assert result.code == 0, result.err
    assert query(rebuilt, "SELECT strftime(valid_from, '%d'), max_output_tokens FROM endpoint_history") == [
        ("02", 4096)
    ]


def test_backfill_with_a_bad_window_is_a_usage_error(warehouse: Path, run_cli) -> None:
    result = run_cli("backfill", "--from", "2026-08-05", "--to", "2026-08-01")

    assert result.code == 2
    assert "--to is before --from" in result.err


def model_lists(tmp_path: Path, days: dict[str, list[str]]) -> list[dict[str, str]]:
    return [capture(tmp_path, "models", synthetic_models(models), MODELS_URL, day) for day, models in days.items()]


def endpoints_of(tmp_path: Path, model_id: str, day: str) -> dict[str, str]:
    body = synthetic_endpoints(model_id, [synthetic_endpoint("groq", "Groq")])
    return capture(tmp_path, f"endpoints_{model_id.replace('/', '_')}", body, f"{MODELS_URL}/{model_id}/endpoints", day)


def test_the_warehouse_can_say_what_it_held_before_a_backfill_rewrote_history(
    warehouse: Path, run_cli, tmp_path: Path, three_days: list[dict[str, str]]
) -> None:
    columns = "model_id, endpoint_key, max_output_tokens, is_deleted, valid_from, valid_to"
    run_import(run_cli, tmp_path, three_days[1:], "later-days")
    held_then = query(warehouse, f"SELECT {columns} FROM endpoint_history ORDER BY ALL")
    known_at = query(warehouse, "SELECT max(recorded_at) FROM endpoint_versions")[0][0]

    run_import(run_cli, tmp_path, three_days[:1], "older-day")  # a backfill older than the newest data

    now = query(warehouse, f"SELECT {columns} FROM endpoint_history ORDER BY ALL")
    then = query(warehouse, f"SELECT {columns} FROM endpoint_history_as_known(TIMESTAMPTZ '{known_at}') ORDER BY ALL")
    assert then == held_then
    assert now != held_then
    assert (len(held_then), len(now)) == (2, 3)
    as_of_then = query(warehouse, f"SELECT max_output_tokens FROM endpoints_as_of('2026-08-01', "
                                  f"known_at := TIMESTAMPTZ '{known_at}')")  # fmt: skip
    assert as_of_then == []  # on the valid date 08-01, the warehouse knew of nothing yet
    assert query(warehouse, "SELECT max_output_tokens FROM endpoints_as_of('2026-08-01')") == [(8192,)]


def fingerprint(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root``: the warehouse file, its lock file and the whole archive."""
    import hashlib

    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    }


def use_warehouse(monkeypatch: pytest.MonkeyPatch, root: Path) -> Path:
    monkeypatch.setenv("MODELSYNC_WAREHOUSE", str(root / "w.duckdb"))
    monkeypatch.setenv("MODELSYNC_RAW_DIR", str(root / "raw"))
    return root / "w.duckdb"


@pytest.mark.usefixtures("prefect_server")
def test_backfill_loads_one_run_per_date_oldest_first(
    warehouse: Path, run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, three_days: list[dict[str, str]]
) -> None:
    run_import(run_cli, tmp_path, three_days, "all")
    rebuilt = use_warehouse(monkeypatch, tmp_path / "rebuilt")

    result = run_cli("backfill", "--raw-dir", str(warehouse.parent / "raw"))

    assert result.code == 0, result.err
    runs = query(rebuilt, "SELECT run_id, kind, status, payloads, new_versions FROM runs ORDER BY started_at")
    base = result.out.split(":")[0].removeprefix("run ")
    assert runs == [
        (f"{base}-20260801", "backfill", "ok", 1, 1),
        (f"{base}-20260802", "backfill", "ok", 1, 1),
        (f"{base}-20260803", "backfill", "ok", 1, 1),
    ]
    assert result.err.splitlines()[1:] == [
        f"backfill 2026-08-0{day}: run {base}-2026080{day}: ok; 1 payload, 1 new observation, 1 new version"
        for day in (1, 2, 3)
    ]
    assert result.out.startswith(f"run {base}: ok; 3 payloads, 3 new observations, 3 new versions")


def test_backfill_dates_share_a_run_within_the_run_size_and_give_the_tables_of_a_run_a_date(
    warehouse: Path, run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, three_days: list[dict[str, str]]
) -> None:
    run_import(run_cli, tmp_path, three_days, "all")
    per_date = use_warehouse(monkeypatch, tmp_path / "per-date")
    assert run_cli("backfill", "--raw-dir", str(warehouse.parent / "raw")).code == 0
    grouped = use_warehouse(monkeypatch, tmp_path / "grouped")
    monkeypatch.setenv("MODELSYNC_BACKFILL_RUN_MB", "1")

    result = run_cli("backfill", "--raw-dir", str(warehouse.parent / "raw"))

    assert result.code == 0, result.err
    base = result.out.split(":")[0].removeprefix("run ")
    assert query(grouped, "SELECT run_id, payloads FROM runs") == [(f"{base}-20260801-20260803", 3)]
    for table in ("endpoint_versions", "model_versions"):
        current = f"SELECT * EXCLUDE (recorded_at, superseded_at) FROM {table} WHERE superseded_at IS NULL ORDER BY ALL"
        assert query(grouped, current) == query(per_date, current), table


def test_backfill_dry_run_prints_payloads_per_date_and_source_and_changes_nothing(
    warehouse: Path, run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, three_days: list[dict[str, str]]
) -> None:
    models = capture(tmp_path, "models", synthetic_models([SCOUT]), MODELS_URL, "2026-08-03")
    run_import(run_cli, tmp_path, three_days[:1], "first-day")  # this warehouse: the first day only
    use_warehouse(monkeypatch, tmp_path / "elsewhere")
    run_import(run_cli, tmp_path, [*three_days, models], "all-days")  # another archive: every day
    elsewhere = tmp_path / "elsewhere" / "raw"
    monkeypatch.setenv("MODELSYNC_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("MODELSYNC_RAW_DIR", str(warehouse.parent / "raw"))
    before = (fingerprint(warehouse.parent), fingerprint(elsewhere))

    result = run_cli("backfill", "--dry-run", "--raw-dir", str(elsewhere))
    own = run_cli("backfill", "--dry-run", "--source", "openrouter")

    assert (result.code, own.code) == (0, 0), result.err + own.err
    assert (fingerprint(warehouse.parent), fingerprint(elsewhere)) == before
    assert result.out.splitlines() == [
        f"dry run: 3 payloads from {elsewhere} would load in 2 runs (one per date); 1 loaded before are skipped; "
        "nothing was written",
        "  date        source               payloads",
        "  2026-08-02  openrouter                  1",
        "  2026-08-03  openrouter                  2",
    ]
    assert own.out.splitlines() == [
        f"dry run: 0 payloads from {warehouse.parent / 'raw'} would load in 0 runs (one per date); 1 loaded before "
        "are skipped; nothing was written"
    ]


@pytest.mark.usefixtures("prefect_server")
def test_a_backfill_stopped_after_its_first_date_resumes_to_the_same_tables(
    warehouse: Path, run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, three_days: list[dict[str, str]]
) -> None:
    from flows import pipeline
    from flows.settings import settings_from_env

    run_import(run_cli, tmp_path, three_days, "all")
    raw = warehouse.parent / "raw"
    whole = use_warehouse(monkeypatch, tmp_path / "whole")
    assert run_cli("backfill", "--raw-dir", str(raw)).code == 0
    stopped = use_warehouse(monkeypatch, tmp_path / "stopped")
    settings = settings_from_env()
    label, first = next(pipeline.replay_plan(settings, raw).chunks())
    run = pipeline.chunk_run("backfill-stopped", label, ["openrouter"], pipeline.utc_now())
    pipeline.load_chunk(settings, run, pipeline.adopt_payloads(settings, raw, first))  # then the process died

    resumed = run_cli("backfill", "--raw-dir", str(raw))

    assert resumed.code == 0, resumed.err
    assert "ok; 2 payloads" in resumed.out
    assert "backfill: 2 payloads to load from" in resumed.err
    assert "1 loaded before" in resumed.err
    for sql in (HISTORY, "SELECT * EXCLUDE (recorded_at) FROM model_history ORDER BY ALL",
                "SELECT url, fetched_at, sha256, count(*) FROM payloads GROUP BY ALL ORDER BY ALL",
                "SELECT url, fetched_at, sha256, status, origin FROM raw_fetches ORDER BY ALL"):  # fmt: skip
        assert query(stopped, sql) == query(whole, sql), sql
    assert len((tmp_path / "stopped" / "raw" / "index.jsonl").read_text().splitlines()) == 3


@pytest.mark.usefixtures("prefect_server")
def test_backfill_reload_replays_payloads_already_loaded(
    warehouse: Path, run_cli, tmp_path: Path, three_days: list[dict[str, str]]
) -> None:
    run_import(run_cli, tmp_path, three_days, "all")
    history = query(warehouse, HISTORY)

    skipping = run_cli("backfill")
    reloading = run_cli("backfill", "--reload", "--from", "2026-08-02")

    assert (skipping.code, reloading.code) == (0, 0), skipping.err + reloading.err
    assert "backfill: 0 payloads to load from" in skipping.err
    assert "3 loaded before" in skipping.err
    assert "backfill: 2 payloads to load from" in reloading.err
    assert query(warehouse, "SELECT count(*) FROM runs WHERE kind = 'backfill'") == [(2,)]  # two dated, no empty one
    assert query(warehouse, HISTORY) == history


def test_backfill_chunks_are_dates_oldest_first_and_a_big_date_is_split() -> None:
    from datetime import datetime

    from flows.pipeline import backfill_chunks, chunk_run

    times = [datetime.fromisoformat(t) for t in ("2026-08-02T23:59:59+00:00", "2026-08-03T01:00:00+02:00",
                                                 "2026-08-01T10:00:00+00:00", "2026-08-02T00:00:00+00:00")]  # fmt: skip

    chunks = backfill_chunks(times, lambda t: t, limit=1)

    assert [(label, [t.isoformat() for t in part]) for label, part in chunks] == [
        ("2026-08-01", ["2026-08-01T10:00:00+00:00"]),
        ("2026-08-02", ["2026-08-02T00:00:00+00:00"]),
        ("2026-08-02#2", ["2026-08-03T01:00:00+02:00"]),  # 23:00 UTC on the 2nd
        ("2026-08-02#3", ["2026-08-02T23:59:59+00:00"]),
    ]
    assert [chunk_run("backfill-x", label, [], times[0]).run_id for label, _ in chunks] == [
        "backfill-x-20260801", "backfill-x-20260802", "backfill-x-20260802-2", "backfill-x-20260802-3"
    ]  # fmt: skip
    assert chunk_run("backfill-x", "", [], times[0]).run_id == "backfill-x"


@pytest.mark.usefixtures("prefect_server")
def test_a_backfill_date_whose_data_was_held_back_says_why_and_loads_when_run_again(
    warehouse: Path, run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = [synthetic_endpoint(f"p{n}", f"P{n}") for n in range(8)]
    for endpoint in bad[:7]:
        endpoint["context_length"] = -1  # 7 of 8 rows invalid: over the quarantine threshold
    days = [write_day(tmp_path, "2026-08-01", [synthetic_endpoint("groq", "Groq")]),
            write_day(tmp_path, "2026-08-02", bad)]  # fmt: skip
    run_import(run_cli, tmp_path, days[:1], "good")
    held = run_cli("import", days[1]["path"], "--url", days[1]["url"], "--fetched-at", days[1]["fetched_at"])
    assert held.code == 1  # archived, not loaded
    rebuilt = use_warehouse(monkeypatch, tmp_path / "rebuilt")

    first = run_cli("backfill", "--raw-dir", str(warehouse.parent / "raw"))

    assert first.code == 3
    assert "rows failed validation" in first.err  # the held-back date says why
    monkeypatch.setenv("MODELSYNC_MAX_QUARANTINED_FRACTION", "1")
    again = run_cli("backfill", "--raw-dir", str(warehouse.parent / "raw"))
    assert again.code == 3, again.err  # loads now, with its 7 bad rows quarantined
    assert query(rebuilt, "SELECT count(*) FROM endpoint_observations WHERE endpoint_key = 'p7'") == [(1,)]


def test_endpoints_as_of_reads_the_latest_1d_uptime_at_or_before_ts_from_the_daily_rollup(
    warehouse: Path, tmp_path: Path, run_cli
) -> None:
    measured = {"2026-08-01T02:00:00Z": 90.0, "2026-08-01T20:00:00Z": 91.0, "2026-08-02T10:00:00Z": 92.0,
                "2026-08-04T01:00:00Z": 93.0}  # fmt: skip
    lines = []
    for n, (at, uptime) in enumerate(measured.items()):
        endpoint = synthetic_endpoint("groq", "Groq")
        endpoint["uptime_last_1d"] = uptime
        line = capture(tmp_path, f"scout-{n}", synthetic_endpoints(SCOUT, [endpoint]), SCOUT_URL, at[:10])
        lines.append(line | {"fetched_at": at})
    run_import(run_cli, tmp_path, lines[2:], "later")  # out of order: the later days first
    run_import(run_cli, tmp_path, lines[:2], "earlier")
    instants = ["2026-08-01T01:00:00Z", "2026-08-01T02:00:00Z", "2026-08-01T12:00:00Z", "2026-08-01",
                "2026-08-02T09:59:59Z", "2026-08-02T10:00:00Z", "2026-08-03", "2026-08-04T00:30:00Z",
                "2026-08-05"]  # fmt: skip
    reference = """SELECT arg_max(uptime_pct, observed_at) FROM uptime_measurements
                   WHERE period = '1d' AND observed_at <= as_of_instant(?)"""

    for ts in instants:
        expected = query(warehouse, reference, [ts])[0][0]
        assert query(warehouse, "SELECT uptime_1d FROM endpoints_as_of(?)", [ts]) == (
            [] if expected is None else [(expected,)]  # no endpoint before its first observation
        ), ts
    assert query(warehouse, "SELECT day, uptime_pct FROM uptime_days ORDER BY day") == [
        (date(2026, 8, 1), 91.0), (date(2026, 8, 2), 92.0), (date(2026, 8, 4), 93.0)
    ]  # fmt: skip
    assert query(warehouse, "SELECT uptime_1d FROM endpoints") == [(93.0,)]
    # what the warehouse said once only the later days were loaded: the 08-02 measurement, whatever came after
    known = query(warehouse, "SELECT min(recorded_at) FROM uptime_measurements")[0][0]
    assert query(warehouse, "SELECT uptime_1d FROM endpoints_as_of('2026-08-03', known_at := ?)", [known]) == [(92.0,)]
