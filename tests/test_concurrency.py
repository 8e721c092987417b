"""Two processes at once: one writer at a time, readers wait or say a sync is loading, the archive stays whole."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.doubles.mirror import Mirror, Reply
from tests.conftest import (
    KIMI_AT,
    KIMI_FILE,
    KIMI_URL,
    ROOT,
    capture,
    query,
    start_driver,
    synthetic_endpoint,
    synthetic_endpoints,
    synthetic_models,
    wait_until,
)
from warehouse.archive import read_body, read_index

MODEL_IDS = ["synthetic/model-a", "synthetic/model-b"]
SLOW = f"/api/v1/models/{MODEL_IDS[1]}/endpoints"


def serve(mirror: Mirror) -> None:
    mirror.script("/api/v1/models", Reply(200, synthetic_models(MODEL_IDS)))
    for model_id in MODEL_IDS:
        body = synthetic_endpoints(model_id, [synthetic_endpoint("groq", "Groq")])
        mirror.script(f"/api/v1/models/{model_id}/endpoints", Reply(200, body))


@pytest.fixture
def paused(tmp_path: Path) -> dict[str, str]:
    """Files through which a test holds a child's load open (``pause-load``) and lets it go."""
    return {"CRASH_MARKER": str(tmp_path / "loading"), "CRASH_RELEASE": str(tmp_path / "release")}


@pytest.fixture
def loading_sync(mirror: Mirror, paused: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """A ``modelsync sync`` in a child process, held inside its load transaction until ``CRASH_RELEASE`` exists."""
    serve(mirror)
    child = start_driver("pause-load", "sync", extra_env=paused)
    try:
        wait_until(lambda: Path(paused["CRASH_MARKER"]).exists(), what="the sync to be inside its load")
        yield child
    finally:
        child.kill()
        child.communicate(timeout=60)


@pytest.mark.usefixtures("prefect_server")
def test_a_second_sync_while_one_runs_exits_4_at_once_naming_the_holder(
    warehouse: Path, mirror: Mirror, run_cli
) -> None:
    serve(mirror)
    body = synthetic_endpoints(MODEL_IDS[1], [synthetic_endpoint("groq", "Groq")])
    mirror.script(SLOW, Reply(200, body, delay_s=60))
    first = start_driver("none", "sync")
    try:
        # The list, then both endpoints pages at once: wait for all three, the slow one hanging.
        wait_until(lambda: len(mirror.requests) >= 3 and SLOW in [p for p, _ in mirror.requests],
                   what="the first sync to be fetching")  # fmt: skip
        asked = len(mirror.requests)

        second = run_cli("sync")

        assert second.code == 4
        assert second.err.count("\n") == 1
        assert second.err.startswith(
            f"modelsync: {warehouse} is busy: 'modelsync sync' (pid {first.pid}) holds it since"
        )
        assert len(mirror.requests) == asked  # it fetched nothing
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=60)


@pytest.mark.usefixtures("prefect_server")
def test_sql_while_a_sync_loads_waits_for_the_write_lock_then_answers(
    warehouse: Path, loading_sync: subprocess.Popen[str], run_cli, paused: dict[str, str]
) -> None:
    release = threading.Timer(0.3, Path(paused["CRASH_RELEASE"]).touch)  # sql starts waiting, then the load ends
    release.start()

    result = run_cli("sql", "SELECT count(*) AS endpoints FROM endpoints", "--format", "csv")

    assert result.code == 0, result.err
    assert result.out == "endpoints\n2\n"  # it waited for the load to commit, then read it
    assert loading_sync.wait(timeout=60) == 0


@pytest.mark.usefixtures("prefect_server")
def test_sql_while_a_sync_keeps_loading_says_a_sync_is_loading(
    warehouse: Path, loading_sync: subprocess.Popen[str], run_cli, paused: dict[str, str]
) -> None:
    result = run_cli("sql", "SELECT count(*) FROM endpoints")

    assert result.code == 4
    assert result.err.count("\n") == 1
    assert result.err.startswith(
        f"modelsync: {warehouse} is being written: 'modelsync sync' (pid {loading_sync.pid}) holds it since "
    )
    assert result.err.endswith("DuckDB lets no reader in while it loads (waited 5 s); try again when it finishes\n")
    Path(paused["CRASH_RELEASE"]).touch()
    assert loading_sync.wait(timeout=60) == 0


