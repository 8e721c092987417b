"""``modelsync demo``: bundled captures, a loopback mirror, the real sync flow, a summary."""

from __future__ import annotations

import contextlib
import io
import shutil
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb

from extractors.registry import payload_kind_for
from flows.doubles.mirror import Capture, Mirror, Reply, read_manifest
from flows.lock import warehouse_lock
from flows.progress import counted
from flows.settings import SOURCES, default_raw_dir
from warehouse import db
from warehouse.archive import parse_rfc3339

DEMO_MANIFEST = Path(__file__).parent / "demo_captures" / "manifest.jsonl"
WAREHOUSE_NAME = "modelsync-demo.duckdb"
REPORT_NAME = "modelsync-demo-report.html"
USAGE_NAME = "modelsync-demo-usage.csv"
SYNTHETIC_USAGE = """\
time,model,provider,input_tokens,output_tokens
2026-08-23T12:00:00Z,moonshotai/kimi-k3,Alibaba,2000000,400000
2026-08-24T12:00:00Z,moonshotai/kimi-k3,Alibaba,2000000,400000
2026-08-25T09:00:00Z,meta-llama/llama-4-scout,DeepInfra,10000000,1000000
"""
"""A synthetic usage file the demo writes beside its warehouse, for ``modelsync cost``: its first row falls
between the last observation of Alibaba's old Kimi K3 price and the first of its new one."""

OUTAGES: Mapping[str, tuple[str, ...]] = {
    "2026-08-24T02:00:00Z": (
        "https://models.dev/api.json",
        "https://openrouter.ai/api/v1/models/meta-llama/llama-4-maverick/endpoints",
    ),
}
"""Declared outages: on that capture date the mirror answers these real URLs with HTTP 503, every time."""
# The client drops a failed response's connection without reading on: closing it first keeps the mirror quiet.
OUTAGE_REPLY = Reply(503, b'{"error": {"code": 503, "message": "Service Unavailable"}}', {"Connection": "close"})

DEMO_ENV = {
    "ARTIFICIAL_ANALYSIS_API_KEY": "demo",  # the mirror serves every source; it needs no real key
    # An outage gives up after 2 attempts and at most 1 s of waiting (defaults: 5 and 30 s).
    "MODELSYNC_RETRY_ATTEMPTS": "2",
    "MODELSYNC_RETRY_WAIT_S": "1",
    # The mirror is on loopback: no politeness delay (the catalog's 1 request/s would cost ~3 s a date).
    **{f"MODELSYNC_{source.upper()}_RATE": "100" for source in SOURCES},
    "MODELSYNC_WEBHOOK_URL": "",  # the demo's replayed changes are not news: no webhook is called
}
"""Environment every demo sync runs with, besides the warehouse, the archive and the mirror's base URL."""

