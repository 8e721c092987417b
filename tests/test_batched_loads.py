"""Runs loaded a batch at a time, and backfills planned a date at a time, give the tables of one whole load.

``MODELSYNC_LOAD_BATCH_MB`` set tiny makes every payload a batch of its own: an import (or a
backfill's run, or a recovered run) is then parsed and loaded one payload at a time, still
in one transaction. These tests compare every table and view with the same load made whole.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, capture, query, synthetic_endpoint, synthetic_endpoints, synthetic_models

MODELS_URL = "https://openrouter.ai/api/v1/models"
A, B, C, D = (f"synthetic/model-{name}" for name in "abcd")
ONE_PAYLOAD = "0.000001"  # MB: every payload is a batch of its own
LOG_TABLES = ("runs", "schema_migrations", "schema_views", "identity_state")  # when, not what


def models_day(tmp_path: Path, day: str, models: list[str]) -> dict[str, str]:
    return capture(tmp_path, f"models_{len(models)}", synthetic_models(models), MODELS_URL, day)


def endpoints_day(tmp_path: Path, day: str, model_id: str, endpoints: list[dict[str, object]]) -> dict[str, str]:
    name = f"endpoints_{model_id.rsplit('-', 1)[1]}"
    return capture(tmp_path, name, synthetic_endpoints(model_id, endpoints), f"{MODELS_URL}/{model_id}/endpoints", day)


@pytest.fixture
def six_days(tmp_path: Path) -> list[dict[str, str]]:
    """Six days of lists and endpoints: a model retired and back, a new one, endpoints changed and gone; shuffled."""
    lists = {"2026-08-01": [A, B, C], "2026-08-02": [A, B, C], "2026-08-03": [A, B], "2026-08-04": [A, B, C],
             "2026-08-05": [A, B, C, D], "2026-08-06": [A, B, C, D]}  # fmt: skip
    groq = {"2026-08-01": (8192, "0.0000001"), "2026-08-02": (4096, "0.0000001"),
            "2026-08-03": (4096, "0.0000001"), "2026-08-04": (4096, "0.0000003"),
            "2026-08-05": (4096, "0.0000003"), "2026-08-06": (2048, "0.0000003")}  # fmt: skip
    lines = []
    for day, models in lists.items():
        lines.append(models_day(tmp_path, day, models))
        a = [synthetic_endpoint("groq", "Groq", *groq[day])]
        if day < "2026-08-05":
            a.append(synthetic_endpoint("novita", "Novita", 8192))
        lines.append(endpoints_day(tmp_path, day, A, a))
        if day in ("2026-08-01", "2026-08-03", "2026-08-06"):
            lines.append(endpoints_day(tmp_path, day, B, [synthetic_endpoint("groq", "Groq", 16384)]))
    order = [7, 0, 12, 3, 9, 1, 14, 5, 10, 2, 13, 4, 8, 6, 11]
    assert sorted(order) == list(range(len(lines)))
    return [lines[n] for n in order]


def use(monkeypatch: pytest.MonkeyPatch, root: Path, batch_mb: str | None) -> Path:
    """Point the CLI at the warehouse under ``root``, loading ``batch_mb`` at a time (None: the default)."""
    monkeypatch.setenv("MODELSYNC_WAREHOUSE", str(root / "modelsync.duckdb"))
    monkeypatch.setenv("MODELSYNC_RAW_DIR", str(root / "raw"))
    if batch_mb is None:
        monkeypatch.delenv("MODELSYNC_LOAD_BATCH_MB", raising=False)
    else:
        monkeypatch.setenv("MODELSYNC_LOAD_BATCH_MB", batch_mb)
    return root / "modelsync.duckdb"


def manifest_of(tmp_path: Path, lines: list[dict[str, str]], name: str) -> str:
    manifest = tmp_path / f"{name}.jsonl"
    manifest.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return str(manifest)


def contents(warehouse: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every view and table, row for row, without what differs between two loads of the same data.

    Left out: when each row was recorded (``recorded_at``; whether it is superseded is kept),
    run ids, archive paths, and the tables that log when things happened rather than what.
    """
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT internal UNION ALL "
            "SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal ORDER BY 1"
        ).fetchall()
        found = {}
        for (name,) in names:
            if name in LOG_TABLES:
                continue
            columns = [row[0] for row in con.execute(f"DESCRIBE {name}").fetchall()]
            kept = [f'"{c}"' for c in columns if c not in ("recorded_at", "superseded_at", "run_id", "path")]
            if "superseded_at" in columns:
                kept.append("superseded_at IS NULL AS held")
            found[name] = con.execute(f"SELECT {', '.join(kept)} FROM {name} ORDER BY ALL").fetchall()
        return found
    finally:
        con.close()


