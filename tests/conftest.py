"""Shared fixtures: one Prefect test server per session, a loopback mirror, a fresh warehouse per test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from hypothesis import settings as hypothesis_settings

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from flows.cli import main
from flows.doubles.mirror import Mirror
from flows.settings import SOURCES

# The order property runs 100 generated cases in CI (CI=true), 30 locally: 200 cost 3.5 min of
# a CI run that must stay under 20 (MODELSYNC_PROPERTY_EXAMPLES asks for more, e.g. before a release).
hypothesis_settings.register_profile(
    "ci", max_examples=int(os.environ.get("MODELSYNC_PROPERTY_EXAMPLES", "100")), deadline=None, print_blob=True
)
hypothesis_settings.register_profile("dev", max_examples=30, deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "flows" / "demo_captures"
FIXTURES = ROOT / "tests" / "fixtures"
KIMI_FILE = DEMO / "api_v1_models_endpoints__kimi-k3__2026-08-25.json"
KIMI_URL = "https://openrouter.ai/api/v1/models/moonshotai/kimi-k3/endpoints"
KIMI_AT = "2026-08-25T10:26:01Z"


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One temporary Prefect API for the whole session (about 12 s once)."""
    from prefect.testing.utilities import prefect_test_harness

    import flows.sync  # noqa: F401  (Prefect sets up its log handlers now, not under a test's capsys)

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh warehouse path (and archive beside it) for this test, set in the environment."""
    path = tmp_path / "wh" / "modelsync.duckdb"
    monkeypatch.setenv("MODELSYNC_WAREHOUSE", str(path))
    monkeypatch.setenv("MODELSYNC_RAW_DIR", str(tmp_path / "wh" / "raw"))
    for source in SOURCES:
        monkeypatch.delenv(f"MODELSYNC_{source.upper()}_BASE_URL", raising=False)
    monkeypatch.delenv("ARTIFICIAL_ANALYSIS_API_KEY", raising=False)
    monkeypatch.delenv("MODELSYNC_SOURCES", raising=False)
    return path


@pytest.fixture
def mirror(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mirror]:
    """A real HTTP server on 127.0.0.1 that every source's URLs are routed to; ``sync`` fetches OpenRouter."""
    with Mirror() as server:
        for source in SOURCES:
            monkeypatch.setenv(f"MODELSYNC_{source.upper()}_BASE_URL", server.base_url)
        monkeypatch.setenv("MODELSYNC_SOURCES", "openrouter")
        monkeypatch.setenv("MODELSYNC_RETRY_WAIT_S", "5")
        yield server


@pytest.fixture
def foreign() -> Iterator[Mirror]:
    """Another host on loopback, not a source's: nothing may ever be asked of it."""
    with Mirror() as server:
        yield server


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run ``modelsync`` in this process; returns exit code, stdout and stderr (tables drawn 200 columns wide)."""
    monkeypatch.setenv("COLUMNS", "200")  # pytest-xdist workers say 80: tables would drop columns

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def query(warehouse: Path, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    """Rows of a query on a closed warehouse file, read-only."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def capture(tmp_path: Path, name: str, body: bytes, url: str, day: str) -> dict[str, str]:
    """Write a synthetic payload file; return its ``import --manifest`` line (fetched at 02:00 UTC)."""
    path = tmp_path / f"synthetic_{name}__{day}.json"
    path.write_bytes(body)
    return {"path": str(path), "url": url, "fetched_at": f"{day}T02:00:00Z"}


def synthetic_endpoints(model_id: str, endpoints: list[dict[str, object]]) -> bytes:
    """A synthetic endpoints payload in OpenRouter's shape."""
    return json.dumps({"data": {"id": model_id, "name": model_id, "endpoints": endpoints}}).encode()


def synthetic_endpoint(
    tag: str, provider: str, max_out: int | None = 8192, prompt: str = "0.0000001"
) -> dict[str, object]:
    """One synthetic endpoint with the fields OpenRouter sends."""
    return {
        "name": f"{provider} | x",
        "context_length": 131072,
        "pricing": {"prompt": prompt, "completion": "0.0000003", "discount": 0},
        "provider_name": provider,
        "tag": tag,
        "quantization": "fp8",
        "max_completion_tokens": max_out,
        "max_prompt_tokens": None,
        "supported_parameters": ["tools", "max_tokens", "temperature"],
        "status": 0,
        "uptime_last_30m": 99.5,
        "uptime_last_5m": 100.0,
        "uptime_last_1d": 99.1,
        "supports_implicit_caching": False,
    }


def synthetic_models(model_ids: list[str]) -> bytes:
    """A synthetic model list in OpenRouter's shape."""
    models = [
        {"id": m, "name": f"Synthetic: {m}", "created": 1743881519, "context_length": 131072,
         "pricing": {"prompt": "0.0000001", "completion": "0.0000003"}, "top_provider": {"max_completion_tokens": 8192},
         "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
         "supported_parameters": ["max_tokens", "tools"]}
        for m in model_ids
    ]  # fmt: skip
    return json.dumps({"data": models}).encode()


def start_driver(point: str, *args: str, extra_env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``modelsync ARGS`` in a child process with ``tests/crash_driver.py`` planting ``point`` (see there).

    The child talks to this session's Prefect server, so it pays no server start-up.
    """
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), **(extra_env or {})}
    driver = ROOT / "tests" / "crash_driver.py"
    return subprocess.Popen(
        [sys.executable, str(driver), point, *args], env=env, cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def wait_until(condition: Callable[[], object], timeout_s: float = 60.0, what: str = "the condition") -> None:
    """Poll ``condition`` every 20 ms until it is true; fail the test after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(0.02)
