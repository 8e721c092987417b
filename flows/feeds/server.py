"""The feeds over HTTP on loopback, for ``modelsync serve --feed-port``: a small stdlib server in a thread.

``/feed.atom`` and ``/feed.json`` answer with the files the last run wrote; with ``model``, ``provider`` or
``field`` in the query, with a feed built from the warehouse for them. Every answer has an ``ETag`` (a digest
of the body) and a ``Last-Modified``, and a matching ``If-None-Match`` or ``If-Modified-Since`` gets ``304``.
"""

from __future__ import annotations

import email.utils
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flows.feeds.publish import FEED_ENTRIES, feed_changes, feed_document, feed_files, feed_name
from warehouse.feed_queries import ChangeFilter

PATHS = {"/feed.atom": "atom", "/feed.json": "json"}
CONTENT_TYPES = {"atom": "application/atom+xml; charset=utf-8", "json": "application/feed+json; charset=utf-8"}
FILTERS = ("model", "provider", "field")


@dataclass(frozen=True)
class Answer:
    """A feed to send: its body and when it last changed."""

    body: bytes
    last_modified: datetime


@dataclass(frozen=True)
class FeedServer:
    """A running feed server: where it listens, and how to stop it."""

    url: str
    stop: Callable[[], None]


def start_feed_server(warehouse: Path, port: int, host: str = "127.0.0.1") -> FeedServer:
    """Serve ``warehouse``'s feeds on ``host:port`` (0: a free port) in a daemon thread; returns its URL."""

    class Handler(FeedHandler):
        feeds_of = warehouse

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="feed-server", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    bound_host, bound_port = server.server_address[:2]
    return FeedServer(f"http://{bound_host!s}:{bound_port}", stop)


class FeedHandler(BaseHTTPRequestHandler):
    """GET and HEAD of the two feed paths; everything else 404 (or 400 for an unknown query parameter)."""

    feeds_of: Path
    server_version = "modelsync-feeds"

    def do_GET(self) -> None:  # http.server's name
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # a feed reader polls every few minutes: a line a poll would drown serve's own output

    def _answer(self, send_body: bool) -> None:
        parts = urlsplit(self.path)
        fmt = PATHS.get(parts.path)
        query = parse_qs(parts.query)
        unknown = sorted(set(query) - set(FILTERS))
        if fmt is None:
            return self._plain(404, "not found: the feeds are /feed.atom and /feed.json\n", send_body)
        if unknown:
            return self._plain(400, f"unknown parameter {unknown[0]}: use model, provider or field\n", send_body)
        only = ChangeFilter(*(query[name][-1] if name in query else None for name in FILTERS))
        try:
            answer = feed_answer(self.feeds_of, fmt, only, datetime.now(UTC))
        except Exception as e:  # noqa: BLE001 (the warehouse busy loading, or gone: say so, keep serving)
            return self._plain(503, f"feed unavailable: {type(e).__name__}\n", send_body, retry_after="30")
        if answer is None:
            return self._plain(404, "no feed yet: it is written after the first run that records a change\n",
                               send_body)  # fmt: skip
        etag = f'"{hashlib.sha256(answer.body).hexdigest()[:32]}"'
        modified = email.utils.format_datetime(answer.last_modified.astimezone(UTC), usegmt=True)
        unchanged = not_modified(self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since"),
                                 etag, answer.last_modified)  # fmt: skip
        self.send_response(304 if unchanged else 200)
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", modified)
        self.send_header("Cache-Control", "no-cache")
        if unchanged:
            self.end_headers()
            return None
        self.send_header("Content-Type", CONTENT_TYPES[fmt])
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if send_body:
            self.wfile.write(answer.body)
        return None

    def _plain(self, status: int, text: str, send_body: bool, retry_after: str | None = None) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if retry_after:
            self.send_header("Retry-After", retry_after)
        self.end_headers()
        if send_body:
            self.wfile.write(body)


def feed_answer(warehouse: Path, fmt: str, only: ChangeFilter, now: datetime) -> Answer | None:
    """The feed to send: the file the last run wrote (None before there is one), or one built for ``only``."""
    if only == ChangeFilter():
        path = feed_files(warehouse).atom if fmt == "atom" else feed_files(warehouse).json
        try:
            return Answer(path.read_bytes(), datetime.fromtimestamp(int(path.stat().st_mtime), UTC))
        except FileNotFoundError:
            return None
    from warehouse import db

    con = db.open_for_read(warehouse)
    try:
        changes = feed_changes(con, only, FEED_ENTRIES)
    finally:
        con.close()
    # An empty filtered feed changes when the warehouse does: its own modification time stands for it.
    updated = max((c.recorded_at for c in changes), default=datetime.fromtimestamp(warehouse.stat().st_mtime, UTC))
    body = feed_document(changes, feed_name(warehouse), only, fmt, updated)
    return Answer(body, updated.replace(microsecond=0))


def not_modified(if_none_match: str | None, if_modified_since: str | None, etag: str, modified: datetime) -> bool:
    """Whether a conditional GET is answered ``304``: ``If-None-Match`` names the ETag (it wins when given, as RFC
    9110 says), else ``If-Modified-Since`` is at or after the last modification."""
    if if_none_match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or etag in tags
    if if_modified_since is None:
        return False
    try:
        since = email.utils.parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    return modified.replace(microsecond=0) <= since.astimezone(UTC) if since.tzinfo else False
