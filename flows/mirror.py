"""A real HTTP server on loopback that serves recorded payloads by URL path.

Used by the tests and by ``modelsync demo``. It serves either dated captures
(a manifest in the ``import --manifest`` format, see ``serve_day``) or scripted
replies per path (``script``), which can delay, answer 429 with ``Retry-After``,
500, or anything else. Every body gets an ETag, and a matching
``If-None-Match`` is answered with 304, like a real origin.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from warehouse.archive import parse_rfc3339


@dataclass(frozen=True)
class Reply:
    """One scripted answer."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    content_type: str = "application/json"


@dataclass(frozen=True)
class Capture:
    """A recorded payload: the real URL it came from and when."""

    url: str
    fetched_at: str
    path: Path


def read_manifest(manifest: Path) -> list[Capture]:
    """Captures listed in a manifest (``path`` relative to it, ``url``, ``fetched_at``)."""
    captures = []
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            captures.append(Capture(item["url"], item["fetched_at"], manifest.parent / item["path"]))
    return captures


class Mirror:
    """Serve on ``http://127.0.0.1:<port>`` until closed; ``requests`` logs every path asked for."""

    def __init__(self, captures: Iterable[Capture] = ()) -> None:
        self.captures = list(captures)
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._scripts: dict[str, list[Reply]] = defaultdict(list)
        self._day_bodies: dict[str, tuple[bytes, str]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def serve_day(self, timestamp: str) -> None:
        """Serve, for each URL, the newest capture fetched at or before ``timestamp``."""
        cutoff = parse_rfc3339(timestamp)
        newest: dict[str, Capture] = {}
        for capture in sorted(self.captures, key=lambda c: parse_rfc3339(c.fetched_at)):
            if parse_rfc3339(capture.fetched_at) <= cutoff:
                newest[urlsplit(capture.url).path] = capture
        with self._lock:
            self._day_bodies = {path: (c.path.read_bytes(), _content_type(c.path)) for path, c in newest.items()}

    def script(self, path: str, *replies: Reply) -> None:
        """Answer ``path`` with these replies in turn; the last one repeats."""
        with self._lock:
            self._scripts[path] = list(replies)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Mirror:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _reply_for(self, path: str) -> Reply:
        with self._lock:
            script = self._scripts.get(path)
            if script:
                return script.pop(0) if len(script) > 1 else script[0]
            served = self._day_bodies.get(path)
        if served is None:
            return Reply(404, b'{"error": {"code": 404, "message": "Not Found"}}')
        return Reply(200, served[0], content_type=served[1])


def _content_type(path: Path) -> str:
    return {".html": "text/html; charset=utf-8", ".xml": "application/xml"}.get(path.suffix, "application/json")


def _handler_for(mirror: Mirror) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            mirror.requests.append((path, {k.lower(): v for k, v in self.headers.items()}))
            reply = mirror._reply_for(path)
            if reply.delay_s:
                time.sleep(reply.delay_s)
            status, body, headers = reply.status, reply.body, dict(reply.headers)
            if status == 200:
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                headers.setdefault("ETag", etag)
                if self.headers.get("If-None-Match") == headers["ETag"]:
                    status, body = 304, b""
            self.send_response(status)
            if status != 304:
                headers.setdefault("Content-Type", reply.content_type)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: tests and the demo read ``mirror.requests`` instead

    return Handler
