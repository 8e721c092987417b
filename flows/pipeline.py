"""The pipeline steps as plain functions; the Prefect flows in ``flows.sync`` wrap them.

fetch (polite) -> archive raw -> parse (pure) -> frames (validated) -> load (one transaction)
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

from extractors.http import Fetched, Fetcher, FetchError, Validators
from extractors.registry import SOURCES, follows_link, payload_kind_for
from extractors.spec import SourceSpec
from flows.settings import API_KEY_VARIABLES, Settings
from transforms.frames import arrow_backed, entity_frame
from transforms.hashing import row_hashes
from transforms.identity import Override, crosswalk, provider_crosswalk, read_overrides
from transforms.records import Listing, ParseError, Record
from warehouse import db, history
from warehouse.archive import ArchivedPayload, archive_payloads, object_path, read_body, read_index, sha256_hex
from warehouse.history import ENTITIES, MEASUREMENTS, KeyChanges, LoadBatch, LoadCounts, Resolver, RunRecord

Clock = Callable[[], datetime]
Progress = Callable[[int, int], None]
LOADABLE_STATUSES = (200, 304)
GONE_STATUSES = (404, 410)
EXIT_CODES = {"ok": 0, "failed": 1, "partial": 3}
LOAD_WAIT_S = 60.0
QUARANTINE_ALLOWANCE = 5  # a few bad rows never sink a run, whatever the fraction
OVERRIDES_FILE = "identity_overrides.csv"
PROVIDER_OVERRIDES_FILE = "provider_overrides.csv"
MAX_LINK_DEPTH = 3  # seed -> links -> their links: enough for a sitemap index


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Known:
    """What the warehouse last archived for a URL: validators for a conditional GET and the body's sha."""

    validators: Validators
    sha256: str
    bytes: int


@dataclass(frozen=True)
class Archived:
    """Payloads of one phase now in the archive, the URLs that failed, and seconds spent."""

    payloads: tuple[ArchivedPayload, ...] = ()
    failures: tuple[tuple[str, str], ...] = ()
    fetch_s: float = 0.0
    archive_s: float = 0.0


def merged(parts: Sequence[Archived]) -> Archived:
    """One ``Archived`` for a run's sources: payloads and failures in order, seconds summed."""
    return Archived(
        payloads=tuple(p for part in parts for p in part.payloads),
        failures=tuple(f for part in parts for f in part.failures),
        fetch_s=sum(part.fetch_s for part in parts),
        archive_s=sum(part.archive_s for part in parts),
    )


@dataclass(frozen=True)
class Recovered:
    """A run a dead process left ``running``, finished by a later run: what it had archived, loaded under its id."""

    run_id: str
    status: str  # ``partial`` when its payloads landed, else ``failed``
    payloads: int  # how many it had archived that no run had loaded


@dataclass(frozen=True)
class Started:
    """A run recorded as ``running``: validators for conditional GETs, and the interrupted runs it finished first."""

    known: dict[str, Known]
    recovered: tuple[Recovered, ...] = ()


@dataclass(frozen=True)
class RunResult:
    """How a run ended, for the CLI and the scheduler."""

    run_id: str
    status: str
    counts: LoadCounts = field(default_factory=LoadCounts)
    failed_urls: tuple[tuple[str, str], ...] = ()
    error: str | None = None
    skipped: tuple[tuple[str, str], ...] = ()  # (source, why) for sources this run did not fetch
    recovered: tuple[Recovered, ...] = ()  # interrupted runs this run finished before its own work

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]


def new_run(kind: str, sources: Iterable[str], now: datetime) -> RunRecord:
    """A run record with a fresh id, not yet started."""
    return RunRecord(run_id=f"{kind}-{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}", kind=kind,
                     started_at=now, sources=tuple(sources))  # fmt: skip


