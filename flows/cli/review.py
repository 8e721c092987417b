"""``modelsync review``: the changes held as implausible, and a person's decision on each (recorded, who and when)."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime

import click

from flows.cli.common import EXIT_USAGE, CommandError, _busy_is_exit_4, _reading, _settings
from flows.cli.output import FORMATS, _print_table

HELD = """
SELECT id, entity, model_id, provider, endpoint_key, source, field, old_value, new_value, status,
    first_observed_at, last_observed_at, observations, decision, decided_at
FROM suspect_changes WHERE $all OR status = 'held'
ORDER BY first_observed_at, id, field
"""


@click.group()
def review() -> None:
    """Decide on changes held as implausible: list them, accept or reject one.

    With MODELSYNC_SUSPECT_PRICE_FACTOR=10 and MODELSYNC_SUSPECT_LIMIT_SHRINK=0.5 (off by
    default), a price moving more than 10x either way or to or from zero, or a limit falling
    below half of itself, is held: stored, but the views keep the last value until a later
    fetch confirms it (MODELSYNC_SUSPECT_CONFIRMATIONS) or someone accepts it here. A
    rejected value never becomes current; the decision is kept with who made it and when.

    \b
    Examples:
      modelsync review list
      modelsync review list --all --format csv
      modelsync review accept 3f9c2a1b7d4e --by alice
      modelsync review reject 3f9c2a1b7d4e
    """


@review.command("list")
@click.option("--all", "show_all", is_flag=True, help="Every suspect change, decided and confirmed ones too.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for a person; csv (DuckDB's dialect) or json for a script.")  # fmt: skip
def list_held(show_all: bool, fmt: str) -> None:
    """Print the held changes (one row per field), with the id to accept or reject them by."""
    with _reading(_settings().warehouse) as con:
        found = con.sql(HELD, params={"all": show_all}).to_arrow_table()
    if not found.num_rows and fmt == "table":
        click.echo("no change is held" if not show_all else "no suspect change was ever held")
        return
    _print_table(found, fmt)


@review.command()
@click.argument("change_id")
@click.option("--by", help="Who decides (default: your login name).")
def accept(change_id: str, by: str | None) -> None:
    """Make a held change current from its first observation."""
    _decide(change_id, "accept", by)


@review.command()
@click.argument("change_id")
@click.option("--by", help="Who decides (default: your login name).")
def reject(change_id: str, by: str | None) -> None:
    """Keep a held change out of the history (its observations stay, with the decision)."""
    _decide(change_id, "reject", by)


def _decide(change_id: str, decision: str, by: str | None) -> None:
    settings = _settings()
    from flows.lock import warehouse_lock
    from flows.pipeline.hooks import MIGRATION_HOOKS
    from warehouse import db, history

    now = datetime.now(UTC)
    who = by or _login_name()
    if not settings.warehouse.exists():  # a write connection would create an empty warehouse at a mistyped path
        raise CommandError(f"no warehouse at {settings.warehouse}: run 'modelsync sync' or 'modelsync demo' first")
    with _busy_is_exit_4(), warehouse_lock(settings.warehouse, "review", now):
        con = db.open_for_write(settings.warehouse, now, hooks=MIGRATION_HOOKS)  # a migration's data step too
        try:
            decided = history.decide(con, change_id, decision, who, now, rules=settings.suspect_rules,
                                     retire_after=settings.retire_after)  # fmt: skip
        except history.UnknownSuspect:
            raise CommandError(
                f"no suspect change {change_id!r}: see 'modelsync review list --all'", EXIT_USAGE
            ) from None
        finally:
            con.close()
    where = decided.model_id + (f" {decided.endpoint_key}" if decided.endpoint_key else "")
    click.echo(f"{decision}ed {change_id} by {who}: {decided.entity} {where} ({decided.source}), now {decided.status}")


def _login_name() -> str:
    """The login name, for a decision made without ``--by``."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database (a bare container)
        raise CommandError("cannot tell who decides: pass --by NAME", EXIT_USAGE) from None
