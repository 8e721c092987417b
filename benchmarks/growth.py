"""Growth: cost follows the change, not the history. A year of nightly loads, then the queries users run.

Loads ``--nights`` nights of the generator's market (1,000 models x 5 endpoints by
default: the model list and every endpoints page, parsed and loaded through the real
load step, about 1% of endpoints changing a night) and times each night's load. Prints:

- the median load of nights 8-12 (about 10 nights of history) and of the last five
  (about 365), and their ratio (goal <= 1.2);
- on the year's warehouse: ``endpoints_as_of`` at mid-year (goal < 50 ms; every row fetched as
  Arrow, as a notebook's ``.df()`` reads it, and as Python tuples beside the bare version rows'
  fetch) and ``modelsync changes --since 30d``'s query (goal < 200 ms), medians of five.

    uv run python benchmarks/growth.py [--models 1000] [--per-model 5] [--nights 365] [--keep DIR]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from common import median_ms, parsed_today
from generator import Market

from flows.settings import settings_from_env
from warehouse import db, history, queries

BARE_VERSIONS = """
SELECT * FROM endpoint_versions
WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1) AND superseded_at IS NULL AND NOT is_deleted
"""
"""The rows ``endpoints_as_of`` starts from, with no join: the floor of fetching its answer as Python objects."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--per-model", type=int, default=5)
    parser.add_argument("--nights", type=int, default=365)
    parser.add_argument("--keep", type=Path, metavar="DIR", help="build the warehouse in DIR and keep it")
    args = parser.parse_args()
    if args.nights < 20:
        parser.error("--nights must be at least 20 (nights 8-12 are compared with the last five)")
    market = Market(args.models, args.per_model)
    print(f"{market.endpoint_count():,} endpoints ({args.models:,} models), {args.nights} nights, ~1% changed a night")
    loads: list[float] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        settings = settings_from_env({"MODELSYNC_WAREHOUSE": str(where / "growth.duckdb")})
        con = db.open_for_write(settings.warehouse, market.fetched_at)
        for night in range(args.nights + 1):
            if night:
                market.advance()
            batch = parsed_today(settings, market)
            history.record_run_start(con, batch.run)
            begun = time.perf_counter()
            history.load_batch(con, batch)
            loads.append(time.perf_counter() - begun)
            if night % 30 == 0:
                print(f"  night {night:>3}: load {loads[-1] * 1000:5.0f} ms  ({time.perf_counter() - started:.0f} s)")
        early, late = statistics.median(loads[8:13]), statistics.median(loads[-5:])
        versions = con.execute("SELECT count(*) FROM endpoint_versions").fetchall()[0][0]
        observations = con.execute("SELECT count(*) FROM endpoint_observations").fetchall()[0][0]
        con.close()
        con = db.open_for_read(settings.warehouse)
        mid = market.fetched_at - timedelta(days=args.nights // 2, hours=-12)
        since = market.fetched_at - timedelta(days=30)
        as_of_sql = "SELECT * FROM endpoints_as_of(?)"
        as_of = median_ms(lambda: con.execute(as_of_sql, [mid]).to_arrow_table())
        as_of_rows = median_ms(lambda: con.execute(as_of_sql, [mid]).fetchall())
        bare_rows = median_ms(lambda: con.execute(BARE_VERSIONS, [mid]).fetchall())
        params = {"since": since, "field": None, "model": None, "provider": None}
        changes = median_ms(lambda: con.execute(queries.CHANGES, params).fetchall())
        changed = len(con.execute(queries.CHANGES, params).fetchall())
        con.close()
    print(f"history: {observations:,} endpoint observations, {versions:,} endpoint versions")
    print(f"load with ~10 nights of history   {early * 1000:6.0f} ms (median of nights 8-12)")
    print(f"load with {args.nights} nights of history  {late * 1000:6.0f} ms (median of the last five)")
    print(f"ratio {late / early:.2f} (goal <= 1.2)")
    print(f"endpoints_as_of(mid-year)          {as_of:6.1f} ms (goal < 50 ms), every row fetched as Arrow")
    print(f"  the same fetched as Python tuples  {as_of_rows:6.1f} ms: the endpoint versions alone, no join, "
          f"{bare_rows:.1f} ms (DuckDB's conversion of each decimal and list to a Python object)")  # fmt: skip
    print(f"changes --since 30d ({changed:,} rows)  {changes:6.1f} ms (goal < 200 ms)")


if __name__ == "__main__":
    main()
