"""``modelsync``: a thin CLI over the pipeline, one verb per command.

Exit codes: 0 ok, 1 failed, 2 usage error, 3 partial, 4 busy. Errors are one line
on stderr (``--debug`` shows the traceback). Commands that do not orchestrate
(``sql``, ``import``, ``--help``) never import Prefect.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Context, Decimal
from pathlib import Path
from typing import Any

import click

from flows.settings import SOURCES, SettingError, settings_from_env

EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL, EXIT_BUSY = 1, 2, 3, 4
READ_STATEMENTS = frozenset({"SELECT", "EXPLAIN", "PRAGMA", "CALL"})
SANDBOX_REFUSALS = ("read-only", "disabled by configuration", "configuration has been locked")


class CommandError(Exception):
    """A failure to report in one line, with its exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Keep the history of the AI-model market in a DuckDB warehouse.

    \b
    Examples:
      modelsync demo                          # offline demo on bundled captures
      modelsync sync                          # fetch, archive and load every enabled source
      modelsync sql "SELECT * FROM endpoints LIMIT 5"
      modelsync sql "SELECT * FROM conflicts"

    \b
    Sources: openrouter, models_dev, artificial_analysis (needs ARTIFICIAL_ANALYSIS_API_KEY), catalog.
    Environment: MODELSYNC_WAREHOUSE (default ./modelsync.duckdb), MODELSYNC_RAW_DIR
    (default <warehouse dir>/raw), MODELSYNC_SOURCES (enabled sources, default all),
    MODELSYNC_<SOURCE>_BASE_URL, MODELSYNC_<SOURCE>_RATE, MODELSYNC_<SOURCE>_CONCURRENCY,
    OPENROUTER_API_KEY, ARTIFICIAL_ANALYSIS_API_KEY. See docs/cli.md.
    """
    ctx.obj = {"debug": debug}


@cli.command()
@click.option(
    "--source",
    "sources",
    multiple=True,
    type=click.Choice(SOURCES),
    help="Sync only this source (repeatable). Default: MODELSYNC_SOURCES, else all four.",
)
@click.option(
    "--task-runner",
    type=click.Choice(["threads", "dask"]),
    default="threads",
    show_default=True,
    help="Where the fetch and parse tasks run: threads in this process, or Dask workers.",
)
@click.option("--dask-address", metavar="ADDR",
              help="With --task-runner dask: an existing Dask scheduler (tcp://host:8786). "
                   "Default: a local cluster for the run.")  # fmt: skip
def sync(sources: tuple[str, ...], task_runner: str, dask_address: str | None) -> None:
    """Fetch, archive and load every enabled source (or those named); print what changed.

    \b
    Examples:
      modelsync sync
      modelsync sync --source openrouter --source catalog
      ARTIFICIAL_ANALYSIS_API_KEY=... modelsync sync --source artificial_analysis
      MODELSYNC_OPENROUTER_BASE_URL=http://127.0.0.1:8123 modelsync sync --source openrouter
      modelsync sync --task-runner dask
      modelsync sync --task-runner dask --dask-address tcp://10.0.0.5:8786

    A source that needs an API key which is not set is skipped with one line.
    With --task-runner dask, fetching and parsing run on Dask workers (which
    must reach the sources and this warehouse's raw directory); the load
    stays in this process, the one writer.

    Exits 3 (partial) when some URLs failed: what was fetched landed, and
    nothing in the scope of a failed URL was retired.
    """
    if dask_address and task_runner != "dask":
        raise click.UsageError("--dask-address needs --task-runner dask")
    settings = _settings()
    from flows.lock import warehouse_lock
    from flows.pipeline import utc_now

    with _busy_is_exit_4(), warehouse_lock(settings.warehouse, "sync", utc_now()):
        from flows.sync import sync_flow_on

        try:
            result = sync_flow_on(task_runner, dask_address)(sources=list(sources) or None)
        except OSError as e:  # the scheduler cannot be reached (distributed raises OSError on connect)
            if task_runner != "dask":
                raise
            where = dask_address or "a local cluster"
            raise click.ClickException(f"Dask task runner: cannot reach {where}: {e}") from None
    _report(result)


@cli.command()
@click.option(
    "--raw-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="An archive to replay (any directory in the archive format), e.g. --raw-dir /mnt/old/raw. "
    "Default: this warehouse's.",
)
@click.option("--wayback", is_flag=True,
              help="Load the Internet Archive's captures of the sources' URLs instead of an archive, "
              "e.g. --wayback --from 2025-01-01.")  # fmt: skip
@click.option("--from", "since", metavar="DATE",
              help="Only payloads fetched (captured) on or after this date or time, e.g. "
              "--from 2026-08-01.")  # fmt: skip
@click.option("--to", "until", metavar="DATE",
              help="Only payloads fetched (captured) on or before this date (inclusive) or before this time, "
              "e.g. --to 2026-08-31.")  # fmt: skip
@click.option("--source", "sources", multiple=True, type=click.Choice(SOURCES),
              help="Only this source (repeatable), e.g. --source openrouter --source catalog.")  # fmt: skip
@click.option("--dry-run", is_flag=True,
              help="Print what would load (payloads per date and source) and change nothing, e.g. --wayback "
              "--dry-run.")  # fmt: skip
@click.option(
    "--reload",
    is_flag=True,
    help="Also replay payloads already loaded (after a parser fix), e.g. --reload --source catalog.",
)
def backfill(
    *,
    raw_dir: Path | None,
    wayback: bool,
    since: str | None,
    until: str | None,
    sources: tuple[str, ...],
    dry_run: bool,
    reload: bool,
) -> None:
    """Replay archived payloads, or the Internet Archive's captures, into history; one run per date.

    Payloads load oldest first, one run (and one transaction) per date they were fetched
    or captured. Payloads already loaded are skipped, so a backfill that was stopped
    picks up where it stopped; replays in any order give the same history. Payloads
    from another archive are copied into this warehouse's archive first.

    With --wayback, captures of each source's URLs are listed with the Internet
    Archive's CDX API (one query per 4 s: MODELSYNC_WAYBACK_RATE), fetched raw
    (MODELSYNC_WAYBACK_CAPTURE_RATE, 1/s), archived under the real URL with the
    capture time, and loaded. Captures this archive holds are not fetched again.
    MODELSYNC_WAYBACK_BASE_URL points at a mirror instead of https://web.archive.org.

    \b
    Examples:
      modelsync backfill                                  # rebuild from this warehouse's archive
      modelsync backfill --raw-dir /mnt/old-machine/raw   # adopt another archive
      modelsync backfill --from 2026-08-01 --to 2026-08-31 --source openrouter
      modelsync backfill --wayback --from 2025-06-01 --source models_dev --dry-run
      modelsync backfill --wayback --from 2025-06-01      # list, fetch and load every capture since
    """
    start = _day_bound(since, "--from", end=False) if since else None
    end = _day_bound(until, "--to", end=True) if until else None
    if start and end and end <= start:
        raise click.BadParameter("--to is before --from", param_hint="'--to'")
    if wayback and raw_dir is not None:
        raise click.UsageError("--raw-dir and --wayback cannot be combined: one replays an archive, one fetches")
    settings = _settings()
    if raw_dir is not None and not (raw_dir / "index.jsonl").is_file():
        raise click.BadParameter(f"{raw_dir} has no index.jsonl: not an archive", param_hint="'--raw-dir'")
    if not wayback and raw_dir is None and not (settings.raw_dir / "index.jsonl").is_file():
        raise CommandError(f"nothing to replay: {settings.raw_dir} has no index.jsonl")
    chosen = [s for s in SOURCES if s in sources] if sources else list(SOURCES)
    if dry_run:
        with _busy_is_exit_4():
            _backfill_preview(
                settings, raw_dir=raw_dir, wayback=wayback, start=start, end=end, sources=chosen, reload=reload
            )
        return
    from flows.lock import warehouse_lock
    from flows.pipeline import utc_now

    with _busy_is_exit_4(), warehouse_lock(settings.warehouse, "backfill", utc_now()):
        from flows.sync import backfill_flow

        result = backfill_flow(raw_dir=str(raw_dir) if raw_dir else None, since=start, until=end,
                               sources=chosen, from_wayback=wayback, reload=reload)  # fmt: skip
    _report(result)


def _backfill_preview(
    settings: Any,
    *,
    raw_dir: Path | None,
    wayback: bool,
    start: datetime | None,
    end: datetime | None,
    sources: list[str],
    reload: bool,
) -> None:
    """Print what a backfill would load, per date and source, touching nothing (no lock, no Prefect)."""
    from collections import Counter

    from flows import pipeline

    if wayback:
        from flows import wayback as web
        from flows.progress import task_progress

        with task_progress("listing Internet Archive captures (CDX)") as progress:
            plan = web.plan_wayback(settings, sources, start, end, reload=reload, dry_run=True, progress=progress)
        items = [(p.fetched_at, p.source, p.archived is None) for p in plan.captures]
        skipped, failures, loaded = plan.skipped, plan.failures, plan.already_loaded
        where = "the Internet Archive"
    else:
        root = raw_dir or settings.raw_dir
        payloads, loaded = pipeline.replay_payloads(settings, root, start, end, sources, reload=reload)
        items = [(p.fetched_at, p.source, False) for p in payloads]
        skipped, failures, where = (), (), str(root)
    for source, why in skipped:
        click.echo(f"{source}: {why}", err=True)
    runs = len(pipeline.backfill_chunks(items, lambda item: item[0]))
    fetches = sum(1 for *_, fetch in items if fetch)
    fetching = f", {fetches} of them fetched first" if wayback else ""
    click.echo(
        f"dry run: {len(items)} payloads from {where} would load in {runs} runs (one per date){fetching}; "
        f"{loaded} loaded before are skipped; nothing was written"
    )
    if items:
        per_day = Counter((f"{at:%Y-%m-%d}", source) for at, source, _ in items)
        to_fetch = Counter((f"{at:%Y-%m-%d}", source) for at, source, fetch in items if fetch)
        click.echo(f"  {'date':<10}  {'source':<20} {'payloads':>8}" + (f" {'to fetch':>8}" if wayback else ""))
        for day, source in sorted(per_day, key=lambda key: (key[0], SOURCES.index(key[1]))):
            fetch = f" {to_fetch[(day, source)]:>8}" if wayback else ""
            click.echo(f"  {day:<10}  {source:<20} {per_day[(day, source)]:>8}{fetch}")
    for url, reason in failures:
        click.echo(f"  failed: {url}: {reason}", err=True)
    if failures:
        raise CommandError(f"partial listing: {len(failures)} CDX queries failed", EXIT_PARTIAL)


@cli.command("import")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", "urls", multiple=True, help="The real URL the file was fetched from (one per FILE).")
@click.option("--fetched-at", "times", multiple=True, help="When it was fetched, RFC 3339 with zone (one per FILE).")
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON lines of {path, url, fetched_at}; paths relative to the manifest.")  # fmt: skip
def import_(files: tuple[Path, ...], urls: tuple[str, ...], times: tuple[str, ...], manifest: Path | None) -> None:
    """Load payload files as if fetched from URL at a time, in one run.

    Each file is archived first, then parsed and loaded like a fetch; the
    source is chosen from the URL. Loading the same file twice adds nothing.

    \b
    Examples:
      modelsync import endpoints.json \\
          --url https://openrouter.ai/api/v1/models/moonshotai/kimi-k3/endpoints \\
          --fetched-at 2026-08-25T10:26:01Z
      modelsync import a.json b.json --url URL_A --fetched-at TS_A --url URL_B --fetched-at TS_B
      modelsync import --manifest captures/manifest.jsonl
    """
    items = _import_items(files, urls, times, manifest)
    settings = _settings()
    from flows import pipeline
    from flows.lock import warehouse_lock

    now = pipeline.utc_now()
    with _busy_is_exit_4(), warehouse_lock(settings.warehouse, "import", now):
        run = pipeline.new_run("import", sorted({_source_of(url) for _, url, _ in items}), now)
        try:  # every file read before the run is recorded: an unreadable one leaves no run behind
            payloads = pipeline.payload_files(items, run.run_id)
        except pipeline.ImportInputError as e:
            raise CommandError(str(e)) from None
        # Recorded before archiving (raw first still: archived before parsing), so a kill
        # after the archive write leaves a `running` run whose payloads the next writer loads.
        started = pipeline.start_run(settings, run)
        archived = pipeline.archive_items(settings, payloads)
        parsed = pipeline.parse_archived(settings, run, archived.payloads, pipeline.utc_now())
        result = replace(pipeline.load_parsed(settings, run, archived, parsed, pipeline.utc_now()),
                         recovered=started.recovered)  # fmt: skip
    _report(result)


@cli.command()
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
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

    with _reading(_settings().warehouse, sandboxed=True) as con:
        try:
            _run_read_statement(con, query, fmt)
        except duckdb.Error as e:
            message = str(e).splitlines()[0]
            if any(sign in message for sign in SANDBOX_REFUSALS):
                # a write, a file or a setting the statement check let through still meets the sandboxed connection
                message = f"refused: modelsync sql is read-only and reads only the warehouse ({message})"
            raise CommandError(message) from None


def _run_read_statement(con: Any, query: str, fmt: str) -> None:
    """Run ``query`` and print its rows in ``fmt``, after refusing any statement but a read."""
    writes = _statement_types(con, query) - READ_STATEMENTS
    if writes:
        raise CommandError(
            f"refused: modelsync sql is read-only and this is {_statement_name(sorted(writes)[0])}; "
            "the warehouse changes only through sync, import and backfill"
        )
    relation = con.sql(query)
    if relation is None:
        return
    if fmt == "table":
        relation.show(max_rows=100_000, max_width=_width())
    else:
        _write_rows(relation.columns, relation.fetchall(), fmt)


@cli.command()
@click.option(
    "--since",
    default="7d",
    show_default=True,
    help="A duration back from now (90m, 24h, 7d, 2w) or a date/timestamp (2026-08-01).",
)
@click.option("--field", help="Only this field, e.g. max_output_tokens, input_price_per_mtok, deleted.")
@click.option("--model", help="Only models whose id contains this (case-insensitive).")
@click.option("--provider", help="Only providers whose name contains this (case-insensitive).")
def changes(since: str, field: str | None, model: str | None, provider: str | None) -> None:
    """Print field-level changes: what changed, from what, to what, and when.

    \b
    Examples:
      modelsync changes
      modelsync changes --since 30d --field max_output_tokens
      modelsync changes --since 2026-08-01 --model llama-4-scout --provider groq
      modelsync changes --field deleted          # retirements and returns
    """
    from warehouse import queries

    start = _since(since, datetime.now(UTC))
    with _reading(_settings().warehouse) as con:
        params = {"since": start, "field": field, "model": model, "provider": provider}
        if not con.execute(f"SELECT count(*) FROM ({queries.CHANGES})", params).fetchall()[0][0]:
            click.echo(f"no changes since {start:%Y-%m-%d %H:%M} UTC with these filters")
            return
        con.sql(queries.CHANGES, params=params).show(max_rows=100_000, max_width=_width())


@cli.command()
@click.option("--dir", "workdir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Where to write modelsync-demo.duckdb and its archive.")  # fmt: skip
def demo(workdir: Path) -> None:
    """Offline demo: sync bundled captures of several dates from a loopback mirror.

    Starts a local HTTP mirror serving recorded payloads of all four sources over six
    dates (real ones plus named synthetic variations, one date with a declared source
    outage), syncs them date by date into ./modelsync-demo.duckdb with the real sync
    flow, then prints what changed and queries to try next.

    \b
    Example:
      modelsync demo && MODELSYNC_WAREHOUSE=modelsync-demo.duckdb modelsync sql "SELECT * FROM changes"
    """
    from flows.demo import run_demo

    code = run_demo(workdir, click.echo)
    if code:
        raise CommandError("demo: a sync did not finish cleanly (see above)", code)


@cli.command()
@click.option("--cron", default=None, metavar="EXPR",
              help="When to sync: a cron expression in UTC. Default: MODELSYNC_CRON, else '0 2 * * *'.")  # fmt: skip
def serve(cron: str | None) -> None:
    """Run the nightly sync on a schedule (Prefect) until stopped with Ctrl-C or SIGTERM.

    Registers the deployment 'sync/nightly' and runs its schedule. With PREFECT_API_URL
    set, it uses that Prefect server (runs show in its UI). Without it, it starts a local
    Prefect server on 127.0.0.1 (data in ./prefect beside the warehouse, UI at the URL it
    prints) and stops it on exit. Each scheduled run takes the warehouse lock like sync.

    \b
    Examples:
      modelsync serve                             # nightly at 02:00 UTC, local Prefect server
      modelsync serve --cron '30 4 * * *'         # 04:30 UTC
      PREFECT_API_URL=http://127.0.0.1:4200/api modelsync serve
    """
    settings = _settings()
    from flows.serve import CronError, ServeError
    from flows.serve import serve as serve_schedule

    try:
        serve_schedule(settings, cron or settings.cron, click.echo)
    except ServeError as e:
        raise CommandError(str(e), EXIT_USAGE if isinstance(e, CronError) else EXIT_FAILED) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code instead of raising."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="modelsync", standalone_mode=False)
        return 0
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.Abort:
        click.echo("modelsync: aborted", err=True)
        return EXIT_FAILED
    except click.UsageError as e:
        command = e.ctx.command_path if e.ctx else "modelsync"
        click.echo(f"{command}: {e.format_message()} (see '{command} --help')", err=True)
        return EXIT_USAGE
    except CommandError as e:
        click.echo(f"modelsync: {e}", err=True)
        return e.code
    except Exception as e:  # noqa: BLE001 (the one place that turns any error into one line)
        if debug:
            traceback.print_exc()
        where = "" if debug else " (run with --debug for the traceback)"
        click.echo(f"modelsync: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}{where}", err=True)
        return EXIT_FAILED


def _statement_types(con: Any, query: str) -> set[str]:
    """The statement types of ``query``; a type this DuckDB cannot name counts as ``UNKNOWN`` (refused)."""
    try:
        return {statement.type.name for statement in con.extract_statements(query)}
    except ValueError:  # duckdb parses a statement its Python enum lacks (e.g. UPDATE EXTENSIONS)
        return {"UNKNOWN"}


def _statement_name(kind: str) -> str:
    if kind == "UNKNOWN":
        return "a statement it cannot classify"
    return f"{'an' if kind[0] in 'AEIOU' else 'a'} {kind} statement"


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["parquet", "csv"]),
    default="parquet",
    show_default=True,
    help="parquet keeps types (decimals, lists, timestamps with zone); csv is for spreadsheets.",
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
def export(fmt: str, out_dir: Path, views: tuple[str, ...]) -> None:
    """Write the public views, history included, as Parquet or CSV files for other tools.

    \b
    Examples:
      modelsync export --out exports/
      modelsync export --format csv --out exports/ --view endpoints --view changes
      duckdb -c "SELECT * FROM 'exports/endpoint_history.parquet'"

    One file per view, <view>.parquet or <view>.csv; an existing file of the same name
    is replaced only once its new version is complete.
    """
    from flows.progress import note, task_progress
    from warehouse import queries

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


@cli.command()
def status() -> None:
    """Show each source's last run (its state and counts) and how fresh its data is.

    \b
    Examples:
      modelsync status
      MODELSYNC_WAREHOUSE=demo/modelsync.duckdb modelsync status

    Counts are the source's own share of its last run (failed URLs: those on its origin).
    A source never run shows empty columns; `newest_data` is the fetch time of the
    newest payload of it that loaded, `data_age` its age in hours.
    """
    from extractors.registry import source_origins
    from warehouse import queries

    with _reading(_settings().warehouse) as con:
        params = {"origins": source_origins(), "now": datetime.now(UTC)}
        con.sql(queries.STATUS, params=params).show(max_rows=100, max_width=_width())


@cli.command()
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


def _sql_path(path: Path) -> str:
    """A path as a SQL string literal's contents (quotes doubled)."""
    return str(path).replace("'", "''")


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


@contextmanager
def _written_whole(target: Path) -> Iterator[Path]:
    """A hidden path beside ``target`` to write; renamed to ``target`` when the block ends well, else removed."""
    partial = target.with_name(f".{target.name}.partial")
    try:
        yield partial
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


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


def _width() -> int:
    return shutil.get_terminal_size((160, 40)).columns


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


def _day_bound(text: str, option: str, end: bool) -> datetime:
    """A date's start (or, with ``end``, the next day's start); a timestamp as given (UTC when no zone)."""
    try:
        if len(text) == 10:
            day = datetime.fromisoformat(text).replace(tzinfo=UTC)
            return day + timedelta(days=1) if end else day
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a date (2026-08-01) or a timestamp", param_hint=f"'{option}'"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _settings() -> Any:
    try:
        return settings_from_env()
    except SettingError as e:
        raise CommandError(str(e), EXIT_USAGE) from None


class _busy_is_exit_4:  # noqa: N801 (used as a context manager, reads as one)
    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        from flows.lock import WarehouseLocked
        from warehouse.db import WarehouseBusy

        if isinstance(exc, WarehouseLocked | WarehouseBusy):
            raise CommandError(str(exc), EXIT_BUSY) from None


def _report(result: Any) -> None:
    """Print a run's summary; raise CommandError with the exit code when it did not end ok."""
    counts = result.counts
    for source, why in getattr(result, "skipped", ()):
        click.echo(f"{source}: {why}", err=True)
    click.echo(
        f"run {result.run_id}: {result.status}; {counts.payloads} payloads, {counts.observations} new observations, "
        f"{counts.new_versions} new versions, {counts.measurements} measurements"
    )
    for entity, keys in counts.keys.items():
        if keys.new == keys.changed == keys.retired == keys.unchanged == 0:
            continue  # the run did not touch this entity
        click.echo(
            f"  {entity}s: {keys.new} new, {keys.changed} changed, {keys.retired} retired, {keys.unchanged} unchanged"
        )
    if counts.unmatched and result.status != "failed":
        shown = ", ".join(f"{source} {key}" for source, key in counts.unmatched[:5])
        more = f" and {len(counts.unmatched) - 5} more" if len(counts.unmatched) > 5 else ""
        click.echo(f"  unmatched model keys: {shown}{more} (see the unmatched_keys view)")
    for entity, source, scope, why in counts.incomplete:
        where = f"{source} {entity}s" + (f" of {scope}" if scope else "")
        click.echo(f"  incomplete listing: {where} {why}: nothing retired for being absent from it")
    for dead in result.recovered:
        what = f"{dead.payloads} payloads it had archived loaded under its id" if dead.payloads else "nothing to load"
        click.echo(f"  recovered interrupted run {dead.run_id}: {what} (now {dead.status})")
    for url, reason in result.failed_urls:
        click.echo(f"  failed: {url}: {reason}", err=True)
    if result.status == "partial" and result.error:
        click.echo(f"  error: {result.error}", err=True)  # e.g. a backfill date whose load failed
    if result.status == "partial":
        raise CommandError(f"partial run: {len(result.failed_urls)} URL(s) failed or were quarantined", EXIT_PARTIAL)
    if result.status == "failed":
        raise CommandError(result.error or "run failed, nothing landed", EXIT_FAILED)


def _import_items(
    files: tuple[Path, ...], urls: tuple[str, ...], times: tuple[str, ...], manifest: Path | None
) -> list[tuple[Path, str, datetime]]:
    if manifest and (files or urls or times):
        raise click.UsageError("use either FILE... with --url/--fetched-at, or --manifest, not both")
    if manifest:
        return _manifest_items(manifest)
    if not files:
        raise click.UsageError("name at least one FILE, or --manifest")
    if len(urls) != len(files) or len(times) != len(files):
        raise click.UsageError(
            f"give one --url and one --fetched-at per FILE ({len(files)} files, {len(urls)} --url, "
            f"{len(times)} --fetched-at)"
        )
    items = [(f, u, _timestamp(t, "--fetched-at")) for f, u, t in zip(files, urls, times, strict=True)]
    for _, url, _ in items:
        _source_of(url)
    return items


def _manifest_items(manifest: Path) -> list[tuple[Path, str, datetime]]:
    items = []
    try:
        text = manifest.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.UsageError(f"{manifest} is not UTF-8 text") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{manifest}, line {number}"
        try:
            entry = json.loads(line)
            path, url, fetched_at = entry["path"], entry["url"], entry["fetched_at"]
            if not all(isinstance(value, str) for value in (path, url, fetched_at)):
                raise TypeError("path, url and fetched_at must be strings")
        except (ValueError, KeyError, TypeError) as e:
            raise click.UsageError(f"{where}: expected a JSON object with path, url, fetched_at ({e})") from None
        file = manifest.parent / path
        if not file.is_file():
            raise click.UsageError(f"{where}: no file {file}")
        _source_of(url)
        items.append((file, url, _timestamp(fetched_at, where)))
    if not items:
        raise click.UsageError(f"{manifest} lists no payloads")
    return items


def _source_of(url: str) -> str:
    from extractors.registry import UnknownURL, payload_kind_for

    try:
        return payload_kind_for(url)[0].id
    except UnknownURL as e:
        raise click.UsageError(str(e)) from None


def _timestamp(text: str, where: str) -> datetime:
    from warehouse.archive import parse_rfc3339

    try:
        return parse_rfc3339(text)
    except (ValueError, OverflowError):
        raise click.UsageError(
            f"{where}: {text!r} is not an RFC 3339 timestamp with a zone (e.g. 2026-08-25T10:26:01Z)"
        ) from None


def _write_rows(columns: Sequence[str], rows: Sequence[tuple[Any, ...]], fmt: str) -> None:
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_csv_value(v) for v in row] for row in rows)
        return
    # JSON has no NaN or infinity: such doubles become null.
    records = [
        {c: None if isinstance(v, float) and not math.isfinite(v) else v for c, v in zip(columns, row, strict=True)}
        for row in rows
    ]
    json.dump(records, sys.stdout, default=_json_value, indent=1)
    sys.stdout.write("\n")


def _csv_value(value: object) -> object:
    """A decimal without the zeros its scale pads it with past the sixth decimal: prices print as
    ``0.17992692`` and ``3.450000`` (as before they were stored to 12 decimals), not ``3.450000000000``."""
    if isinstance(value, Decimal) and value.is_finite() and _decimals(value) > 6:
        exact = Context(prec=80)  # a DECIMAL has at most 38 digits: none is rounded
        trimmed = value.normalize(exact)
        return format(trimmed if _decimals(trimmed) > 6 else value.quantize(Decimal("1e-6"), context=exact), "f")
    return value


def _decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) else 0


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
