"""Output: rows as a table, CSV (DuckDB's writer) or JSON (NaN as null), the terminal width, a run's summary."""

from __future__ import annotations

import json
import math
import shutil
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from flows.cli.common import EXIT_FAILED, EXIT_PARTIAL, CommandError, ReaderGone


def _width() -> int:
    return shutil.get_terminal_size((160, 40)).columns


def _report(result: Any) -> None:
    """Print a run's summary; raise CommandError with the exit code when it did not end ok."""
    from flows.pipeline import counts_line

    counts = result.counts
    for source, why in getattr(result, "skipped", ()):
        click.echo(f"{source}: {why}", err=True)
    if not result.run_id:  # a backfill that found everything loaded before: no run was recorded
        click.echo("nothing to load: every payload in the window was loaded before (no run recorded)")
        for dead in result.recovered:
            click.echo(f"  recovered interrupted run {dead.run_id} (now {dead.status})")
        return
    click.echo(f"run {result.run_id}: {result.status}; {counts_line(counts)}")
    _report_details(result)
    if result.status == "partial":
        n = len(result.failed_urls)
        was = "was" if n == 1 else "were"
        raise CommandError(f"partial run: {_count(n, 'URL')} failed or {was} quarantined", EXIT_PARTIAL)
    if result.status == "failed":
        raise CommandError(result.error or "run failed, nothing landed", EXIT_FAILED)


def _report_details(result: Any) -> None:
    """The lines under a run's summary: keys per entity, unmatched keys, incomplete listings, failures."""
    counts = result.counts
    for entity, keys in counts.keys.items():
        if keys.new == keys.changed == keys.retired == keys.unchanged == 0:
            continue  # the run did not touch this entity
        click.echo(
            f"  {entity}s: {keys.new} new, {keys.changed} changed, {keys.retired} retired, {keys.unchanged} unchanged"
        )
    if getattr(counts, "held", 0):
        click.echo(f"  held: {_count(counts.held, 'suspect change')} (an implausible move, kept out of the views "
                   "until a later fetch confirms it: modelsync review list)")  # fmt: skip
    if counts.unmatched and result.status != "failed":
        shown = ", ".join(f"{source} {key}" for source, key in counts.unmatched[:5])
        more = f" and {len(counts.unmatched) - 5} more" if len(counts.unmatched) > 5 else ""
        click.echo(f"  unmatched model keys: {shown}{more} (see the unmatched_keys view)")
    _report_drift(getattr(result, "drift", ()))
    for entity, source, scope, why in counts.incomplete:
        where = f"{source} {entity}s" + (f" of {scope}" if scope else "")
        click.echo(f"  incomplete listing: {where} {why}: nothing retired for being absent from it")
    for dead in result.recovered:
        what = "nothing to load"
        if dead.payloads:
            what = f"{_count(dead.payloads, 'payload')} it had archived loaded under its id"
        click.echo(f"  recovered interrupted run {dead.run_id}: {what} (now {dead.status})")
    for url, reason in result.failed_urls:
        click.echo(f"  failed: {url}: {reason}", err=True)
    if result.status == "partial" and result.error:
        click.echo(f"  error: {result.error}", err=True)  # e.g. a backfill date whose load failed


def _report_drift(drift: Sequence[tuple[str, str, str]]) -> None:
    """One line per source naming the schema drift first seen in this run: new fields, then missing ones."""
    by_source: dict[str, dict[str, list[str]]] = {}
    for source, kind, path in drift:
        by_source.setdefault(source, {}).setdefault(kind, []).append(path)
    for source, kinds in by_source.items():
        parts = [f"{kind} {_listed(kinds[kind])}" for kind in ("new", "missing") if kind in kinds]
        click.echo(f"  schema drift: {source}: {'; '.join(parts)} (see the schema_drift view)")


def _listed(names: Sequence[str], shown: int = 8) -> str:
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


FORMATS = ("table", "csv", "json")
TERMINAL_ROWS = 10_000  # a table on a terminal shows at most this many rows (a pipe gets them all)
NARROWEST = 6  # a column is never cut narrower than this on a terminal


def _print_rows(relation: Any, fmt: str) -> None:
    """A query's rows on stdout: a table, DuckDB's CSV or JSON.

    A table that goes to a pipe or a file is never cut. On a terminal, rows past
    ``TERMINAL_ROWS`` and values too wide for it are cut, and a line on stderr says what was
    cut and how to see it whole. No column is ever dropped.
    """
    _print_table(relation.to_arrow_table(), fmt)


def _print_table(table: Any, fmt: str) -> None:
    """``_print_rows`` of rows already fetched (an Arrow table)."""
    try:
        _write_rows(table, fmt)
        sys.stdout.flush()
    except BrokenPipeError:  # raised past click, which would turn it into exit 1
        raise ReaderGone from None


