"""A sync SIGKILLed at each point of its work loses nothing and leaves nothing half-written.

The killed process is a real ``modelsync sync`` (``tests/crash_driver.py`` plants the kill);
afterwards the warehouse must open with its invariants holding and none of the killed
load visible, the archive must read back whole, and the next sync must complete and load
everything the killed run had archived, exactly once.
"""

from __future__ import annotations

import signal
from pathlib import Path

import duckdb
import pytest

from flows.doubles.mirror import Mirror, Reply
from flows.progress import counted
from tests.conftest import query, start_driver, synthetic_endpoint, synthetic_endpoints, synthetic_models, wait_until
from warehouse import history
from warehouse.archive import SHA256_HEX, read_body, read_index

pytestmark = pytest.mark.usefixtures("prefect_server")

MODEL_IDS = ["synthetic/model-a", "synthetic/model-b", "synthetic/model-c"]
SLOW = f"/api/v1/models/{MODEL_IDS[2]}/endpoints"


def serve(mirror: Mirror, max_out: int) -> None:
    """Three models; with ``max_out`` 4096 the last one also gains an endpoint."""
    mirror.script("/api/v1/models", Reply(200, synthetic_models(MODEL_IDS)))
    for model_id in MODEL_IDS:
        endpoints = [synthetic_endpoint("groq", "Groq", max_out), synthetic_endpoint("novita", "Novita", max_out)]
        if max_out == 4096 and model_id == MODEL_IDS[2]:
            endpoints.append(synthetic_endpoint("fireworks", "Fireworks", max_out))
        mirror.script(f"/api/v1/models/{model_id}/endpoints", Reply(200, synthetic_endpoints(model_id, endpoints)))


AFTER = sorted([(m, key, 4096) for m in MODEL_IDS for key in ("groq", "novita")] + [(MODEL_IDS[2], "fireworks", 4096)])


def endpoints(warehouse: Path) -> list[tuple[object, ...]]:
    return query(warehouse, "SELECT model_id, endpoint_key, max_output_tokens FROM endpoints ORDER BY ALL")


def killed_run(warehouse: Path) -> str:
    [(run_id,)] = query(warehouse, "SELECT run_id FROM runs WHERE status = 'running'")
    return str(run_id)


