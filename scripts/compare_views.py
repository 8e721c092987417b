"""Compare every view of two warehouses row for row: do two modelsync builds tell the same story?

Reads each view of BEFORE (read-only) that AFTER also has, on BEFORE's columns, minus the
columns that say when a row was learned or a run took place (they differ between any two
runs of the same data): ``recorded_at``, ``superseded_at``, ``run_id``, ``started_at``,
``finished_at``, the phase timings and the archive ``path``. Rows are compared as sorted
lists; decimals by value. Prints one line per view, and the first differing rows.

    uv run python scripts/compare_views.py BEFORE.duckdb AFTER.duckdb

Exit status 0 when every view matches, 1 otherwise.
"""

from __future__ import annotations

import sys
from decimal import Decimal

import duckdb

LOAD_TIME = {"recorded_at", "superseded_at", "run_id", "started_at", "finished_at", "fetch_s", "archive_s",
             "parse_s", "load_s", "path", "applied_at", "created_at"}  # fmt: skip


def view_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Each public view's columns, without the load-time ones."""
    names = [r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall()]
    return {name: [r[0] for r in con.execute(f'DESCRIBE "{name}"').fetchall() if r[0] not in LOAD_TIME]
            for name in names}  # fmt: skip


def view_rows(con: duckdb.DuckDBPyConnection, view: str, columns: list[str]) -> list[tuple[object, ...]]:
    """The rows of ``view`` on ``columns``, comparable across builds and sorted."""
    selected = ", ".join(f'"{c}"' for c in columns)
    rows = con.execute(f'SELECT {selected} FROM "{view}"').fetchall()
    return sorted((tuple(_comparable(v) for v in row) for row in rows), key=repr)


def _comparable(value: object) -> object:
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, list):
        return tuple(_comparable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _comparable(v)) for k, v in value.items()))
    return value


def main(before_path: str, after_path: str) -> int:
    before = duckdb.connect(before_path, read_only=True)
    after = duckdb.connect(after_path, read_only=True)
    try:
        views, theirs = view_columns(before), view_columns(after)
        differing = 0
        for view, columns in views.items():
            if view not in theirs:
                print(f"{view:20} missing after")
                differing += 1
                continue
            old, new = view_rows(before, view, columns), view_rows(after, view, columns)
            if old == new:
                print(f"{view:20} {len(old):6} rows  identical")
                continue
            differing += 1
            gone, added = [r for r in old if r not in new], [r for r in new if r not in old]
            print(f"{view:20} {len(old):6} rows  DIFFERENT: {len(gone)} only before, {len(added)} only after")
            for row in gone[:2]:
                print(f"    before: {row}")
            for row in added[:2]:
                print(f"    after:  {row}")
        extra = sorted(set(theirs) - set(views))
        if extra:
            print(f"views only after: {', '.join(extra)}")
        print(f"{len(views) - differing} of {len(views)} views identical")
        return 1 if differing else 0
    finally:
        before.close()
        after.close()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