CHANGES_QUERY = """
SELECT strftime(changed_at, '%m-%d %H:%M') AS changed_at, source, model_id, endpoint_key, field,
    -- a list change is shown as what it gained and lost (the view's `added` and `removed`)
    CASE WHEN added IS NULL THEN old_value ELSE len(string_split(old_value, ',')) || ' items' END AS old_value,
    CASE WHEN added IS NULL THEN new_value
         ELSE array_to_string(list_concat([concat('+', p) FOR p IN added], [concat('-', p) FOR p IN removed]), ' ')
    END AS new_value
FROM changes ORDER BY changed_at, source, model_id, endpoint_key, field
"""
CAME_AND_WENT_QUERY = """
SELECT source, model_id, endpoint_key, max(provider) AS provider,
    strftime(min(valid_from), '%Y-%m-%d') AS first_seen,
    strftime(max(valid_from) FILTER (WHERE is_deleted AND valid_to IS NULL), '%Y-%m-%d') AS retired_since
FROM endpoint_history GROUP BY ALL
HAVING min(valid_from) > (SELECT min(valid_from) FROM endpoint_history) OR bool_or(is_deleted AND valid_to IS NULL)
ORDER BY first_seen, source, model_id, endpoint_key
"""
RETIRED_HISTORY_QUERY = """
SELECT model_id, endpoint_key, strftime(valid_from, '%Y-%m-%d %H:%M') AS valid_from,
    strftime(valid_to, '%Y-%m-%d %H:%M') AS valid_to, is_deleted, input_price_per_mtok, output_price_per_mtok, status
FROM endpoint_history h
WHERE EXISTS (SELECT 1 FROM endpoint_history t WHERE t.source = h.source AND t.source_key = h.source_key
              AND t.endpoint_key = h.endpoint_key AND t.is_deleted AND t.valid_to IS NULL)
ORDER BY source, model_id, endpoint_key, h.valid_from
"""
UPTIME_QUERY = """
PIVOT (
    SELECT endpoint_key, strftime(observed_at, '%m-%d') AS day, round(uptime_pct, 1) AS uptime_1d
    FROM uptime WHERE source = 'openrouter' AND model_id = 'meta-llama/llama-4-scout' AND period = '1d'
) ON day USING first(uptime_1d) GROUP BY endpoint_key ORDER BY endpoint_key
"""
RESCORE_QUERY = """
SELECT h.model_id, h.benchmark, h.source, h.score, strftime(h.valid_from, '%Y-%m-%d %H:%M') AS valid_from,
    strftime(h.valid_to, '%Y-%m-%d %H:%M') AS valid_to
FROM benchmark_history h SEMI JOIN changes c
    ON c.entity = 'benchmark' AND c.source = h.source AND c.model_id = h.model_id AND c.field = h.benchmark
ORDER BY h.model_id, h.benchmark, h.valid_from
"""
CONFLICTS_QUERY = """
SELECT model_id, field, source, value, count(*) AS source_keys
FROM conflicts WHERE model_id = 'meta-llama/llama-4-scout' AND field IN ('release_date', 'open_weights')
GROUP BY ALL ORDER BY model_id, field, source, value
"""
# Per URL that failed on the outage day: the endpoints of its scope current the day before, on that day and now.
# An OpenRouter endpoints page lists one model's endpoints; the other URLs here list a whole source.
OUTAGE_QUERY = """
WITH failed AS (
    SELECT DISTINCT f.url, r.source, nullif(regexp_extract(f.url, '/api/v1/models/(.+)/endpoints$', 1), '') AS model
    FROM (SELECT unnest(failed_urls, recursive := true) FROM runs WHERE status = 'partial') f
    JOIN raw_fetches r ON r.url = f.url
    WHERE f.url IN (SELECT unnest($urls))
),
current_at AS (
    SELECT 'before' AS seen, source, source_key FROM endpoints_as_of(CAST($outage AS TIMESTAMPTZ) - INTERVAL 1 SECOND)
    UNION ALL SELECT 'outage', source, source_key FROM endpoints_as_of(CAST($outage AS TIMESTAMPTZ))
    UNION ALL SELECT 'now', source, source_key FROM endpoints
)
SELECT f.url AS failed_url,
    count(*) FILTER (WHERE c.seen = 'before') AS endpoints_before,
    count(*) FILTER (WHERE c.seen = 'outage') AS on_outage_day,
    count(*) FILTER (WHERE c.seen = 'now') AS now,
    (SELECT count(*) FROM changes d WHERE d.field = 'deleted' AND d.new_value = 'true' AND d.source = f.source
        AND (f.model IS NULL OR d.source_key = f.model) AND d.changed_at = CAST($outage AS TIMESTAMPTZ)) AS retired
FROM failed f LEFT JOIN current_at c ON c.source = f.source AND (f.model IS NULL OR c.source_key = f.model)
GROUP BY f.url, f.source, f.model ORDER BY f.url
"""
RETIRED_ON_QUERY = """
SELECT count(*) FROM changes
WHERE field = 'deleted' AND new_value = 'true' AND changed_at = CAST($outage AS TIMESTAMPTZ)
"""
NEXT_STEPS = """\
Try next (the demo warehouse is {warehouse}):
  export MODELSYNC_WAREHOUSE={warehouse}
  uv run modelsync changes --since 2026-08-01
  uv run modelsync changes --since 2026-08-01 --field deleted
  uv run modelsync sql "SELECT model_id, provider, max_output_tokens, input_price_per_mtok, uptime_1d FROM endpoints"
  uv run modelsync sql "SELECT valid_from, valid_to, is_deleted, input_price_per_mtok FROM endpoint_history WHERE endpoint_key = 'alibaba'"
  uv run modelsync sql "SELECT endpoint_key, supported_params FROM endpoints_as_of('2026-08-24') WHERE model_id = 'moonshotai/kimi-k3'"
  uv run modelsync sql "SELECT * FROM benchmark_history WHERE benchmark = 'aa_intelligence_index'"
  uv run modelsync sql "SELECT endpoint_key, observed_at, uptime_pct FROM uptime WHERE model_id = 'meta-llama/llama-4-scout' AND period = '1d'"
  uv run modelsync sql "SELECT run_id, status, new_versions, failed_urls FROM runs ORDER BY started_at" --format json
  uv run modelsync sql "SELECT * FROM conflicts WHERE model_id = 'meta-llama/llama-4-scout'"
  uv run modelsync prices --on 2026-08-24 --model kimi-k3    # prices then, and when each took effect
  uv run modelsync diff --from 2026-08-23 --to 2026-08-27 --source openrouter
  uv run modelsync cost --usage {usage}    # usage priced at its time
  uv run modelsync sql "SELECT * FROM retired"
  uv run modelsync report --out {report}    # charts of it all in one page, for a browser
  duckdb -readonly {warehouse}    # the same file, in the DuckDB CLI
"""  # noqa: E501  (commands to copy, one per line)


