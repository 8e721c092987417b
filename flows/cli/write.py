"""Commands that write the warehouse (sync, backfill, import, demo, serve), each under the warehouse lock.

Prefect is imported inside the commands that orchestrate, never by ``import``."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from flows.cli.common import EXIT_FAILED, EXIT_PARTIAL, EXIT_USAGE, CommandError, _busy_is_exit_4, _settings
from flows.cli.manifest import _import_items, _source_of
from flows.cli.output import _report
from flows.settings import SOURCES


@click.command()
@click.option(
    "--source",
    "sources",
    multiple=True,
    type=click.Choice(SOURCES),
    help="Sync only this source (repeatable). Default: MODELSYNC_SOURCES, else all five.",
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
        from flows.jobs import SyncJob, run_sync

        try:
            result = run_sync(SyncJob(sources=list(sources) or None), task_runner, dask_address)
        except OSError as e:  # the scheduler cannot be reached (distributed raises OSError on connect)
            if task_runner != "dask":
                raise
            where = dask_address or "a local cluster"
            raise click.ClickException(f"Dask task runner: cannot reach {where}: {e}") from None
    _report(result)


@click.command()
@click.option(
    "--raw-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="An archive to replay (any directory in the archive format), e.g. --raw-dir /mnt/old/raw. "
    "Default: this warehouse's.",
)
@click.option("--wayback", is_flag=True,
              help="Load the Internet Archive's captures of the sources' URLs instead of an archive, "
              "e.g. --wayback --from 2025-01-01.")  # fmt: skip
@click.option("--git", "git_repo", metavar="REPO",
              help="Replay a git-scraped history: a clone, a bundle or a URL (cloned beside the archive, fetched "
              "again next time), e.g. --git llm-api-price.bundle --path "
              "model_prices_and_context_window.json.")  # fmt: skip
@click.option("--path", "git_path", metavar="PATH",
              help="With --git: the file in the repository whose every first-parent commit is a payload, or a "
              "source's folder of files (models.dev's providers/).")  # fmt: skip
@click.option("--as", "git_as", metavar="URL",
              help="With --git: the upstream URL the file mirrors (known files need none), e.g. --as "
              "https://openrouter.ai/api/v1/models.")  # fmt: skip
@click.option("--from", "since", metavar="DATE",
              help="Only payloads fetched (captured) on or after this date or time, e.g. "
              "--from 2026-08-01.")  # fmt: skip
@click.option("--to", "until", metavar="DATE",
              help="Only payloads fetched (captured) on or before this date (inclusive) or before this time, "
              "e.g. --to 2026-08-31.")  # fmt: skip
@click.option("--source", "sources", multiple=True, type=click.Choice(SOURCES),
              help="Only this source (repeatable), e.g. --source openrouter --source catalog. With --git: the one "
              "source the file feeds (its URL, when --as names none).")  # fmt: skip
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
    git_repo: str | None,
    git_path: str | None,
    git_as: str | None,
    since: str | None,
    until: str | None,
    sources: tuple[str, ...],
    dry_run: bool,
    reload: bool,
) -> None:
    """Replay archived payloads, the Internet Archive's captures or a git history into history; one run per date.

    Payloads load oldest first, one run (and one transaction) per date they were fetched
    or captured. Payloads already loaded are skipped, so a backfill that was stopped
    picks up where it stopped; replays in any order give the same history. Payloads
    from another archive are copied into this warehouse's archive first.

    With --wayback, captures of each source's URLs are listed with the Internet
    Archive's CDX API (one query per 4 s: MODELSYNC_WAYBACK_RATE), fetched raw
    (MODELSYNC_WAYBACK_CAPTURE_RATE, 1/s), archived under the real URL with the
    capture time, and loaded. Captures this archive holds are not fetched again.
    MODELSYNC_WAYBACK_BASE_URL points at a mirror instead of https://web.archive.org.

    With --git, every first-parent commit of the repository's HEAD that changed --path
    is archived as a payload of the URL the file mirrors (--as, or the known one), at
    the commit's committer time in UTC (origin git, the repository and commit in its
    index line), then loaded. A second run archives and loads nothing new.

    \b
    Examples:
      modelsync backfill                                  # rebuild from this warehouse's archive
      modelsync backfill --raw-dir /mnt/old-machine/raw   # adopt another archive
      modelsync backfill --from 2026-08-01 --to 2026-08-31 --source openrouter
      modelsync backfill --wayback --from 2025-06-01 --source models_dev --dry-run
      modelsync backfill --wayback --from 2025-06-01      # list, fetch and load every capture since
      modelsync backfill --git llm-api-price.bundle --path model_prices_and_context_window.json
      modelsync backfill --git https://github.com/RoCry/llm-api-price \\
        --path model_prices_and_context_window.json --from 2026-01-01 --dry-run
      modelsync backfill --git https://github.com/anomalyco/models.dev --path providers/
      modelsync backfill --git snapshots.git --path data/models.json --source openrouter
    """
    start = _day_bound(since, "--from", end=False) if since else None
    end = _day_bound(until, "--to", end=True) if until else None
    if start and end and end <= start:
        raise click.BadParameter("--to is before --from", param_hint="'--to'")
    if sum((wayback, raw_dir is not None, git_repo is not None)) > 1:
        raise click.UsageError("--raw-dir, --wayback and --git cannot be combined: each names where payloads come from")
    if git_repo is not None and not git_path:
        raise click.UsageError("--git needs --path: the file in the repository to replay")
    if git_repo is None and (git_path or git_as):
        raise click.UsageError("--path and --as go with --git REPO")
    settings = _settings()
    if raw_dir is not None and not (raw_dir / "index.jsonl").is_file():
        raise click.BadParameter(f"{raw_dir} has no index.jsonl: not an archive", param_hint="'--raw-dir'")
    if git_repo is not None and git_path:
        from flows.jobs import GitHistory

        if len(sources) > 1:
            raise click.UsageError("--git takes one --source: the source the file feeds")
        git = GitHistory(git_repo, git_path, git_as, sources[0] if sources else None)
        _backfill_git(settings, git, start, end, dry_run)
        return
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
        from flows.jobs import BackfillJob, run_backfill

        result = run_backfill(BackfillJob(raw_dir=str(raw_dir) if raw_dir else None, since=start, until=end,
                                          sources=chosen, from_wayback=wayback, reload=reload))  # fmt: skip
    _report(result)


def _backfill_git(settings: Any, git: Any, start: datetime | None, end: datetime | None, dry_run: bool) -> None:
    """``backfill --git``: archive the history's commits and load them, or with ``dry_run`` say what would."""
    from collections import Counter

    from flows.git_history import GitHistoryError
    from flows.jobs import BackfillJob, git_plan, run_backfill

    job = BackfillJob(since=start, until=end, git=git)
    try:
        if dry_run:
            plan = git_plan(settings, job)
            per_day = Counter(f"{p.fetched_at:%Y-%m-%d}" for p in plan.payloads)
            click.echo(f"dry run: {len(plan.payloads)} commits of {plan.path} would be archived as {plan.url} "
                       f"({plan.source}) and loaded over {len(per_day)} dates (consecutive dates share a run up to "
                       f"{settings.load_batch_mb:g} MB); {plan.archived} "
                       "archived before are skipped; nothing was archived or loaded")  # fmt: skip
            for day, count in sorted(per_day.items()):
                click.echo(f"  {day}  {count:>5}")
            return
        from flows.lock import warehouse_lock
        from flows.pipeline import utc_now

        with _busy_is_exit_4(), warehouse_lock(settings.warehouse, "backfill", utc_now()):
            result = run_backfill(job)
    except GitHistoryError as e:
        raise click.UsageError(str(e)) from None
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
        replay = pipeline.replay_plan(settings, root, start, end, sources, reload=reload)
        items = [(p.fetched_at, p.source, False) for _, day in replay.days() for p in day]
        skipped, failures, where, loaded = (), (), str(root), replay.loaded
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


