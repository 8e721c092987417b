"""Load: one nightly snapshot of N endpoints into history; ours vs dlt ``scd2`` vs a bare DuckDB insert.

The market (``generator.py``) is loaded on day 1, then day 2 (about 1% of endpoints
changed, a few new and gone) is timed, from a ready frame to committed data, three ways:

- **ours**: ``history.load_batch`` of the parsed endpoint frame (observations, snapshot,
  version derivation, invariants, one transaction), into a copy of the day-1 warehouse;
- **dlt**: ``pipeline.run`` with ``write_disposition`` merge/``scd2`` into DuckDB, in dlt's
  fastest configuration (an Arrow table with a precomputed row hash as
  ``row_version_column_name``), after the same day 1;
- **bare insert**: ``INSERT INTO t SELECT * FROM frame`` of the same rows: the floor of
  writing them wide;
- **narrow insert**: the same of only what a night must write whatever it derives (the
  key, the attribute hash, the time, the run and the payload: the narrow observations),
  into a table holding day 1's: the floor of this design.

All get the same endpoint rows; medians of ``--repeat`` runs, ratios in the same run.
Goals: ours at least 3x faster than dlt; within 3x of the bare insert.

    uv run python benchmarks/load.py [--endpoints 100000] [--per-model 5] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from common import parsed_today
from generator import Market

from entities import ENTITIES
from flows.settings import Settings, settings_from_env
from warehouse import db, history

ENTITY = "endpoint"


def endpoint_batch(settings: Settings, market: Market) -> history.LoadBatch:
    """Today's endpoints pages, parsed; the batch keeps only the endpoint entity."""
    batch = parsed_today(settings, market, endpoints_only=True)
    snapshots = batch.snapshots[batch.snapshots["entity"] == ENTITY] if batch.snapshots is not None else None
    return replace(batch, observations={ENTITY: batch.observations[ENTITY]}, measurements={}, snapshots=snapshots)


def time_ours(template: Path, batch: history.LoadBatch, repeat: int) -> list[float]:
    times = []
    for n in range(repeat):
        copy = template.with_name(f"ours-{n}.duckdb")
        shutil.copy(template, copy)
        con = db.open_for_write(copy, batch.recorded_at)
        history.record_run_start(con, batch.run)
        started = time.perf_counter()
        history.load_batch(con, batch)
        times.append(time.perf_counter() - started)
        con.close()
    return times


def dlt_table(frame: pd.DataFrame) -> Any:
    """The endpoint rows as an Arrow table with the row hash precomputed (dlt's fastest input)."""
    import pyarrow as pa

    columns = [c for c in frame.columns if c not in ("recorded_at", "run_id", "payload_sha256")]
    rows = frame[columns].rename(columns={"attr_hash": "row_hash"})
    rows = rows.assign(**{c: rows[c].astype("float64") for c in rows.columns if c.endswith("_per_mtok")})
    return pa.Table.from_pandas(rows, preserve_index=False)


def time_dlt(root: Path, day1: Any, day2: Any, repeat: int) -> list[float]:
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")  # not a warning a run about Arrow column hints
    import dlt

    disposition = {"disposition": "merge", "strategy": "scd2", "row_version_column_name": "row_hash"}
    times = []
    for n in range(repeat):
        pipeline_ = dlt.pipeline(
            pipeline_name=f"bench_{n}", pipelines_dir=str(root / "dlt"),
            destination=dlt.destinations.duckdb(str(root / f"dlt-{n}.duckdb")), dataset_name="history",
        )  # fmt: skip
        pipeline_.run(day1, table_name="endpoints", write_disposition=disposition)
        started = time.perf_counter()
        pipeline_.run(day2, table_name="endpoints", write_disposition=disposition)
        times.append(time.perf_counter() - started)
    return times


def time_insert(root: Path, frame: pd.DataFrame, repeat: int, before: pd.DataFrame | None = None) -> list[float]:
    """A bare, committed ``INSERT`` of ``frame`` into a table of its columns, holding ``before``'s rows if given."""
    times = []
    for n in range(repeat):
        con = duckdb.connect(str(root / f"insert-{n}-{len(frame.columns)}.duckdb"))
        con.execute("CREATE TABLE t AS SELECT * FROM frame LIMIT 0")
        if before is not None:
            con.execute("INSERT INTO t SELECT * FROM before")
        started = time.perf_counter()
        con.execute("INSERT INTO t SELECT * FROM frame")
        times.append(time.perf_counter() - started)
        con.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=int, default=100_000)
    parser.add_argument("--per-model", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    market = Market(args.endpoints // args.per_model, args.per_model)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = settings_from_env({"MODELSYNC_WAREHOUSE": str(root / "template.duckdb")})
        day1 = endpoint_batch(settings, market)
        market.advance()
        day2 = endpoint_batch(settings, market)
        rows = len(day2.observations[ENTITY])
        print(f"{rows:,} endpoints ({len(market.models):,} models), day 2 after day 1; median of {args.repeat}")

        con = db.open_for_write(settings.warehouse, day1.recorded_at)
        history.record_run_start(con, day1.run)
        started = time.perf_counter()
        history.load_batch(con, day1)
        first = time.perf_counter() - started
        con.close()
        ours = statistics.median(time_ours(settings.warehouse, day2, args.repeat))
        frame = day2.observations[ENTITY]
        dlt_s = statistics.median(time_dlt(root, dlt_table(day1.observations[ENTITY]), dlt_table(frame), args.repeat))
        bare = statistics.median(time_insert(root, frame, args.repeat))
        narrow_columns = [*ENTITIES[ENTITY].key, "attr_hash", "observed_at", "run_id", "payload_sha256"]
        narrow = statistics.median(time_insert(root, frame[narrow_columns], args.repeat,
                                               day1.observations[ENTITY][narrow_columns]))  # fmt: skip
    print(f"ours   {ours:6.3f} s  (first load into an empty warehouse {first:.3f} s)")
    print(f"dlt    {dlt_s:6.3f} s  scd2, Arrow table + precomputed row hash")
    print(f"bare   {bare:6.3f} s  INSERT of the same frame")
    print(f"narrow {narrow:6.3f} s  INSERT of the narrow observation columns after day 1's")
    print(f"dlt / ours  = {dlt_s / ours:5.2f}x  (goal >= 3: ours in {dlt_s / 3:.3f} s, "
          f"{dlt_s / 3 / narrow:.1f}x the narrow insert)")  # fmt: skip
    print(f"ours / bare = {ours / bare:5.2f}x  (goal <= 3)")


if __name__ == "__main__":
    main()
