"""A real HTTP server on loopback that serves recorded payloads by URL path.

Used by the tests, the soak benchmark and ``modelsync demo``. It serves either dated
captures (a manifest in the ``import --manifest`` format, see ``serve_day``) or scripted
replies per path (``script``). A reply can also break the way networks do: stall before
or during the body, trickle it, cut it short, reset the connection, or leave out its
length (``Reply``; named faults built from these are in ``flows.doubles.faults``). Every body
gets an ETag, and a matching ``If-None-Match`` is answered with 304, like a real origin.

``WaybackMirror`` stands in for the Internet Archive: it answers CDX queries
(``/cdx/search/cdx`` by url, matchType, from/to, filter, collapse, limit and resume
key, in the JSON shape of the CDX server) and raw captures (``/web/<timestamp>id_/<url>``)
from the same dated captures.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import socket
import struct
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlsplit

from warehouse.archive import parse_rfc3339


@dataclass(frozen=True)
class Reply:
    """One scripted answer, and how it is delivered.

    By default the whole reply is sent at once with its ``Content-Length``. The fields
    after ``content_type`` break that the way real networks and servers do.
    """

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # before the status line: a read timeout when longer than the client waits
    content_type: str = "application/json"
    drop: bool = False  # reset the connection (TCP RST) as soon as the request is read: no reply at all
    break_at: int | None = None  # after this many body bytes, ``break_with`` happens
    break_with: str = "close"  # "close": an orderly close (a truncated body); "reset": a TCP RST; "stall": a pause
    stall_s: float = 0.0  # how long a "stall" sends nothing before the rest of the body
    chunk_delay_s: float = 0.0  # a pause before each chunk: a trickle that no single read times out on
    chunk_bytes: int = 1024  # the size of those chunks
    declare_length: bool = True  # False: no Content-Length, the body ends when the connection closes

    def __post_init__(self) -> None:
        if self.break_with not in ("close", "reset", "stall"):
            raise ValueError(f"break_with must be close, reset or stall, not {self.break_with!r}")


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
        self.targets: list[str] = []  # every request target, query string included
        self.served: list[tuple[str, int, str | None]] = []  # (path, status, sha256 of a 200 body) sent whole
        self._scripts: dict[str, list[Reply]] = defaultdict(list)
        self._day_bodies: dict[str, tuple[bytes, str]] = {}
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
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
        """Answer ``path`` with these replies in turn; the last one repeats. No replies: back to the day's body."""
        with self._lock:
            self._scripts[path] = list(replies)

    def day_payload(self, path: str) -> tuple[bytes, str] | None:
        """The body and content type ``serve_day`` serves for ``path``, if any."""
        with self._lock:
            return self._day_bodies.get(path)

    @property
    def day_paths(self) -> list[str]:
        """Every path ``serve_day`` serves now."""
        with self._lock:
            return sorted(self._day_bodies)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Mirror:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _reply_for(self, path: str, query: str = "") -> Reply:
        with self._lock:
            script = self._scripts.get(path)
            if script:
                return script.pop(0) if len(script) > 1 else script[0]
            served = self._day_bodies.get(path)
        answer = self._answer(path, query)
        if answer is not None:
            return answer
        if served is None:
            return Reply(404, b'{"error": {"code": 404, "message": "Not Found"}}')
        return Reply(200, served[0], content_type=served[1])

    def _answer(self, path: str, query: str) -> Reply | None:
        """A reply computed from the request (subclasses); None to serve the day's bodies."""
        return None


