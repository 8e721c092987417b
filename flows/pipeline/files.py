"""Local payload files (``modelsync import``): checked first, then archived, parsed and loaded a batch at a time."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from flows.pipeline.base import Archived, ImportInputError, RunResult
from flows.pipeline.fetch import payload_files
from flows.pipeline.load import MB, parse_and_load
from flows.settings import Settings
from warehouse.archive import ArchivedPayload, archive_payloads
from warehouse.history import RunRecord

ImportFile = tuple[Path, str, datetime]  # a file, the URL it was fetched from, and when


def check_files(files: Sequence[ImportFile]) -> None:
    """Raise ImportInputError naming the first file that cannot be opened for reading."""
    for path, _, _ in files:
        try:
            with path.open("rb"):
                pass
        except OSError as e:
            raise ImportInputError(f"{path}: cannot read ({e.strerror})") from None


def import_files(settings: Settings, run: RunRecord, files: Sequence[ImportFile]) -> RunResult:
    """Archive the files as the run's payloads (origin ``import``), then parse and load them in one transaction.

    Bodies are read and archived, then parsed and loaded, ``settings.load_batch_mb`` at a time:
    memory holds one batch, whatever the files add up to. A file that cannot be read half-way
    (each was checked before the run started) fails the run: nothing of it lands.
    """
    archived = archive_files(settings, files, run.run_id)
    if archived.failures:
        archived = Archived(failures=archived.failures, archive_s=archived.archive_s)
    return parse_and_load(settings, run, archived)


def archive_files(settings: Settings, files: Sequence[ImportFile], run_id: str | None = None) -> Archived:
    """Read the files and archive them as fetched from their URLs at their times, a batch of bodies at a time.

    Stops at a file that cannot be read: it is the failure returned, beside what was archived before it.
    """
    started = time.perf_counter()
    stored: list[ArchivedPayload] = []
    batch: list[tuple[ArchivedPayload, bytes]] = []
    size = 0
    failures: tuple[tuple[str, str], ...] = ()
    for file in files:
        try:
            batch += payload_files([file], run_id)
        except ImportInputError as e:
            failures = ((str(file[0]), str(e)),)
            break
        size += len(batch[-1][1])
        if size >= settings.load_batch_mb * MB:
            stored += archive_payloads(settings.raw_dir, batch)
            batch, size = [], 0
    kept: dict[str, bytes] = {}
    if batch:
        whole = not stored  # the run is this one batch: its bodies stay for the parse
        stored += archive_payloads(settings.raw_dir, batch)
        kept = {payload.sha256: body for payload, body in batch if whole and body is not None}
    return Archived(tuple(stored), failures, 0.0, time.perf_counter() - started, kept)
