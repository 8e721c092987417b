"""Commands that answer the questions people ask of the history: prices on a date, what changed between two
dates, what usage cost at its time. Read-only, like ``read``'s; they never import Prefect or pandas."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import click

from flows.cli.common import CommandError, _reading, _settings
from flows.cli.output import FORMATS, _print_table

SOURCE_PREFERENCE = ("openrouter", "models_dev", "litellm", "catalog")
"""Whose price ``cost`` takes when several sources price one model and provider: the provider's own listing
on OpenRouter first, then models.dev, LiteLLM's map and catalog pages."""
USAGE_COLUMNS = ("time", "model", "provider", "input_tokens", "output_tokens")


@dataclass(frozen=True)
class UsageRow:
    """One row of a usage file: when, which model at which provider, and how many tokens."""

    line: int
    at: datetime
    model: str
    provider: str
    input_tokens: int
    output_tokens: int


@click.command()
@click.option("--on", "on", required=True, metavar="DATE",
              help="A date (2026-08-01: the end of that day, UTC) or a timestamp (2026-08-01T12:00:00Z).")  # fmt: skip
@click.option("--model", help="Only models whose id contains this (case-insensitive).")
@click.option("--provider", help="Only providers whose name contains this (case-insensitive).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for a person; csv (DuckDB's dialect) or json for a script.")  # fmt: skip
def prices(on: str, model: str | None, provider: str | None, fmt: str) -> None:
    """Print each endpoint's prices in force at a time, with when each took effect.

    Upstream rarely says when a price changed, so each price comes with a bracket:
    effective_after (its predecessor's last observation) and effective_by (its own first);
    seen_until and next_effective_by bracket its end the same way. Prices are USD per
    million tokens; price_tiers are prices that replace them above a prompt size (input>200000:6)
    or in a daily UTC window (input@22:00-06:00:0.5).

    \b
    Examples:
      modelsync prices --on 2026-08-26
      modelsync prices --on 2026-08-26 --model llama-4-scout --provider groq
      modelsync prices --on 2026-08-26T12:00:00Z --format csv
    """
    from warehouse import queries

    at = _instant(on, "--on")
    with _reading(_settings().warehouse) as con:
        found = con.sql(queries.PRICES, params={"on": at, "model": model, "provider": provider}).to_arrow_table()
    if not found.num_rows and fmt == "table":
        click.echo(f"no prices known at {at:%Y-%m-%d %H:%M} UTC with these filters")
        return
    _print_table(found, fmt)


@click.command()
@click.option("--from", "start", required=True, metavar="D1",
              help="The earlier state: a date (its end, UTC) or a timestamp.")  # fmt: skip
@click.option("--to", "end", required=True, metavar="D2",
              help="The later state: a date (its end, UTC) or a timestamp.")  # fmt: skip
@click.option("--model", help="Only models whose id contains this (case-insensitive).")
@click.option("--provider", help="Only endpoints of providers whose name contains this (case-insensitive).")
@click.option("--source", help="Only this source (openrouter, models_dev, litellm, catalog, artificial_analysis).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for a person; csv (DuckDB's dialect) or json for a script.")  # fmt: skip
def diff(*, start: str, end: str, model: str | None, provider: str | None, source: str | None, fmt: str) -> None:
    """Print what differs between the states at two dates: added, retired, changed field by field.

    Compares the two states (as endpoints_as_of and models_as_of give them, per source), so
    a change that came and went between them does not show; `modelsync changes` keeps every
    step. Numbers carry their relative change, lists (supported_params, modalities) what
    they gained (added) and lost (removed).

    \b
    Examples:
      modelsync diff --from 2026-08-01 --to 2026-08-27
      modelsync diff --from 2026-08-01 --to 2026-08-27 --provider novita --source openrouter
      modelsync diff --from 2026-08-20 --to 2026-08-27 --model kimi --format json
    """
    from warehouse import queries

    params = {"from": _instant(start, "--from"), "to": _instant(end, "--to"), "model": model, "provider": provider,
              "source": source}  # fmt: skip
    with _reading(_settings().warehouse) as con:
        found = con.sql(queries.DIFF, params=params).to_arrow_table()
    if not found.num_rows and fmt == "table":
        click.echo(f"no differences between {params['from']:%Y-%m-%d %H:%M} and {params['to']:%Y-%m-%d %H:%M} UTC "
                   "with these filters")  # fmt: skip
        return
    _print_table(found, fmt)