class _QuietServer(ThreadingHTTPServer):
    """A threading HTTP server that does not print a traceback when a client drops its connection."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return  # a client that gave up or reset: what the fault tests do on purpose
        super().handle_error(request, client_address)


CDX_HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]


class WaybackMirror(Mirror):
    """The Internet Archive's CDX API and raw captures (``id_``), serving ``captures`` at their times.

    Point ``MODELSYNC_WAYBACK_BASE_URL`` at ``base_url``. ``script`` still wins per path, e.g. a
    500 for one capture's ``/web/<timestamp>id_/<url>`` or an unreadable ``/cdx/search/cdx``.
    """

    def __init__(self, captures: Iterable[Capture] = ()) -> None:
        rows = []
        for capture in captures:
            body = capture.path.read_bytes()
            timestamp = parse_rfc3339(capture.fetched_at).strftime("%Y%m%d%H%M%S")
            digest = base64.b32encode(hashlib.sha1(body).digest()).decode()  # the CDX digest: base32 SHA-1 of the body
            row = [_urlkey(capture.url), timestamp, capture.url, _content_type(capture.path).split(";")[0], "200",
                   digest, str(len(body))]  # fmt: skip
            rows.append((row, capture.path))
        self.rows = sorted(rows, key=lambda item: (item[0][0], item[0][1]))
        super().__init__(captures)

    @property
    def capture_requests(self) -> list[str]:
        """The capture paths asked for (``/web/<timestamp>id_/<url>``), in order."""
        return [target for target in self.targets if target.startswith("/web/")]

    @property
    def cdx_requests(self) -> list[dict[str, str]]:
        """The parameters of every CDX query, in order."""
        return [_params(urlsplit(t).query) for t in self.targets if urlsplit(t).path == "/cdx/search/cdx"]

    def _answer(self, path: str, query: str) -> Reply | None:
        if path == "/cdx/search/cdx":
            return self._cdx(_params(query))
        match = re.fullmatch(r"/web/(\d{1,14})id_/(.+)", path)
        if match:
            return self._capture(match[1], match[2] + (f"?{query}" if query else ""))
        return None

    def _cdx(self, params: dict[str, str]) -> Reply:
        if "url" not in params or params.get("output") != "json":
            return Reply(400, b"this mirror answers url=...&output=json queries only", content_type="text/plain")
        prefix = params.get("matchType", "exact") == "prefix"
        wanted = _urlkey(params["url"])
        low = params.get("from", "").ljust(14, "0")
        high = params.get("to", "").ljust(14, "9")
        rows = [
            row
            for row, _ in self.rows
            if (row[0].startswith(wanted) if prefix else row[0] == wanted) and low <= row[1] <= high
        ]
        for condition in params.get("filter", "").split(",") if params.get("filter") else ():
            negate = condition.startswith("!")
            name, _, pattern = condition.lstrip("!").partition(":")
            column = CDX_HEADER.index(name)
            rows = [row for row in rows if bool(re.fullmatch(pattern, row[column])) != negate]
        if params.get("collapse") == "digest":  # adjacent rows with the digest of the previous one
            rows = [row for n, row in enumerate(rows) if n == 0 or rows[n - 1][5] != row[5]]
        if "resumeKey" in params:
            after = tuple(params["resumeKey"].rstrip("!").rsplit(" ", 1))
            rows = [row for row in rows if (row[0], row[1]) > after]
        limit = int(params.get("limit") or len(rows) or 1)
        page, more = rows[:limit], len(rows) > limit
        answer: list[list[str]] = [CDX_HEADER, *page] if page else []
        if more and params.get("showResumeKey") == "true":
            answer += [[], [quote_plus(f"{page[-1][0]} {page[-1][1]}!")]]
        return Reply(200, json.dumps(answer).encode())

    def _capture(self, timestamp: str, original: str) -> Reply:
        """The capture at ``timestamp``; else a redirect to the nearest one, like the Wayback Machine."""
        key = _urlkey(original)
        held = [(row, path) for row, path in self.rows if row[0] == key]
        if not held:
            return Reply(404, b"Wayback Machine has not archived that URL.", content_type="text/html")
        exact = [(row, path) for row, path in held if row[1] == timestamp]
        if exact:
            return Reply(200, exact[0][1].read_bytes(), content_type=_content_type(exact[0][1]))
        wanted = int(timestamp.ljust(14, "0"))
        nearest = min(held, key=lambda item: abs(int(item[0][1]) - wanted))[0]
        return Reply(302, b"", headers={"Location": f"/web/{nearest[1]}id_/{nearest[2]}"})


def _params(query: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(query, keep_blank_values=True).items()}


def _urlkey(url: str) -> str:
    """The CDX sort key of a URL (SURT): ``ai,openrouter)/api/v1/models``; scheme, ``www.`` and port dropped."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    host = (parts.hostname or "").removeprefix("www.")
    key = ",".join(reversed(host.split("."))) + ")" + (parts.path.lower() or "/")
    return f"{key}?{parts.query}" if parts.query else key


def _content_type(path: Path) -> str:
    return {".html": "text/html; charset=utf-8", ".xml": "application/xml"}.get(path.suffix, "application/json")


def _handler_for(mirror: Mirror) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as two writes: with Nagle's algorithm on, the body waits
        # for the client's delayed ACK of the headers (40 ms on Linux), on every reply.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            target = urlsplit(self.path)
            path = target.path
            mirror.requests.append((path, {k.lower(): v for k, v in self.headers.items()}))
            mirror.targets.append(self.path)
            reply = mirror._reply_for(path, target.query)
            if reply.drop:
                self._reset()
                return
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
            if reply.declare_length:
                self.send_header("Content-Length", str(len(body)))
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            try:
                whole = self._send_body(reply, body)
                self.wfile.flush()
            except OSError:  # the client gave up (a timeout it was meant to hit): nothing left to do
                self.close_connection = True
                return
            if whole:
                mirror.served.append((path, status, hashlib.sha256(body).hexdigest() if status == 200 else None))

        def _send_body(self, reply: Reply, body: bytes) -> bool:
            """Send the body as ``reply`` says; whether all of it went."""
            if not body or reply.break_at is None:  # a 304 has no body to break
                self._write(body, reply)
                return True
            cut = min(reply.break_at, len(body))
            self._write(body[:cut], reply)
            if reply.break_with == "stall":
                time.sleep(reply.stall_s)
                self._write(body[cut:], reply)
                return True
            if reply.break_with == "reset":
                self._reset()
            else:  # an orderly close before the promised length: the client sees a truncated body
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_WR)
                self.close_connection = True
            return False

        def _write(self, data: bytes, reply: Reply) -> None:
            if not reply.chunk_delay_s:
                self.wfile.write(data)
                return
            for start in range(0, len(data), reply.chunk_bytes):
                time.sleep(reply.chunk_delay_s)
                self.wfile.write(data[start : start + reply.chunk_bytes])
                self.wfile.flush()

        def _reset(self) -> None:
            """Drop the connection with a TCP RST (SO_LINGER 0), as a crashed proxy does."""
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

        def finish(self) -> None:
            with suppress(OSError, ValueError):  # the socket was reset or closed on purpose
                super().finish()

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: tests and the demo read ``mirror.requests`` instead

    return Handler
