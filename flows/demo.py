"""``modelsync demo``: bundled captures, a loopback mirror, the real sync flow, a summary."""

from __future__ import annotations

import contextlib
import io
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from flows.mirror import Mirror, read_manifest
from flows.settings import SOURCES
from warehouse import db
from warehouse.archive import parse_rfc3339

DEMO_MANIFEST = Path(__file__).parent / "demo_captures" / "manifest.jsonl"
WAREHOUSE_NAME = "modelsync-demo.duckdb"
RAW_NAME = "modelsync-demo-raw"

CHANGES_QUERY = """
SELECT strftime(changed_at, '%m-%d %H:%M') AS changed_at, source, model_id, provider, field, old_value AS old,
    new_value AS new
FROM changes ORDER BY changed_at, source, model_id, provider, field
"""
CONFLICTS_QUERY = """
SELECT model_id, field, source, value, count(*) AS source_keys
FROM conflicts WHERE field IN ('release_date', 'open_weights') GROUP BY ALL ORDER BY model_id, field, source, value
"""
APPEARED_QUERY = """
SELECT strftime(min(valid_from), '%Y-%m-%d %H:%M') AS first_seen, model_id,
    any_value(provider) AS provider, endpoint_key
FROM endpoint_history GROUP BY model_id, endpoint_key
HAVING min(valid_from) > (SELECT min(valid_from) FROM endpoint_history)
ORDER BY first_seen, model_id, endpoint_key
"""
UPTIME_QUERY = """
SELECT model_id, endpoint_key, strftime(observed_at, '%Y-%m-%d') AS day, round(uptime_pct, 2) AS uptime_1d
FROM uptime WHERE period = '1d' AND endpoint_key LIKE 'novita%' ORDER BY observed_at
"""
NEXT_STEPS = """\
Try next (the demo warehouse is {warehouse}):
  export MODELSYNC_WAREHOUSE={warehouse}
  uv run modelsync sql "SELECT model_id, provider, max_output_tokens, input_price_per_mtok, uptime_1d FROM endpoints"
  uv run modelsync sql "SELECT * FROM endpoint_history WHERE endpoint_key = 'alibaba'"
  uv run modelsync sql "SELECT * FROM changes ORDER BY changed_at" --format csv
  uv run modelsync sql "SELECT * FROM models"
  uv run modelsync sql "SELECT * FROM benchmarks WHERE model_id = 'meta-llama/llama-4-scout'"
  uv run modelsync sql "SELECT * FROM model_aliases ORDER BY model_id"
  uv run modelsync sql "SELECT run_id, status, payloads, new_versions, load_s FROM runs"
  duckdb -readonly {warehouse}    # the same file, in the DuckDB CLI
"""


def _table(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """A query's result as DuckDB draws it, wide enough for every column."""
    drawn = io.StringIO()
    with contextlib.redirect_stdout(drawn):
        con.sql(sql).show(max_width=160)
    return drawn.getvalue()


def run_demo(workdir: Path, echo: Callable[[str], None]) -> int:
    """Sync every capture date in order into ``workdir/modelsync-demo.duckdb``; returns an exit code."""
    from flows.sync import sync_flow  # Prefect: imported only when the demo runs

    started = time.perf_counter()
    warehouse, raw_dir = workdir / WAREHOUSE_NAME, workdir / RAW_NAME
    for old in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        old.unlink(missing_ok=True)
    shutil.rmtree(raw_dir, ignore_errors=True)
    captures = read_manifest(DEMO_MANIFEST)
    dates = sorted({c.fetched_at for c in captures}, key=parse_rfc3339)
    echo(f"modelsync demo: {len(captures)} recorded payloads of {len(SOURCES)} sources over {len(dates)} dates")
    echo("Starting Prefect (a temporary local server when PREFECT_API_URL is unset: about 15 s) ...")
    worst = 0
    with Mirror(captures) as mirror:
        echo(f"Serving them from a loopback mirror at {mirror.base_url}")
        for stamp in dates:
            mirror.serve_day(stamp)
            overrides = {
                "MODELSYNC_WAREHOUSE": str(warehouse),
                "MODELSYNC_RAW_DIR": str(raw_dir),
                # Every source is served by the mirror; it needs no real key.
                **{f"MODELSYNC_{source.upper()}_BASE_URL": mirror.base_url for source in SOURCES},
                "ARTIFICIAL_ANALYSIS_API_KEY": "demo",
            }
            result = sync_flow(env_overrides=overrides, as_of=parse_rfc3339(stamp))
            counts = result.counts
            echo(
                f"  {stamp}  sync {result.status}: {counts.payloads} payloads, "
                f"{counts.new_versions} new versions, {counts.measurements} measurements"
            )
            for url, reason in result.failed_urls:
                echo(f"    failed: {url}: {reason}")
            if result.error and not result.failed_urls:
                echo(f"    error: {result.error}")
            worst = max(worst, result.exit_code)
    con = db.open_for_read(warehouse)
    try:
        echo("\nWhat changed (the `changes` view):")
        echo(_table(con, CHANGES_QUERY))
        echo("Endpoints that appeared after the first sync (`endpoint_history`):")
        echo(_table(con, APPEARED_QUERY))
        echo("An uptime dip (the `uptime` view, 1d window):")
        echo(_table(con, UPTIME_QUERY))
        echo("Where sources disagree (the `conflicts` view; one model_id joins all four sources):")
        echo(_table(con, CONFLICTS_QUERY))
    finally:
        con.close()
    echo(f"Done in {time.perf_counter() - started:.0f} s.\n")
    echo(NEXT_STEPS.format(warehouse=warehouse))
    return worst
