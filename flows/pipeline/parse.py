"""Parse archived payloads into validated frames (pure); bad payloads and rows go to the quarantine."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from extractors.registry import field_precedence, payload_kind_for
from extractors.spec import PayloadKind
from flows.pipeline.base import LOADABLE_STATUSES
from flows.pipeline.hooks import identity_resolver, identity_rules_version, provider_resolver
from flows.pipeline.trees import in_tree, parse_tree_payloads, whole_commits
from flows.settings import Settings
from transforms.drift import Drift, KnownFields, drift
from transforms.frames import Occurrence, arrow_backed, observed_frame
from transforms.records import Listing, Parsed, ParseError
from warehouse.archive import ArchivedPayload, object_path, read_body
from warehouse.history import ENTITIES, MEASUREMENTS, LoadBatch, RunRecord

GONE_STATUSES = (404, 410)
QUARANTINE_ALLOWANCE = 5  # a few bad rows never sink a run, whatever the fraction
DRIFT_COLUMNS = ["source", "payload_kind", "url", "path", "kind", "example", "payload_sha256", "observed_at",
                 "run_id", "recorded_at"]  # fmt: skip


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
        return too_many_quarantined(self.rows_quarantined, self.rows, max_fraction)

    def without_data(self) -> ParsedRun:
        """This run with only its quarantine records: what lands when the data must not.

        Its payloads are not recorded as loaded either (they stay in the archive), so a
        backfill that resumes, or a later one with a higher threshold, loads them.
        """
        batch = replace(
            self.batch, payloads=self.batch.payloads.iloc[0:0], observations={}, snapshots=None, measurements={}
        )
        return replace(self, batch=batch)


def too_many_quarantined(rows_quarantined: int, rows: int, max_fraction: float) -> bool:
    """Whether a run whose ``rows_quarantined`` of ``rows`` failed lands no data (a few bad rows never sink it)."""
    return rows_quarantined > max(QUARANTINE_ALLOWANCE, max_fraction * rows)


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
        drift=concat([b.drift for b in batches]),
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
    parsing = _Parsing(run, recorded_at)
    # The same fetch listed twice (a manifest naming a file twice, an index replayed twice) is one observation.
    payloads = list(
        {(p.url, p.fetched_at, p.sha256, p.status): p for p in whole_commits(settings.raw_dir, payloads)}.values()
    )
    _parse_payloads(settings, payloads, dict(bodies or {}), parsing)
    frames = _validate_records(parsing, payloads)
    meta: dict[str, Any] = {"recorded_at": recorded_at, "run_id": run.run_id}
    observations = _observations(frames, meta)
    measurements = {name: frames[name].assign(**meta) for name in MEASUREMENTS if name in frames}
    snapshots = _snapshots(parsing.listings, parsing.incomplete, meta)
    batch = LoadBatch(
        run=run,
        recorded_at=recorded_at,
        payloads=_payload_frame(settings.raw_dir, payloads, run.run_id),
        observations=observations,
        snapshots=snapshots,
        measurements=measurements,
        quarantine=pd.DataFrame(parsing.quarantine) if parsing.quarantine else None,
        drift=pd.DataFrame(parsing.drift, columns=DRIFT_COLUMNS) if parsing.drift else None,
        resolve_identity=identity_resolver(),
        resolve_providers=provider_resolver(),
        identity_rules_version=identity_rules_version(),
        field_precedence=tuple(field_precedence()),
        retire_after=settings.retire_after,
        suspect_rules=settings.suspect_rules,
    )
    return ParsedRun(
        batch, tuple(parsing.failures), time.perf_counter() - started, parsing.rows(), parsing.rows_quarantined()
    )


@dataclass
class _Parsing:
    """What parsing a run's payloads has gathered so far: records, listings, quarantine rows and failures."""

    run: RunRecord
    recorded_at: datetime
    records: dict[str, list[Occurrence]] = field(default_factory=dict)  # entity -> records, when and whence
    listings: list[tuple[ArchivedPayload, Listing]] = field(default_factory=list)
    quarantine: list[dict[str, object]] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    incomplete: dict[tuple[str, str], str] = field(default_factory=dict)  # (entity, payload sha) -> why not complete
    refused_rows: int = 0  # rows refused while parsing (the schema's rejects are counted from the quarantine)
    drift: list[dict[str, object]] = field(default_factory=list)  # rows of ``drift_observations``
    drifts: dict[tuple[str, str], Drift | None] = field(default_factory=dict)  # (sha256, payload kind) -> its drift

    def refuse(
        self, payload: ArchivedPayload, reason: str, entity: str | None = None, row_key: str | None = None
    ) -> None:
        """Quarantine a payload (or one of its rows) and report it as a failure."""
        self.quarantine.append({"run_id": self.run.run_id, "source": payload.source, "url": payload.url,
                                "fetched_at": payload.fetched_at, "sha256": payload.sha256, "entity": entity,
                                "row_key": row_key, "reason": reason, "recorded_at": self.recorded_at})  # fmt: skip
        reported = reason if row_key is None else f"{payload.source} {entity} {row_key}: {reason}"
        self.failures.append((payload.url, reported))

    def refuse_row(self, payload: ArchivedPayload, entity: str, row_key: str, reason: str) -> None:
        """Quarantine one row of a payload; the payload's listing of ``entity`` is then incomplete."""
        self.refuse(payload, reason, entity, row_key)
        self.incomplete[(entity, payload.sha256)] = f"{entity} rows were quarantined"

    def add(self, payload: ArchivedPayload, parsed: Parsed) -> None:
        """Gather what one payload parsed into: its records, its listings, and its refused rows."""
        for entity, rows in parsed.records.items():  # kept as given: a record object repeated is validated once
            self.records.setdefault(entity, []).extend((row, payload.fetched_at, payload.sha256) for row in rows)
        self.listings.extend((payload, listing) for listing in parsed.listings)
        for error in parsed.rejected:
            self.refuse_row(payload, error.entity, error.row_key, error.reason)
            self.refused_rows += 1

    def note_drift(self, payload: ArchivedPayload, kind: PayloadKind, body: bytes) -> None:
        """Record how a JSON payload's fields differ from those its kind's parser knows (``transforms.drift``)."""
        if kind.fields is None:
            return
        seen = (payload.sha256, kind.name)
        if seen not in self.drifts:  # one body fetched many times is compared once
            self.drifts[seen] = _drift_of(body, kind.fields)
        found = self.drifts[seen]
        if found is None:
            return
        where = {"source": payload.source, "payload_kind": kind.name, "url": payload.url,
                 "payload_sha256": payload.sha256, "observed_at": payload.fetched_at, "run_id": self.run.run_id,
                 "recorded_at": self.recorded_at}  # fmt: skip
        self.drift.extend({**where, "path": path, "kind": "new", "example": example} for path, example in found.new)
        self.drift.extend({**where, "path": path, "kind": "missing", "example": None} for path in found.missing)

    def rows(self) -> int:
        """Rows parsed, counting those refused while parsing."""
        return sum(len(rows) for rows in self.records.values()) + self.refused_rows

    def rows_quarantined(self) -> int:
        """Rows (not whole payloads) in the quarantine."""
        return sum(1 for q in self.quarantine if q["row_key"] is not None)