@click.command()
@click.option("--usage", "usage_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV whose header names time, model, provider, input_tokens, output_tokens.")  # fmt: skip
@click.option("--source", help="Price from this source only (default: the first of openrouter, models_dev, "
              "litellm, catalog that prices the model at that provider).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table (with the total under it); csv or json (the total on stderr).")  # fmt: skip
def cost(usage_file: Path, source: str | None, fmt: str) -> None:
    """Price usage rows at their time and total them, flagging rows whose price is uncertain.

    Each row is priced with the prices in force at its time for its model (canonical id or
    the source's key) at its provider (name or id), tiers applied: a tier replaces the input or
    output price when the row's input tokens exceed its size and its UTC time falls in its window
    (and weekdays); of several, the later upstream entry wins, then the larger size. A row whose
    time falls between a price's last observation and the next price's first is flagged
    uncertain: it is priced at the earlier price, and its note says between what times the
    price changed. A date alone is the end of that day, UTC.

    \b
    Examples:
      modelsync cost --usage usage.csv
      modelsync cost --usage modelsync-demo-usage.csv --source openrouter --format csv   # the demo's

    \b
    usage.csv:
      time,model,provider,input_tokens,output_tokens
      2026-08-26T14:03:00Z,meta-llama/llama-4-scout,DeepInfra,120000,3500
    """
    from warehouse import queries

    rows = usage_rows(usage_file)
    records = [{"line": r.line, "used_at": r.at, "model": r.model, "provider": r.provider,
                "input_tokens": r.input_tokens, "output_tokens": r.output_tokens} for r in rows]  # fmt: skip
    params = {"rows": records, "source": source, "preference": list(SOURCE_PREFERENCE)}
    with _reading(_settings().warehouse) as con:
        priced = con.sql(queries.COST, params=params).to_arrow_table()
    _print_table(priced, fmt)
    costs = [c for c in priced.column("cost_usd").to_pylist() if c is not None]
    uncertain = sum(bool(u) for u in priced.column("uncertain").to_pylist())
    total = sum(costs, Decimal(0))
    line = (f"total: {total.normalize():f} USD for {len(costs)} of {len(rows)} rows priced"
            f"{f'; {len(rows) - len(costs)} without a known price' if len(costs) < len(rows) else ''}"
            f"{f'; {uncertain} uncertain (a price changed around their time)' if uncertain else ''}")  # fmt: skip
    click.echo(line, err=fmt != "table")


def usage_rows(path: Path) -> list[UsageRow]:
    """The rows of a usage CSV; a CommandError naming the file and line of the first bad one."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            names = {name.strip().lower(): name for name in reader.fieldnames or []}
            missing = [c for c in USAGE_COLUMNS if c not in names]
            if missing:
                raise CommandError(f"{path}: no column {', '.join(missing)} in its header "
                                   f"(it must name {', '.join(USAGE_COLUMNS)})", 2)  # fmt: skip
            rows = [_usage_row(path, reader.line_num, {c: (record.get(names[c]) or "").strip() for c in USAGE_COLUMNS})
                    for record in reader]  # fmt: skip
    except UnicodeDecodeError:
        raise CommandError(f"{path}: not UTF-8 text", 2) from None
    except csv.Error as e:
        raise CommandError(f"{path}: not CSV ({e})", 2) from None
    if not rows:
        raise CommandError(f"{path}: no usage rows under its header", 2)
    return rows


def _usage_row(path: Path, line: int, values: dict[str, str]) -> UsageRow:
    where = f"{path}, line {line}"
    for column in ("model", "provider"):
        if not values[column]:
            raise CommandError(f"{where}: {column} is empty", 2)
    tokens = []
    for column in ("input_tokens", "output_tokens"):
        text = values[column] or "0"
        if not text.isdigit():
            raise CommandError(f"{where}: {column} {text!r} is not a whole number of tokens", 2)
        tokens.append(int(text))
    try:
        at = _parsed_instant(values["time"])
    except ValueError:
        raise CommandError(f"{where}: time {values['time']!r} is not a date or an RFC 3339 timestamp", 2) from None
    return UsageRow(line, at, values["model"], values["provider"], tokens[0], tokens[1])


def _instant(text: str, option: str) -> datetime:
    """A date (its last instant, UTC) or a timestamp (UTC when it has no zone); a usage error otherwise."""
    try:
        return _parsed_instant(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date (2026-08-01) or a timestamp (2026-08-01T12:00:00Z)",
                                 param_hint=f"'{option}'") from None  # fmt: skip


def _parsed_instant(text: str) -> datetime:
    text = text.strip()
    if len(text) == 10:
        day = date.fromisoformat(text)
        return datetime.combine(day + timedelta(days=1), time(), UTC) - timedelta(microseconds=1)
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)
