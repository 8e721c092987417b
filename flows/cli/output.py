"""Output: rows as CSV or JSON (decimals trimmed, NaN as null), the terminal width, and a run's summary."""

from __future__ import annotations

import csv
import json
import math
import shutil
import sys
from collections.abc import Sequence
from decimal import Context, Decimal
from typing import Any

import click

from flows.cli.common import EXIT_FAILED, EXIT_PARTIAL, CommandError

_EXACT = Context(prec=80)  # a DECIMAL has at most 38 digits: trimming one rounds nothing


def _width() -> int:
    return shutil.get_terminal_size((160, 40)).columns


def _report(result: Any) -> None:
    """Print a run's summary; raise CommandError with the exit code when it did not end ok."""
    counts = result.counts
    for source, why in getattr(result, "skipped", ()):
        click.echo(f"{source}: {why}", err=True)
    if not result.run_id:  # a backfill that found everything loaded before: no run was recorded
        click.echo("nothing to load: every payload in the window was loaded before (no run recorded)")
        for dead in result.recovered:
            click.echo(f"  recovered interrupted run {dead.run_id} (now {dead.status})")
        return
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
        trimmed = value.normalize(_EXACT)
        return format(trimmed if _decimals(trimmed) > 6 else value.quantize(Decimal("1e-6"), context=_EXACT), "f")
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
