"""Crawl and fetch: a source's seeds and the URLs they link to, fetched politely and archived raw."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from extractors.registry import follows_link, payload_kind_for, source_specs
from extractors.spec import SourceSpec
from flows.pipeline.base import LOADABLE_STATUSES, Archived, ImportInputError, Known, utc_now
from flows.settings import Settings
from transforms.records import ParseError
from warehouse.archive import ArchivedPayload, archive_payloads, read_body, sha256_hex

if TYPE_CHECKING:  # the HTTP client (httpx, tenacity, ...) is imported by a fetch, not by an import of files
    from extractors.http import Fetched, Fetcher

Clock = Callable[[], datetime]
Progress = Callable[[int, int], None]
MAX_LINK_DEPTH = 3  # seed -> links -> their links: enough for a sitemap index


def runnable_sources(settings: Settings, sources: Sequence[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """The sources a sync can fetch, and those it skips with the reason (a key it needs is not set)."""
    runnable, skipped = [], []
    for source_id in sources:
        spec = source_specs()[source_id]
        if spec.requires_api_key and not _api_key(settings, spec):
            skipped.append((source_id, f"skipped: set {spec.api_key_variable} to fetch it"))
        else:
            runnable.append(source_id)
    return runnable, skipped


def _api_key(settings: Settings, spec: SourceSpec) -> str | None:
    """The source's API key, when its variable is set."""
    return settings.api_keys.get(spec.api_key_variable) if spec.api_key_variable else None


def fetch_and_archive(
    settings: Settings,
    source_id: str,
    known: dict[str, Known],
    clock: Clock = utc_now,
    progress: Progress | None = None,
    *,
    run_id: str | None = None,
) -> Archived:
    """Fetch a source's seed URLs, archive them (as ``run_id``'s), then fetch and archive the URLs they link to."""
    spec = source_specs()[source_id]
    return asyncio.run(_fetch_and_archive(settings, spec, known, clock, progress, run_id=run_id))


async def _fetch_and_archive(
    settings: Settings,
    spec: SourceSpec,
    known: dict[str, Known],
    clock: Clock,
    progress: Progress | None,
    *,
    run_id: str | None,
) -> Archived:
    from extractors.http import Fetcher

    routes = {spec.origin: settings.base_urls[spec.id]} if spec.id in settings.base_urls else {}
    key = _api_key(settings, spec)
    headers = {spec.api_key_header: spec.api_key_prefix + key} if key and spec.api_key_header else {}
    policy = settings.policy(spec.id, spec.policy)
    archived: list[ArchivedPayload] = []
    async with Fetcher({spec.origin: policy}, routes=routes, headers=headers, clock=clock) as fetcher:
        crawl = _Crawl(settings, spec, known, fetcher, progress, run_id)
        # Seeds first, then the URLs they link to, level by level (a sitemap index -> sitemaps -> pages).
        seen = set(spec.seeds)
        level = await crawl.fetch_level(spec.seeds)
        archived.extend(level)
        for _ in range(MAX_LINK_DEPTH):
            links = crawl.collect_links(level, seen)
            if not links:
                break
            seen.update(links)
            level = await crawl.fetch_level(list(dict.fromkeys(links)))
            archived.extend(level)
    return Archived(tuple(archived), tuple(crawl.failures), crawl.fetch_s, crawl.archive_s)