def start_run(settings: Settings, run: RunRecord) -> Started:
    """Finish interrupted runs, then record this one as ``running``; returns validators for conditional GETs.

    Call it holding the warehouse lock (every writer does): see ``recover_interrupted``.
    """
    recovered: tuple[Recovered, ...] = ()
    con = db.open_for_write(settings.warehouse, run.started_at, hooks=MIGRATION_HOOKS)
    try:
        if con.execute(history.INTERRUPTED_RUNS).fetchall():  # rare: a process died mid-run
            con.close()  # recovery loads through connections of its own
            recovered = recover_interrupted(settings, run.run_id)
            con = db.open_for_write(settings.warehouse, run.started_at, hooks=MIGRATION_HOOKS)
        history.record_run_start(con, run)
        rows = con.execute(
            """
            SELECT url, arg_max(etag, fetched_at), arg_max(last_modified, fetched_at),
                   arg_max(sha256, fetched_at), arg_max(bytes, fetched_at)
            FROM payloads WHERE status = 200 GROUP BY url
            """
        ).fetchall()
    finally:
        con.close()
    known = {
        url: Known(Validators(etag, modified), sha, size)
        for url, etag, modified, sha, size in rows
        if (etag or modified) and object_path(settings.raw_dir, sha).exists()
    }
    return Started(known, recovered)


def recover_interrupted(settings: Settings, by_run_id: str) -> tuple[Recovered, ...]:
    """Finish the runs a dead process left ``running``: load what each had archived, under its own id, once.

    Every writer holds the warehouse lock, so a run still ``running`` when a writer starts
    belongs to a process that died (SIGKILL, power cut, SIGTERM mid-sync). Each is first
    closed as ``failed``, committed, so a process that dies while recovering is never
    retried forever; then the payloads the index names as its own and no run has loaded
    are parsed and loaded in a transaction of their own, and the run ends ``partial``
    (or ``failed``) with an ``interrupted: ...`` error. The caller's own data is not in
    that transaction, so a bad recovered payload never holds it back.
    """
    if not settings.warehouse.exists():
        return ()
    con = db.open_for_write(settings.warehouse, utc_now(), hooks=MIGRATION_HOOKS)
    try:
        dead = [RunRecord(run_id, kind, started_at.astimezone(UTC), tuple(sources or ()))
                for run_id, kind, started_at, sources in con.execute(history.INTERRUPTED_RUNS).fetchall()]  # fmt: skip
        if not dead:
            return ()
        history.close_interrupted(con, [r.run_id for r in dead], f"{INTERRUPTED}; run {by_run_id} took it over")
        loaded = {(url, at.astimezone(UTC), sha) for url, at, sha in con.execute(LOADED_PAYLOADS).fetchall()}
    finally:
        con.close()
    ids = {r.run_id for r in dead}
    # An unreadable line is skipped here: it must not stop every later writer from starting.
    left = [p for p in read_index(settings.raw_dir, skip_bad=True)
            if p.run_id in ids and (p.url, p.fetched_at, p.sha256) not in loaded] \
        if (settings.raw_dir / "index.jsonl").exists() else []  # fmt: skip
    recovered = []
    for run in dead:
        payloads = [p for p in left if p.run_id == run.run_id]
        if not payloads:
            recovered.append(Recovered(run.run_id, "failed", 0))
            continue
        parsed = parse_archived(settings, run, payloads, utc_now())
        result = load_parsed(settings, run, Archived(tuple(payloads)), parsed, utc_now(), interrupted_by=by_run_id)
        recovered.append(Recovered(run.run_id, result.status, len(payloads)))
    return tuple(recovered)


INTERRUPTED = "interrupted: the process stopped before this run finished"


