"""``modelsync serve``: the nightly schedule, served by Prefect until stopped.

Prefect cannot schedule on its temporary (ephemeral) server. So when ``PREFECT_API_URL``
is unset, ``serve`` starts a local Prefect server itself (loopback only, its database in
``prefect/`` beside the warehouse), points itself at it, and stops it on exit. When
``PREFECT_API_URL`` is set, it registers the schedule on that server and leaves it alone.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import httpx

from flows.settings import Settings

DEPLOYMENT = "nightly"
SERVER_START_TIMEOUT_S = 120.0
SERVER_STOP_TIMEOUT_S = 15.0
DIE_WITH_PARENT = """
import ctypes, os, signal, sys
if sys.platform.startswith("linux"):  # prctl(PR_SET_PDEATHSIG): SIGTERM when serve dies, even by SIGKILL
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)
os.execv(sys.executable, [sys.executable, "-m", "prefect", *sys.argv[1:]])
"""
"""Runs ``prefect <args>`` so that the server stops with ``serve`` however ``serve`` ends."""
_stopping = threading.Event()  # serve is taking the server down itself
_server_died = threading.Event()  # the server went away on its own
TELEMETRY_OFF = {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


class ServeError(Exception):
    """The schedule could not be served; the message says why in one line."""


class CronError(ServeError):
    """The cron expression (``--cron`` or ``MODELSYNC_CRON``) is not one Prefect can schedule."""


@dataclass(frozen=True)
class LocalServer:
    """A Prefect server this process started, and where it listens."""

    process: subprocess.Popen[bytes]
    api_url: str
    home: Path


def validate_cron(cron: str) -> str:
    """``cron`` when Prefect can schedule it (5 fields, UTC); a ServeError naming it otherwise."""
    from prefect.client.schemas.schedules import CronSchedule

    try:
        CronSchedule(cron=cron, timezone="UTC")
    except ValueError:
        raise CronError(
            f"cron {cron!r} (from --cron or MODELSYNC_CRON) is not a cron expression: five fields, e.g. '0 2 * * *'"
        ) from None
    return cron


def start_local_server(home: Path, port: int, log: Callable[[str], None]) -> LocalServer:
    """Start ``prefect server start`` on a loopback port and wait until its API answers."""
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **TELEMETRY_OFF, "PREFECT_HOME": str(home)}
    env.pop("PREFECT_API_URL", None)
    command = [sys.executable, "-c", DIE_WITH_PARENT, "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    with open(home / "server.log", "ab") as out:
        # A session of its own: stopping it stops every process it started, and nothing else.
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = LocalServer(process, f"http://127.0.0.1:{port}/api", home)
    log(f"starting a local Prefect server at {server.api_url} (data in {home}) ...")
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ServeError(
                    f"the local Prefect server exited with code {process.returncode}; see {home}/server.log"
                )
            try:
                if httpx.get(f"{server.api_url}/health", timeout=2.0).status_code == 200:
                    return server
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
    except BaseException:  # a stop (Ctrl-C, SIGTERM) while it starts: take it down with us
        stop_local_server(server)
        raise
    stop_local_server(server)
    raise ServeError(
        f"the local Prefect server did not answer within {SERVER_START_TIMEOUT_S:.0f} s; see {home}/server.log"
    )


def stop_local_server(server: LocalServer) -> None:
    """Stop the server's whole process group: SIGTERM, then SIGKILL if it lingers."""
    _stopping.set()
    if server.process.poll() is not None:
        return
    for sig, wait_s in ((signal.SIGTERM, SERVER_STOP_TIMEOUT_S), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(server.process.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.process.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def prefect_api(settings: Settings, cron: str, log: Callable[[str], None]) -> Iterator[str]:
    """The Prefect API to serve on: ``PREFECT_API_URL``, or a local server started (and stopped) here.

    Prefect reads its settings when first imported, so the API URL is in the environment
    before anything imports Prefect (the cron check included).
    """
    os.environ.update(TELEMETRY_OFF)
    if os.environ.get("PREFECT_API_URL"):
        validate_cron(cron)
        yield os.environ["PREFECT_API_URL"]
        return
    port = _free_port()
    home = settings.warehouse.resolve().parent / "prefect"
    os.environ["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"
    os.environ["PREFECT_HOME"] = str(home)
    home.mkdir(parents=True, exist_ok=True)
    validate_cron(cron)  # before the server: a typo costs no start-up
    server = start_local_server(home, port, log)
    watchdog = threading.Thread(target=_watch, args=(server, log), daemon=True)
    watchdog.start()
    try:
        yield server.api_url
    finally:
        stop_local_server(server)


def serve(settings: Settings, cron: str, log: Callable[[str], None]) -> None:
    """Register the ``sync`` flow's nightly deployment and run its schedule until SIGINT or SIGTERM."""
    # SIGINT and SIGTERM stop serve; set explicitly, since a process started in the background
    # by a non-interactive shell inherits SIGINT ignored. Once Prefect's runner is up, it takes
    # SIGTERM over: a sync in progress is cancelled (its load is one transaction, so nothing
    # half-lands) and the run's row stays `running`; SIGINT lets it finish first.
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with prefect_api(settings, cron, log) as api_url:
            from flows.sync import sync_flow

            ui = api_url.removesuffix("/api")
            log(f"serving deployment 'sync/{DEPLOYMENT}' on cron '{cron}' (UTC); runs show at {ui}/runs")
            log("stop with Ctrl-C or SIGTERM")
            with suppress(KeyboardInterrupt):  # a stop while Prefect is still setting up
                sync_flow.serve(
                    name=DEPLOYMENT,
                    cron=cron,
                    parameters={"job": {"lock_holder": "serve (scheduled sync)"}, "announce": True},
                    description="modelsync nightly sync: fetch, archive and load every enabled source",
                    print_starting_message=False,
                )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if _server_died.is_set():
        raise ServeError("stopped: the local Prefect server died; see its server.log")
    log("stopped")


def _watch(server: LocalServer, log: Callable[[str], None]) -> None:
    """Stop serve (non-zero) when the server it started dies: no schedule can fire without it."""
    code = server.process.wait()
    if not _stopping.is_set():
        log(f"the local Prefect server stopped unexpectedly (exit code {code}); see {server.home}/server.log")
        _server_died.set()
        os.kill(os.getpid(), signal.SIGTERM)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
