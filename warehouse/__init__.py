"""The warehouse: DuckDB files, the raw archive, and the history engine.

For notebooks and scripts::

    from warehouse import connect
    connect().sql("SELECT * FROM changes").df()
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

WAREHOUSE_VARIABLE = "MODELSYNC_WAREHOUSE"
DEFAULT_WAREHOUSE = "modelsync.duckdb"


def connect(path: str | os.PathLike[str] | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only DuckDB connection to ``path``, else to the configured warehouse.

    The configured one is ``$MODELSYNC_WAREHOUSE``, as the CLI reads it, else
    ``modelsync.duckdb`` here. Close it when done: while it is open, a sync waits to load.
    """
    from warehouse import db

    return db.open_for_read(Path(path or os.environ.get(WAREHOUSE_VARIABLE) or DEFAULT_WAREHOUSE))
