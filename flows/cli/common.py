"""What every command shares: exit codes, the one-line error, settings, the lock and read connections."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flows.settings import SettingError, settings_from_env

EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL, EXIT_BUSY = 1, 2, 3, 4


class CommandError(Exception):
    """A failure to report in one line, with its exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


class ReaderGone(Exception):
    """Whoever read the output stopped reading (``| head``): the command ends quietly, with 0."""


def _settings() -> Any:
    try:
        return settings_from_env()
    except SettingError as e:
        raise CommandError(str(e), EXIT_USAGE) from None


class _busy_is_exit_4:  # noqa: N801 (used as a context manager, reads as one)
    """Around a write: a held lock or a busy file is exit 4; a configured Prefect server that is down, one line."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if exc is None:  # nothing to translate (and nothing more to import)
            return
        from flows.lock import WarehouseLocked
        from flows.steps import PrefectUnavailable
        from warehouse.db import WarehouseBusy

        if isinstance(exc, WarehouseLocked | WarehouseBusy):
            raise CommandError(str(exc), EXIT_BUSY) from None
        if isinstance(exc, PrefectUnavailable):
            raise CommandError(str(exc), EXIT_FAILED) from None


@contextmanager
def _reading(path: Path, *, sandboxed: bool = False) -> Iterator[Any]:
    """A read-only connection to the warehouse, closed after; a DuckDB error becomes one line (exit 1)."""
    import duckdb

    con = _open_read(path, sandboxed=sandboxed)
    try:
        yield con
    except duckdb.Error as e:
        raise CommandError(str(e).splitlines()[0]) from None
    finally:
        con.close()


def _open_read(path: Path, *, sandboxed: bool = False) -> Any:
    from warehouse import db

    try:
        return db.open_for_query(path) if sandboxed else db.open_for_read(path)
    except db.WarehouseBusy as e:
        from flows.lock import lock_holder

        holder = lock_holder(path)
        if holder:  # say who is writing rather than that someone might be
            raise CommandError(
                f"{path} is being written: {holder}; DuckDB lets no reader in while it loads "
                f"(waited {db.BUSY_WAIT_S:g} s); try again when it finishes",
                EXIT_BUSY,
            ) from None
        raise CommandError(str(e), EXIT_BUSY) from None
    except db.WarehouseError as e:
        raise CommandError(str(e)) from None


@contextmanager
def _written_whole(target: Path) -> Iterator[Path]:
    """A hidden path beside ``target`` to write; renamed to ``target`` when the block ends well, else removed."""
    partial = target.with_name(f".{target.name}.partial")
    try:
        yield partial
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def _sql_path(path: Path) -> str:
    """A path as a SQL string literal's contents (quotes doubled)."""
    return str(path).replace("'", "''")