def run_row(warehouse: Path, kind: str = "import") -> list[tuple[object, ...]]:
    sql = ("SELECT kind, status, payloads, observations, new_versions, measurements, quarantined, failed_urls, error"
           f" FROM runs WHERE kind = '{kind}' ORDER BY started_at")  # fmt: skip
    return query(warehouse, sql)


def test_a_manifest_imported_a_payload_at_a_time_gives_the_tables_of_one_whole_load(
    tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch, six_days: list[dict[str, str]]
) -> None:
    manifest = manifest_of(tmp_path, six_days, "six-days")
    whole = use(monkeypatch, tmp_path / "whole", None)
    assert run_cli("import", "--manifest", manifest).code == 0
    batched = use(monkeypatch, tmp_path / "batched", ONE_PAYLOAD)

    result = run_cli("import", "--manifest", manifest)

    assert result.code == 0, result.err
    assert contents(batched) == contents(whole)
    assert run_row(batched) == run_row(whole) == [("import", "ok", 15, 32, 13, 39, 0, [], None)]
    assert query(batched, "SELECT count(*) FROM endpoint_versions WHERE superseded_at IS NOT NULL") == [(0,)]
    assert query(batched, "SELECT model_id, endpoint_key, max_output_tokens, valid_from, valid_to FROM endpoint_history"
                          " WHERE endpoint_key = 'groq' AND model_id LIKE '%-a' ORDER BY valid_from") == [
        (A, "groq", 8192, datetime(2026, 8, 1, 2, tzinfo=UTC), datetime(2026, 8, 2, 2, tzinfo=UTC)),
        (A, "groq", 4096, datetime(2026, 8, 2, 2, tzinfo=UTC), datetime(2026, 8, 4, 2, tzinfo=UTC)),
        (A, "groq", 4096, datetime(2026, 8, 4, 2, tzinfo=UTC), datetime(2026, 8, 6, 2, tzinfo=UTC)),
        (A, "groq", 2048, datetime(2026, 8, 6, 2, tzinfo=UTC), None),
    ]  # fmt: skip


def test_older_days_imported_a_payload_at_a_time_under_newer_history_give_the_tables_of_one_whole_load(
    tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch, six_days: list[dict[str, str]]
) -> None:
    newer = manifest_of(tmp_path, [line for line in six_days if line["fetched_at"] >= "2026-08-04"], "newer")
    older = manifest_of(tmp_path, [line for line in six_days if line["fetched_at"] < "2026-08-04"], "older")
    found = []
    for name, batch_mb in (("whole", None), ("batched", ONE_PAYLOAD)):
        warehouse = use(monkeypatch, tmp_path / name, None)
        assert run_cli("import", "--manifest", newer).code == 0
        use(monkeypatch, tmp_path / name, batch_mb)

        result = run_cli("import", "--manifest", older)

        assert result.code == 0, result.err
        found.append((contents(warehouse), run_row(warehouse)))
    assert found[1] == found[0]
    assert query(warehouse, "SELECT count(*) FROM model_versions WHERE superseded_at IS NOT NULL") != [(0,)]


