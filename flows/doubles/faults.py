"""Named faults the mirror injects per URL: what a nightly scraper meets, as ``Reply`` scripts.

Each fault turns the good answer of a URL into the replies the mirror gives in turn
(the last one repeats). Five classes, by what modelsync must do:

- ``transient``: clears up within the retry budget; the sync still gets the good body.
- ``permanent``: lasts the whole run; the URL fails, the run is ``partial``, nothing in
  its scope is retired.
- ``garbage``: a ``200`` whose body cannot be used; archived for a later replay, but
  quarantined, never loaded as NULLs.
- ``short_list``: a list that lost its entries; loaded, but the listing is incomplete,
  so nothing is retired for being absent from it.
- ``harmless``: looks wrong but is not (JSON labelled ``text/plain``); loaded as usual.

Used by ``tests/test_faults.py`` and ``benchmarks/soak.py``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flows.doubles.mirror import Reply

TRANSIENT, PERMANENT, GARBAGE, SHORT_LIST, HARMLESS = "transient", "permanent", "garbage", "short_list", "harmless"


@dataclass(frozen=True)
class Target:
    """What a fault needs to know of the URL it breaks and of the client it breaks it for."""

    body: bytes  # the good body
    content_type: str  # the good body's content type
    foreign_origin: str  # an origin that is not the source's, for a redirect
    max_bytes: int  # the client's response size cap
    timeout_s: float  # the client's read timeout
    response_timeout_s: float  # the client's deadline for a whole response

    @property
    def is_json(self) -> bool:
        return "json" in self.content_type

    @property
    def is_html(self) -> bool:
        return "html" in self.content_type


@dataclass(frozen=True)
class Fault:
    """One way a URL can go wrong, the replies that make it, and what modelsync does about it."""

    name: str
    kind: str  # TRANSIENT, PERMANENT, GARBAGE, SHORT_LIST or HARMLESS
    replies: Callable[[Target], tuple[Reply, ...]]
    does: str  # what modelsync does, in the words of docs/reliability.md
    applies: Callable[[Target], bool] = lambda target: True


def _good(target: Target) -> Reply:
    return Reply(200, target.body, content_type=target.content_type)


def _then_good(*first: Reply) -> Callable[[Target], tuple[Reply, ...]]:
    return lambda target: (*first, _good(target))


def _half(target: Target) -> int:
    return max(1, len(target.body) // 2)


def _trickle_then_good(target: Target) -> tuple[Reply, ...]:
    """Twenty chunks, each well inside the read timeout, together twice the response deadline."""
    trickle = Reply(200, target.body, content_type=target.content_type, chunk_bytes=max(1, len(target.body) // 20),
                    chunk_delay_s=target.response_timeout_s / 10)  # fmt: skip
    return trickle, _good(target)


def _oversized(target: Target, *, declared: bool) -> tuple[Reply, ...]:
    body = b" " * (target.max_bytes * 10) + target.body  # far over the cap, still the same JSON
    return (Reply(200, body, content_type=target.content_type, declare_length=declared),)


CHALLENGE_PAGE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head>"
    b"<body><h1>Checking your browser before accessing the site.</h1></body></html>"
)


def _layout_changed(target: Target) -> tuple[Reply, ...]:
    """The same data under a new layout: JSON nested under a renamed key, HTML with its labels reworded."""
    if target.is_json:
        body = json.dumps({"results": {"version": 2, "items": json.loads(target.body)}}).encode()
    else:
        body = target.body
        for old, new in LABEL_REWORDING.items():
            body = re.sub(old.encode(), new.encode(), body, flags=re.IGNORECASE)
    return (Reply(200, body, content_type=target.content_type),)


LABEL_REWORDING = {
    "Provider": "Vendor",
    "Input Context Window": "Prompt capacity",
    "Context Window": "Prompt capacity",
    "Maximum Output Tokens": "Reply ceiling",
    "Max Output": "Reply ceiling",
    "Release Date": "Launched",
    "Released": "Launched",
}
"""How the ``layout_changed`` fault rewords a catalog page's labels (a redesign, not a typo)."""


def _listed(target: Target) -> tuple[dict[str, Any], str | None] | None:
    """A list payload's document and the key of its list: OpenRouter's and Artificial Analysis' ``data``;
    None for models.dev, whose document maps provider ids to providers."""
    if not target.is_json:
        return None
    try:
        document = json.loads(target.body)
    except ValueError:
        return None
    if isinstance(document, dict) and isinstance(document.get("data"), list) and len(document["data"]) > 1:
        return document, "data"
    if isinstance(document, dict) and len(document) > 1 and all(isinstance(v, dict) for v in document.values()):
        return document, None
    return None


def _lists_four_or_more(target: Target) -> bool:
    """Half of a list of two or three is one key short: a real change, not a failed scrape (``too_short``)."""
    listed = _listed(target)
    return listed is not None and len(listed[0][listed[1]] if listed[1] else listed[0]) >= 4


def _short_list(target: Target, keep: Callable[[int], int]) -> tuple[Reply, ...]:
    listed = _listed(target)
    assert listed is not None, "a short_list fault applies to list payloads only"
    document, key = listed
    if key:
        document[key] = document[key][: keep(len(document[key]))]
    else:
        document = dict(list(document.items())[: keep(len(document))])
    return (Reply(200, json.dumps(document).encode(), content_type=target.content_type),)