@dataclass
class _Crawl:
    """One source's crawl: fetches and archives URLs, gathering failures and the seconds spent."""

    settings: Settings
    spec: SourceSpec
    known: dict[str, Known]
    fetcher: Fetcher
    progress: Progress | None
    run_id: str | None
    failures: list[tuple[str, str]] = field(default_factory=list)
    fetch_s: float = 0.0
    archive_s: float = 0.0

    async def fetch_level(self, urls: Sequence[str]) -> list[ArchivedPayload]:
        """Fetch ``urls`` concurrently, then archive what came back; returns the archived payloads."""
        started = time.perf_counter()
        results = await self.fetch_urls(urls)
        self.fetch_s += time.perf_counter() - started
        started = time.perf_counter()
        stored = archive_payloads(self.settings.raw_dir, self.keep_archivable(results))
        self.archive_s += time.perf_counter() - started
        return stored

    async def fetch_urls(self, urls: Sequence[str]) -> list[Fetched | None]:
        """Fetch ``urls`` concurrently, reporting progress; None (and a failure) for each that fails."""
        from extractors.http import FetchError

        done = 0

        async def one(url: str) -> Fetched | None:
            nonlocal done
            try:
                return await self.fetcher.get(url, self.known[url].validators if url in self.known else None)
            except FetchError as e:
                self.failures.append((e.url, e.reason))
                return None
            finally:
                done += 1
                if self.progress:
                    self.progress(done, len(urls))

        return await asyncio.gather(*(one(u) for u in urls))

    def keep_archivable(self, results: Sequence[Fetched | None]) -> list[tuple[ArchivedPayload, bytes | None]]:
        """Archive items for the fetched results; a 304 for a body the archive lacks is a failure instead."""
        items = []
        for fetched in results:
            if fetched is None:
                continue
            item = _archive_item(self.spec.id, fetched, self.known.get(fetched.url), self.run_id)
            if item is None:
                self.failures.append((fetched.url, "HTTP 304 for a body the archive does not hold"))
            else:
                items.append(item)
        return items

    def collect_links(self, level: Sequence[ArchivedPayload], seen: set[str]) -> list[str]:
        """The unseen URLs ``level`` links to; links off the source are marked seen and reported, not returned."""
        links: list[str] = []
        for payload in level:
            kind = payload_kind_for(payload.url)[1]
            if payload.status in LOADABLE_STATUSES and kind.yields_links:
                with suppress(ParseError):  # the parse phase quarantines this payload and says why
                    body = read_body(self.settings.raw_dir, payload.sha256)
                    for url in kind.parse_payload(body, payload.url).links:
                        if url in seen:
                            continue
                        if not follows_link(self.spec, url):  # only the source's own URLs, never another host
                            seen.add(url)
                            self.failures.append(
                                (url, f"not fetched: not a {self.spec.id} URL (linked from {payload.url})")
                            )
                            continue
                        links.append(url)
        return links


def _archive_item(
    source: str, fetched: Fetched, known: Known | None, run_id: str | None
) -> tuple[ArchivedPayload, bytes | None] | None:
    if fetched.status == 304:
        if known is None:
            return None
        payload = ArchivedPayload(source, fetched.url, fetched.fetched_at, 304, known.sha256, known.bytes,
                                  fetched.content_type, fetched.etag or known.validators.etag,
                                  fetched.last_modified or known.validators.last_modified, "live", run_id)  # fmt: skip
        return payload, None
    body = fetched.body
    payload = ArchivedPayload(source, fetched.url, fetched.fetched_at, fetched.status, sha256_hex(body), len(body),
                              fetched.content_type, fetched.etag, fetched.last_modified, "live", run_id)  # fmt: skip
    return payload, fetched.body


def payload_files(
    files: Sequence[tuple[Path, str, datetime]], run_id: str | None = None
) -> list[tuple[ArchivedPayload, bytes]]:
    """Local payload files read as if fetched from their URLs at their times (origin ``import``), not yet archived."""
    items = []
    for path, url, fetched_at in files:
        spec, _ = payload_kind_for(url)
        try:
            body = path.read_bytes()
        except OSError as e:
            raise ImportInputError(f"{path}: cannot read ({e.strerror})") from None
        content_type = "application/json" if path.suffix == ".json" else None
        payload = ArchivedPayload(spec.id, url, fetched_at, 200, sha256_hex(body), len(body),
                                  content_type, None, None, "import", run_id)  # fmt: skip
        items.append((payload, body))
    return items


def archive_items(settings: Settings, items: Sequence[tuple[ArchivedPayload, bytes | None]]) -> Archived:
    """Archive payloads with their bodies; returns them with the seconds spent."""
    started = time.perf_counter()
    stored = archive_payloads(settings.raw_dir, items)
    return Archived(tuple(stored), (), 0.0, time.perf_counter() - started)
