"""``modelsync serve``: a local Prefect server, the nightly deployment, a run through it, a clean stop."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx

from flows.doubles.mirror import Mirror, Reply
from tests.conftest import query, synthetic_endpoint, synthetic_endpoints, synthetic_models

SCOUT = "meta-llama/llama-4-scout"


_readers: dict[int, queue.Queue[str]] = {}


def wait_for_line(process: subprocess.Popen[str], needle: str, timeout_s: float) -> list[str]:
    """Lines of ``process``'s output up to the first that contains ``needle`` (never blocking past ``timeout_s``).

    A thread reads the output into a queue, so a line already read ahead is never missed.
    """
    assert process.stdout is not None
    if process.pid not in _readers:
        lines_read: queue.Queue[str] = queue.Queue()
        _readers[process.pid] = lines_read
        stream = process.stdout
        threading.Thread(target=lambda: [lines_read.put(line) for line in stream], daemon=True).start()
    pending = _readers[process.pid]
    lines: list[str] = []
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = pending.get(timeout=left)
        except queue.Empty:
            break
        lines.append(line)
        if needle in line:
            return lines
    raise AssertionError(f"no line with {needle!r} in {timeout_s:.0f} s: {''.join(lines)}")


def rest_of_output(process: subprocess.Popen[str]) -> str:
    """What ``process`` wrote after the lines ``wait_for_line`` took, once it has exited."""
    process.wait(timeout=60)
    pending = _readers.get(process.pid)
    if pending is None:
        assert process.stdout is not None
        return process.stdout.read()
    time.sleep(0.5)  # the reader thread takes the last lines
    return "".join(pending.get_nowait() for _ in range(pending.qsize()))


def server_processes(api: str) -> list[str]:
    """Processes of the Prefect server listening at ``api``."""
    port = api.rsplit(":", 1)[1].split("/", maxsplit=1)[0]
    listing = subprocess.run(["ps", "-ww", "-eo", "pid,args"], capture_output=True, text=True, check=True).stdout
    return [line for line in listing.splitlines() if "server start" in line and f"--port {port}" in line]


def test_serve_starts_a_local_server_registers_the_schedule_runs_a_sync_and_stops_cleanly(tmp_path: Path) -> None:
    executable = shutil.which("modelsync")
    assert executable is not None
    with Mirror() as mirror:
        mirror.script("/api/v1/models", Reply(200, synthetic_models([SCOUT])))
        mirror.script(f"/api/v1/models/{SCOUT}/endpoints", Reply(200, synthetic_endpoints(SCOUT, [
            synthetic_endpoint("groq", "Groq")])))  # fmt: skip
        warehouse = tmp_path / "wh" / "modelsync.duckdb"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MODELSYNC_"))}
        env |= {"MODELSYNC_WAREHOUSE": str(warehouse), "MODELSYNC_SOURCES": "openrouter",
                "MODELSYNC_OPENROUTER_BASE_URL": mirror.base_url, "MODELSYNC_CRON": "17 3 * * *",
                "MODELSYNC_RETRY_ATTEMPTS": "1"}  # fmt: skip
        process = subprocess.Popen(
            [executable, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            lines = wait_for_line(process, "serving deployment", 150)
            api = next(w for line in lines for w in line.split() if w.startswith("http://127.0.0.1:")).rstrip("/")
            api = api.removesuffix("/api") + "/api"
            home = warehouse.parent / "prefect"
            assert server_processes(api)
            assert (home / "prefect.db").exists()

            with httpx.Client(base_url=api, timeout=10) as client:
                deployment = wait_for_deployment(client)
                assert [s["schedule"]["cron"] for s in deployment["schedules"]] == ["17 3 * * *"]
                assert deployment["parameters"] == {"job": {"lock_holder": "serve (scheduled sync)"}, "announce": True}
                run_id = created_flow_run(client, str(deployment["id"]))
                state = wait_for_final_state(client, run_id, 240)
                assert state.startswith("COMPLETED Completed sync run sync-"), state
                assert "| endpoint | 1 | 0 | 0 | 0 |" in wait_for_artifact(client, "modelsync-sync")
                announced = wait_for_line(process, "sync run sync-", 30)[-1]

                mirror.script("/api/v1/models", Reply(503, b"down"))  # the source is unreachable: nothing lands
                failed_id = created_flow_run(client, str(deployment["id"]))
                failed = wait_for_final_state(client, failed_id, 240)
                assert failed.startswith("FAILED Failed"), failed
                announced_failed = wait_for_line(process, "sync run sync-", 30)[-1]

            assert query(warehouse, "SELECT model_id, endpoint_key FROM endpoints") == [(SCOUT, "groq")]
            assert query(warehouse, "SELECT status FROM runs ORDER BY started_at") == [("ok",), ("failed",)]
            assert ": ok; 2 payloads" in announced, announced  # the model list and its one endpoints page
            assert ": failed; 0 payloads" in announced_failed, announced_failed
        finally:
            process.send_signal(signal.SIGTERM)
            out = rest_of_output(process)
        assert process.returncode == 0, out
        assert out.rstrip().endswith("stopped")
        assert server_processes(api) == []


def wait_for_artifact(client: httpx.Client, key: str) -> str:
    """The artifacts stored under ``key``, as JSON text, once there is one (they are written after the run ends)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = client.post("/artifacts/filter", json={"artifacts": {"key": {"any_": [key]}}})
        if found.json():
            return found.text
        time.sleep(0.5)
    raise AssertionError(f"no artifact {key!r}")


