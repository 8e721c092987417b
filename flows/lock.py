"""One writer at a time: a lock file beside the warehouse, taken before anything else."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from warehouse.archive import process_alive


class WarehouseLocked(Exception):
    """Another sync, backfill or import holds the warehouse."""


def lock_path(warehouse: Path) -> Path:
    """The lock file of a warehouse."""
    return warehouse.with_name(warehouse.name + ".lock")


@contextmanager
def warehouse_lock(warehouse: Path, command: str, now: datetime) -> Iterator[None]:
    """Hold the warehouse's write lock for ``command``, or raise WarehouseLocked naming the holder."""
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WarehouseLocked(f"{warehouse} is busy: {_described(_lock_info(path))}") from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"command": command, "pid": os.getpid(), "since": now.isoformat()}).encode())
        yield
    finally:
        os.close(fd)  # closing releases the flock; the file stays, harmless


def lock_holder(warehouse: Path) -> str | None:
    """Who holds the warehouse's write lock (``'modelsync sync' (pid 12) holds it since ...``), or None.

    Read from the lock file, whose holder writes its pid: never by taking the lock, which
    would make a writer starting at that instant exit busy.
    """
    info = _lock_info(lock_path(warehouse))
    pid = info.get("pid")
    return _described(info) if isinstance(pid, int) and process_alive(pid) else None


def _lock_info(path: Path) -> dict[str, object]:
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def _described(info: dict[str, object]) -> str:
    if not info:
        return "another modelsync process holds its lock"
    return (
        f"'modelsync {info.get('command', '?')}' (pid {info.get('pid', '?')}) holds it since {info.get('since', '?')}"
    )
