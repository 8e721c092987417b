"""Run ``modelsync`` with a SIGKILL (or a pause) planted at one point of its work; for the crash tests.

    python tests/crash_driver.py POINT[:N] [modelsync arguments...]

POINT is where the process dies, at the Nth time it gets there (default 1):

- ``archive-object``: half-way through writing a body to the archive (a torn temp file);
- ``archive-index``: half-way through appending index lines (a torn last line);
- ``load-insert``: inside the load transaction, just after observations are inserted;
- ``load-commit``: inside the load transaction, after everything but the COMMIT;
- ``none``: nothing planted; the test kills the process from outside (mid-fetch, say);
- ``pause-load``: not a kill: inside the load transaction, touch ``$CRASH_MARKER`` and wait
  until ``$CRASH_RELEASE`` exists, holding DuckDB's write lock meanwhile.

The kill is a real ``SIGKILL`` of this process: no ``finally``, no ``atexit``, no flush.
Wrapping the functions is how the point is reached; nothing else of modelsync changes.
"""

from __future__ import annotations

import gzip
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows.cli import main
from warehouse import archive, history


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def on_nth(count: int, action: Callable[..., Any], original: Callable[..., Any]) -> Callable[..., Any]:
    """``original``, except that its ``count``-th call runs ``action`` instead."""
    calls = 0

    def wrapped(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        return action(*args) if calls == count else original(*args)

    return wrapped


def torn_object(root: Path, sha256: str, body: bytes) -> None:
    """Write half of the body's temp file, as a writer killed mid-write leaves it, and die."""
    tmp = archive.temp_path(root, sha256)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    write_half_and_die(tmp, gzip.compress(body))


def torn_index(index: Path, lines: Any) -> None:
    """Append half of the index text, as a writer killed mid-append leaves it, and die."""
    write_half_and_die(index, "".join(f"{line}\n" for line in lines).encode())


def write_half_and_die(path: Path, data: bytes) -> None:
    with path.open("ab") as f:
        f.write(data[: len(data) // 2])
        f.flush()
        os.fsync(f.fileno())
    die()


def plant(point: str, count: int) -> None:
    if point == "archive-object":
        archive._write_object = on_nth(count, torn_object, archive._write_object)  # type: ignore[assignment]
    elif point == "archive-index":
        archive._append_index = on_nth(count, torn_index, archive._append_index)  # type: ignore[assignment]
    elif point == "load-insert":
        insert = history._insert_new
        inserted = 0

        def insert_then_die(con: Any, table: str, frame: Any, key: Any, columns: Any = None) -> int:
            nonlocal inserted
            added = insert(con, table, frame, key, columns)
            inserted += table.endswith("_observations")
            if inserted == count:
                die()
            return added

        history._insert_new = insert_then_die  # type: ignore[assignment]
    elif point in ("load-commit", "pause-load"):
        load = history._load

        def load_then_stop(con: Any, batch: Any) -> Any:
            counts = load(con, batch)
            if point == "load-commit":
                die()
            Path(os.environ["CRASH_MARKER"]).touch()
            while not Path(os.environ["CRASH_RELEASE"]).exists():
                time.sleep(0.05)
            return counts

        history._load = on_nth(count, load_then_stop, load)  # type: ignore[assignment]
    elif point != "none":  # "none": plant nothing (the test kills the process from outside)
        raise SystemExit(f"unknown point {point!r}")


if __name__ == "__main__":
    where, _, nth = sys.argv[1].partition(":")
    plant(where, int(nth or 1))
    sys.exit(main(sys.argv[2:]))
