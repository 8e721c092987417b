"""The Internet Archive's Wayback Machine: which captures of a source URL exist, and their bytes.

Upstream: the CDX server ``GET https://web.archive.org/cdx/search/cdx?url=...&output=json`` lists
captures (https://github.com/internetarchive/wayback/tree/master/wayback-cdx-server); a capture's
bytes as archived are ``GET https://web.archive.org/web/<timestamp>id_/<original>`` (``id_``: no
rewriting, no toolbar). Not a source of its own: a capture is loaded as a payload of the source
whose real URL it archived, with the capture time as its ``fetched_at``.

Which URLs per source: each source declares them (``SourceSpec.web_archive``): OpenRouter's model
list, then each known model's endpoints URL in both forms (model ``id`` and ``canonical_slug``;
captures exist under either); models.dev's api.json; the catalog's sitemap and every page under
``/models/`` (one prefix query). Artificial Analysis needs an API key, so the archive holds nothing
of it (``not_archived`` says so).

Quirks handled here:
- a JSON answer is a list of rows of strings; the first row is the header
  (``urlkey, timestamp, original, mimetype, statuscode, digest, length``), read by name;
- with ``showResumeKey=true``, a page that has more ends with an empty row ``[]`` and a one-element
  row holding the resume key; the key comes URL-encoded and goes back verbatim as ``resumeKey``;
- no captures is ``[]`` or an empty body; the same row can repeat (the CDX README's own example);
- ``timestamp`` is ``YYYYMMDDhhmmss`` in UTC;
- ``original`` is the URL as crawled (``http://``, ``:80``, with or without ``www.``, a trailing
  slash); the archive keeps the source's real URL, so a prefix match maps it back with ``real_url``;
- ``collapse=digest`` drops adjacent captures with the same content: only changes are listed;
- rate limits: CDX allows about 60 queries a minute averaged over 5 minutes, lately 24 a minute,
  and an IP that ignores its 429s for a minute is blocked for an hour
  (edgi-govdata-archiving/wayback#137, #153, release 0.5.1): one query per 4 s by default.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlsplit

from extractors.policy import HostPolicy
from extractors.spec import SourceSpec
from transforms.records import ParseError

ORIGIN = "https://web.archive.org"
CDX_URL = f"{ORIGIN}/cdx/search/cdx"
CDX_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
PAGE_ROWS = 1000  # captures per CDX page; the rest comes by resume key
CDX_POLICY = HostPolicy(rate_per_s=0.25, concurrency=1)
CAPTURE_POLICY = HostPolicy(rate_per_s=1.0, concurrency=2)
TIMESTAMP = "%Y%m%d%H%M%S"


@dataclass(frozen=True)
class Lookup:
    """One CDX query for a source: a URL, or with ``prefix`` every URL under it."""

    source: str
    url: str
    prefix: bool = False


@dataclass(frozen=True)
class Capture:
    """One CDX row: ``original`` as the archive captured it at ``timestamp`` (UTC)."""

    urlkey: str
    timestamp: str
    original: str
    mimetype: str
    statuscode: str
    digest: str
    length: str

    @property
    def captured_at(self) -> datetime:
        return capture_time(self.timestamp)


@dataclass(frozen=True)
class CdxPage:
    """The captures of one CDX answer, and the key that resumes after them (None on the last page)."""

    captures: tuple[Capture, ...] = ()
    resume_key: str | None = None


def seed_lookups(spec: SourceSpec) -> tuple[Lookup, ...]:
    """The CDX queries a source declares (none when the archive holds nothing of it)."""
    return tuple(Lookup(spec.id, archived.url, archived.prefix) for archived in spec.web_archive.lookups)


def model_lookups(spec: SourceSpec, model_keys: Iterable[str]) -> tuple[Lookup, ...]:
    """One query per known model key for the URL the source declares per model (OpenRouter's endpoints), once each."""
    per_model = spec.web_archive.per_model
    if per_model is None:
        return ()
    urls = (per_model(key) for key in sorted({k for k in model_keys if k}))
    return tuple(Lookup(spec.id, url) for url in dict.fromkeys(u for u in urls if u))


def cdx_url(lookup: Lookup, since: datetime | None, until: datetime | None, resume_key: str | None = None,
            limit: int = PAGE_ROWS) -> str:  # fmt: skip
    """The CDX query for ``lookup``'s 200 captures in ``[since, until)``, one page of ``limit`` rows."""
    target = lookup.url.split("://", 1)[-1]
    params = [("url", quote(target, safe="/:"))]
    if lookup.prefix:
        params.append(("matchType", "prefix"))
    params += [("output", "json"), ("filter", "statuscode:200"), ("collapse", "digest")]
    if since is not None:
        params.append(("from", cdx_timestamp(since)))
    if until is not None:  # CDX's `to` is inclusive, to the second
        params.append(("to", cdx_timestamp(until - timedelta(seconds=1))))
    params += [("limit", str(limit)), ("showResumeKey", "true")]
    if resume_key is not None:
        params.append(("resumeKey", quote(resume_key, safe="%+")))  # already encoded by the server
    return f"{CDX_URL}?" + "&".join(f"{name}={value}" for name, value in params)


def parse_cdx(body: bytes) -> CdxPage:
    """The captures (status 200, first of each repeat) and resume key of a CDX JSON answer."""
    if not body.strip():
        return CdxPage()
    try:
        rows = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ParseError(f"not valid JSON ({e})") from None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ParseError("expected a JSON list of rows")
    if not rows:
        return CdxPage()
    header = rows[0]
    missing = [name for name in CDX_FIELDS if name not in header]
    if missing:
        raise ParseError(f"header row {header!r} lacks {', '.join(missing)}")
    resume_key = None
    body_rows = rows[1:]
    if len(body_rows) >= 2 and body_rows[-2] == [] and len(body_rows[-1]) == 1:
        resume_key = str(body_rows[-1][0])
        body_rows = body_rows[:-2]
    captures: dict[tuple[str, str], Capture] = {}
    for number, row in enumerate(body_rows, start=2):
        if len(row) != len(header) or not all(isinstance(value, str) for value in row):
            raise ParseError(f"row {number} is {row!r}, not {len(header)} strings like the header")
        values = dict(zip(header, row, strict=True))
        capture = Capture(*(values[name] for name in CDX_FIELDS))
        try:
            capture_time(capture.timestamp)
        except ValueError:
            raise ParseError(f"row {number}: timestamp {capture.timestamp!r} is not YYYYMMDDhhmmss") from None
        if capture.statuscode == "200":
            captures.setdefault((capture.original, capture.timestamp), capture)
    return CdxPage(tuple(captures.values()), resume_key)


def capture_url(capture: Capture) -> str:
    """Where the archive serves this capture's bytes as they were captured."""
    return f"{ORIGIN}/web/{capture.timestamp}id_/{capture.original}"


def capture_timestamp(url: str) -> str | None:
    """The ``YYYYMMDDhhmmss`` of a capture URL (``/web/<timestamp>id_/...``), or None."""
    match = re.match(r"/web/(\d{14})id_/", urlsplit(url).path)
    return match[1] if match else None


def capture_time(timestamp: str) -> datetime:
    """A capture's time: a CDX ``YYYYMMDDhhmmss`` timestamp, in UTC."""
    if not re.fullmatch(r"\d{14}", timestamp):
        raise ValueError(f"{timestamp!r} is not YYYYMMDDhhmmss")
    return datetime.strptime(timestamp, TIMESTAMP).replace(tzinfo=UTC)


def cdx_timestamp(when: datetime) -> str:
    """``when`` as a CDX timestamp (UTC, to the second)."""
    return when.astimezone(UTC).strftime(TIMESTAMP)


def real_url(original: str, origin: str) -> str:
    """The source URL a captured ``original`` stands for: the source's ``origin`` and the path, no slash at the end.

    ``http://mindstudio.ai:80/models/x/?ref=1`` on origin ``https://www.mindstudio.ai`` is
    ``https://www.mindstudio.ai/models/x`` (the query is the crawler's, not the source's).
    """
    path = urlsplit(original).path
    if len(path) > 1:
        path = path.rstrip("/")
    return f"{origin}{path or '/'}"
