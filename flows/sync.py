"""The Prefect flows ``sync`` and ``backfill``: the jobs of ``flows.jobs`` with their steps as tasks.

Used when a Prefect server is configured (``PREFECT_API_URL``), under ``modelsync serve``
and with the Dask task runner; otherwise the same jobs run as plain calls and nothing
imports this module (Prefect costs over a second to import, and a temporary server 10 s
or more to start). A run's final state tells the truth: Failed when nothing landed,
Completed named ``Partial`` when some URLs failed, Completed when all went well.
"""

# No `from __future__ import annotations` here: Prefect validates flow parameters from their
# annotations in the process that runs a deployment, where string annotations do not resolve.
import os

# Telemetry off before Prefect is imported: every server start would try to reach the network.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import functools
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from prefect import Flow, Task, flow, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State
from prefect.futures import PrefectFuture
from prefect.states import Completed, Failed

from flows import pipeline
from flows.artifacts import publish_run_summary
from flows.jobs import BackfillJob, RunResult, SyncJob, backfill_job, sync_job
from flows.steps import step_name

T = TypeVar("T")


class PrefectSteps:
    """Steps as tasks of the current flow run: ``submit`` goes to the flow's task runner."""

    def call(self, step: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        called: T = _as_task(step)(*args, **kwargs)
        return called

    def submit(self, step: Callable[..., T], *args: Any, **kwargs: Any) -> PrefectFuture[T]:
        future: PrefectFuture[T] = _as_task(step).submit(*args, **kwargs)
        return future


@functools.cache
def _as_task(step: Callable[..., Any]) -> Task[..., Any]:
    named: Task[..., Any] = task(name=step_name(step), cache_policy=NO_CACHE)(step)
    return named


def final_state(result: RunResult, kind: str, *, announce: bool = False) -> State[RunResult]:
    """The flow run's state for how the run ended, its summary attached (and printed, when ``announce``)."""
    publish_run_summary(result, kind)
    counts = result.counts
    failed = f", {len(result.failed_urls)} URLs failed" if result.failed_urls else ""
    line = f"{kind} run {result.run_id or '(none)'}: {result.status}; {pipeline.counts_line(counts)}{failed}"
    if announce:  # serve: one line per run it triggered (written, not printed: log_prints would make it a log)
        sys.stdout.write(f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC  {line}\n")
        sys.stdout.flush()
    if result.status == "failed":
        return Failed(message=result.error or line, data=result)
    if result.status == "partial":
        return Completed(name="Partial", message=line, data=result)
    return Completed(message=line, data=result)


@flow(name="sync", log_prints=True)
def sync_flow(job: SyncJob | None = None, announce: bool = False) -> State[RunResult]:
    """Fetch, archive, parse and load the job's sources (all enabled by default)."""
    return final_state(sync_job(PrefectSteps(), job or SyncJob()), "sync", announce=announce)


@flow(name="backfill", log_prints=True)
def backfill_flow(job: BackfillJob | None = None) -> State[RunResult]:
    """Replay archived payloads (or the Internet Archive's captures) into history, one run per date."""
    return final_state(backfill_job(PrefectSteps(), job or BackfillJob()), "backfill")


def run_flow(chosen: Flow[..., Any], **parameters: Any) -> RunResult:
    """Run a flow here and return its RunResult, whatever its final state; an exception it raised is raised."""
    state: State[Any] = chosen(**parameters, return_state=True)  # type: ignore[assignment]  # typed as the return
    value = state.result(raise_on_failure=False)
    if isinstance(value, BaseException):
        raise value
    return value  # type: ignore[no-any-return]


TASK_RUNNERS = ("threads", "dask")
DASK_CONNECT_TIMEOUT_S = 20


def sync_flow_on(task_runner: str = "threads", dask_address: str | None = None) -> Flow[..., State[RunResult]]:
    """``sync_flow`` with its fetch and parse fan-out on ``task_runner``.

    ``threads`` (the default) runs the tasks in this process; ``dask`` on Prefect's Dask task
    runner: the scheduler at ``dask_address``, else a local cluster (a worker process per core)
    started for the run and stopped after it.
    """
    if task_runner not in TASK_RUNNERS:
        raise ValueError(f"unknown task runner {task_runner!r}: choose one of {', '.join(TASK_RUNNERS)}")
    if task_runner == "threads":
        return sync_flow
    from prefect_dask.task_runners import DaskTaskRunner

    client = {"timeout": f"{DASK_CONNECT_TIMEOUT_S}s"}
    if dask_address:
        runner = DaskTaskRunner(address=dask_address, client_kwargs=client)
    else:
        runner = DaskTaskRunner(cluster_kwargs={"dashboard_address": None}, client_kwargs=client)
    return sync_flow.with_options(task_runner=runner)  # type: ignore[arg-type]  # Dask futures are Prefect futures