def _parse_payloads(
    settings: Settings, payloads: Sequence[ArchivedPayload], bodies: dict[str, bytes], parsing: _Parsing
) -> None:
    """Parse each payload into ``parsing``; those that cannot load are reported, those that do not parse refused.

    The files of a git tree are parsed together, commit by commit (``flows.pipeline.trees``).
    """
    tree = [p for p in payloads if in_tree(p.url)]
    for payload in payloads if not tree else [p for p in payloads if not in_tree(p.url)]:
        parsed = _parse_payload(settings, payload, bodies, parsing)
        if parsed is not None:
            parsing.add(payload, parsed)
    if tree:
        parse_tree_payloads(settings.raw_dir, tree, bodies, parsing.add, parsing.refuse)


def _parse_payload(
    settings: Settings, payload: ArchivedPayload, bodies: dict[str, bytes], parsing: _Parsing
) -> Parsed | None:
    """Parse one payload (reading its body into ``bodies``); None, reported in ``parsing``, when it cannot load."""
    kind = payload_kind_for(payload.url)[1]
    if payload.status in GONE_STATUSES and kind.gone is not None:
        return kind.gone(payload.url)  # what a 404/410 proves: positive evidence, loaded like a payload
    if payload.status not in LOADABLE_STATUSES:
        parsing.failures.append((payload.url, f"HTTP {payload.status}"))
        return None
    try:
        if payload.sha256 not in bodies:
            bodies[payload.sha256] = read_body(settings.raw_dir, payload.sha256)
        parsing.note_drift(payload, kind, bodies[payload.sha256])
        return kind.parse_payload(bodies[payload.sha256], payload.url)
    except ParseError as e:
        served = payload.content_type
        # A JSON API answering with an HTML page (a challenge, a login wall) says so here.
        mismatch = f" (served as {served}, not {kind.media})" if served and kind.media not in served else ""
        parsing.refuse(payload, f"{payload.source} payload does not parse: {e}{mismatch}")
        return None


