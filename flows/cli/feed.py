"""``modelsync feed``: the change feed, filtered, from the warehouse (read-only; never imports Prefect)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from flows.cli.common import CommandError, _reading, _settings, _written_whole


@click.command()
@click.option("--format", "fmt", type=click.Choice(["atom", "json"]), default="atom", show_default=True,
              help="atom (Atom 1.0) or json (JSON Feed 1.1).")  # fmt: skip
@click.option("--model", help="Only models whose id contains this (case-insensitive).")
@click.option("--provider", help="Only providers whose name contains this (case-insensitive).")
@click.option("--field", help="Only this field, e.g. max_output_tokens, input_price_per_mtok, deleted.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the feed to this file (replaced once complete) instead of printing it.")  # fmt: skip
def feed(fmt: str, model: str | None, provider: str | None, field: str | None, out: Path | None) -> None:
    """Print (or write) the feed of the most recent changes the warehouse learned, filtered.

    The same entries, with the same ids, as the feeds written beside the warehouse after
    each run that records changes (<name>.atom, <name>.feed.json), kept to the filters.

    \b
    Examples:
      modelsync feed
      modelsync feed --format json --model llama-4-scout
      modelsync feed --field max_output_tokens --out max-output.atom
    """
    from flows.feeds.publish import FEED_ENTRIES, feed_changes, feed_document, feed_name
    from warehouse.feed_queries import ChangeFilter

    warehouse = _settings().warehouse
    only = ChangeFilter(model, provider, field)
    with _reading(warehouse) as con:
        changes = feed_changes(con, only, FEED_ENTRIES)
    document = feed_document(changes, feed_name(warehouse), only, fmt, datetime.now(UTC).replace(microsecond=0))
    if out is None:
        sys.stdout.buffer.write(document)
        sys.stdout.flush()
        return
    try:
        with _written_whole(out) as partial:
            partial.write_bytes(document)
    except OSError as e:
        raise CommandError(f"{out}: cannot write the feed ({e.strerror})") from None
    click.echo(f"feed: {len(changes)} changes -> {out}")