def rehash_attributes(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute every stored ``attr_hash`` with the current hash (name-keyed, NULLs left out).

    Runs in migration 003's transaction: warehouses built before it hashed a positional
    list, and a new observation must hash like the stored ones or it would look changed.
    Equal values hash equal under both, so versions keep their boundaries.
    """
    for spec in ENTITIES.values():
        for table in (spec.observations, spec.versions):
            deleted = "is_deleted" if table == spec.versions else "false"
            frame = con.execute(
                f"SELECT rowid AS row_id, {', '.join(spec.attributes)} FROM {table} WHERE NOT {deleted}"
            ).df()
            if frame.empty:
                continue
            fresh = pd.DataFrame({"row_id": frame["row_id"], "attr_hash": row_hashes(frame, spec.attributes)})
            con.register("fresh", fresh)
            try:
                con.execute(f"UPDATE {table} t SET attr_hash = f.attr_hash FROM fresh f WHERE t.rowid = f.row_id")
            finally:
                con.unregister("fresh")


MIGRATION_HOOKS: Mapping[int, db.Hook] = {3: rehash_attributes}
"""Data steps that run inside a migration's transaction."""


def identity_resolver() -> Resolver:
    """The crosswalk rules with the reviewed overrides file shipped in ``transforms/identity_overrides.csv``."""
    overrides = _overrides(OVERRIDES_FILE, "source_key", "model_id")
    return lambda facts: crosswalk(facts, overrides)


@functools.cache
def identity_rules_version() -> str:
    """A hash of the crosswalk's rules (``transforms/identity.py``) and overrides: a new one re-resolves every key."""
    files = resources.files("transforms")
    digest = hashlib.sha256()
    for name in ("identity.py", OVERRIDES_FILE):
        digest.update(files.joinpath(name).read_bytes())
    return digest.hexdigest()[:16]


def provider_resolver() -> Resolver:
    """The provider rules with the reviewed ``transforms/provider_overrides.csv``."""
    overrides = _overrides(PROVIDER_OVERRIDES_FILE, "provider_key", "provider_id")
    return lambda keys: provider_crosswalk(keys, overrides)


def _overrides(name: str, key_column: str, id_column: str) -> list[Override]:
    text = resources.files("transforms").joinpath(name).read_text(encoding="utf-8")
    try:
        return read_overrides(text, key_column, id_column)
    except ValueError as e:
        raise ImportInputError(f"transforms/{name}: {e}") from None


def runnable_sources(settings: Settings, sources: Sequence[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """The sources a sync can fetch, and those it skips with the reason (a key it needs is not set)."""
    runnable, skipped = [], []
    for source_id in sources:
        spec = SOURCES[source_id]
        if spec.requires_api_key and source_id not in settings.api_keys:
            skipped.append((source_id, f"skipped: set {API_KEY_VARIABLES[source_id]} to fetch it"))
        else:
            runnable.append(source_id)
    return runnable, skipped


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
    spec = SOURCES[source_id]
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
    routes = {spec.origin: settings.base_urls[spec.id]} if spec.id in settings.base_urls else {}
    key = settings.api_keys.get(spec.id)
    headers = {spec.api_key_header: spec.api_key_prefix + key} if key and spec.api_key_header else {}
    policy = settings.policy(spec.id, spec.policy)
    archived: list[ArchivedPayload] = []
    failures: list[tuple[str, str]] = []
    timings = {"fetch": 0.0, "archive": 0.0}
    async with Fetcher({spec.origin: policy}, routes=routes, headers=headers, clock=clock) as fetcher:

        async def fetch_all(urls: Sequence[str]) -> list[ArchivedPayload]:
            started = time.perf_counter()
            done = 0

            async def one(url: str) -> Fetched | None:
                nonlocal done
                try:
                    return await fetcher.get(url, known[url].validators if url in known else None)
                except FetchError as e:
                    failures.append((e.url, e.reason))
                    return None
                finally:
                    done += 1
                    if progress:
                        progress(done, len(urls))

            results = await asyncio.gather(*(one(u) for u in urls))
            timings["fetch"] += time.perf_counter() - started
            started = time.perf_counter()
            items = []
            for fetched in results:
                if fetched is None:
                    continue
                item = _archive_item(spec.id, fetched, known.get(fetched.url), run_id)
                if item is None:
                    failures.append((fetched.url, "HTTP 304 for a body the archive does not hold"))
                else:
                    items.append(item)
            stored = archive_payloads(settings.raw_dir, items)
            timings["archive"] += time.perf_counter() - started
            return stored

        # Seeds first, then the URLs they link to, level by level (a sitemap index -> sitemaps -> pages).
        seen = set(spec.seeds)
        level = await fetch_all(spec.seeds)
        archived.extend(level)
        for _ in range(MAX_LINK_DEPTH):
            links: list[str] = []
            for payload in level:
                kind = payload_kind_for(payload.url)[1]
                if payload.status in LOADABLE_STATUSES and kind.yields_links:
                    with suppress(ParseError):  # the parse phase quarantines this payload and says why
                        body = read_body(settings.raw_dir, payload.sha256)
                        for url in kind.parse_payload(body, payload.url).links:
                            if url in seen:
                                continue
                            if not follows_link(spec, url):  # only the source's own URLs, never another host
                                seen.add(url)
                                failures.append((url, f"not fetched: not a {spec.id} URL (linked from {payload.url})"))
                                continue
                            links.append(url)
            if not links:
                break
            seen.update(links)
            level = await fetch_all(list(dict.fromkeys(links)))
            archived.extend(level)
    return Archived(tuple(archived), tuple(failures), timings["fetch"], timings["archive"])


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


LOADED_PAYLOADS = "SELECT url, fetched_at, sha256 FROM payloads"
BACKFILL_CHUNK_MAX = 5000  # payloads per backfill run at most: a date with more loads as several runs
PayloadT = TypeVar("PayloadT")


def loaded_payloads(settings: Settings) -> set[tuple[str, datetime, str]]:
    """``(url, fetched_at, sha256)`` of every payload the warehouse has loaded (read-only; empty without one)."""
    if not settings.warehouse.exists():
        return set()
    con = db.open_for_read(settings.warehouse)
    try:
        rows = con.execute(LOADED_PAYLOADS).fetchall()
    except duckdb.CatalogException:  # a file no load has migrated yet
        return set()
    finally:
        con.close()
    return {(url, fetched_at.astimezone(UTC), sha) for url, fetched_at, sha in rows}


def replay_payloads(
    settings: Settings,
    raw_dir: Path,
    since: datetime | None = None,
    until: datetime | None = None,
    sources: Sequence[str] = (),
    *,
    reload: bool = False,
) -> tuple[list[ArchivedPayload], int]:
    """Payloads of ``raw_dir`` in ``[since, until)`` to replay, oldest first, and how many were skipped as loaded.

    A payload the warehouse has loaded (same URL, time and sha256) is skipped unless ``reload``:
    that is what makes a stopped backfill resume where it stopped.
    """
    chosen = [
        p
        for p in read_index(raw_dir)
        if (since is None or p.fetched_at >= since)
        and (until is None or p.fetched_at < until)
        and (not sources or p.source in sources)
    ]
    chosen.sort(key=lambda p: (p.fetched_at, p.url))
    # The same fetch listed twice (an index replayed into itself) is one payload.
    unique = list({(p.url, p.fetched_at, p.sha256, p.status): p for p in chosen}.values())
    if reload:
        return unique, 0
    loaded = loaded_payloads(settings)
    fresh = [p for p in unique if (p.url, p.fetched_at, p.sha256) not in loaded]
    return fresh, len(unique) - len(fresh)


def adopt_payloads(
    settings: Settings, raw_dir: Path, payloads: Sequence[ArchivedPayload], run_id: str | None = None
) -> Archived:
    """``payloads`` of ``raw_dir`` as part of this warehouse's archive (copied when elsewhere: bodies once each).

    Copied index lines name ``run_id``, the run that adopts them, as the run that archived them here.
    """
    started = time.perf_counter()
    if raw_dir.resolve() != settings.raw_dir.resolve():
        ours = set()
        if (settings.raw_dir / "index.jsonl").exists():
            ours = {(p.url, p.fetched_at, p.sha256, p.status) for p in read_index(settings.raw_dir)}
        # Raw first: the payloads become part of this warehouse's archive (bodies once each) before parsing.
        new = [replace(p, run_id=run_id) for p in payloads if (p.url, p.fetched_at, p.sha256, p.status) not in ours]
        bodies: dict[str, bytes | None] = {
            p.sha256: None for p in new if not object_path(settings.raw_dir, p.sha256).exists()
        }
        items: list[tuple[ArchivedPayload, bytes | None]] = []
        for payload in new:
            if payload.sha256 in bodies and bodies[payload.sha256] is None:
                bodies[payload.sha256] = read_body(raw_dir, payload.sha256)
                items.append((payload, bodies[payload.sha256]))
            else:
                items.append((payload, None))
        archive_payloads(settings.raw_dir, items)
    return Archived(tuple(payloads), (), 0.0, time.perf_counter() - started)


def backfill_chunks(
    items: Sequence[PayloadT], fetched_at: Callable[[PayloadT], datetime], limit: int = BACKFILL_CHUNK_MAX
) -> list[tuple[str, list[PayloadT]]]:
    """Items grouped by the UTC date they were fetched (captured), oldest first: ``(label, items)``.

    Each group is one backfill run. A date with more than ``limit`` items is split into
    parts labelled ``2026-08-23#2``, ``#3``, ...
    """
    by_day: dict[str, list[PayloadT]] = {}
    for item in sorted(items, key=fetched_at):
        by_day.setdefault(f"{fetched_at(item).astimezone(UTC):%Y-%m-%d}", []).append(item)
    chunks = []
    for day, group in by_day.items():
        parts = [group[n : n + limit] for n in range(0, len(group), limit)]
        chunks += [(day if n == 0 else f"{day}#{n + 1}", part) for n, part in enumerate(parts)]
    return chunks


def chunk_run(base_id: str, label: str, sources: Iterable[str], now: datetime) -> RunRecord:
    """The run of one backfill chunk: ``<base id>-<yyyymmdd>[-<part>]``, or the base id for a chunk with no date."""
    suffix = label.replace("-", "").replace("#", "-")
    return RunRecord(run_id=f"{base_id}-{suffix}" if suffix else base_id, kind="backfill",
                     started_at=now, sources=tuple(sources))  # fmt: skip


def load_chunk(settings: Settings, run: RunRecord, archived: Archived) -> RunResult:
    """One backfill chunk as one run: recorded, parsed, then loaded in one transaction."""
    started = start_run(settings, run)
    parsed = parse_archived(settings, run, archived.payloads, utc_now())
    return replace(load_parsed(settings, run, archived, parsed, utc_now()), recovered=started.recovered)


def combined_result(run_id: str, results: Sequence[RunResult]) -> RunResult:
    """One result for a backfill's runs: counts summed, failures joined.

    ``ok`` when every run was; ``partial`` when some data landed despite a failure; else ``failed``.
    ``unmatched`` is the crosswalk's after the last run that landed.
    """
    statuses = {r.status for r in results}
    status = "ok" if statuses <= {"ok"} else "partial" if statuses & {"ok", "partial"} else "failed"
    keys: dict[str, KeyChanges] = {}
    for result in results:
        for entity, k in result.counts.keys.items():
            was = keys.get(entity, KeyChanges())
            keys[entity] = KeyChanges(was.new + k.new, was.changed + k.changed, was.retired + k.retired,
                                      was.unchanged + k.unchanged)  # fmt: skip
    counts = LoadCounts(
        payloads=sum(r.counts.payloads for r in results),
        observations=sum(r.counts.observations for r in results),
        new_versions=sum(r.counts.new_versions for r in results),
        measurements=sum(r.counts.measurements for r in results),
        quarantined=sum(r.counts.quarantined for r in results),
        keys=keys,
        unmatched=next((r.counts.unmatched for r in reversed(results) if r.status != "failed"), ()),
        incomplete=tuple(listing for r in results for listing in r.counts.incomplete),
    )
    failed_urls = tuple(f for r in results for f in r.failed_urls)
    failed = [f"{r.run_id}: {r.error}" for r in results if r.status == "failed" and r.error]
    error = "; ".join(failed) if failed else next((r.error for r in results if r.error), None)
    recovered = tuple(run for r in results for run in r.recovered)
    return RunResult(run_id, status, counts, failed_urls, error, recovered=recovered)


class ImportInputError(ValueError):
    """An import names a file or URL that cannot be used."""


@dataclass(frozen=True)
class ParsedRun:
    """Everything parsed from a run's payloads, ready to load."""

    batch: LoadBatch
    failures: tuple[tuple[str, str], ...]
    parse_s: float
    rows: int = 0
    rows_quarantined: int = 0

    def too_many_quarantined(self, max_fraction: float) -> bool:
        """More rows failed their schema than a healthy run has: likely a layout change, not bad rows."""
        return self.rows_quarantined > max(QUARANTINE_ALLOWANCE, max_fraction * self.rows)

    def without_data(self) -> ParsedRun:
        """This run with only its quarantine records: what lands when the data must not.

        Its payloads are not recorded as loaded either (they stay in the archive), so a
        backfill that resumes, or a later one with a higher threshold, loads them.
        """
        batch = replace(
            self.batch, payloads=self.batch.payloads.iloc[0:0], observations={}, snapshots=None, measurements={}
        )
        return replace(self, batch=batch)


def merged_parsed(parts: Sequence[ParsedRun]) -> ParsedRun:
    """One ``ParsedRun`` from runs parsed apart (a run's sources, parsed in parallel): frames concatenated.

    Sources share no URLs, so parsing them apart gives the rows parsing them together does.
    """
    if len(parts) == 1:
        return parts[0]
    first = parts[0].batch

    def concat(frames: Sequence[pd.DataFrame | None]) -> pd.DataFrame | None:
        present = [f for f in frames if f is not None and not f.empty]
        return pd.concat(present, ignore_index=True) if present else None

    def by_name(maps: Sequence[Mapping[str, pd.DataFrame]], backed: bool) -> dict[str, pd.DataFrame]:
        joined = {name: concat([m.get(name) for m in maps]) for name in dict.fromkeys(n for m in maps for n in m)}
        # Arrow types differ between parts (a decimal's precision): settled again on the whole.
        return {name: arrow_backed(f) if backed else f for name, f in joined.items() if f is not None}

    batches = [p.batch for p in parts]
    payloads = concat([b.payloads for b in batches])
    snapshots = concat([b.snapshots for b in batches])
    batch = replace(
        first,
        payloads=first.payloads if payloads is None else payloads,
        observations=by_name([b.observations for b in batches], backed=True),
        snapshots=first.snapshots if snapshots is None else snapshots,
        measurements=by_name([b.measurements for b in batches], backed=False),
        quarantine=concat([b.quarantine for b in batches]),
    )
    return ParsedRun(
        batch,
        tuple(f for p in parts for f in p.failures),
        sum(p.parse_s for p in parts),
        sum(p.rows for p in parts),
        sum(p.rows_quarantined for p in parts),
    )


def parse_archived(
    settings: Settings,
    run: RunRecord,
    payloads: Sequence[ArchivedPayload],
    recorded_at: datetime,
    bodies: Mapping[str, bytes] | None = None,
) -> ParsedRun:
    """Parse archived payloads into validated frames; bad payloads and rows go to quarantine.

    Bodies are read from the archive unless ``bodies`` (sha256 -> body) already holds them.
    """
    started = time.perf_counter()
    records: dict[str, list[Record]] = {}
    listings: list[tuple[ArchivedPayload, Listing]] = []
    quarantine: list[dict[str, object]] = []
    failures: list[tuple[str, str]] = []
    bodies = dict(bodies or {})
    incomplete: dict[tuple[str, str], str] = {}  # (entity, payload sha) -> why its listing is not complete
    refused_rows = 0  # rows refused while parsing (the schema's rejects are counted below)
    # The same fetch listed twice (a manifest naming a file twice, an index replayed twice) is one observation.
    payloads = list({(p.url, p.fetched_at, p.sha256, p.status): p for p in payloads}.values())

    def refuse(payload: ArchivedPayload, reason: str, entity: str | None = None, row_key: str | None = None) -> None:
        quarantine.append({"run_id": run.run_id, "source": payload.source, "url": payload.url,
                           "fetched_at": payload.fetched_at, "sha256": payload.sha256, "entity": entity,
                           "row_key": row_key, "reason": reason, "recorded_at": recorded_at})  # fmt: skip
        failures.append((payload.url, reason if row_key is None else f"{payload.source} {entity} {row_key}: {reason}"))

    for payload in payloads:
        kind = payload_kind_for(payload.url)[1]
        if payload.status in GONE_STATUSES and kind.gone is not None:
            parsed = kind.gone(payload.url)  # what a 404/410 proves: positive evidence, loaded like a payload
        elif payload.status not in LOADABLE_STATUSES:
            failures.append((payload.url, f"HTTP {payload.status}"))
            continue
        else:
            try:
                if payload.sha256 not in bodies:
                    bodies[payload.sha256] = read_body(settings.raw_dir, payload.sha256)
                parsed = kind.parse_payload(bodies[payload.sha256], payload.url)
            except ParseError as e:
                served = payload.content_type
                # A JSON API answering with an HTML page (a challenge, a login wall) says so here.
                mismatch = f" (served as {served}, not {kind.media})" if served and kind.media not in served else ""
                refuse(payload, f"{payload.source} payload does not parse: {e}{mismatch}")
                continue
        for entity, rows in parsed.records.items():
            origin = {"observed_at": payload.fetched_at, "payload_sha256": payload.sha256}
            records.setdefault(entity, []).extend({**row, **origin} for row in rows)
        listings.extend((payload, listing) for listing in parsed.listings)
        for error in parsed.rejected:
            refuse(payload, error.reason, error.entity, error.row_key)
            incomplete[(error.entity, payload.sha256)] = f"{error.entity} rows were quarantined"
            refused_rows += 1

    frames: dict[str, pd.DataFrame] = {}
    fetches = {(p.sha256, p.fetched_at): p for p in payloads}  # one body fetched twice is two fetches
    for entity, rows in records.items():
        frame, rejected = entity_frame(entity, rows)
        frames[entity] = frame
        for reject in rejected:
            payload = fetches[(reject.payload_sha256, reject.observed_at)]
            refuse(payload, reject.reason, entity, reject.row_key)
            incomplete[(entity, payload.sha256)] = f"{entity} rows were quarantined"

    meta: dict[str, Any] = {"recorded_at": recorded_at, "run_id": run.run_id}
    observations = {}
    for name, spec in ENTITIES.items():
        if name in frames:
            frame = frames[name].assign(attr_hash=row_hashes(frames[name], spec.attributes), **meta)
            observations[name] = arrow_backed(frame)
    measurements = {name: frames[name].assign(**meta) for name in MEASUREMENTS if name in frames}
    snapshots = pd.DataFrame(
        [
            {"entity": listing.entity, "source": payload.source, "scope": listing.scope,
             "observed_at": payload.fetched_at, "key_count": listing.key_count,
             "listed_complete": (listing.entity, payload.sha256) not in incomplete,
             "listed_reason": incomplete.get((listing.entity, payload.sha256)), "evidence": listing.evidence,
             "payload_sha256": payload.sha256, **meta}
            for payload, listing in listings
        ],
        columns=["entity", "source", "scope", "observed_at", "key_count", "listed_complete", "listed_reason",
                 "evidence", "payload_sha256", "run_id", "recorded_at"],
    )  # fmt: skip
    batch = LoadBatch(
        run=run,
        recorded_at=recorded_at,
        payloads=_payload_frame(settings.raw_dir, payloads, run.run_id),
        observations=observations,
        snapshots=snapshots,
        measurements=measurements,
        quarantine=pd.DataFrame(quarantine) if quarantine else None,
        resolve_identity=identity_resolver(),
        resolve_providers=provider_resolver(),
        identity_rules_version=identity_rules_version(),
    )
    total = sum(len(rows) for rows in records.values()) + refused_rows
    rejected_rows = sum(1 for q in quarantine if q["row_key"] is not None)
    return ParsedRun(batch, tuple(failures), time.perf_counter() - started, total, rejected_rows)


def _payload_frame(root: Path, payloads: Sequence[ArchivedPayload], run_id: str) -> pd.DataFrame:
    # run_id here is the run that loads the payload (the index line names the one that archived it).
    root = root.resolve()
    names = [f for f in ArchivedPayload.__dataclass_fields__ if f != "run_id"]
    rows = [{**{f: getattr(p, f) for f in names}, "path": str(object_path(root, p.sha256)), "run_id": run_id}
            for p in payloads]  # fmt: skip
    return pd.DataFrame(rows, columns=[*names, "path", "run_id"])


def load_parsed(
    settings: Settings,
    run: RunRecord,
    archived: Archived,
    parsed: ParsedRun,
    now: datetime,
    *,
    interrupted_by: str | None = None,
) -> RunResult:
    """Load a parsed run in one transaction and record how it ended (failed loads roll back whole).

    ``interrupted_by`` names the run finishing this one for a dead process: it cannot end ``ok``.
    """
    failures = (*archived.failures, *parsed.failures)
    error = None
    if parsed.too_many_quarantined(settings.max_quarantined_fraction):
        error = (
            f"{parsed.rows_quarantined} of {parsed.rows} rows failed validation (over the "
            f"{settings.max_quarantined_fraction:.0%} threshold): nothing loaded; see the quarantine table"
        )
        parsed = parsed.without_data()
    has_rows = any(not f.empty for f in parsed.batch.observations.values())
    status = run_status(failures, has_rows)
    error = error or (failures[0][1] if failures and not has_rows else None)
    if interrupted_by:
        status = "partial" if has_rows else "failed"
        held = len(archived.payloads)
        error = "; ".join(e for e in (f"{INTERRUPTED}; run {interrupted_by} loaded the {held} payloads it had "
                                      "archived", error) if e)  # fmt: skip
    finished = replace(run, status=status, finished_at=now, failed_urls=failures, fetch_s=archived.fetch_s,
                       archive_s=archived.archive_s, parse_s=parsed.parse_s, error=error)  # fmt: skip
    started = time.perf_counter()
    try:
        # Readers hold the file for seconds; after minutes of fetching, waiting a minute beats failing.
        con = db.open_for_write(settings.warehouse, now, wait_s=LOAD_WAIT_S, hooks=MIGRATION_HOOKS)
    except db.WarehouseError as e:
        return RunResult(run.run_id, "failed", failed_urls=failures, error=str(e))
    try:
        try:
            counts = history.load_batch(con, replace(parsed.batch, run=finished))
        except (history.InvariantError, duckdb.Error) as e:
            error = f"load rolled back, nothing landed: {str(e).splitlines()[0]}"
            if interrupted_by:
                error = f"{INTERRUPTED}; loading what it had archived failed: {error}"
            history.record_run_end(con, replace(finished, status="failed", error=error))
            return RunResult(run.run_id, "failed", failed_urls=failures, error=error)
        # The data has landed; load_s is a timing, so failing to record it must not mark the run failed.
        with suppress(duckdb.Error):
            con.execute("UPDATE runs SET load_s = ? WHERE run_id = ?", [time.perf_counter() - started, run.run_id])
    finally:
        con.close()
    return RunResult(run.run_id, finished.status, counts, failures, finished.error)


def run_status(failures: Sequence[tuple[str, str]], observations_loaded: bool) -> str:
    """``ok`` without failures; ``partial`` when some data landed despite them; else ``failed``."""
    if not failures:
        return "ok"
    return "partial" if observations_loaded else "failed"
