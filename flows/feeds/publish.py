"""After a run that recorded changes: the feed files rewritten beside the warehouse, and the webhook called.

Neither ever fails the run: its data has landed, so a feed that cannot be written or a webhook that does not
answer is one warning line on stderr (the webhook's URL shown as ``scheme://host[:port]/…`` only).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flows.feeds.documents import (
    Change,
    atom_feed,
    change_from_row,
    feed_meta,
    json_bytes,
    json_feed,
    webhook_body,
)
from flows.pipeline.base import RunResult
from flows.progress import note
from flows.settings import Settings, Webhook
from warehouse.feed_queries import FEED_CHANGES, ChangeFilter

FEED_ENTRIES = 200
"""A feed holds the most recent changes the warehouse learned, at most this many."""
WEBHOOK_CHANGES_MAX = 1000
"""A webhook body carries at most this many of a run's changes (a long backfill's are in the feeds and views)."""


@dataclass(frozen=True)
class FeedFiles:
    """Where a warehouse's feeds are written: ``<stem>.atom`` and ``<stem>.feed.json`` beside it."""

    atom: Path
    json: Path


def feed_files(warehouse: Path) -> FeedFiles:
    """The feed files of ``warehouse`` (``modelsync.duckdb`` -> ``modelsync.atom``, ``modelsync.feed.json``)."""
    stem = feed_name(warehouse)
    return FeedFiles(warehouse.with_name(f"{stem}.atom"), warehouse.with_name(f"{stem}.feed.json"))


def feed_name(warehouse: Path) -> str:
    """The warehouse file's name without ``.duckdb``: what its feeds are called."""
    return warehouse.name.removesuffix(".duckdb")


def feed_changes(
    con: Any, only: ChangeFilter, limit: int | None, recorded_since: datetime | None = None
) -> list[Change]:
    """The changes ``only`` keeps, newest learned first, at most ``limit`` (None: all)."""
    return [change_from_row(row) for row in con.execute(FEED_CHANGES, only.params(limit, recorded_since)).fetchall()]


def feed_document(changes: list[Change], name: str, only: ChangeFilter, fmt: str, now: datetime) -> bytes:
    """The feed of ``changes`` in ``fmt`` (``atom`` or ``json``) as bytes."""
    meta = feed_meta(name, only, now)
    return atom_feed(changes, meta) if fmt == "atom" else json_bytes(json_feed(changes, meta))


def write_feeds(warehouse: Path, changes: list[Change]) -> FeedFiles:
    """Write both feed files of ``warehouse`` from ``changes``, each whole or not at all (temp file, then rename)."""
    files = feed_files(warehouse)
    name = feed_name(warehouse)
    # With no entry a feed's `updated` would be the clock's; the writer is only called with changes.
    updated = max(c.recorded_at for c in changes)
    for path, fmt in ((files.atom, "atom"), (files.json, "json")):
        _replace_whole(path, feed_document(changes, name, ChangeFilter(), fmt, updated))
    return files


def publish_changes(settings: Settings, result: RunResult, since: datetime) -> None:
    """After a run: when it recorded changes (at or after ``since``), rewrite the feeds and call the webhook."""
    if not result.run_id or result.status == "failed" or not (result.counts.new_versions or result.recovered):
        return  # a change is a new version: none were added
    from warehouse import db

    try:
        con = db.open_for_read(settings.warehouse)
        try:
            if not feed_changes(con, ChangeFilter(), 1, since):
                return
            recent = feed_changes(con, ChangeFilter(), FEED_ENTRIES)
            hook = settings.webhook
            ours = feed_changes(con, hook.only, None, since) if hook else []
        finally:
            con.close()
        write_feeds(settings.warehouse, recent)
    except Exception as e:  # noqa: BLE001 (the run landed: a feed that cannot be written is a warning, never a failure)
        note(f"feeds: not written: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
        return
    if hook and ours:
        body = webhook_body(result.run_id, result.status, ours[:WEBHOOK_CHANGES_MAX], len(ours))
        call_webhook(hook, json_bytes(body), note)


def call_webhook(hook: Webhook, body: bytes, warn: Callable[[str], None]) -> bool:
    """POST ``body`` to the webhook; whether it answered 2xx. A failure is one ``warn`` line without the URL's
    secret (its userinfo, path and query)."""
    try:
        from extractors.http import PostError, post_json  # httpx only when a webhook is set

        post_json(hook.url, body, hook.policy)
        return True
    except PostError as e:
        reason = str(e)
    except Exception as e:  # noqa: BLE001 (a webhook never fails the run; its message may quote the URL)
        reason = type(e).__name__
    warn(f"webhook: {redacted_url(hook.url)}: not delivered: {reason}; the changes are in the feeds")
    return False


def redacted_url(url: str) -> str:
    """``scheme://host[:port]/…``: a URL with its userinfo, path and query (where secrets go) left out."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{parts.hostname or '?'}{port}/…"


def _replace_whole(path: Path, data: bytes) -> None:
    """``path`` holds ``data`` whole: written beside it, flushed, then renamed over it."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with open(partial, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