def _write_rows(table: Any, fmt: str) -> None:
    import duckdb

    if fmt == "json":
        _write_json(table.to_pylist())
        return
    scratch = duckdb.connect()  # not the warehouse: only this result, rendered
    try:
        if fmt == "csv":
            _write_csv(scratch, table)
        else:
            scratch.register("result_rows", table)
            texts = scratch.execute(f"SELECT {_as_text(table.column_names)} FROM result_rows").fetchall()
            _write_table(table.column_names, texts)
    finally:
        scratch.close()


def _as_text(columns: Sequence[str]) -> str:
    """Every column cast to DuckDB's own text for it (NULL stays NULL)."""
    return ", ".join(f'CAST("{c.replace(chr(34), chr(34) * 2)}" AS VARCHAR)' for c in columns) or "1"


def _write_csv(scratch: Any, table: Any) -> None:
    """DuckDB's CSV writer (the dialect of ``export --format csv``), through a scratch file onto stdout."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="modelsync-csv-") as tmp:
        target = Path(tmp) / "rows.csv"
        scratch.register("result_rows", table)
        scratch.execute(f"COPY result_rows TO '{str(target).replace(chr(39), chr(39) * 2)}' (FORMAT csv, HEADER)")
        with target.open(encoding="utf-8", newline="") as rows:
            shutil.copyfileobj(rows, sys.stdout)


def _write_json(records: Sequence[dict[str, Any]]) -> None:
    # JSON has no NaN or infinity: such doubles become null.
    rows = [
        {c: None if isinstance(v, float) and not math.isfinite(v) else v for c, v in record.items()}
        for record in records
    ]
    json.dump(rows, sys.stdout, default=_json_value, indent=1)
    sys.stdout.write("\n")


def _write_table(columns: Sequence[str], rows: Sequence[tuple[str | None, ...]]) -> None:
    """A box table; cut to the terminal only when stdout is one, saying so on stderr."""
    on_terminal = sys.stdout.isatty()
    shown = rows[:TERMINAL_ROWS] if on_terminal else rows
    cells = [["NULL" if v is None else v.replace("\n", " ") for v in row] for row in shown]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    cut: list[str] = []
    if on_terminal and (NARROWEST + 3) * len(columns) + 1 > _width():
        _write_records(columns, cells, len(rows))
        return
    if on_terminal:
        widths, cut = _fitted(columns, widths, _width())
    click.echo(_rule("┌", "┬", "┐", widths))
    click.echo(_line(columns, widths))
    click.echo(_rule("├", "┼", "┤", widths))
    for row in cells:
        click.echo(_line(row, widths))
    click.echo(_rule("└", "┴", "┘", widths))
    _say_rows(len(shown), len(rows), len(columns))
    if cut:
        click.echo(f"values of {', '.join(cut)} cut to fit {_width()} columns (marked …); "
                   "--format csv or a pipe prints them whole", err=True)  # fmt: skip


def _write_records(columns: Sequence[str], cells: Sequence[Sequence[str]], total: int) -> None:
    """Rows one field per line, for a terminal too narrow for the table's columns side by side."""
    room = _width()
    label = max(len(c) for c in columns)
    value_room = max(room - label - 3, NARROWEST)
    cut = False
    for n, row in enumerate(cells, start=1):
        click.echo(f"── row {n:,} " + "─" * max(room - len(f"── row {n:,} "), 0))
        for column, value in zip(columns, row, strict=True):
            cut = cut or len(value) > value_room
            click.echo(f"{column:<{label}} │ {_clip(value, value_room)}")
    _say_rows(len(cells), total, len(columns))
    click.echo(f"{len(columns)} columns do not fit side by side in {room} columns: one field a line"
               + ("; long values cut (marked …), --format csv or a pipe prints them whole" if cut else ""),
               err=True)  # fmt: skip


def _say_rows(shown: int, total: int, columns: int) -> None:
    """The table's size under it; on stderr, that rows were left out, if they were."""
    click.echo(f"  {_count(total, 'row')}, {_count(columns, 'column')}")
    if shown < total:
        click.echo(f"showing the first {shown:,} of {total:,} rows on this terminal; "
                   "--format csv or a pipe prints them all", err=True)  # fmt: skip


def _fitted(columns: Sequence[str], widths: list[int], room: int) -> tuple[list[int], list[str]]:
    """Column widths that fit ``room`` characters, the widest cut first; and the names of those cut."""
    fitted = list(widths)
    while sum(fitted) + 3 * len(fitted) + 1 > room:
        widest = max(range(len(fitted)), key=lambda i: fitted[i])
        if fitted[widest] <= NARROWEST:
            break  # too many columns for the terminal: rows wrap, nothing is dropped
        fitted[widest] -= 1
    return fitted, [c for c, before, after in zip(columns, widths, fitted, strict=True) if after < before]


def _line(values: Sequence[str], widths: Sequence[int]) -> str:
    return "│" + "│".join(f" {_clip(v, w):<{w}} " for v, w in zip(values, widths, strict=True)) + "│"


def _rule(left: str, middle: str, right: str, widths: Sequence[int]) -> str:
    return left + middle.join("─" * (w + 2) for w in widths) + right


def _clip(value: str, width: int) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"


def _count(n: int, noun: str) -> str:
    from flows.progress import counted

    return counted(n, noun)


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