FAULTS: dict[str, Fault] = {
    fault.name: fault
    for fault in (
        # Transient: retried with backoff (Retry-After honoured), then the good body loads.
        Fault("429_storm_retry_after", TRANSIENT,
              _then_good(*[Reply(429, b"", headers={"Retry-After": "1"})] * 3),
              "waits as Retry-After asks (within the retry budget), retries, loads"),
        Fault("429_storm", TRANSIENT, _then_good(*[Reply(429)] * 3),
              "retries with exponential backoff and jitter, loads"),
        Fault("5xx_burst", TRANSIENT, _then_good(Reply(500), Reply(502), Reply(503)),
              "retries with exponential backoff and jitter, loads"),
        Fault("read_timeout", TRANSIENT,
              lambda t: (Reply(200, t.body, content_type=t.content_type, delay_s=t.timeout_s + 1), _good(t)),
              "gives up on the attempt after the read timeout, retries, loads"),
        Fault("stall", TRANSIENT,
              lambda t: (Reply(200, t.body, content_type=t.content_type, break_at=_half(t), break_with="stall",
                               stall_s=t.timeout_s + 1), _good(t)),
              "a body that stops mid-way times out like a silent server; retried, loads"),
        Fault("trickle", TRANSIENT, _trickle_then_good,
              "a body that never stalls but never ends in time hits the response deadline; retried, loads"),
        Fault("connection_reset", TRANSIENT, _then_good(Reply(drop=True)),
              "retries the connection error, loads"),
        Fault("reset_mid_body", TRANSIENT,
              lambda t: (Reply(200, t.body, content_type=t.content_type, break_at=_half(t), break_with="reset"),
                         _good(t)),
              "retries the connection error, loads"),
        Fault("truncated_body", TRANSIENT,
              lambda t: (Reply(200, t.body, content_type=t.content_type, break_at=_half(t)), _good(t)),
              "a body shorter than its Content-Length is a connection error: retried, never archived"),
        # Permanent: the URL fails for this run; partial run, non-zero exit, nothing retired in its scope.
        Fault("5xx_forever", PERMANENT, lambda t: (Reply(503),),
              "gives up after the attempts; partial run (exit 3) naming the URL; nothing in its scope retired"),
        Fault("429_forever", PERMANENT, lambda t: (Reply(429, b"", headers={"Retry-After": "1"}),),
              "gives up after the attempts; partial run naming the URL; nothing in its scope retired"),
        Fault("timeout_forever", PERMANENT,
              lambda t: (Reply(200, t.body, content_type=t.content_type, delay_s=t.timeout_s + 1),),
              "gives up after the attempts; partial run naming the URL; nothing in its scope retired"),
        Fault("reset_forever", PERMANENT, lambda t: (Reply(drop=True),),
              "gives up after the attempts; partial run naming the URL; nothing in its scope retired"),
        Fault("truncated_forever", PERMANENT,
              lambda t: (Reply(200, t.body, content_type=t.content_type, break_at=_half(t)),),
              "gives up after the attempts; nothing archived; partial run naming the URL"),
        Fault("oversized", PERMANENT, lambda t: _oversized(t, declared=True),
              "refused from its Content-Length before the body is read; not archived; partial run"),
        Fault("oversized_undeclared", PERMANENT, lambda t: _oversized(t, declared=False),
              "refused while streaming once past the cap; not archived; partial run"),
        Fault("foreign_redirect", PERMANENT,
              lambda t: (Reply(302, b"", headers={"Location": f"{t.foreign_origin}/stolen"}),),
              "redirect to another origin refused, the other host never asked; partial run"),
        # Garbage: archived (a fixed parser can replay it), quarantined with the reason, never loaded.
        Fault("invalid_json", GARBAGE,
              lambda t: (Reply(200, t.body[: _half(t)], content_type=t.content_type),),
              "archived, quarantined ('not valid JSON'), nothing loaded from it; partial run",
              applies=lambda t: t.is_json),
        Fault("html_instead_of_json", GARBAGE,
              lambda t: (Reply(200, CHALLENGE_PAGE, content_type="text/html; charset=utf-8"),),
              "archived, quarantined with the content type it came as; partial run",
              applies=lambda t: t.is_json),
        Fault("layout_changed", GARBAGE, _layout_changed,
              "archived, quarantined naming what is missing; partial run; never loaded as NULLs",
              applies=lambda t: t.is_json or t.is_html),
        # Short lists: loaded, the listing is incomplete, nothing is retired for being absent.
        Fault("empty_list", SHORT_LIST, lambda t: _short_list(t, lambda n: 0),
              "loaded as an incomplete listing: nothing retired", applies=lambda t: _listed(t) is not None),
        Fault("half_list", SHORT_LIST, lambda t: _short_list(t, lambda n: n // 2),
              "loaded as an incomplete listing (at most half the recent median): nothing retired",
              applies=_lists_four_or_more),
        # Harmless: the body decides, the content type is only recorded.
        Fault("json_as_text_plain", HARMLESS,
              lambda t: (Reply(200, t.body, content_type="text/plain; charset=utf-8"),),
              "the body decides: loaded as usual, the content type recorded in the archive",
              applies=lambda t: t.is_json),
    )
}  # fmt: skip
"""Every fault the mirror can inject, by name."""