def wait_for_deployment(client: httpx.Client) -> dict[str, object]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = client.post("/deployments/filter", json={}).json()
        if found:
            assert len(found) == 1
            return dict(found[0])
        time.sleep(0.5)
    raise AssertionError("no deployment registered")


def created_flow_run(client: httpx.Client, deployment_id: str) -> str:
    """A new run of the deployment; asked again on a server error (its SQLite can be busy on a loaded machine)."""
    deadline = time.monotonic() + 30
    while True:
        response = client.post(f"/deployments/{deployment_id}/create_flow_run", json={})
        if response.status_code < 500 or time.monotonic() > deadline:
            assert response.is_success, f"create_flow_run: HTTP {response.status_code}: {response.text[:500]}"
            return str(response.json()["id"])
        time.sleep(1)


def wait_for_final_state(client: httpx.Client, run_id: str, timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    state = "?"
    while time.monotonic() < deadline:
        found = client.get(f"/flow_runs/{run_id}").json()["state"]
        state = found["type"]
        if state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return f"{state} {found['name']} {found.get('message') or ''}".strip()
        time.sleep(1)
    raise AssertionError(f"flow run still {state} after {timeout_s:.0f} s")


def test_the_local_server_stops_with_serve_even_when_serve_is_killed(tmp_path: Path) -> None:
    executable = shutil.which("modelsync")
    assert executable is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MODELSYNC_"))}
    env["MODELSYNC_WAREHOUSE"] = str(tmp_path / "modelsync.duckdb")
    process = subprocess.Popen(
        [executable, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        lines = wait_for_line(process, "serving deployment", 150)
        api = next(w for line in lines for w in line.split() if w.startswith("http://127.0.0.1:"))
        assert server_processes(api)
        process.send_signal(signal.SIGINT)  # Ctrl-C: a clean stop
        assert process.wait(timeout=60) == 0
        assert server_processes(api) == []
    finally:
        process.kill()
        process.wait()

    killed = subprocess.Popen(
        [executable, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        lines = wait_for_line(killed, "serving deployment", 150)
        api = next(w for line in lines for w in line.split() if w.startswith("http://127.0.0.1:"))
        killed.kill()  # SIGKILL: no clean-up code runs in serve
        killed.wait()
        deadline = time.monotonic() + 20
        while server_processes(api) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert server_processes(api) == []
    finally:
        killed.kill()


def test_serve_exits_non_zero_when_its_local_server_dies(tmp_path: Path) -> None:
    executable = shutil.which("modelsync")
    assert executable is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MODELSYNC_"))}
    env["MODELSYNC_WAREHOUSE"] = str(tmp_path / "modelsync.duckdb")
    start = {"env": env, "stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "text": True}
    process = subprocess.Popen([executable, "serve"], **start)  # type: ignore[call-overload]
    try:
        lines = wait_for_line(process, "serving deployment", 150)
        api = next(w for line in lines for w in line.split() if w.startswith("http://127.0.0.1:"))
        for line in server_processes(api):
            os.kill(int(line.split()[0]), signal.SIGKILL)

        out = rest_of_output(process)
    finally:
        process.kill()
    assert process.returncode == 1, out
    assert "the local Prefect server stopped unexpectedly" in out
