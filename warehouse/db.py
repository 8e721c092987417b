"""The one module that opens DuckDB: write connections (migrated) and read-only ones."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path

import duckdb

BUSY_WAIT_S = 5.0
WRITE_MEMORY_LIMIT = "512MB"
"""DuckDB's memory cap on a write connection (its default is 80% of the machine's RAM): past it, a load
spills to ``<warehouse>.tmp/`` rather than grow, so a backfill or a large import stays in bounded
memory (issue 18; the figures behind the value are in benchmarks/README.md)."""


STORAGE_VERSION = "v1.4.0"
"""The storage format warehouses are written in. DuckDB 2.0's own format is unreadable to DuckDB 1.x
(the CLI users open a warehouse with, ``duckdb -readonly``, included); this one DuckDB 1.4 and later
read. A warehouse written by an older modelsync in DuckDB 2.0's format is rewritten in it once."""


class WarehouseError(Exception):
    """The warehouse cannot be opened or used; the message says why in one line."""


class WarehouseBusy(WarehouseError):
    """Another process holds the warehouse file."""


def views_sql() -> str:
    """Every view and macro, each defined once (``warehouse/views.sql``), as CREATE OR REPLACE statements."""
    return resources.files("warehouse").joinpath("views.sql").read_text(encoding="utf-8")


def migrations() -> list[tuple[int, str, str]]:
    """``(version, name, sql)`` for every migration shipped with modelsync, in order."""
    found = []
    for entry in resources.files("warehouse.migrations").iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name.removesuffix(".sql"), entry.read_text(encoding="utf-8")))
    return sorted(found)


Hook = Callable[[duckdb.DuckDBPyConnection], None]
"""A data step that runs inside a migration's transaction, after its SQL (e.g. re-hashing rows in Python)."""


def open_for_write(
    path: Path, now: datetime, wait_s: float = BUSY_WAIT_S, hooks: Mapping[int, Hook] | None = None
) -> duckdb.DuckDBPyConnection:
    """A read-write connection with every migration applied (each recorded in ``schema_migrations``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    new_files_in = {"storage_compatibility_version": STORAGE_VERSION}
    con = _retry_busy(lambda: duckdb.connect(str(path), config=dict(new_files_in)), path, wait_s)
    try:
        if _storage_version(con) != f"{STORAGE_VERSION}+":
            con = _rewritten_in_storage_version(con, path)
        con.execute(f"SET memory_limit = '{WRITE_MEMORY_LIMIT}'")
        apply_migrations(con, now, hooks)
    except BaseException:
        con.close()
        raise
    return con


def _storage_version(con: duckdb.DuckDBPyConnection) -> str:
    """The storage format of the connection's database file, as DuckDB tags it (``v1.4.0+``)."""
    found = con.execute(
        "SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    return str(found[0][0])


def _rewritten_in_storage_version(con: duckdb.DuckDBPyConnection, path: Path) -> duckdb.DuckDBPyConnection:
    """Copy the warehouse whole into a file in ``STORAGE_VERSION``, put it in place; returns a connection to it.

    The copy is complete and on disk before it replaces the file (a rename): a crash leaves the
    old warehouse, or the new one, never half of either. Callers hold the warehouse lock.
    """
    copy = path.with_name(f"{path.name}.rewriting")
    copy.unlink(missing_ok=True)
    name = con.execute("SELECT current_database()").fetchall()[0][0]
    con.execute(f"ATTACH '{_quoted(copy)}' AS rewritten (STORAGE_VERSION '{STORAGE_VERSION}')")
    con.execute(f'COPY FROM DATABASE "{name}" TO rewritten')
    con.execute("DETACH rewritten")
    con.close()
    with copy.open("rb") as written:
        os.fsync(written.fileno())
    os.replace(copy, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return duckdb.connect(str(path))


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def open_for_read(path: Path, wait_s: float = BUSY_WAIT_S) -> duckdb.DuckDBPyConnection:
    """A read-only connection; a missing file or a writer that keeps the lock is a WarehouseError."""
    if not path.exists():
        raise WarehouseError(f"no warehouse at {path}: run 'modelsync sync' or 'modelsync demo' first")
    return _retry_busy(lambda: duckdb.connect(str(path), read_only=True), path, wait_s)


def open_for_query(path: Path, wait_s: float = BUSY_WAIT_S) -> duckdb.DuckDBPyConnection:
    """A read-only connection for SQL a user typed: no file, extension or setting beyond the warehouse.

    Defence in depth behind ``modelsync sql``'s statement check: external access off (no
    ``ATTACH``, ``COPY ... TO``, ``read_csv``, ``INSTALL``/``LOAD``), then the configuration
    locked, so no ``SET`` or ``PRAGMA`` can turn it back on.
    """
    con = open_for_read(path, wait_s)
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def apply_migrations(
    con: duckdb.DuckDBPyConnection, now: datetime, hooks: Mapping[int, Hook] | None = None
) -> list[int]:
    """Apply the migrations this database lacks, each in its own transaction with its hook; returns their versions.

    Then (re)create every view and macro if they are not this modelsync's, in one transaction:
    migrations hold tables and data only, so the views are this modelsync's whatever the warehouse's age.
    """
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations"
        " (version INTEGER NOT NULL, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, sql in migrations():
        if version in done:
            continue
        with transaction(con):
            con.execute(sql)
            if hooks and version in hooks:
                hooks[version](con)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, now])
        applied.append(version)
    _create_views(con, now)
    return applied


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the block in one transaction: committed at its end, rolled back on any error (re-raised)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _create_views(con: duckdb.DuckDBPyConnection, now: datetime) -> None:
    """Recreate every view and macro when ``views.sql`` differs from the one they were made from (30 ms)."""
    sql = views_sql()
    fingerprint = hashlib.sha256(sql.encode("utf-8")).hexdigest()
    con.execute("CREATE TABLE IF NOT EXISTS schema_views (sha256 VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL)")
    if con.execute("SELECT sha256 FROM schema_views").fetchall() == [(fingerprint,)]:
        return
    with transaction(con):
        con.execute(sql)
        con.execute("DELETE FROM schema_views")
        con.execute("INSERT INTO schema_views VALUES (?, ?)", [fingerprint, now])


def _retry_busy(
    connect: Callable[[], duckdb.DuckDBPyConnection], path: Path, wait_s: float
) -> duckdb.DuckDBPyConnection:
    # DuckDB lets one process write, or many read, a file: never both (duckdb/duckdb#77).
    deadline = time.monotonic() + wait_s
    delay = 0.05
    while True:
        try:
            return connect()
        except duckdb.IOException as e:
            if "lock" not in str(e).lower():
                raise WarehouseError(f"{path}: {str(e).splitlines()[0]}") from None
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"{path} is in use by another modelsync process (a sync may be loading); try again shortly"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
