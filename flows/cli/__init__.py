"""``modelsync``: a thin CLI over the pipeline, one verb per command.

Exit codes: 0 ok, 1 failed, 2 usage error, 3 partial, 4 busy. Errors are one line
on stderr (``--debug`` shows the traceback). Commands that do not orchestrate
(``sql``, ``import``, ``--help``) never import Prefect.

The group and ``main`` live here; the commands that write in ``write``, those that
read in ``read`` (the change feed in ``feed``), those that answer questions (prices, diff,
cost) in ``answers``, what they share in ``common``, formatting in ``output`` and the import
manifest in ``manifest``.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence

import click

from flows.cli.answers import cost, diff, prices
from flows.cli.common import EXIT_BUSY, EXIT_FAILED, EXIT_PARTIAL, EXIT_USAGE, CommandError, ReaderGone
from flows.cli.feed import feed
from flows.cli.read import changes, export, report, sql, status
from flows.cli.review import review
from flows.cli.write import backfill, demo, import_, serve, sync

__all__ = ["EXIT_BUSY", "EXIT_FAILED", "EXIT_PARTIAL", "EXIT_USAGE", "CommandError", "cli", "main"]


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
      modelsync prices --on 2026-08-26 --model llama-4-scout
      modelsync diff --from 2026-08-01 --to 2026-08-27

    \b
    Sources: openrouter, models_dev, artificial_analysis (needs ARTIFICIAL_ANALYSIS_API_KEY), catalog.
    Environment: MODELSYNC_WAREHOUSE (default ./modelsync.duckdb), MODELSYNC_RAW_DIR
    (default: raw/ beside modelsync.duckdb, <name>-raw/ beside any other <name>.duckdb),
    MODELSYNC_SOURCES (enabled sources, default all),
    MODELSYNC_<SOURCE>_BASE_URL, MODELSYNC_<SOURCE>_RATE, MODELSYNC_<SOURCE>_CONCURRENCY,
    OPENROUTER_API_KEY, ARTIFICIAL_ANALYSIS_API_KEY. See docs/cli.md.
    """
    ctx.obj = {"debug": debug}


for _command in (
    sync,
    backfill,
    import_,
    sql,
    changes,
    diff,
    prices,
    cost,
    feed,
    review,
    demo,
    serve,
    export,
    status,
    report,
):
    cli.add_command(_command)


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
    except (BrokenPipeError, ReaderGone):  # the reader went away (`| head`): stop quietly, as other tools do
        _quiet_stdout()
        return 0
    except Exception as e:  # noqa: BLE001 (the one place that turns any error into one line)
        if debug:
            traceback.print_exc()
        where = "" if debug else " (run with --debug for the traceback)"
        click.echo(f"modelsync: {_in_words(e)}{where}", err=True)
        return EXIT_FAILED


def _in_words(error: Exception) -> str:
    """An unexpected error as a sentence: what failed, on what, and the error's own words."""
    if isinstance(error, OSError) and error.strerror:
        subject = f" {error.filename}" if error.filename else ""
        return f"unexpected error: cannot use{subject}: {error.strerror}"
    detail = str(error).splitlines()[0] if str(error) else "no detail given"
    return f"unexpected error ({type(error).__name__}): {detail}"


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush meets no closed pipe."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real stdout (a test's capture): nothing to flush
        pass
