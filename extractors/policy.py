"""Politeness and limits per origin, and the validators of a conditional GET: plain data, cheap to import
(the HTTP client that uses them, ``extractors.http``, is imported only by what fetches)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class HostPolicy:
    """Politeness and limits for one origin."""

    rate_per_s: float = 10.0
    concurrency: int = 8
    max_attempts: int = 5
    max_retry_wait_s: float = 30.0
    max_bytes: int = 20_000_000
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0  # no byte for this long: the attempt failed (retried)
    response_timeout_s: float = 120.0  # the whole response, headers to last byte: a trickling body fails too
    backoff_s: float = 0.5
    obey_robots: bool = False  # HTML pages: read the origin's robots.txt first and follow it


@dataclass(frozen=True)
class Validators:
    """What a conditional request sends back: the ETag and Last-Modified of the last body."""

    etag: str | None = None
    last_modified: str | None = None


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, lower-cased."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