def test_a_run_over_the_quarantine_threshold_only_in_total_lands_no_data_when_loaded_a_payload_at_a_time(
    tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = []
    for day in ("2026-08-01", "2026-08-02", "2026-08-03", "2026-08-04"):
        endpoints = [synthetic_endpoint(f"p{n}", f"Provider {n}") for n in range(5)]
        for endpoint in endpoints[:3]:
            endpoint["context_length"] = -1  # 3 bad rows of 20 a payload (5 pass): 12 of 80 in all do not
        lines.append(endpoints_day(tmp_path, day, A, endpoints))
    manifest = manifest_of(tmp_path, lines, "bad-rows")
    whole = use(monkeypatch, tmp_path / "whole", None)
    assert run_cli("import", "--manifest", manifest).code == 1
    batched = use(monkeypatch, tmp_path / "batched", ONE_PAYLOAD)

    result = run_cli("import", "--manifest", manifest)

    assert result.code == 1
    assert result.err.splitlines()[-1] == (
        "modelsync: 12 of 80 rows failed validation (over the 10% threshold): nothing loaded; see the quarantine table"
    )
    assert contents(batched) == contents(whole)
    assert run_row(batched) == run_row(whole)
    assert query(batched, "SELECT count(*) FROM quarantine") == [(12,)]
    assert query(batched, "SELECT count(*) FROM endpoint_observations") == [(0,)]


def test_an_import_killed_between_its_batches_lands_nothing_and_the_next_writer_loads_it_whole(
    tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch, six_days: list[dict[str, str]]
) -> None:
    manifest = manifest_of(tmp_path, six_days, "six-days")
    whole = use(monkeypatch, tmp_path / "whole", None)
    assert run_cli("import", "--manifest", manifest).code == 0
    killed = use(monkeypatch, tmp_path / "killed", ONE_PAYLOAD)
    env = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
    driver = [sys.executable, str(ROOT / "tests" / "crash_driver.py"), "load-commit:3", "import", "--manifest"]

    died = subprocess.run([*driver, manifest], env=env, cwd=ROOT, capture_output=True, text=True, check=False)

    assert died.returncode == -9, died.stderr  # SIGKILLed inside the transaction, after its third batch
    [(run_id, status)] = query(killed, "SELECT run_id, status FROM runs")
    assert status == "running"
    for table in ("payloads", "endpoint_observations", "model_observations", "snapshots", "endpoint_versions"):
        assert query(killed, f"SELECT count(*) FROM {table}") == [(0,)], table
    again = run_cli("import", "--manifest", manifest)
    assert again.code == 0, again.err
    assert f"  recovered interrupted run {run_id}: 15 payloads it had archived loaded under its id (now partial)\n" in (
        again.out
    )
    assert contents(killed) == contents(whole)


def test_a_backfill_of_payloads_loaded_a_payload_at_a_time_gives_the_tables_of_one_whole_load(
    tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch, six_days: list[dict[str, str]]
) -> None:
    source = use(monkeypatch, tmp_path / "source", None)
    assert run_cli("import", "--manifest", manifest_of(tmp_path, six_days, "six-days")).code == 0
    raw = str(source.parent / "raw")
    found = []
    for name, batch_mb in (("whole", None), ("batched", ONE_PAYLOAD)):
        warehouse = use(monkeypatch, tmp_path / name, batch_mb)

        result = run_cli("backfill", "--raw-dir", raw)

        assert result.code == 0, result.err
        assert "backfill: 15 payloads to load from" in result.err
        found.append((contents(warehouse), run_row(warehouse, "backfill")))
    assert found[1] == found[0]
    assert len(found[0][1]) == 6  # a run a date
    assert contents(warehouse)["endpoint_history"] == contents(source)["endpoint_history"]


def test_a_replay_plan_holds_offsets_and_gives_each_date_its_payloads_as_the_whole_index_would(
    tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch, six_days: list[dict[str, str]]
) -> None:
    from flows import pipeline
    from flows.settings import settings_from_env
    from warehouse.archive import read_index

    source = use(monkeypatch, tmp_path / "source", None)
    assert run_cli("import", "--manifest", manifest_of(tmp_path, six_days[:9], "some")).code == 0
    assert run_cli("import", "--manifest", manifest_of(tmp_path, six_days, "all")).code == 0  # 9 listed twice
    raw = source.parent / "raw"
    index = raw / "index.jsonl"
    index.write_text(index.read_text() + index.read_text().splitlines(keepends=True)[0])  # a line repeated
    use(monkeypatch, tmp_path / "partly", None)
    assert run_cli("import", "--manifest", manifest_of(tmp_path, six_days[:4], "four")).code == 0
    settings = settings_from_env()
    since, until = datetime(2026, 8, 2, tzinfo=UTC), datetime(2026, 8, 6, tzinfo=UTC)

    plan = pipeline.replay_plan(settings, raw, since, until, ["openrouter"], limit=2)

    everything = [p for p in read_index(raw) if since <= p.fetched_at < until]  # what a backfill held before
    unique = list({(p.url, p.fetched_at, p.sha256, p.status): p
                   for p in sorted(everything, key=lambda p: (p.fetched_at, p.url))}.values())  # fmt: skip
    loaded = {(p.url, p.fetched_at, p.sha256) for p in read_index(settings.raw_dir)}
    fresh = [p for p in unique if (p.url, p.fetched_at, p.sha256) not in loaded]
    assert [(label, [(p.url, p.fetched_at) for p in part]) for label, part in plan.chunks()] == [
        (label, [(p.url, p.fetched_at) for p in part])
        for label, part in pipeline.backfill_chunks(fresh, lambda p: p.fetched_at, limit=2)
    ]
    assert [day for day, _ in plan.dates] == ["2026-08-02", "2026-08-03", "2026-08-04", "2026-08-05"]
    assert all(offsets.itemsize == 8 for _, offsets in plan.dates)
    assert (plan.payloads, plan.loaded, plan.runs) == (len(fresh), len(unique) - len(fresh), len(list(plan.chunks())))
    assert plan.loaded > 0


def test_payload_batches_are_oldest_first_and_hold_at_most_the_limit_unless_one_payload_is_larger() -> None:
    from flows.pipeline import payload_batches
    from warehouse.archive import ArchivedPayload

    def payload(day: int, size: int, url: str = MODELS_URL) -> ArchivedPayload:
        return ArchivedPayload("openrouter", url, datetime(2026, 8, day, tzinfo=UTC), 200, f"{day:064x}", size)

    payloads = [payload(3, 40), payload(1, 30), payload(2, 500), payload(1, 30, f"{MODELS_URL}/x/endpoints"),
                payload(4, 60)]  # fmt: skip

    batches = payload_batches(payloads, 100)

    assert [[(p.fetched_at.day, p.bytes) for p in batch] for batch in batches] == [
        [(1, 30), (1, 30)], [(2, 500)], [(3, 40), (4, 60)]
    ]  # fmt: skip


def test_a_write_connection_caps_duckdb_memory_so_a_load_spills_rather_than_grows(warehouse: Path) -> None:
    from warehouse import db

    con = db.open_for_write(warehouse, datetime(2026, 8, 1, tzinfo=UTC))
    try:
        assert con.execute("SELECT current_setting('memory_limit')").fetchall() == [("488.2 MiB",)]
    finally:
        con.close()


@st.composite
def snapshot(draw: st.DrawFn, day: int) -> list[tuple[str, bytes]]:
    """One day's synthetic payloads: maybe a model list (of few models: maybe judged incomplete), endpoints pages."""
    payloads = []
    if draw(st.booleans()):
        document = json.loads(synthetic_models(sorted(draw(st.lists(st.sampled_from([A, B, C]), unique=True)))))
        for model in document["data"]:  # a volatile field, and a versioned one
            model["description"] = draw(st.sampled_from(["d1", "d2"]))
            model["context_length"] = draw(st.sampled_from([1000, 2000]))
        payloads.append((MODELS_URL, json.dumps(document).encode()))
    for model in draw(st.lists(st.sampled_from([A, B]), unique=True, min_size=1)):
        endpoints = []
        for tag in draw(st.lists(st.sampled_from(["groq", "novita", "together"]), unique=True)):
            endpoint = synthetic_endpoint(tag, tag.title(), draw(st.sampled_from([4096, 8192, None])),
                                          draw(st.sampled_from(["0.0000001", "0.0000002"])))  # fmt: skip
            endpoint["uptime_last_1d"] = 99.0 - day
            endpoints.append(endpoint)
        payloads.append((f"{MODELS_URL}/{model}/endpoints", synthetic_endpoints(model, endpoints)))
    return payloads


@st.composite
def split_runs(draw: st.DrawFn) -> tuple[list[tuple[int, str, bytes]], list[list[tuple[int, str, bytes]]]]:
    """History loaded before (one run), and a run's payloads split into batches oldest first, any dates."""
    days = draw(st.lists(st.integers(min_value=0, max_value=5), unique=True, min_size=1, max_size=4))
    before = [(day, url, body) for day in days[:-1] if draw(st.booleans()) for url, body in draw(snapshot(day))]
    run = sorted([(day, url, body) for day in days for url, body in draw(snapshot(day))], key=lambda p: p[:2])
    batches: list[list[tuple[int, str, bytes]]] = []
    for payload in run:
        if batches and draw(st.booleans()):
            batches[-1].append(payload)
        else:
            batches.append([payload])
    return before, batches


def history_tables(
    before: list[tuple[int, str, bytes]], batches: list[list[tuple[int, str, bytes]]]
) -> dict[str, list[tuple[object, ...]]]:
    """Every table of an in-memory warehouse after ``before`` (one run), then ``batches`` as one run."""
    from flows import pipeline
    from flows.settings import settings_from_env
    from warehouse import db, history
    from warehouse.archive import ArchivedPayload, sha256_hex
    from warehouse.history.batches import load_batches

    settings = settings_from_env({"MODELSYNC_WAREHOUSE": ":memory:", "MODELSYNC_RAW_DIR": "/nonexistent"})
    day0 = datetime(2026, 8, 1, 2, tzinfo=UTC)
    con = duckdb.connect()
    db.apply_migrations(con, day0)

    def parsed(run: object, part: list[tuple[int, str, bytes]], now: datetime) -> object:
        payloads = [ArchivedPayload("openrouter", url, day0 + timedelta(days=day), 200, sha256_hex(body), len(body))
                    for day, url, body in part]  # fmt: skip
        return pipeline.parse_archived(settings, run, payloads, now, {sha256_hex(b): b for *_, b in part}).batch  # type: ignore[arg-type]

    try:
        for n, part in enumerate([before, *batches][:1] if before else []):
            now = day0 + timedelta(days=30, minutes=n)
            run = history.RunRecord(f"import-{n}", "import", now, ("openrouter",))
            history.record_run_start(con, run)
            history.load_batch(con, parsed(run, part, now))  # type: ignore[arg-type]
        now = day0 + timedelta(days=31)
        run = history.RunRecord("import-batched", "import", now, ("openrouter",))
        history.record_run_start(con, run)
        load_batches(con, (parsed(run, part, now) for part in batches), lambda: run)  # type: ignore[misc]
        tables = [name for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary"
        ).fetchall()]  # fmt: skip
        return {name: con.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall() for name in tables}
    finally:
        con.close()


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], deadline=None)
@given(runs=split_runs())
def test_a_run_loaded_in_any_batches_in_one_transaction_leaves_every_table_as_one_whole_load(
    runs: tuple[list[tuple[int, str, bytes]], list[list[tuple[int, str, bytes]]]],
) -> None:
    before, batches = runs

    batched, whole = history_tables(before, batches), history_tables(before, [[p for part in batches for p in part]])

    assert [name for name, rows in whole.items() if batched[name] != rows] == []
    assert batched == whole