@click.command("import")
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
        try:  # every file checked before the run is recorded: an unreadable one leaves no run behind
            pipeline.check_files(items)
        except pipeline.ImportInputError as e:
            raise CommandError(str(e)) from None
        # Recorded before archiving (raw first still: archived before parsing), so a kill
        # after the archive write leaves a `running` run whose payloads the next writer loads.
        started = pipeline.start_run(settings, run, known=False)  # nothing is fetched: no validators
        result = replace(pipeline.import_files(settings, run, items), recovered=started.recovered)
        from flows.feeds.publish import publish_changes

        publish_changes(settings, result, now)
    _report(result)


@click.command()
@click.option("--dir", "workdir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Where to write modelsync-demo.duckdb and its archive.")  # fmt: skip
def demo(workdir: Path) -> None:
    """Offline demo: sync bundled captures of several dates from a loopback mirror.

    Starts a local HTTP mirror serving recorded payloads of all five sources over six
    dates (real ones plus named synthetic variations, one date with a declared source
    outage), syncs them date by date into ./modelsync-demo.duckdb with the real sync
    flow, then prints what changed and queries to try next.

    \b
    Example:
      modelsync demo && MODELSYNC_WAREHOUSE=modelsync-demo.duckdb modelsync sql "SELECT * FROM changes"
    """
    from flows.demo import run_demo

    _writable_directory(workdir, "--dir")
    with _busy_is_exit_4():
        code = run_demo(workdir, click.echo)
    if code:
        raise CommandError("demo: a sync did not finish cleanly (see above)", code)


