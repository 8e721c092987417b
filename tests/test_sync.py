"""``modelsync sync`` against a real loopback mirror, through the real Prefect flow."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from flows.doubles.mirror import Mirror, Reply
from tests.conftest import query, synthetic_endpoint, synthetic_endpoints, synthetic_models

pytestmark = pytest.mark.usefixtures("prefect_server")

MODELS = "/api/v1/models"
SCOUT = "/api/v1/models/meta-llama/llama-4-scout/endpoints"
KIMI = "/api/v1/models/moonshotai/kimi-k3/endpoints"
SCOUT_URL = "https://openrouter.ai" + SCOUT


def serve_two_models(mirror: Mirror) -> None:
    mirror.script(MODELS, Reply(200, synthetic_models(["meta-llama/llama-4-scout", "moonshotai/kimi-k3"])))
    mirror.script(SCOUT, Reply(200, synthetic_endpoints("meta-llama/llama-4-scout", [
        synthetic_endpoint("deepinfra/fp8", "DeepInfra"), synthetic_endpoint("groq", "Groq")])))  # fmt: skip
    mirror.script(KIMI, Reply(200, synthetic_endpoints("moonshotai/kimi-k3", [
        synthetic_endpoint("fireworks", "Fireworks")])))  # fmt: skip


def current_endpoints(warehouse: Path) -> list[tuple[object, ...]]:
    return query(warehouse, "SELECT model_id, endpoint_key, max_output_tokens FROM endpoints ORDER BY ALL")


def test_sync_loads_models_and_endpoints_from_the_mirror(warehouse: Path, mirror: Mirror, run_cli) -> None:
    serve_two_models(mirror)

    result = run_cli("sync")

    assert result.code == 0, result.err
    assert "  endpoints: 3 new, 0 changed, 0 retired, 0 unchanged\n" in result.out
    assert current_endpoints(warehouse) == [
        ("meta-llama/llama-4-scout", "deepinfra/fp8", 8192),
        ("meta-llama/llama-4-scout", "groq", 8192),
        ("moonshotai/kimi-k3", "fireworks", 8192),
    ]
    assert query(warehouse, "SELECT model_id, name, creator FROM models ORDER BY model_id") == [
        ("meta-llama/llama-4-scout", "Synthetic: meta-llama/llama-4-scout", "Synthetic"),
        ("moonshotai/kimi-k3", "Synthetic: moonshotai/kimi-k3", "Synthetic"),
    ]
    assert query(warehouse, "SELECT DISTINCT url FROM raw_fetches ORDER BY url") == [
        ("https://openrouter.ai/api/v1/models",),
        ("https://openrouter.ai/api/v1/models/meta-llama/llama-4-scout/endpoints",),
        ("https://openrouter.ai/api/v1/models/moonshotai/kimi-k3/endpoints",),
    ]
    assert all(headers["user-agent"].startswith("modelsync/") for _, headers in mirror.requests)


def test_sync_survives_a_429_with_retry_after_and_a_500_that_then_succeeds(
    warehouse: Path, mirror: Mirror, run_cli
) -> None:
    serve_two_models(mirror)
    mirror.script(MODELS, Reply(429, headers={"Retry-After": "1"}),
                  Reply(200, synthetic_models(["meta-llama/llama-4-scout", "moonshotai/kimi-k3"])))  # fmt: skip
    scout = synthetic_endpoints("meta-llama/llama-4-scout", [synthetic_endpoint("groq", "Groq")])
    mirror.script(SCOUT, Reply(500), Reply(200, scout))

    result = run_cli("sync")

    assert result.code == 0, result.err
    asked = [path for path, _ in mirror.requests]
    assert asked.count(MODELS) == 2
    assert asked.count(SCOUT) == 2
    assert current_endpoints(warehouse) == [
        ("meta-llama/llama-4-scout", "groq", 8192),
        ("moonshotai/kimi-k3", "fireworks", 8192),
    ]
    assert query(warehouse, "SELECT status, failed_urls FROM runs") == [("ok", [])]


def test_a_url_that_keeps_failing_gives_a_partial_run_and_retires_nothing_of_its_model(
    warehouse: Path, mirror: Mirror, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_two_models(mirror)
    assert run_cli("sync").code == 0
    monkeypatch.setenv("MODELSYNC_RETRY_ATTEMPTS", "2")
    mirror.script(SCOUT, Reply(500))
    mirror.script(KIMI, Reply(200, synthetic_endpoints("moonshotai/kimi-k3", [
        synthetic_endpoint("fireworks", "Fireworks", max_out=4096)])))  # fmt: skip

    result = run_cli("sync")

    assert result.code == 3
    assert f"failed: {SCOUT_URL}: HTTP 500 (gave up after 2 attempts)" in result.err
    assert result.err.strip().splitlines()[-1] == "modelsync: partial run: 1 URL failed or was quarantined"
    assert current_endpoints(warehouse) == [
        ("meta-llama/llama-4-scout", "deepinfra/fp8", 8192),
        ("meta-llama/llama-4-scout", "groq", 8192),
        ("moonshotai/kimi-k3", "fireworks", 4096),
    ]
    assert query(warehouse, "SELECT count(*) FROM endpoint_history WHERE is_deleted") == [(0,)]
    runs = query(warehouse, "SELECT status, failed_urls FROM runs ORDER BY started_at")
    assert runs == [("ok", []), ("partial", [{"url": SCOUT_URL, "reason": "HTTP 500 (gave up after 2 attempts)"}])]

    status = run_cli("status")  # the failed URL is counted against its source, with that source's own counts
    cells = [[cell.strip() for cell in line.split("│")[1:-1]] for line in status.out.splitlines() if "│" in line]
    shown = {row[0]: (row[2], *row[4:7]) for row in cells}
    assert shown["openrouter"] == ("partial", "2", "3", "1")
    assert shown["catalog"] == ("NULL", "NULL", "NULL", "NULL")


def test_an_endpoint_absent_from_a_complete_listing_is_retired(warehouse: Path, mirror: Mirror, run_cli) -> None:
    serve_two_models(mirror)
    assert run_cli("sync").code == 0
    mirror.script(SCOUT, Reply(200, synthetic_endpoints("meta-llama/llama-4-scout", [
        synthetic_endpoint("deepinfra/fp8", "DeepInfra")])))  # fmt: skip

    result = run_cli("sync")

    assert result.code == 0
    assert "  endpoints: 0 new, 0 changed, 1 retired, 2 unchanged\n" in result.out
    assert "  models: 0 new, 0 changed, 0 retired, 2 unchanged\n" in result.out
    assert current_endpoints(warehouse) == [
        ("meta-llama/llama-4-scout", "deepinfra/fp8", 8192),
        ("moonshotai/kimi-k3", "fireworks", 8192),
    ]
    history = query(warehouse, "SELECT is_deleted, valid_to IS NULL FROM endpoint_history "
                               "WHERE endpoint_key = 'groq' ORDER BY valid_from")  # fmt: skip
    assert history == [(False, False), (True, True)]


def test_an_unchanged_payload_is_answered_304_and_still_observed(warehouse: Path, mirror: Mirror, run_cli) -> None:
    serve_two_models(mirror)
    assert run_cli("sync").code == 0

    assert run_cli("sync").code == 0

    second_run = [headers for _, headers in mirror.requests[3:]]
    assert all("if-none-match" in headers for headers in second_run)
    statuses = query(warehouse, "SELECT status, count(*) FROM raw_fetches GROUP BY status ORDER BY status")
    assert statuses == [(200, 3), (304, 3)]
    assert query(warehouse, "SELECT count(*) FROM endpoint_observations") == [(6,)]
    assert query(warehouse, "SELECT count(*) FROM endpoint_history") == [(3,)]
    with duckdb.connect(str(warehouse)) as con:  # the first sync's 200s a month older, to tell them from the 304s
        con.execute("UPDATE payloads SET fetched_at = fetched_at - INTERVAL 30 DAY WHERE status = 200")
    newest_304 = query(warehouse, "SELECT strftime(max(fetched_at), '%Y-%m-%d %H:%M') FROM raw_fetches")[0][0]
    status = run_cli("status")  # a 304 confirms the data as fresh as a 200 would
    cells = [[cell.strip() for cell in line.split("│")[1:-1]] for line in status.out.splitlines() if "│" in line]
    assert [row[7] for row in cells if row[0] == "openrouter"] == [newest_304]  # newest_data


def test_a_second_writer_exits_4_naming_the_holder(warehouse: Path, run_cli) -> None:
    from datetime import UTC, datetime

    from flows.lock import warehouse_lock

    with warehouse_lock(warehouse, "sync", datetime(2026, 8, 25, tzinfo=UTC)):
        result = run_cli("sync")

    assert result.code == 4
    assert "'modelsync sync'" in result.err
    assert "since 2026-08-25" in result.err


def test_the_api_key_is_sent_but_never_stored(
    warehouse: Path, mirror: Mirror, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "synthetic-secret-key-1234"
    monkeypatch.setenv("OPENROUTER_API_KEY", secret)
    serve_two_models(mirror)

    assert run_cli("sync").code == 0

    assert {headers["authorization"] for _, headers in mirror.requests} == {f"Bearer {secret}"}
    stored = [p for p in warehouse.parent.rglob("*") if p.is_file()]
    assert stored
    assert not [p for p in stored if secret.encode() in p.read_bytes()]


def test_a_model_list_that_keeps_failing_fails_the_run_and_retires_nothing(
    warehouse: Path, mirror: Mirror, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_two_models(mirror)
    assert run_cli("sync").code == 0
    monkeypatch.setenv("MODELSYNC_RETRY_ATTEMPTS", "1")
    mirror.script(MODELS, Reply(503))

    result = run_cli("sync")

    assert result.code == 1
    assert result.err.splitlines()[-1] == "modelsync: HTTP 503 (gave up after 1 attempt)"
    assert len(current_endpoints(warehouse)) == 3
    assert query(warehouse, "SELECT count(*) FROM models") == [(2,)]
    assert query(warehouse, "SELECT status FROM runs ORDER BY started_at") == [("ok",), ("failed",)]


def test_a_model_list_with_a_changed_layout_is_quarantined_not_loaded_as_nulls(
    warehouse: Path, mirror: Mirror, run_cli
) -> None:
    mirror.script(MODELS, Reply(200, b'{"models": [{"slug": "synthetic/renamed-layout"}]}'))

    result = run_cli("sync")

    assert result.code == 1
    assert "openrouter payload does not parse: expected a 'data' list of models" in result.err
    assert query(warehouse, "SELECT url, status FROM raw_fetches") == [("https://openrouter.ai/api/v1/models", 200)]
    assert query(warehouse, "SELECT count(*) FROM model_observations") == [(0,)]
    assert query(warehouse, "SELECT count(*) FROM quarantine") == [(1,)]


def test_the_console_script_exits_3_on_a_partial_run(
    warehouse: Path, mirror: Mirror, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import shutil
    import subprocess

    from prefect.settings import PREFECT_API_URL

    serve_two_models(mirror)
    mirror.script(KIMI, Reply(500))
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "MODELSYNC_RETRY_ATTEMPTS": "2"}
    executable = shutil.which("modelsync")
    assert executable is not None

    done = subprocess.run([executable, "sync"], env=env, capture_output=True, text=True, timeout=120, check=False)

    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines() == [
        f"  failed: https://openrouter.ai{KIMI}: HTTP 500 (gave up after 2 attempts)",
        "modelsync: partial run: 1 URL failed or was quarantined",
    ]
    assert done.stdout.splitlines()[1:] == [
        "  models: 2 new, 0 changed, 0 retired, 0 unchanged",
        "  endpoints: 2 new, 0 changed, 0 retired, 0 unchanged",
    ]


def test_a_404_on_an_endpoints_page_is_positive_evidence_and_retires_its_endpoints(
    warehouse: Path, mirror: Mirror, run_cli
) -> None:
    serve_two_models(mirror)
    assert run_cli("sync").code == 0
    mirror.script(SCOUT, Reply(404, b'{"error": {"code": 404, "message": "No endpoints found"}}'))

    result = run_cli("sync")

    assert result.code == 0, result.err
    assert "  endpoints: 0 new, 0 changed, 2 retired, 1 unchanged\n" in result.out
    assert current_endpoints(warehouse) == [("moonshotai/kimi-k3", "fireworks", 8192)]
    assert query(warehouse, "SELECT evidence, complete FROM snapshots WHERE key_count = 0") == [
        ("endpoints page answered 404/410", True)
    ]
    assert query(warehouse, "SELECT status FROM raw_fetches WHERE url LIKE '%llama-4-scout%' ORDER BY fetched_at") == [
        (200,),
        (404,),
    ]