@pytest.mark.usefixtures("prefect_server")
def test_a_second_import_while_one_loads_exits_4_and_the_archive_holds_only_the_first(
    warehouse: Path, run_cli, paused: dict[str, str], tmp_path: Path
) -> None:
    child = start_driver("pause-load", "import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", KIMI_AT,
                         extra_env=paused)  # fmt: skip
    try:
        wait_until(lambda: Path(paused["CRASH_MARKER"]).exists(), what="the first import to be inside its load")
        other = capture(tmp_path, "endpoints", synthetic_endpoints("moonshotai/kimi-k3", []), KIMI_URL, "2026-08-26")

        second = run_cli("import", other["path"], "--url", KIMI_URL, "--fetched-at", other["fetched_at"])

        assert second.code == 4
        assert f"'modelsync import' (pid {child.pid}) holds it since" in second.err
        Path(paused["CRASH_RELEASE"]).touch()
        assert child.wait(timeout=60) == 0
    finally:
        child.kill()
    raw = warehouse.parent / "raw"
    index = list(read_index(raw))
    assert [(p.url, p.origin) for p in index] == [(KIMI_URL, "import")]
    assert read_body(raw, index[0].sha256) == KIMI_FILE.read_bytes()
    assert query(warehouse, "SELECT count(*) FROM payloads") == [(1,)]


ARCHIVER = """
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from warehouse.archive import ArchivedPayload, archive_payloads, sha256_hex

root, writer = Path(sys.argv[1]), sys.argv[2]
start = datetime(2026, 8, 1, tzinfo=UTC)
for n in range(40):  # batches of 100 lines: a big append is the one a torn-tail cut could hit
    batch = []
    for k in range(100):
        body = b"synthetic shared body %d" % (k % 7) if k % 2 else b"synthetic body %s %d %d" % (writer.encode(), n, k)
        url = f"https://openrouter.ai/api/v1/models/synthetic/{writer}-{k}/endpoints"
        batch.append((ArchivedPayload("openrouter", url, start + timedelta(minutes=n), 200, sha256_hex(body),
                                      len(body), run_id=writer), body))
    archive_payloads(root, batch)
"""


def test_two_processes_archiving_into_one_archive_at_once_interleave_whole_lines(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writers = [
        subprocess.Popen([sys.executable, "-c", ARCHIVER, str(root), name], env=env, stderr=subprocess.PIPE)
        for name in ("writer-a", "writer-b")
    ]
    errors = [writer.communicate(timeout=120)[1] for writer in writers]

    assert [writer.returncode for writer in writers] == [0, 0], errors
    lines = (root / "index.jsonl").read_text().splitlines()
    assert len(lines) == 2 * 40 * 100
    assert all(json.loads(line)["run_id"] in ("writer-a", "writer-b") for line in lines)
    payloads = list(read_index(root))
    assert len({(p.url, p.fetched_at) for p in payloads}) == 8000
    assert all(read_body(root, sha) for sha in {p.sha256 for p in payloads})
    assert not list((root / "tmp").glob("*.tmp"))


def test_two_warehouses_importing_into_one_shared_archive_at_once_both_land(tmp_path: Path) -> None:
    manifests = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        lines = [
            capture(folder, f"endpoints_{n}", synthetic_endpoints(f"synthetic/{name}-{n}", [
                synthetic_endpoint("groq", "Groq", max_out=1000 + n)]),
                f"https://openrouter.ai/api/v1/models/synthetic/{name}-{n}/endpoints", f"2026-08-{n + 1:02d}")
            for n in range(20)
        ]  # fmt: skip
        (folder / "manifest.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
        manifests.append(folder / "manifest.jsonl")
    shared = tmp_path / "shared-raw"
    executable = Path(sys.executable).with_name("modelsync")
    imports = [
        subprocess.Popen(
            [str(executable), "import", "--manifest", str(manifest)],
            env={**os.environ, "MODELSYNC_WAREHOUSE": str(tmp_path / f"{manifest.parent.name}.duckdb"),
                 "MODELSYNC_RAW_DIR": str(shared)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for manifest in manifests
    ]  # fmt: skip
    done = [process.communicate(timeout=120) for process in imports]

    assert [process.returncode for process in imports] == [0, 0], done
    payloads = list(read_index(shared))
    assert len(payloads) == 40
    assert all(read_body(shared, p.sha256) for p in payloads)
    for name in ("a", "b"):
        assert query(tmp_path / f"{name}.duckdb", "SELECT count(*) FROM payloads") == [(20,)]