@click.command()
@click.option("--cron", default=None, metavar="EXPR",
              help="When to sync: a cron expression in UTC. Default: MODELSYNC_CRON, else '0 2 * * *'.")  # fmt: skip
@click.option("--feed-port", type=click.IntRange(0, 65535), default=None, metavar="PORT",
              help="Also serve the change feeds on 127.0.0.1:PORT (/feed.atom, /feed.json; 0: a free port). "
              "Default: off.")  # fmt: skip
def serve(cron: str | None, feed_port: int | None) -> None:
    """Run the nightly sync on a schedule (Prefect) until stopped with Ctrl-C or SIGTERM.

    Registers the deployment 'sync/nightly' and runs its schedule. With PREFECT_API_URL
    set, it uses that Prefect server (runs show in its UI). Without it, it starts a local
    Prefect server on 127.0.0.1 (data in ./prefect beside the warehouse, UI at the URL it
    prints) and stops it on exit. Each scheduled run takes the warehouse lock like sync.

    With --feed-port, the feeds written after each run that records changes are served
    too, with ETag and Last-Modified (304 to a matching If-None-Match or If-Modified-Since);
    ?model=, ?provider= and ?field= filter them as `modelsync feed` does.

    \b
    Examples:
      modelsync serve                             # nightly at 02:00 UTC, local Prefect server
      modelsync serve --cron '30 4 * * *'         # 04:30 UTC
      modelsync serve --feed-port 8787            # and http://127.0.0.1:8787/feed.atom
      PREFECT_API_URL=http://127.0.0.1:4200/api modelsync serve
    """
    settings = _settings()
    from flows.serve import CronError, ServeError
    from flows.serve import serve as serve_schedule

    feeds = None
    if feed_port is not None:
        from flows.feeds.server import start_feed_server

        try:
            feeds = start_feed_server(settings.warehouse, feed_port)
        except OSError as e:
            raise CommandError(f"--feed-port {feed_port}: cannot listen on 127.0.0.1: {e.strerror}") from None
        click.echo(f"serving the change feeds at {feeds.url}/feed.atom and {feeds.url}/feed.json")
    try:
        serve_schedule(settings, cron or settings.cron, click.echo)
    except ServeError as e:
        raise CommandError(str(e), EXIT_USAGE if isinstance(e, CronError) else EXIT_FAILED) from None
    finally:
        if feeds is not None:
            feeds.stop()


def _writable_directory(path: Path, option: str) -> None:
    """Create ``path`` if needed; a usage error naming it when it cannot be created or written."""
    import os

    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise click.BadParameter(f"cannot create {path}: {e.strerror}", param_hint=f"'{option}'") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise click.BadParameter(f"{path} is not writable", param_hint=f"'{option}'")
