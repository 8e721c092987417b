"""Commands that read the warehouse and never write it: sql (statements gated to reads), changes, export, status,
report. They open it read-only and never import Prefect."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from flows.cli.common import CommandError, _reading, _settings, _sql_path, _written_whole
from flows.cli.output import FORMATS, _print_rows, _print_table
from flows.settings import SOURCES

READ_STATEMENTS = frozenset({"SELECT", "EXPLAIN", "PRAGMA", "CALL"})
SANDBOX_REFUSALS = ("read-only", "disabled by configuration", "configuration has been locked")


@click.command()
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for a person (whole when piped); csv (as export writes it) or json.")  # fmt: skip
def sql(query: str, fmt: str) -> None:
    """Run read-only SQL on the warehouse; writes are refused.

    \b
    Examples:
      modelsync sql "SELECT model_id, provider, max_output_tokens FROM endpoints"
      modelsync sql "SELECT * FROM endpoint_history WHERE provider = 'Groq'" --format csv
      modelsync sql "SELECT * FROM runs ORDER BY started_at DESC LIMIT 3" --format json

    Views: models, endpoints, benchmarks, their *_history, uptime, speed, changes, conflicts,
    model_facts, model_aliases, unmatched_keys, provider_aliases, raw_fetches; the table runs;
    macros endpoints_as_of(ts), models_as_of(ts), benchmarks_as_of(ts), price_text(p), ...
    All in docs/views.md (and SELECT view_name FROM duckdb_views() WHERE NOT internal).
    """
    import duckdb

    if not query.strip():
        raise click.BadParameter("no SQL given; e.g. modelsync sql \"SELECT * FROM endpoints LIMIT 5\"",
                                 param_hint="QUERY")  # fmt: skip
    with _reading(_settings().warehouse, sandboxed=True) as con:
        try:
            _run_read_statements(con, query, fmt)
        except duckdb.Error as e:
            message = str(e).strip()  # DuckDB's whole message: its hints ("Did you mean") and LINE 1 ^ marker
            if any(sign in message for sign in SANDBOX_REFUSALS):
                # a write, a file or a setting the statement check let through still meets the sandboxed connection
                message = f"refused: modelsync sql is read-only and reads only the warehouse ({message})"
            raise CommandError(message) from None


def _run_read_statements(con: Any, query: str, fmt: str) -> None:
    """Run each statement of ``query`` and print its rows in ``fmt``, after refusing any statement but a read."""
    statements = _statements(con, query)
    refused = [(kind, verb) for kind, verb, _ in statements if kind not in READ_STATEMENTS]
    if refused:
        kind, verb = refused[0]
        raise CommandError(
            f"refused: modelsync sql is read-only and this is {_statement_name(kind, verb)}; "
            "the warehouse changes only through sync, import and backfill"
        )
    if len(statements) > 1 and fmt != "table":
        raise click.BadParameter(f"{len(statements)} statements: --format {fmt} prints one result; "
                                 "run them one at a time", param_hint="QUERY")  # fmt: skip
    for n, (_, _, text) in enumerate(statements):
        relation = con.sql(text)
        if n:
            click.echo()
        if relation is not None:
            _print_rows(relation, fmt)


def _statements(con: Any, query: str) -> list[tuple[str, str, str]]:
    """Each statement of ``query``: its type (``UNKNOWN`` when this DuckDB cannot name it), first word and text."""
    statements = []
    for found in con.extract_statements(query):
        try:
            kind = found.type.name
        except ValueError:  # duckdb parses a statement its Python enum lacks (e.g. UPDATE EXTENSIONS)
            kind = "UNKNOWN"
        statements.append((kind, _first_word(found.query) or kind, found.query))
    return statements


def _first_word(text: str) -> str:
    """A statement's first keyword (``INSTALL``, which DuckDB types as LOAD), past comments; empty if none."""
    words = re.findall(r"[A-Za-z]+", re.sub(r"--[^\n]*|/\*.*?\*/", " ", text, flags=re.DOTALL))
    return words[0].upper() if words else ""


def _statement_name(kind: str, verb: str) -> str:
    if kind == "UNKNOWN":
        return "a statement it cannot classify"
    return f"{'an' if verb[0] in 'AEIOU' else 'a'} {verb} statement"


