"""Progress bars on a terminal (rich); silent when output is piped or in CI, where ``note`` lines say enough.

rich is imported when a bar is first drawn: a command whose output is piped, or that draws none, never loads it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress


@contextmanager
def fetch_progress(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A ``(done, total)`` callback drawing a bar on stderr, or None when stderr is not a terminal."""
    with task_progress(f"fetching {label}") as advance:
        yield advance


_shared: list[Progress] = []  # the one live display, while any bar is drawn (rich allows one at a time)
_lock = threading.Lock()


@contextmanager
def task_progress(text: str) -> Iterator[Callable[[int, int], None] | None]:
    """A ``(done, total)`` callback drawing a bar labelled ``text`` on stderr, or None when stderr is not a terminal.

    Bars drawn at once (sources fetched side by side) share one display.
    """
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with _lock:
        if not _shared:
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            _shared.append(Progress(*columns, console=Console(stderr=True), transient=True))
            _shared[0].start()
        bar = _shared[0]
        task = bar.add_task(text, total=None)
    try:

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance
    finally:
        with _lock:
            bar.remove_task(task)
            if not bar.tasks:
                bar.stop()
                _shared.clear()


def note(line: str) -> None:
    """One line of progress on stderr (printed above the bar while one is drawn)."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def counted(n: int, noun: str) -> str:
    """``1 payload``, ``2 payloads``: a count with its noun in the right number."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
