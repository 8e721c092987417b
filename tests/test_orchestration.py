"""Where steps run: plain calls without a Prefect server, a Prefect flow with one; states that tell the truth."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.doubles.mirror import Mirror, Reply
from tests.conftest import ROOT, query, synthetic_endpoint, synthetic_endpoints, synthetic_models

SCOUT = "meta-llama/llama-4-scout"
MAVERICK = "meta-llama/llama-4-maverick"

RUN_CLI_AND_SAY_IF_PREFECT_WAS_IMPORTED = """
import json, sys
from flows.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "prefect": "prefect" in sys.modules}))
"""


def serve_two_models(mirror: Mirror) -> None:
    mirror.script("/api/v1/models", Reply(200, synthetic_models([SCOUT, MAVERICK])))
    for model in (SCOUT, MAVERICK):
        mirror.script(f"/api/v1/models/{model}/endpoints", Reply(200, synthetic_endpoints(model, [
            synthetic_endpoint("groq", "Groq")])))  # fmt: skip


def cli_in_a_child(args: list[str], env: dict[str, str]) -> dict[str, object]:
    """Run ``modelsync ARGS`` in a fresh interpreter; its exit code and whether it imported Prefect."""
    command = [sys.executable, "-c", RUN_CLI_AND_SAY_IF_PREFECT_WAS_IMPORTED, *args]
    done = subprocess.run(command, env=env, cwd=ROOT, check=False, capture_output=True, text=True, timeout=300)
    assert done.stdout.strip(), done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def no_prefect_server(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return env | {"PREFECT_HOME": str(tmp_path / "prefect-home")}  # no profile that names a server


def test_sync_and_backfill_without_a_prefect_server_run_as_plain_calls_and_never_import_prefect(
    warehouse: Path, mirror: Mirror, tmp_path: Path
) -> None:
    serve_two_models(mirror)
    env = no_prefect_server(tmp_path)

    synced = cli_in_a_child(["sync"], env)
    replayed = cli_in_a_child(["backfill", "--reload"], env)

    assert synced == {"code": 0, "prefect": False}
    assert replayed == {"code": 0, "prefect": False}
    assert query(warehouse, "SELECT kind, status FROM runs ORDER BY started_at") == [
        ("sync", "ok"), ("backfill", "ok")]  # fmt: skip
    assert query(warehouse, "SELECT count(*) FROM endpoints") == [(2,)]


def test_a_prefect_profile_naming_a_server_is_read_without_importing_prefect(tmp_path: Path) -> None:
    home = tmp_path / "prefect-home"
    home.mkdir()
    (home / "profiles.toml").write_text(
        'active = "team"\n[profiles.team]\nPREFECT_API_URL = "http://10.0.0.7:4200/api"\n[profiles.local]\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {"PREFECT_HOME": str(home)}
    script = "import sys; from flows.steps import prefect_api_url; print(prefect_api_url(), 'prefect' in sys.modules)"

    def url(extra: dict[str, str]) -> str:
        done = subprocess.run([sys.executable, "-c", script], env=env | extra, cwd=ROOT, capture_output=True,
                              text=True, check=True)  # fmt: skip
        return done.stdout.strip()

    assert url({}) == "http://10.0.0.7:4200/api False"
    assert url({"PREFECT_PROFILE": "local"}) == "None False"
    assert url({"PREFECT_API_URL": "http://127.0.0.1:4200/api"}) == "http://127.0.0.1:4200/api False"


def test_a_backfill_with_nothing_to_load_records_no_run(warehouse: Path, mirror: Mirror, run_cli) -> None:  # type: ignore[no-untyped-def]
    serve_two_models(mirror)
    assert run_cli("sync").code == 0

    result = run_cli("backfill")

    assert result.code == 0, result.err
    assert "nothing to load" in result.out
    assert query(warehouse, "SELECT kind FROM runs") == [("sync",)]


@pytest.mark.usefixtures("prefect_server")
@pytest.mark.parametrize(
    ("broken", "state_type", "state_name", "status"),
    [
        (None, "COMPLETED", "Completed", "ok"),
        (f"/api/v1/models/{MAVERICK}/endpoints", "COMPLETED", "Partial", "partial"),
        ("/api/v1/models", "FAILED", "Failed", "failed"),
    ],
)
def test_a_sync_flow_run_ends_in_the_state_its_run_ended_in(
    warehouse: Path, mirror: Mirror, monkeypatch: pytest.MonkeyPatch,
    broken: str | None, state_type: str, state_name: str, status: str,
) -> None:  # fmt: skip
    from flows.jobs import SyncJob
    from flows.sync import sync_flow

    monkeypatch.setenv("MODELSYNC_RETRY_ATTEMPTS", "1")
    serve_two_models(mirror)
    if broken:
        mirror.script(broken, Reply(503, b"down"))

    state = sync_flow(SyncJob(lock_holder="test"), return_state=True)

    result = state.result(raise_on_failure=False)
    assert (state.type.value, state.name, result.status) == (state_type, state_name, status)
    if status == "failed":  # the run's own error, as `runs` has it
        assert state.message == result.error == query(warehouse, "SELECT error FROM runs")[0][0]
    else:
        fetched = {"ok": 3, "partial": 2}[status]  # the model list and the endpoints pages that answered
        assert state.message.startswith(f"sync run {result.run_id}: {status}; {fetched} payloads, ")
    assert query(warehouse, "SELECT status FROM runs") == [(status,)]


@pytest.mark.usefixtures("prefect_server")
def test_with_a_prefect_server_configured_the_cli_runs_a_flow_with_its_steps_as_tasks(
    warehouse: Path, mirror: Mirror, run_cli
) -> None:  # type: ignore[no-untyped-def]
    from prefect import get_client

    serve_two_models(mirror)

    result = run_cli("sync")

    assert result.code == 0, result.err
    run_id = query(warehouse, "SELECT run_id FROM runs")[0][0]

    async def flow_and_tasks() -> tuple[list[str], list[str]]:
        async with get_client() as client:
            flows = await client.read_flow_runs()
            ours = [f for f in flows if f.state and f.state.message and str(run_id) in f.state.message]
            tasks = await client.read_task_runs()
            return [f.state_name for f in ours], sorted({t.name.rsplit("-", 1)[0] for t in tasks
                                                         if ours and t.flow_run_id == ours[0].id})  # fmt: skip

    import asyncio

    states, tasks = asyncio.run(flow_and_tasks())
    assert states == ["Completed"]
    assert tasks == ["fetch-and-archive", "load", "parse"]


def test_a_configured_prefect_server_that_is_down_is_one_line_and_nothing_is_recorded(
    warehouse: Path, mirror: Mirror, tmp_path: Path
) -> None:
    serve_two_models(mirror)
    env = no_prefect_server(tmp_path) | {"PREFECT_API_URL": "http://127.0.0.1:9/api"}  # the discard port: refused

    done = subprocess.run([sys.executable, "-m", "flows.cli", "sync"], env=env, cwd=ROOT, capture_output=True,
                          text=True, check=False, timeout=120)  # fmt: skip

    assert done.returncode == 1
    assert done.stderr.startswith("modelsync: no Prefect server answers at http://127.0.0.1:9/api (PREFECT_API_URL, ")
    assert done.stderr.rstrip().endswith("or unset PREFECT_API_URL to run without one")
    assert done.stderr.count("\n") == 1
    assert not warehouse.exists()