@click.command()
@click.option(
    "--since",
    default="7d",
    show_default=True,
    help="A duration back from now (90m, 24h, 7d, 2w) or a date/timestamp (2026-08-01).",
)
@click.option("--field", help="Only this field, e.g. max_output_tokens, input_price_per_mtok, deleted.")
@click.option("--model", help="Only models whose id contains this (case-insensitive).")
@click.option("--provider", help="Only providers whose name contains this (case-insensitive).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for a person; csv (DuckDB's dialect) or json for a script.")  # fmt: skip
def changes(since: str, field: str | None, model: str | None, provider: str | None, fmt: str) -> None:
    """Print field-level changes: what changed, from what, to what, and when.

    \b
    Examples:
      modelsync changes
      modelsync changes --since 30d --field max_output_tokens
      modelsync changes --since 2026-08-01 --model llama-4-scout --provider groq
      modelsync changes --field deleted          # retirements and returns
      modelsync changes --since 30d --format csv

    The columns are the `changes` view's (see docs/views.md); `added` and `removed`
    list what a list field (supported_params, modalities) gained and lost.
    """
    from warehouse import queries

    start = _since(since, datetime.now(UTC))
    with _reading(_settings().warehouse) as con:
        params = {"since": start, "field": field, "model": model, "provider": provider}
        found = con.sql(queries.CHANGES, params=params).to_arrow_table()
    if not found.num_rows and fmt == "table":  # a script asking for csv or json gets the empty result itself
        click.echo(f"no changes since {start:%Y-%m-%d %H:%M} UTC with these filters")
        return
    _print_table(found, fmt)


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["parquet", "csv", "llm-prices"]),
    default="parquet",
    show_default=True,
    help="parquet keeps types (decimals, lists, timestamps with zone); csv is for spreadsheets; llm-prices writes "
    "one price history file, historical-v1.json, in the shape of llm-prices.com's.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory to write one file per view into (created if missing).",
)
@click.option("--view", "views", multiple=True, metavar="V",
              help="Export only this view (repeatable). Default: every public view, and runs.")  # fmt: skip
@click.option("--source", type=click.Choice(SOURCES), metavar="ID",
              help="With --format llm-prices: whose endpoint prices to write. Default: openrouter.")  # fmt: skip
def export(fmt: str, out_dir: Path, views: tuple[str, ...], source: str | None) -> None:
    """Write the public views, history included, as Parquet or CSV files for other tools.

    \b
    Examples:
      modelsync export --out exports/
      modelsync export --format csv --out exports/ --view endpoints --view changes
      duckdb -c "SELECT * FROM 'exports/endpoint_history.parquet'"
      modelsync export --format llm-prices --out exports/ --source models_dev

    One file per view, <view>.parquet or <view>.csv; an existing file of the same name
    is replaced only once its new version is complete. --format llm-prices writes
    exports/historical-v1.json instead: each provider's price periods of each model
    (see docs/cli.md).
    """
    from flows.progress import note, task_progress
    from warehouse import queries

    if fmt == "llm-prices":
        if views:
            raise click.BadParameter("--format llm-prices writes one price file, not views", param_hint="'--view'")
        _export_llm_prices(out_dir, source or "openrouter")
        return
    if source:
        raise click.BadParameter("only --format llm-prices exports one source's prices", param_hint="'--source'")
    with _reading(_settings().warehouse) as con:
        known = [row[0] for row in con.execute(queries.PUBLIC_VIEWS).fetchall()]
        unknown = [v for v in views if v not in known]
        if unknown:
            raise click.BadParameter(
                f"{', '.join(unknown)}: not a view of this warehouse; choose from {', '.join(known)}",
                param_hint="'--view'",
            )
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise CommandError(f"{out_dir}: cannot create the output directory ({e.strerror})") from None
        chosen = list(dict.fromkeys(views)) or known
        options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
        with task_progress(f"exporting {len(chosen)} views") as bar:
            for n, view in enumerate(chosen, start=1):
                target = out_dir / f"{view}.{fmt}"
                with _written_whole(target) as partial:  # COPY answers with the number of rows it wrote
                    copy = f"COPY (SELECT * FROM \"{view}\") TO '{_sql_path(partial)}' ({options})"
                    rows = con.execute(copy).fetchall()[0][0]
                if bar:
                    bar(n, len(chosen))
                else:
                    note(f"export: {view}: {rows} rows -> {target}")


