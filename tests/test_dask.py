"""``sync`` on Prefect's Dask task runner: fetch and parse on two worker processes, the same warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows.doubles.mirror import Mirror, read_manifest
from tests.conftest import DEMO, query

pytestmark = pytest.mark.usefixtures("prefect_server")

DAYS = ("2026-08-23T02:00:00Z", "2026-08-25T02:00:00Z")
FOUR_SOURCES = "openrouter,models_dev,artificial_analysis,catalog"
TABLES = {  # what a load derives, without the columns that say when it ran
    "model_versions": "* EXCLUDE (recorded_at, superseded_at)",
    "endpoint_versions": "* EXCLUDE (recorded_at, superseded_at)",
    "benchmark_versions": "* EXCLUDE (recorded_at, superseded_at)",
    "uptime_measurements": "* EXCLUDE (recorded_at, run_id)",
    "snapshots": "* EXCLUDE (recorded_at, run_id)",
    "payloads": "* EXCLUDE (run_id, path)",
    "model_alias_log": "* EXCLUDE (recorded_at, superseded_at)",
}


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[str]:
    """A local Dask cluster of two worker processes; yields its scheduler address."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


@pytest.fixture
def four_sources(mirror: Mirror, monkeypatch: pytest.MonkeyPatch) -> Mirror:
    monkeypatch.setenv("MODELSYNC_SOURCES", FOUR_SOURCES)
    monkeypatch.setenv("ARTIFICIAL_ANALYSIS_API_KEY", "synthetic-key")
    mirror.captures = read_manifest(DEMO / "manifest.jsonl")
    return mirror


def warehouse_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    return {table: query(path, f"SELECT {columns} FROM {table} ORDER BY ALL") for table, columns in TABLES.items()}


def ran_on_workers(address: str) -> set[str]:
    """The names of the functions the cluster's scheduler has run."""
    from distributed import Client

    with Client(address) as client:
        prefixes = client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.task_prefixes))
    return {prefix.split("-")[0] for prefix in prefixes}


def sync_days(mirror: Mirror, root: Path, monkeypatch: pytest.MonkeyPatch, task_runner: str, address: str) -> Path:
    from flows.jobs import SyncJob, run_sync

    warehouse = root / "modelsync.duckdb"
    monkeypatch.setenv("MODELSYNC_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("MODELSYNC_RAW_DIR", str(root / "raw"))
    for day in DAYS:
        mirror.serve_day(day)
        at = datetime.fromisoformat(day).astimezone(UTC)
        result = run_sync(SyncJob(as_of=at), task_runner, address if task_runner == "dask" else None)
        assert result.status == "ok", result.error
    return warehouse


def test_a_sync_on_two_dask_workers_gives_the_warehouse_the_default_runner_gives(
    four_sources: Mirror, dask_cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads = sync_days(four_sources, tmp_path / "threads", monkeypatch, "threads", dask_cluster)
    dask = sync_days(four_sources, tmp_path / "dask", monkeypatch, "dask", dask_cluster)

    expected = warehouse_rows(threads)
    assert all(expected.values())
    assert warehouse_rows(dask) == expected
    assert {"fetch_and_archive", "parse"} <= ran_on_workers(dask_cluster)  # the steps, as tasks


def test_the_cli_runs_a_sync_on_an_existing_dask_scheduler(
    warehouse: Path, four_sources: Mirror, dask_cluster: str, run_cli
) -> None:
    four_sources.serve_day(DAYS[0])

    result = run_cli("sync", "--task-runner", "dask", "--dask-address", dask_cluster)

    assert result.code == 0, result.err
    fetched = dict(query(warehouse, "SELECT source, count(*) FROM raw_fetches GROUP BY ALL"))
    assert set(fetched) == set(FOUR_SOURCES.split(","))


def test_a_dask_address_without_the_dask_runner_is_a_usage_error(warehouse: Path, run_cli) -> None:
    result = run_cli("sync", "--dask-address", "tcp://127.0.0.1:8786")

    assert result.code == 2
    assert "--dask-address needs --task-runner dask" in result.err