def assert_sound_after_the_kill(warehouse: Path, run_id: str) -> None:
    """The warehouse opens, keeps its invariants, and shows nothing of the killed load; the archive reads whole."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert history.invariant_violations(con) == []
        for table in ("payloads", "endpoint_observations", "model_observations", "snapshots", "uptime_measurements"):
            assert con.execute(f"SELECT count(*) FROM {table} WHERE run_id = ?", [run_id]).fetchall() == [(0,)], table
        assert endpoints_of(con) == sorted((m, key, 8192) for m in MODEL_IDS for key in ("groq", "novita"))
    finally:
        con.close()
    raw = warehouse.parent / "raw"
    for payload in read_index(raw):  # a torn last line is skipped; every line names a whole body
        assert read_body(raw, payload.sha256)
    objects = [p for p in (raw / "objects").rglob("*") if p.is_file()]
    assert all(SHA256_HEX.fullmatch(p.name.removesuffix(".gz")) for p in objects), objects


def endpoints_of(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute("SELECT model_id, endpoint_key, max_output_tokens FROM endpoints ORDER BY ALL").fetchall()


def assert_the_next_sync_loads_what_the_killed_run_archived_once(warehouse: Path, run_id: str, run_cli) -> None:
    archived = {(p.url, p.fetched_at, p.sha256) for p in read_index(warehouse.parent / "raw") if p.run_id == run_id}
    assert archived  # every kill point archives something before it dies

    result = run_cli("sync")

    assert result.code == 0, result.err
    assert (
        f"  recovered interrupted run {run_id}: {counted(len(archived), 'payload')} it had archived loaded "
        "under its id (now partial)\n"
    ) in result.out
    loaded = query(warehouse, "SELECT url, fetched_at, sha256, run_id, count(*) FROM payloads GROUP BY ALL")
    assert all(count == 1 for *_, count in loaded)
    assert archived == {(url, at, sha) for url, at, sha, loaded_by, _ in loaded if loaded_by == run_id}
    [(status, error)] = query(warehouse, f"SELECT status, error FROM runs WHERE run_id = '{run_id}'")
    assert status == "partial"
    assert str(error).startswith("interrupted: the process stopped before this run finished; run sync-")
    assert str(error).endswith(f" loaded the {len(archived)} payloads it had archived")
    assert query(warehouse, "SELECT count(*) FROM runs WHERE status = 'running'") == [(0,)]
    assert endpoints(warehouse) == AFTER
    assert not list((warehouse.parent / "raw" / "tmp").glob("*.tmp"))  # the torn temp file was swept


@pytest.mark.parametrize(
    ("point", "archived"),
    [
        ("archive-object", 1),  # the model list (a 304) was archived; the first endpoints body was half-written
        ("archive-index:2", 2),  # the list, and the first endpoints line before the tear
        ("load-insert", 4),  # everything was archived; the load died after inserting observations
        ("load-commit", 4),  # ... after everything but the COMMIT
    ],
    ids=["archive-object-write", "archive-index-append", "load-mid-transaction", "load-before-commit"],
)
def test_a_sync_killed_mid_way_leaves_a_sound_warehouse_and_the_next_sync_loads_its_archive_once(
    warehouse: Path, mirror: Mirror, run_cli, point: str, archived: int
) -> None:
    serve(mirror, 8192)
    assert run_cli("sync").code == 0
    serve(mirror, 4096)

    child = start_driver(point, "sync")
    _, err = child.communicate(timeout=120)

    assert child.returncode == -signal.SIGKILL, err
    run_id = killed_run(warehouse)
    assert len([p for p in read_index(warehouse.parent / "raw") if p.run_id == run_id]) == archived
    assert_sound_after_the_kill(warehouse, run_id)
    assert_the_next_sync_loads_what_the_killed_run_archived_once(warehouse, run_id, run_cli)


def test_a_sync_killed_while_fetching_leaves_a_sound_warehouse_and_the_next_sync_loads_its_archive_once(
    warehouse: Path, mirror: Mirror, run_cli
) -> None:
    serve(mirror, 8192)
    assert run_cli("sync").code == 0
    serve(mirror, 4096)
    body = synthetic_endpoints(MODEL_IDS[2], [synthetic_endpoint(k, k.title(), 4096)
                                              for k in ("groq", "novita", "fireworks")])  # fmt: skip
    mirror.script(SLOW, Reply(200, body, delay_s=60), Reply(200, body))

    asked = len(mirror.requests)
    child = start_driver("none", "sync")  # no planted point: killed from here, mid-request
    try:
        wait_until(lambda: SLOW in [p for p, _ in mirror.requests[asked:]], what="the slow request")
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=60)
    finally:
        child.kill()

    assert child.returncode == -signal.SIGKILL
    run_id = killed_run(warehouse)
    assert_sound_after_the_kill(warehouse, run_id)
    assert [p.url for p in read_index(warehouse.parent / "raw") if p.run_id == run_id] == [
        "https://openrouter.ai/api/v1/models"  # the list had been archived; the endpoints were in flight
    ]
    assert_the_next_sync_loads_what_the_killed_run_archived_once(warehouse, run_id, run_cli)


def test_an_import_finishes_a_killed_run_even_past_an_unreadable_index_line(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from tests.conftest import KIMI_AT, KIMI_FILE, KIMI_URL, capture
    from warehouse.archive import ArchivedPayload, archive_payloads, sha256_hex

    assert run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", KIMI_AT).code == 0
    dead = "import-20260826T020000-deadbeef"  # the state a process killed after archiving leaves
    con = duckdb.connect(str(warehouse))
    con.execute("INSERT INTO runs (run_id, kind, started_at, status, sources) VALUES (?, 'import', ?, 'running', "
                "['openrouter'])", [dead, datetime(2026, 8, 26, 2, tzinfo=UTC)])  # fmt: skip
    con.close()
    raw = warehouse.parent / "raw"
    with (raw / "index.jsonl").open("a") as index:
        index.write('{"source": "openrouter", "url": "synthetic unreadable line"}\n')
    body = synthetic_endpoints("moonshotai/kimi-k3", [synthetic_endpoint("fireworks", "Fireworks", 4096)])
    left = ArchivedPayload("openrouter", KIMI_URL, datetime(2026, 8, 26, 2, tzinfo=UTC), 200, sha256_hex(body),
                           len(body), "application/json", None, None, "import", dead)  # fmt: skip
    archive_payloads(raw, [(left, body)])
    other = capture(tmp_path, "endpoints", body, KIMI_URL, "2026-08-27")

    result = run_cli("import", other["path"], "--url", KIMI_URL, "--fetched-at", other["fetched_at"])

    assert result.code == 0, result.err
    assert f"  recovered interrupted run {dead}: 1 payload it had archived loaded under its id (now partial)\n" in (
        result.out
    )
    assert query(warehouse, f"SELECT status, starts_with(error, 'interrupted: ') FROM runs WHERE run_id = '{dead}'"
                 ) == [("partial", True)]  # fmt: skip
    loaded = query(warehouse, "SELECT r.kind, r.status, p.fetched_at FROM payloads p JOIN runs r USING (run_id)"
                              " ORDER BY p.fetched_at")  # fmt: skip
    assert loaded[1:] == [("import", "partial", datetime(2026, 8, 26, 2, tzinfo=UTC)),  # the killed run's, once
                          ("import", "ok", datetime(2026, 8, 27, 2, tzinfo=UTC))]  # fmt: skip
