"""``modelsync backfill --wayback``: the Internet Archive's captures of the sources' URLs, archived and loaded.

list captures (CDX, paged; one query per 4 s by default) -> leave out those this archive holds or
the warehouse has loaded -> fetch the rest raw (``id_``) -> archive each under its source's real URL
with the capture time as ``fetched_at`` (origin ``wayback``) -> load them one capture date per run.

A source that declares a URL per model (OpenRouter's endpoints) has it looked up for every model
known: from the warehouse's model keys and from the model lists captured in the window, both as
``id`` and as ``canonical_slug``. A dry run lists only: it fetches no capture, so it knows models
from the warehouse and from model lists this archive already holds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime

import duckdb

from extractors.http import Fetcher, FetchError
from extractors.registry import UnknownURL, payload_kind_for, source_specs
from extractors.wayback import (
    CAPTURE_POLICY,
    CDX_POLICY,
    ORIGIN,
    Capture,
    Lookup,
    capture_timestamp,
    capture_url,
    cdx_url,
    model_lookups,
    parse_cdx,
    real_url,
    seed_lookups,
)
from flows.pipeline import Archived, loaded_payloads
from flows.progress import note
from flows.settings import WAYBACK_CAPTURES, WAYBACK_CDX, Settings
from transforms.records import ParseError
from warehouse import db, queries
from warehouse.archive import ArchivedPayload, ArchiveError, archive_payloads, read_body, read_index, sha256_hex

Progress = Callable[[int, int], None]
RATE_LIMITED = "the Internet Archive rate-limits this IP (HTTP 429); try later or lower MODELSYNC_WAYBACK_RATE"


@dataclass(frozen=True)
class Planned:
    """A capture to load: the real URL and time it is archived under, and where the archive serves it."""

    source: str
    url: str  # the source's real URL (https://openrouter.ai/...), never the archive's
    fetched_at: datetime  # the capture time
    capture_url: str  # https://web.archive.org/web/<timestamp>id_/<original>
    archived: ArchivedPayload | None = None  # set when this archive already holds the capture


@dataclass(frozen=True)
class WaybackPlan:
    """What a web-archive backfill will load, oldest first, and what listing it cost."""

    captures: tuple[Planned, ...] = ()
    failures: tuple[tuple[str, str], ...] = ()  # CDX queries (and model-list captures) that failed
    skipped: tuple[tuple[str, str], ...] = ()  # (source, why) for sources the archive cannot hold
    queries: int = 0
    already_loaded: int = 0


def plan_wayback(
    settings: Settings,
    sources: Sequence[str],
    since: datetime | None,
    until: datetime | None,
    *,
    reload: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> WaybackPlan:
    """List the captures of each source's URLs in ``[since, until)`` that the warehouse has not loaded.

    Model-list captures OpenRouter's endpoint lookups need are fetched and archived here, unless
    ``dry_run`` (then nothing is fetched but CDX answers, and nothing is written).
    """
    return asyncio.run(_plan(settings, sources, since, until, reload=reload, dry_run=dry_run, progress=progress))


async def _plan(
    settings: Settings,
    sources: Sequence[str],
    since: datetime | None,
    until: datetime | None,
    *,
    reload: bool,
    dry_run: bool,
    progress: Progress | None,
) -> WaybackPlan:
    held = _archived_fetches(settings)
    loaded = set() if reload else {(url, at) for url, at, _ in loaded_payloads(settings)}
    failures: list[tuple[str, str]] = []
    skipped: list[tuple[str, str]] = []
    planned: dict[tuple[str, datetime], Planned] = {}
    asked = [0, 0]  # CDX queries done, and known so far (OpenRouter's grow with the models found)

    async def listed(cdx: Fetcher, lookups: Sequence[Lookup]) -> list[Planned]:
        asked[1] += len(lookups)
        found: list[Planned] = []
        for lookup in lookups:
            if any(reason.startswith(RATE_LIMITED) for _, reason in failures):
                # The archive blocks an IP that goes on after its 429s (see extractors/wayback.py): stop asking.
                failures.append((cdx_url(lookup, since, until), f"{RATE_LIMITED}: not asked"))
                continue
            found += await _captures_of(cdx, lookup, since, until, held=held, failures=failures)
            asked[0] += 1
            if progress:
                progress(asked[0], asked[1])
        return found

    routes = {ORIGIN: settings.wayback_base_url} if settings.wayback_base_url else {}
    async with (
        Fetcher({ORIGIN: settings.policy(WAYBACK_CDX, CDX_POLICY)}, routes=routes) as cdx,
        Fetcher({ORIGIN: settings.policy(WAYBACK_CAPTURES, CAPTURE_POLICY)}, routes=routes) as fetcher,
    ):
        for source in sources:
            spec = source_specs()[source]
            if spec.web_archive.not_archived:
                skipped.append((source, f"skipped: {spec.web_archive.not_archived}"))
                continue
            before = asked[0]
            found = await listed(cdx, seed_lookups(spec))
            if spec.web_archive.per_model is not None:  # the model lists name the models to look up
                missing = [p for p in found if p.archived is None]
                if missing and dry_run:
                    note(f"wayback: {source}: dry run: {len(missing)} model lists not fetched, so only models "
                         "this warehouse and archive know are looked up")  # fmt: skip
                elif missing:
                    fetched, failed = await _fetch_and_archive(settings, fetcher, missing)
                    failures.extend(failed)
                    found = [p for p in found if p.archived is not None] + fetched
                keys = _warehouse_model_keys(settings, source) | _listed_model_keys(settings, found)
                found += await listed(cdx, model_lookups(spec, keys))
            new = {(p.url, p.fetched_at): p for p in found if (p.url, p.fetched_at) not in planned}
            planned.update(new)
            fresh = [p for p in new.values() if (p.url, p.fetched_at) not in loaded]
            to_fetch = sum(1 for p in fresh if p.archived is None)
            note(
                f"wayback: {source}: {len(new)} captures from {asked[0] - before} CDX queries; "
                f"{len(fresh)} to load ({to_fetch} to fetch), {len(new) - len(fresh)} loaded before"
            )
    captures = sorted(
        (p for key, p in planned.items() if key not in loaded), key=lambda p: (p.fetched_at, p.source, p.url)
    )
    return WaybackPlan(
        captures=tuple(captures),
        failures=tuple(failures),
        skipped=tuple(skipped),
        queries=asked[0],
        already_loaded=len(planned) - len(captures),
    )


async def _captures_of(
    cdx: Fetcher,
    lookup: Lookup,
    since: datetime | None,
    until: datetime | None,
    *,
    held: dict[tuple[str, datetime], ArchivedPayload],
    failures: list[tuple[str, str]],
) -> list[Planned]:
    """Every 200 capture CDX lists for ``lookup``, page after page, as planned loads under real URLs."""
    found: list[Planned] = []
    resume_key: str | None = None
    while True:
        url = cdx_url(lookup, since, until, resume_key)
        try:
            answer = await cdx.get(url)
        except FetchError as e:
            limited = e.reason.startswith("HTTP 429")
            failures.append((e.url, f"{RATE_LIMITED}: {e.reason}" if limited else f"CDX query failed: {e.reason}"))
            return found
        if answer.status != 200:
            failures.append((url, f"CDX query failed: HTTP {answer.status}"))
            return found
        try:
            page = parse_cdx(answer.body)
        except ParseError as e:
            failures.append((url, f"CDX answer does not parse: {e}"))
            return found
        found += [p for c in page.captures if (p := _planned(lookup, c, since, until, held)) is not None]
        if page.resume_key is None or page.resume_key == resume_key:
            return found
        resume_key = page.resume_key


def _planned(
    lookup: Lookup,
    capture: Capture,
    since: datetime | None,
    until: datetime | None,
    held: dict[tuple[str, datetime], ArchivedPayload],
) -> Planned | None:
    """The load a capture stands for, or None when it is outside the window or no page of the source."""
    at = capture.captured_at
    if (since is not None and at < since) or (until is not None and at >= until):
        return None
    if lookup.prefix:  # a prefix lists whatever lies under it: keep the source's own pages
        try:
            spec, _ = payload_kind_for(real_url(capture.original, _origin(lookup)))
        except UnknownURL:
            return None
        if spec.id != lookup.source:
            return None
        url = real_url(capture.original, spec.origin)
    else:
        url = lookup.url
    return Planned(lookup.source, url, at, capture_url(capture), held.get((url, at)))


def _origin(lookup: Lookup) -> str:
    scheme, rest = lookup.url.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}"


def fetch_captures(
    settings: Settings,
    planned: Sequence[Planned],
    progress: Callable[[int], None] | None = None,
    run_id: str | None = None,
) -> Archived:
    """The planned captures as archived payloads: those held as they are, the rest fetched and archived one by one."""
    return asyncio.run(_fetch_captures(settings, planned, progress, run_id))


async def _fetch_captures(
    settings: Settings, planned: Sequence[Planned], progress: Callable[[int], None] | None, run_id: str | None
) -> Archived:
    routes = {ORIGIN: settings.wayback_base_url} if settings.wayback_base_url else {}
    policy = settings.policy(WAYBACK_CAPTURES, CAPTURE_POLICY)
    started = time.perf_counter()
    async with Fetcher({ORIGIN: policy}, routes=routes) as fetcher:
        fetched, failures = await _fetch_and_archive(settings, fetcher, [p for p in planned if not p.archived],
                                                     progress, run_id)  # fmt: skip
    held = [p.archived for p in planned if p.archived]
    if progress:
        progress(len(held))
    payloads = sorted([*held, *(p.archived for p in fetched if p.archived)], key=lambda p: (p.fetched_at, p.url))
    return Archived(tuple(payloads), tuple(failures), time.perf_counter() - started, 0.0)


async def _fetch_and_archive(
    settings: Settings,
    fetcher: Fetcher,
    planned: Sequence[Planned],
    progress: Callable[[int], None] | None = None,
    run_id: str | None = None,
) -> tuple[list[Planned], list[tuple[str, str]]]:
    """Fetch captures and archive each as it arrives (a stop loses none that arrived); returns them archived."""
    done: list[Planned] = []
    failures: list[tuple[str, str]] = []

    async def one(item: Planned) -> None:
        try:
            answer = await fetcher.get(item.capture_url)
        except FetchError as e:
            failures.append((e.url, f"capture fetch failed: {e.reason}"))
            return
        finally:
            if progress:
                progress(1)
        if answer.status != 200:
            failures.append((item.capture_url, f"capture fetch failed: HTTP {answer.status}"))
            return
        served = capture_timestamp(answer.url)
        if served != capture_timestamp(item.capture_url):  # never archive a body under a time it was not captured
            failures.append((item.capture_url, f"the archive served the capture of {served} instead; not archived"))
            return
        payload = ArchivedPayload(item.source, item.url, item.fetched_at, 200, sha256_hex(answer.body),
                                  len(answer.body), answer.content_type, None, None, "wayback", run_id)  # fmt: skip
        archive_payloads(settings.raw_dir, [(payload, answer.body)])
        done.append(replace(item, archived=payload))

    await asyncio.gather(*(one(item) for item in planned))
    return done, failures


def _archived_fetches(settings: Settings) -> dict[tuple[str, datetime], ArchivedPayload]:
    """This archive's status-200 payloads by (real URL, fetched_at): captures it need not fetch again."""
    if not (settings.raw_dir / "index.jsonl").exists():
        return {}
    held: dict[tuple[str, datetime], ArchivedPayload] = {}
    for payload in read_index(settings.raw_dir):
        if payload.status == 200:
            held.setdefault((payload.url, payload.fetched_at), payload)
    return held


def _warehouse_model_keys(settings: Settings, source: str) -> set[str]:
    """A source's model ids and canonical slugs the warehouse knows (read-only; empty without a warehouse)."""
    if not settings.warehouse.exists():
        return set()
    con = db.open_for_read(settings.warehouse)
    try:
        return {row[0] for row in con.execute(queries.MODEL_KEYS, [source]).fetchall()}
    except duckdb.CatalogException:
        return set()
    finally:
        con.close()


def _listed_model_keys(settings: Settings, lists: Sequence[Planned]) -> set[str]:
    """Model ids and canonical slugs named by the archived model-list captures among ``lists``."""
    keys: set[str] = set()
    for item in lists:
        if item.archived is None:
            continue
        with suppress(ParseError, ArchiveError, UnknownURL):  # the load quarantines an unreadable list, says why
            kind = payload_kind_for(item.url)[1]
            parsed = kind.parse_payload(read_body(settings.raw_dir, item.archived.sha256), item.url)
            for record in parsed.records.get("model", []):
                keys.update(k for k in (record["model_id"], record.get("canonical_slug")) if k)
    return keys
