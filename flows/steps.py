"""Where a job's steps run: plain calls in this process, or a Prefect flow's tasks.

A job (``flows.jobs``) calls its steps only through ``Steps``, so one code path serves both:
with no Prefect server configured the steps are plain function calls (fan-out on threads)
and nothing imports Prefect; with one configured (``PREFECT_API_URL``, or a Prefect
profile that sets it) ``flows.sync`` runs the same job as a flow whose steps are tasks.
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

PREFECT_API_VARIABLE = "PREFECT_API_URL"


class Outcome(Protocol[T]):  # type: ignore[misc]  # a future's one method jobs use
    def result(self) -> T: ...


class Steps(Protocol):
    """Runs a job's steps: ``call`` waits for one, ``submit`` starts one beside others."""

    def call(self, step: Callable[..., T], *args: Any, **kwargs: Any) -> T: ...

    def submit(self, step: Callable[..., T], *args: Any, **kwargs: Any) -> Outcome[T]: ...


class LocalSteps:
    """Steps as plain calls in this process; ``submit`` runs on a thread (the fetch and parse fan-out)."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="modelsync-step")

    def call(self, step: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return step(*args, **kwargs)

    def submit(self, step: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        return self._pool.submit(step, *args, **kwargs)

    def __enter__(self) -> LocalSteps:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def step_name(step: Callable[..., object]) -> str:
    """A step's name as Prefect shows its task: ``fetch_and_archive`` -> ``fetch-and-archive``."""
    return step.__name__.strip("_").replace("_", "-")


def prefect_api_url() -> str | None:
    """The Prefect server this process is configured to report to, or None (no server: plain calls).

    ``PREFECT_API_URL`` from the environment, else from the active profile in
    ``$PREFECT_HOME/profiles.toml``, read without importing Prefect; when Prefect is already
    imported (a test harness, ``serve``), its own settings say.
    """
    if "prefect.settings" in sys.modules:
        from prefect.settings import get_current_settings

        url = get_current_settings().api.url
        return str(url) if url else None
    if os.environ.get(PREFECT_API_VARIABLE):
        return os.environ[PREFECT_API_VARIABLE]
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    try:
        profiles = tomllib.loads((home / "profiles.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active") or "ephemeral"
    url = profiles.get("profiles", {}).get(active, {}).get(PREFECT_API_VARIABLE)
    return str(url) if url else None


class PrefectUnavailable(Exception):
    """A Prefect server is configured but does not answer; the message says what to do."""


def check_prefect_api(url: str, timeout_s: float = 10.0) -> None:
    """Raise PrefectUnavailable unless the Prefect API at ``url`` answers its health check."""
    import httpx

    try:
        healthy = httpx.get(f"{url.rstrip('/')}/health", timeout=timeout_s).status_code == 200
    except httpx.HTTPError as e:
        healthy, why = False, f"{type(e).__name__}: {e}"
    else:
        why = "its health check did not answer 200"
    if not healthy:
        raise PrefectUnavailable(
            f"no Prefect server answers at {url} ({PREFECT_API_VARIABLE}, {why}): start it "
            "(uv run prefect server start) or unset PREFECT_API_URL to run without one"
        )