def _table(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any] | None = None) -> str:
    """A query's result as DuckDB draws it, wide enough for every column."""
    drawn = io.StringIO()
    with contextlib.redirect_stdout(drawn):
        con.sql(sql, params=dict(params or {})).show(max_width=160, max_rows=100)
    return drawn.getvalue()


def captured_sources(captures: list[Capture]) -> list[str]:
    """The registered sources, in sync order, that the captures hold payloads of."""
    held = {payload_kind_for(c.url)[0].id for c in captures}
    return [source for source in SOURCES if source in held]


def run_demo(workdir: Path, echo: Callable[[str], None]) -> int:
    """Sync every capture date in order into ``workdir/modelsync-demo.duckdb``; returns an exit code.

    A run that is ``partial`` only because of the declared ``OUTAGES`` counts as success.
    """
    started = time.perf_counter()
    warehouse = workdir / WAREHOUSE_NAME
    # The lock before anything is deleted: a second demo in the same directory exits busy
    # and leaves the first one's files alone.
    with warehouse_lock(warehouse, "demo", datetime.now(UTC)):
        worst = _sync_every_date(warehouse, echo)
        _summarise(warehouse, echo)
    outcome = "every sync ok but the declared outage day" if not worst else "a sync did not finish cleanly"
    echo(f"Done in {time.perf_counter() - started:.0f} s: {outcome}.\n")
    (workdir / USAGE_NAME).write_text(SYNTHETIC_USAGE, encoding="utf-8")
    echo(NEXT_STEPS.format(warehouse=warehouse, report=workdir / REPORT_NAME, usage=workdir / USAGE_NAME))
    return worst