def _export_llm_prices(out_dir: Path, source: str) -> None:
    """Write ``out_dir/historical-v1.json``: ``source``'s endpoint price periods, in llm-prices.com's shape."""
    import json

    from warehouse.llm_prices import ENDPOINT_PRICE_VERSIONS, PriceVersion, llm_prices_document

    with _reading(_settings().warehouse) as con:
        rows = con.execute(ENDPOINT_PRICE_VERSIONS, {"source": source}).fetchall()
    document = llm_prices_document(PriceVersion(*row) for row in rows)
    target = out_dir / "historical-v1.json"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with _written_whole(target) as partial:
            partial.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as e:
        raise CommandError(f"{target}: cannot write the export ({e.strerror})") from None
    models = len({(price["vendor"], price["id"]) for price in document["prices"]})
    click.echo(f"export: llm-prices: {source}: {len(document['prices'])} price periods of {models} models -> {target}")


@click.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for a person; csv (DuckDB's dialect) or json for a script.")  # fmt: skip
def status(fmt: str) -> None:
    """Show each source's last run (its state and counts) and how fresh its data is.

    \b
    Examples:
      modelsync status
      MODELSYNC_WAREHOUSE=demo/modelsync.duckdb modelsync status
      modelsync status --format json

    Counts are the source's own share of its last run (failed URLs: those on its origin).
    A source never run shows empty columns; `newest_data` is the fetch time of the
    newest payload of it that loaded, `data_age` its age in hours.
    """
    from extractors.registry import source_origins
    from warehouse import queries

    with _reading(_settings().warehouse) as con:
        params = {"origins": source_origins(), "now": datetime.now(UTC)}
        _print_rows(con.sql(queries.STATUS, params=params), fmt)


@click.command()
@click.option("--model", "models", multiple=True, metavar="M",
              help="Only models whose id contains this (case-insensitive; repeatable, any may match).")  # fmt: skip
@click.option("--provider", "providers", multiple=True, metavar="P",
              help="Only endpoints of providers whose name contains this (repeatable), and their models.")  # fmt: skip
@click.option("--since", metavar="DURATION_OR_DATE",
              help="Start of the period: a duration back (30d, 2w) or a date. Default: all history.")  # fmt: skip
@click.option("--max-models", type=click.IntRange(min=1), default=12, show_default=True,
              help="Chart at most this many models, the most changed in the period first.")  # fmt: skip
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("report.html"),
              show_default=True, help="The HTML file to write (replaced once the new one is complete).")  # fmt: skip
def report(models: tuple[str, ...], providers: tuple[str, ...], since: str | None, max_models: int, out: Path) -> None:
    """Write one self-contained HTML page of the history: charts, change log and open conflicts.

    For each model: daily uptime per endpoint, step charts of max output and of input
    and output prices per endpoint, and benchmark scores over time; then the change
    log and the fields the sources disagree on. Charts are inline SVG (hover for
    values): the page has no scripts and opens offline.

    \b
    Examples:
      modelsync report                                   # every model (the 12 most changed), all history
      modelsync report --model llama-4-scout --since 30d --out scout.html
      modelsync report --provider groq --provider cerebras --since 2026-08-01
    """
    from flows.report import NothingToReport, ReportScope, report_data, report_html

    now = datetime.now(UTC)
    scope = ReportScope(models, providers, _since(since, now) if since else None, max_models)
    warehouse = _settings().warehouse
    with _reading(warehouse) as con:
        try:
            data = report_data(con, scope, str(warehouse), now)
        except NothingToReport as e:
            raise CommandError(f"report: {warehouse}: {e}") from None
    page = report_html(data)
    try:
        with _written_whole(out) as partial:
            partial.write_text(page, encoding="utf-8")
    except OSError as e:
        raise CommandError(f"{out}: cannot write the report ({e.strerror})") from None
    click.echo(f"report: {len(data.chosen)} of {data.matched} models, {len(data.changes)} changes "
               f"-> {out} ({len(page.encode()) / 1024:,.0f} KiB)")  # fmt: skip


SINCE_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _since(text: str, now: datetime) -> datetime:
    """``now`` minus a duration like ``7d``, or a date/timestamp (UTC when it has no zone)."""
    text = text.strip()
    if len(text) > 1 and text[:-1].isdigit() and text[-1] in SINCE_UNITS:
        try:
            return now - timedelta(**{SINCE_UNITS[text[-1]]: int(text[:-1])})
        except OverflowError:
            raise click.BadParameter(f"{text!r} reaches back before year 1", param_hint="'--since'") from None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is neither a duration (90m, 24h, 7d, 2w) nor a date (2026-08-01)", param_hint="'--since'"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