def _drift_of(body: bytes, fields: KnownFields) -> Drift | None:
    """A JSON body's drift from ``fields``; None when it is not JSON (its parse says so, in the quarantine)."""
    try:
        return drift(json.loads(body), fields)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


def _validate_records(parsing: _Parsing, payloads: Sequence[ArchivedPayload]) -> dict[str, pd.DataFrame]:
    """Each entity's valid records as a typed frame; the rows its schema rejects are refused."""
    frames: dict[str, pd.DataFrame] = {}
    fetches = {(p.sha256, p.fetched_at): p for p in payloads}  # one body fetched twice is two fetches
    for entity, occurrences in parsing.records.items():
        spec = ENTITIES.get(entity)
        frame, rejected = observed_frame(entity, occurrences, None if spec is None else spec.attributes)
        frames[entity] = frame
        for reject in rejected:
            payload = fetches[(reject.payload_sha256, reject.observed_at)]
            parsing.refuse_row(payload, entity, reject.row_key, reject.reason)
    return frames


def _observations(frames: Mapping[str, pd.DataFrame], meta: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """The entity frames (hashed already) as observations: with the run's metadata, Arrow-backed."""
    observations = {}
    for name in ENTITIES:
        if name in frames:
            frame = frames[name].assign(**meta)  # hashed as it was validated (observed_frame)
            observations[name] = arrow_backed(frame)
    return observations


def _snapshots(
    listings: Sequence[tuple[ArchivedPayload, Listing]],
    incomplete: Mapping[tuple[str, str], str],
    meta: Mapping[str, Any],
) -> pd.DataFrame:
    """One snapshot row per listing: what it lists and whether it lists it completely."""
    return pd.DataFrame(
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


def _payload_frame(root: Path, payloads: Sequence[ArchivedPayload], run_id: str) -> pd.DataFrame:
    # run_id here is the run that loads the payload (the index line names the one that archived it).
    root = root.resolve()
    names = [f for f in ArchivedPayload.__dataclass_fields__ if f != "run_id"]
    rows = [{**{f: getattr(p, f) for f in names}, "path": str(object_path(root, p.sha256)), "run_id": run_id}
            for p in payloads]  # fmt: skip
    frame = pd.DataFrame(rows, columns=[*names, "path", "run_id"])
    return frame.rename(columns={"commit": "git_commit"})  # COMMIT is an SQL keyword: a column name to avoid