def _sync_every_date(warehouse: Path, echo: Callable[[str], None]) -> int:
    """Start afresh, then sync each capture date from the mirror in turn; the worst exit code."""
    from flows.jobs import SyncJob, run_sync

    raw_dir = default_raw_dir(warehouse)  # so `MODELSYNC_WAREHOUSE=<it> modelsync backfill` finds it
    for old in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        old.unlink(missing_ok=True)
    shutil.rmtree(raw_dir, ignore_errors=True)
    captures = read_manifest(DEMO_MANIFEST)
    dates = sorted({c.fetched_at for c in captures}, key=parse_rfc3339)
    sources = captured_sources(captures)
    echo(f"modelsync demo: {len(captures)} recorded payloads of {len(sources)} sources over {len(dates)} dates")
    worst = 0
    with Mirror(captures) as mirror:
        echo(f"Serving them from a loopback mirror at {mirror.base_url}")
        overrides = {
            **DEMO_ENV,
            "MODELSYNC_RAW_DIR": str(raw_dir),  # the default for this warehouse, whatever the caller's environment
            "MODELSYNC_SOURCES": ",".join(sources),  # the sources the captures cover, not every registered one
            "MODELSYNC_WAREHOUSE": str(warehouse),
            **{f"MODELSYNC_{source.upper()}_BASE_URL": mirror.base_url for source in SOURCES},
        }
        down: tuple[str, ...] = ()
        for stamp in dates:
            for url in down:  # yesterday's outage is over: back to the day's captures
                mirror.script(urlsplit(url).path)
            down = OUTAGES.get(stamp, ())
            for url in down:
                mirror.script(urlsplit(url).path, OUTAGE_REPLY)
            mirror.serve_day(stamp)
            result = run_sync(SyncJob(env_overrides=overrides, as_of=parse_rfc3339(stamp)))
            counts = result.counts
            echo(
                f"  {stamp}  sync {result.status}: {counted(counts.payloads, 'payload')}, "
                f"{counted(counts.new_versions, 'new version')}, {counted(counts.measurements, 'measurement')}"
            )
            failed = {url for url, _ in result.failed_urls}
            for url, reason in result.failed_urls:
                echo(f"    {'outage (declared)' if url in down else 'failed'}: {url}: {reason}")
            if result.error and not result.failed_urls:
                echo(f"    error: {result.error}")
            if down and result.status == "partial" and failed <= set(down):
                echo("    expected: the outage day is partial (exit 3 for this sync); nothing in its scope is retired")
            else:
                worst = max(worst, result.exit_code)
    return worst


def _summarise(warehouse: Path, echo: Callable[[str], None]) -> None:
    """Print what the demo's history holds: changes, comings and goings, a re-score, the outage day."""
    con = db.open_for_read(warehouse)
    try:
        echo("\nWhat changed (the `changes` view, all sources):")
        echo(_table(con, CHANGES_QUERY))
        echo("Endpoints that came and went (`endpoint_history`):")
        echo(_table(con, CAME_AND_WENT_QUERY))
        echo("Retired for good after a complete listing: every version, the last a tombstone (`endpoint_history`):")
        echo(_table(con, RETIRED_HISTORY_QUERY))
        echo("An uptime dip (the `uptime` view, 1d window, Llama 4 Scout on OpenRouter, by day):")
        echo(_table(con, UPTIME_QUERY))
        echo("A benchmark re-score (`benchmark_history`):")
        echo(_table(con, RESCORE_QUERY))
        echo("Where sources disagree (the `conflicts` view; one model_id joins every source):")
        echo(_table(con, CONFLICTS_QUERY))
        for stamp, urls in OUTAGES.items():
            params = {"outage": stamp, "urls": list(urls)}
            retired = con.execute(RETIRED_ON_QUERY, {"outage": stamp}).fetchall()[0][0]
            verdict = "The outage day deleted nothing" if not retired else f"The outage day retired {retired} keys!"
            echo(f"{verdict}: {retired} keys of any source retired on {stamp}, and the endpoints")
            echo("each failed URL lists, current the day before, on the outage day and now:")
            echo(_table(con, OUTAGE_QUERY, params))
    finally:
        con.close()
