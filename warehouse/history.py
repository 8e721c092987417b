"""All history SQL: append observations, derive versions, check invariants.

Transaction scope: ``load_batch`` runs one transaction per run. Payload records,
quarantined rows, observations, snapshots, measurements, re-derived versions and
the run's row land together, or (on any error, invariant failures included) none.

Versions are *derived*, never updated in place: for every scope a load touches,
the versions of its keys are recomputed from all their observations plus the
complete snapshots of that scope. So any load order, and any duplicate load,
gives the same versions.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from statistics import median

import duckdb
import pandas as pd


@dataclass(frozen=True)
class EntitySpec:
    """A versioned entity: key, listing scope, versioned attributes, volatile fields and retirement rules."""

    name: str
    key: tuple[str, ...]
    scope: tuple[str, ...]  # a listing of one scope value lists every key in it
    attributes: tuple[str, ...]  # versioned: hashed, a change starts a new version
    volatile: tuple[str, ...] = ()  # stored and shown (latest value of the version), never hashed
    parent: str | None = None  # an entity keyed by this one's scope: its complete listings retire children too
    retired_when: str | None = None  # SQL over an observation: positive evidence that the key is retired
    complete_fraction: float = 0.5  # a listing under this fraction of the recent median is incomplete
    median_window: int = 7  # how many recent complete listings make the median

    @property
    def observations(self) -> str:
        return f"{self.name}_observations"

    @property
    def versions(self) -> str:
        return f"{self.name}_versions"

    @property
    def scope_expr(self) -> str:
        """SQL for the snapshot scope string of a row aliased ``t`` (all scope columns after ``source``)."""
        rest = self.scope[1:]
        return "''" if not rest else " || '|' || ".join(f"t.{c}" for c in rest)


MODEL = EntitySpec(
    name="model",
    key=("source", "model_id"),
    scope=("source",),
    attributes=(
        "name", "creator", "canonical_slug", "hugging_face_id", "base_model", "context_window", "max_output_tokens",
        "input_price_per_mtok", "output_price_per_mtok", "release_date", "knowledge_cutoff",
        "expiration_date", "last_updated", "open_weights", "status", "input_modalities", "output_modalities",
        "supported_params", "api_providers", "capabilities",
    ),
    volatile=("description",),  # edited often, rarely meaningful: shown, not versioned
    # OpenRouter lists a model with an expiration date until it goes: past that date it is retired;
    # models.dev marks a model `deprecated` before it drops it; a catalog page that answers 404/410
    # is observed with status `gone`.
    retired_when="(expiration_date IS NOT NULL AND expiration_date <= CAST(observed_at AS DATE))"
    " OR status IN ('deprecated', 'gone')",
)  # fmt: skip

ENDPOINT = EntitySpec(
    name="endpoint",
    key=("source", "model_id", "endpoint_key"),
    scope=("source", "model_id"),
    attributes=(
        "provider", "context_length", "max_output_tokens", "max_prompt_tokens",
        "input_price_per_mtok", "output_price_per_mtok", "cache_read_price_per_mtok", "cache_write_price_per_mtok",
        "quantization", "supported_params", "supported_params_count", "implicit_caching", "status",
    ),
    parent="model",  # a model missing from a complete model list has no endpoints left
)  # fmt: skip

BENCHMARK = EntitySpec(
    name="benchmark",
    key=("source", "model_id", "benchmark"),
    scope=("source", "model_id"),
    attributes=("score",),  # a re-score is a new version
    parent="model",
)

ENTITIES: Mapping[str, EntitySpec] = {spec.name: spec for spec in (MODEL, ENDPOINT, BENCHMARK)}
"""Every versioned entity, parents before children (a child's derivation reads its parent's listings)."""

MEASUREMENTS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "uptime": ("uptime_measurements", ("source", "model_id", "endpoint_key", "period", "observed_at")),
    "speed": ("speed_measurements", ("source", "model_id", "metric", "observed_at")),
}
"""Append-only series: entity -> (table, key)."""

Resolver = Callable[[pd.DataFrame], pd.DataFrame]
"""Identity facts (one row per source key) -> the crosswalk (source, source_key, model_id, rule)."""


@dataclass(frozen=True)
class RunRecord:
    """A run as ``runs`` shows it once it has finished."""

    run_id: str
    kind: str
    started_at: datetime
    sources: tuple[str, ...] = ()
    status: str = "running"
    finished_at: datetime | None = None
    failed_urls: tuple[tuple[str, str], ...] = ()
    fetch_s: float | None = None
    archive_s: float | None = None
    parse_s: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class LoadBatch:
    """Everything one run loads, as frames shaped like their tables."""

    run: RunRecord
    recorded_at: datetime
    payloads: pd.DataFrame
    observations: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    snapshots: pd.DataFrame | None = None
    measurements: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    quarantine: pd.DataFrame | None = None
    resolve_identity: Resolver | None = None  # when set, the crosswalk is re-resolved in the same transaction
    resolve_providers: Resolver | None = None  # likewise for providers: (source, provider_key) -> provider_id
    identity_rules_version: str = ""  # when set, an unchanged crosswalk is not re-resolved (see refresh_crosswalk)


@dataclass(frozen=True)
class KeyChanges:
    """How the keys of the scopes a load touched moved: new, changed, retired or unchanged."""

    new: int = 0
    changed: int = 0
    retired: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class LoadCounts:
    """What a load added."""

    payloads: int = 0
    observations: int = 0
    new_versions: int = 0
    measurements: int = 0
    quarantined: int = 0
    keys: Mapping[str, KeyChanges] = field(default_factory=dict)
    unmatched: tuple[tuple[str, str], ...] = ()  # (source, source key) the crosswalk could not match
    incomplete: tuple[tuple[str, str, str, str], ...] = ()  # (entity, source, scope, why) of this run's short lists


class InvariantError(Exception):
    """History broke an invariant; the load was rolled back."""


INTERRUPTED_RUNS = "SELECT run_id, kind, started_at, sources FROM runs WHERE status = 'running' ORDER BY started_at"
"""Runs still ``running``: read by a writer holding the warehouse lock, these belong to dead processes."""


def close_interrupted(con: duckdb.DuckDBPyConnection, run_ids: Sequence[str], error: str) -> None:
    """Mark runs a dead process left ``running`` as ``failed`` with ``error`` (committed on its own)."""
    con.execute(
        "UPDATE runs SET status = 'failed', error = ? WHERE status = 'running' AND list_contains(?, run_id)",
        [error, list(run_ids)],
    )


def record_run_start(con: duckdb.DuckDBPyConnection, run: RunRecord) -> None:
    """Insert the run's row with status ``running``."""
    con.execute(
        "INSERT INTO runs (run_id, kind, started_at, status, sources) VALUES (?, ?, ?, 'running', ?)",
        [run.run_id, run.kind, run.started_at, list(run.sources)],
    )


def record_run_end(
    con: duckdb.DuckDBPyConnection, run: RunRecord, counts: LoadCounts | None = None, load_s: float | None = None
) -> None:
    """Write the run's final status, counts, failed URLs and phase timings."""
    counts = counts or LoadCounts()
    failed = [{"url": url, "reason": reason} for url, reason in run.failed_urls]
    con.execute(
        """
        UPDATE runs SET finished_at = ?, status = ?, payloads = ?, observations = ?, new_versions = ?,
            measurements = ?, quarantined = ?, failed_urls = ?::STRUCT(url VARCHAR, reason VARCHAR)[],
            fetch_s = ?, archive_s = ?, parse_s = ?, load_s = ?, error = ?
        WHERE run_id = ?
        """,
        [
            run.finished_at, run.status, counts.payloads, counts.observations, counts.new_versions,
            counts.measurements, counts.quarantined, failed, run.fetch_s, run.archive_s, run.parse_s,
            load_s, run.error, run.run_id,
        ],
    )  # fmt: skip


def load_batch(con: duckdb.DuckDBPyConnection, batch: LoadBatch) -> LoadCounts:
    """Load one run in one transaction and return what it added; rolls back on any error."""
    con.execute("BEGIN TRANSACTION")
    try:
        counts = _load(con, batch)
        record_run_end(con, batch.run, counts)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return counts


def _load(con: duckdb.DuckDBPyConnection, batch: LoadBatch) -> LoadCounts:
    payloads = _insert_new(con, "payloads", batch.payloads, ("url", "fetched_at", "sha256"))
    quarantined = 0
    if batch.quarantine is not None and not batch.quarantine.empty:
        quarantined = _insert_all(con, "quarantine", batch.quarantine)
    observations = 0
    new_versions = 0
    keys: dict[str, KeyChanges] = {}
    listed: dict[str, pd.DataFrame] = {}  # entity -> earliest new listing per source in this batch
    for name, spec in ENTITIES.items():
        frame = batch.observations.get(name)
        snaps = None if batch.snapshots is None else batch.snapshots[batch.snapshots["entity"] == name]
        has_obs = frame is not None and not frame.empty
        has_snaps = snaps is not None and not snaps.empty
        parent_listed = listed.get(spec.parent or "")
        if not has_obs and not has_snaps and parent_listed is None:
            continue
        # affected: each scope this load touches, and `since`, the earliest time a new event of it lands at.
        con.execute("CREATE OR REPLACE TEMP TABLE affected (source VARCHAR, scope VARCHAR, since TIMESTAMPTZ)")
        if parent_listed is not None:  # a new parent listing may retire (or restore) any child scope
            con.register("parent_listed", parent_listed)
            con.execute(  # every child scope ever observed has versions: read them, not every observation
                f"INSERT INTO affected SELECT DISTINCT t.source, {spec.scope_expr}, p.since"
                f" FROM {spec.versions} t JOIN parent_listed p USING (source) WHERE t.superseded_at IS NULL"
            )
            con.unregister("parent_listed")
        if has_obs:
            assert frame is not None
            # One observation per key, time, facts and payload: two payloads of one instant that differ only
            # in a volatile field are both kept, and the derivation picks between them by content.
            unique_by = (*spec.key, "observed_at", "attr_hash", "payload_sha256")
            observations += _insert_new(con, spec.observations, frame, unique_by)
            con.register("new_rows", frame)
            con.execute(
                f"INSERT INTO affected SELECT t.source, {spec.scope_expr}, min(t.observed_at)"
                " FROM new_rows t GROUP BY ALL"
            )
            con.unregister("new_rows")
        if has_snaps:
            assert snaps is not None
            _insert_snapshots(con, snaps)
            since = snaps.groupby("source")["observed_at"].min()
            listed[name] = pd.DataFrame({"source": since.index, "since": since.to_numpy()})
            con.register("new_snaps", snaps)
            con.execute("INSERT INTO affected SELECT source, scope, min(observed_at) FROM new_snaps GROUP BY ALL")
            con.unregister("new_snaps")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE affected AS"
            " SELECT source, scope, min(since) AS since FROM affected GROUP BY ALL"
        )
        # The earliest `since`: a constant bound on every read of history, so zone maps skip older rows.
        earliest = con.execute("SELECT min(since) FROM affected").fetchall()[0][0]
        _settle_completeness(con, spec, earliest)
        added, keys[name] = _derive_versions(con, spec, batch.recorded_at, earliest)
        new_versions += added
    measurements = 0
    for name, frame in batch.measurements.items():
        table, key = MEASUREMENTS[name]
        if not frame.empty:
            measurements += _insert_new(con, table, frame, key)
    unmatched: tuple[tuple[str, str], ...] = ()
    if batch.resolve_identity is not None:
        unmatched = refresh_crosswalk(con, batch.resolve_identity, batch.recorded_at, batch.identity_rules_version)
    if batch.resolve_providers is not None:
        _refresh_log(
            con,
            "provider_alias_log",
            ("provider_key", "provider_id"),
            batch.resolve_providers(con.execute(PROVIDER_KEYS).df()),
            batch.recorded_at,
        )
    observed = [f["observed_at"].min() for f in batch.observations.values() if not f.empty]
    broken = invariant_violations(con, batch.run.run_id, min(observed) if observed else None)
    if broken:
        raise InvariantError("; ".join(broken))
    incomplete = tuple(con.execute(INCOMPLETE_LISTINGS, [batch.run.run_id, f"{SHORT_LISTING}%"]).fetchall())
    return LoadCounts(payloads, observations, new_versions, measurements, quarantined, keys, unmatched, incomplete)


INCOMPLETE_LISTINGS = """
    SELECT entity, source, scope, reason FROM snapshots
    WHERE run_id = ? AND NOT complete AND evidence IS NULL AND reason LIKE ?
    ORDER BY ALL
"""
"""This run's listings too short to be complete (quarantine-caused ones are reported as failures already)."""


def _insert_new(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, key: Sequence[str]) -> int:
    """Insert the rows of ``frame`` whose ``key`` is not in ``table`` yet; returns how many."""
    if frame.empty:
        return 0
    columns = ", ".join(frame.columns)
    match = " AND ".join(f"t.{c} = n.{c}" for c in key)
    params = []
    for column in ("observed_at", "fetched_at"):  # only stored rows of the frame's time span can match:
        if column in key:  # a constant bound lets zone maps skip the rest of the history
            match += f" AND t.{column} >= ?"
            params.append(frame[column].min())
    con.register("incoming", frame)
    try:
        row = con.execute(
            f"""
            INSERT INTO {table} ({columns})
            SELECT DISTINCT ON ({", ".join(f"n.{c}" for c in key)}) {", ".join(f"n.{c}" for c in frame.columns)}
            FROM incoming n
            WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {match})
            """,
            params,
        ).fetchall()[0]
    finally:
        con.unregister("incoming")
    return int(row[0])


def _insert_all(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> int:
    con.register("incoming", frame)
    try:
        row = con.execute(f"INSERT INTO {table} ({', '.join(frame.columns)}) SELECT * FROM incoming").fetchall()[0]
    finally:
        con.unregister("incoming")
    return int(row[0])


def _insert_snapshots(con: duckdb.DuckDBPyConnection, snaps: pd.DataFrame) -> None:
    """Insert snapshots not stored yet; their ``complete`` is settled later by ``_settle_completeness``."""
    fresh = snaps.assign(complete=snaps["listed_complete"], reason=snaps["listed_reason"])
    _insert_new(con, "snapshots", fresh, ("entity", "source", "scope", "observed_at", "payload_sha256"))


def _settle_completeness(con: duckdb.DuckDBPyConnection, spec: EntitySpec, earliest: datetime | None) -> None:
    """Re-derive ``complete`` for every snapshot of the ``affected`` scopes, in time order.

    A listing is complete when its payload says so and, unless it is positive evidence,
    it is not ``too_short`` against the median key count of the scope's last complete
    listings. Settled over all snapshots of a scope, the result does not depend on load order.
    """
    fields = "s.source, s.scope, s.observed_at, s.payload_sha256, s.key_count, s.listed_complete, " \
              "s.listed_reason, s.evidence, s.complete, s.reason"  # fmt: skip
    rows = con.execute(
        f"""
        SELECT {fields}, false AS is_seed
        FROM snapshots s JOIN affected a ON a.source = s.source AND a.scope = s.scope
        WHERE s.entity = $entity AND s.observed_at >= a.since AND s.observed_at >= $earliest
        """,
        {"entity": spec.name, "earliest": earliest},
    ).fetchall()
    # Seeds (the last complete listings before the window feed the median): looked for in the
    # recent past first, where a scope listed nightly finds them all, so the scan skips old
    # history; the scopes that found too few there look in all of it.
    seeds = f"""
        SELECT {fields}, true AS is_seed
        FROM snapshots s JOIN {{scopes}} a ON a.source = s.source AND a.scope = s.scope
        WHERE s.entity = $entity AND s.observed_at < a.since AND s.complete AND s.evidence IS NULL {{bound}}
        QUALIFY row_number() OVER (PARTITION BY s.source, s.scope ORDER BY s.observed_at DESC)
            <= {spec.median_window}
        """
    horizon = None if earliest is None else earliest - SEED_LOOKBACK
    recent_seeds = con.execute(
        seeds.format(scopes="affected", bound="AND s.observed_at >= $horizon"),
        {"entity": spec.name, "horizon": horizon},
    ).fetchall()
    found = Counter((row[0], row[1]) for row in recent_seeds)
    affected = con.execute("SELECT source, scope, since FROM affected").fetchall()
    short = [row for row in affected if found[(row[0], row[1])] < spec.median_window]
    if short:
        con.register("short_scopes", pd.DataFrame.from_records(short, columns=["source", "scope", "since"]))
        try:
            older = con.execute(seeds.format(scopes="short_scopes", bound=""), {"entity": spec.name}).fetchall()
        finally:
            con.unregister("short_scopes")
        refound = {(row[0], row[1]) for row in short}
        recent_seeds = [row for row in recent_seeds if (row[0], row[1]) not in refound] + older
    rows = sorted([*rows, *recent_seeds], key=lambda r: (r[0], r[1], r[2], r[3]))
    updates = []
    recent: deque[int] = deque(maxlen=spec.median_window)
    scope = None
    for source, scope_key, observed_at, sha, count, listed, listed_reason, evidence, was, was_reason, seed in rows:
        if (source, scope_key) != scope:
            scope, recent = (source, scope_key), deque(maxlen=spec.median_window)
        if seed:  # a complete listing before the window: it only feeds the median
            recent.append(count)
            continue
        complete, reason = listed, listed_reason
        if listed and evidence is None and recent and too_short(count, median(recent), spec.complete_fraction):
            complete, reason = False, f"{SHORT_LISTING}{count} keys, at most half the recent median {median(recent):g}"
        if complete and evidence is None:
            recent.append(count)
        if (complete, reason) != (was, was_reason):
            updates.append((spec.name, source, scope_key, observed_at, sha, complete, reason))
    if updates:
        columns = ["entity", "source", "scope", "observed_at", "payload_sha256", "complete", "reason"]
        con.register("settled", pd.DataFrame(updates, columns=columns))
        try:
            con.execute(
                """
                UPDATE snapshots s SET complete = u.complete, reason = u.reason FROM settled u
                WHERE s.entity = u.entity AND s.source = u.source AND s.scope = u.scope
                  AND s.observed_at = u.observed_at AND s.payload_sha256 = u.payload_sha256
                """
            )
        finally:
            con.unregister("settled")


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SEED_LOOKBACK = timedelta(days=31)
"""How far before a load's window its scopes' seed listings are looked for first (all history if too few)."""

SHORT_LISTING = "lists "
"""How the reason of a listing ``too_short`` to be complete begins."""


def too_short(count: int, recent_median: float, fraction: float) -> bool:
    """Whether a listing of ``count`` keys is too short to be complete against the recent median.

    Fewer than ``fraction`` (half) of the median is too short; so is exactly half when that is
    more than one key short: a list that lost half its models is a failed scrape, but a scope
    of two endpoints that loses one is a real change.
    """
    limit = fraction * recent_median
    return count < limit or (count <= limit and recent_median - count > 1)


def _derive_versions(
    con: duckdb.DuckDBPyConnection, spec: EntitySpec, now: datetime, earliest: datetime | None
) -> tuple[int, KeyChanges]:
    """Re-derive the versions of the keys in the ``affected`` scopes; returns versions added and key moves.

    Only a window is re-derived per key: from the version in force just before the scope's
    ``since`` (the seed, taken from the versions table) to the end. Versions are a pure function
    of observations and listings, so the window gives the same rows a full re-derivation would,
    at a cost that grows with the change, not the history. Rows the derivation no longer yields
    are superseded (``superseded_at = now``), new rows are recorded at ``now``: the versions
    table is bitemporal.
    """
    key = ", ".join(spec.key)
    attrs = ", ".join(spec.attributes)
    vol = "".join(f", {c}" for c in spec.volatile)
    null_vol = "".join(f", NULL AS {c}" for c in spec.volatile)
    retired_sql = f"coalesce(({spec.retired_when}), false)" if spec.retired_when else "false"

    def match(left: str, right: str) -> str:
        return " AND ".join(f"{left}.{c} = {right}.{c}" for c in spec.key)

    def cols(alias: str, names: Sequence[str]) -> str:
        return ", ".join(f"{alias}.{c}" for c in names)

    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE window_keys AS
        WITH candidates AS (
            SELECT {", ".join(f"t.{c}" for c in spec.key)}, a.since
            FROM {spec.versions} t JOIN affected a ON a.source = t.source AND a.scope = {spec.scope_expr}
            WHERE t.superseded_at IS NULL
            UNION ALL
            SELECT {", ".join(f"t.{c}" for c in spec.key)}, a.since
            FROM {spec.observations} t JOIN affected a ON a.source = t.source AND a.scope = {spec.scope_expr}
            WHERE t.observed_at >= a.since AND t.observed_at >= $earliest
        ),
        keys AS (SELECT {key}, min(since) AS since FROM candidates GROUP BY ALL)
        SELECT {", ".join(f"k.{c}" for c in spec.key)}, k.since,
            max(v.valid_from) FILTER (WHERE v.valid_from < k.since) AS seed_from,
            min(v.valid_from) AS first_version
        FROM keys k LEFT JOIN {spec.versions} v ON {match("v", "k")} AND v.superseded_at IS NULL
        GROUP BY ALL
        """,
        {"earliest": earliest},
    )
    floor = con.execute("SELECT min(since) FROM window_keys").fetchall()[0][0]
    if floor is None:
        return 0, KeyChanges()
    in_window = (
        f"t.superseded_at IS NULL AND EXISTS (SELECT 1 FROM window_keys w WHERE {match('w', 't')}"
        " AND t.valid_from >= coalesce(w.seed_from, w.since))"
    )
    # Derived narrow (keys, hashes, times): the window functions sort these, not the attribute
    # columns; only the rows that change are widened with their attributes below.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE derived AS
        WITH obs AS (
            SELECT {", ".join(f"t.{c}" for c in spec.key)}, t.observed_at, t.attr_hash, t.payload_sha256,
                {retired_sql} AS retired{"".join(f", t.{c}" for c in spec.volatile)}
            FROM {spec.observations} t JOIN window_keys w ON {match("w", "t")}
            WHERE t.observed_at >= $floor AND t.observed_at >= w.since
            QUALIFY row_number() OVER (
                PARTITION BY {", ".join(f"t.{c}" for c in spec.key)}, t.observed_at
                ORDER BY t.attr_hash, t.payload_sha256) = 1  -- by content, never load order
        ),
        first_seen AS (
            SELECT {", ".join(f"w.{c}" for c in spec.key)}, {spec.scope_expr.replace("t.", "w.")} AS scope, w.since,
                least(w.first_version, m.first_observed) AS first_at
            FROM window_keys w
            LEFT JOIN (SELECT {key}, min(observed_at) AS first_observed FROM obs GROUP BY ALL) m ON {match("m", "w")}
        ),
        absences AS (
            SELECT {", ".join(f"f.{c}" for c in spec.key)}, s.observed_at, s.recorded_at, s.payload_sha256
            FROM first_seen f
            JOIN snapshots s ON s.entity = '{spec.name}' AND s.source = f.source AND s.scope = f.scope
                AND s.complete AND s.observed_at >= f.since AND s.observed_at > f.first_at
            {_parent_absences(spec)}
        ),
        tombstones AS (
            SELECT {key}, observed_at, min(recorded_at) AS recorded_at, min(payload_sha256) AS payload_sha256
            FROM absences f
            WHERE NOT EXISTS (SELECT 1 FROM obs o WHERE {match("o", "f")} AND o.observed_at = f.observed_at)
            GROUP BY ALL
        ),
        seeds AS (
            SELECT {", ".join(f"v.{c}" for c in spec.key)}, v.attr_hash,
                v.is_deleted, v.valid_from AS observed_at, v.payload_sha256{_seed_volatile(spec)}
            FROM {spec.versions} v JOIN window_keys w ON {match("v", "w")} AND v.valid_from = w.seed_from
            WHERE v.superseded_at IS NULL
        ),
        events AS (
            SELECT {key}, attr_hash, is_deleted, observed_at, payload_sha256{vol} FROM seeds
            UNION ALL
            SELECT {key}, CASE WHEN retired THEN 'deleted' ELSE attr_hash END, retired,
                observed_at, payload_sha256{vol} FROM obs
            UNION ALL
            SELECT {key}, 'deleted', true, observed_at, payload_sha256{null_vol} FROM tombstones
        ),
        flagged AS (
            SELECT *, CASE WHEN attr_hash IS DISTINCT FROM lag(attr_hash) OVER (PARTITION BY {key} ORDER BY observed_at)
                THEN 1 ELSE 0 END AS is_start
            FROM events
        ),
        grouped AS (
            SELECT *, sum(is_start) OVER (PARTITION BY {key} ORDER BY observed_at ROWS UNBOUNDED PRECEDING) AS grp
            FROM flagged
        ),
        starts AS ({_version_starts(spec)})
        SELECT {key}, attr_hash, is_deleted, observed_at AS valid_from,
            lead(observed_at) OVER (PARTITION BY {key} ORDER BY observed_at) AS valid_to, payload_sha256{vol}
        FROM starts
        """,
        {"floor": floor},
    )
    same_row = " AND ".join(
        [match("d", "t"), "d.valid_from = t.valid_from", "d.attr_hash = t.attr_hash",
         "d.valid_to IS NOT DISTINCT FROM t.valid_to", "d.payload_sha256 = t.payload_sha256",
         *(f"d.{c} IS NOT DISTINCT FROM t.{c}" for c in spec.volatile)]
    )  # fmt: skip
    # What changes, before anything does: derived rows not held yet (widened with their
    # attributes: a seed's from its version, any other from the observation it starts with),
    # and held rows of the window the derivation no longer yields.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE to_insert AS
        WITH fresh AS (
            SELECT d.* FROM derived d
            WHERE NOT EXISTS (SELECT 1 FROM {spec.versions} t WHERE t.superseded_at IS NULL AND {same_row})
        ),
        attrs AS (
            SELECT {cols("v", spec.key)}, v.valid_from AS at, {cols("v", spec.attributes)}
            FROM {spec.versions} v JOIN window_keys w ON {match("v", "w")} AND v.valid_from = w.seed_from
            WHERE v.superseded_at IS NULL AND EXISTS (SELECT 1 FROM fresh f WHERE {match("f", "v")}
                AND f.valid_from = v.valid_from AND NOT f.is_deleted)
            UNION ALL
            SELECT * FROM (
                SELECT {cols("o", spec.key)}, o.observed_at, {cols("o", spec.attributes)}
                FROM {spec.observations} o JOIN window_keys w ON {match("o", "w")} AND o.observed_at >= w.since
                WHERE o.observed_at >= $floor AND EXISTS (SELECT 1 FROM fresh f WHERE {match("f", "o")}
                    AND f.valid_from = o.observed_at AND NOT f.is_deleted)
                QUALIFY row_number() OVER (PARTITION BY {", ".join(f"o.{c}" for c in spec.key)}, o.observed_at
                    ORDER BY o.attr_hash, o.payload_sha256) = 1
            )
        )
        SELECT {", ".join(f"f.{c}" for c in spec.key)},
            {", ".join(f"CASE WHEN f.is_deleted THEN NULL ELSE a.{c} END AS {c}" for c in spec.attributes)},
            f.attr_hash, f.is_deleted, f.valid_from, f.valid_to, f.payload_sha256{vol.replace(", ", ", f.")}
        FROM fresh f LEFT JOIN attrs a ON {match("a", "f")} AND a.at = f.valid_from
        """,
        {"floor": floor},
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE to_supersede AS
        SELECT t.rowid AS row_id, {", ".join(f"t.{c}" for c in spec.key)}, t.valid_from, t.attr_hash
        FROM {spec.versions} t WHERE {in_window} AND NOT EXISTS (SELECT 1 FROM derived d WHERE {same_row})
        """
    )
    # How keys moved, compared on the keys this load touches only (the rest are unchanged).
    summary = f"""
        SELECT {key}, string_agg(attr_hash || valid_from, ',' ORDER BY valid_from) AS signature,
            bool_or(is_deleted AND valid_to IS NULL) AS retired
        FROM {{table}} t WHERE {{where}} AND EXISTS (SELECT 1 FROM touched k WHERE {match("k", "t")}) GROUP BY ALL"""
    row = con.execute(
        f"""
        WITH touched AS (SELECT {key} FROM to_insert UNION SELECT {key} FROM to_supersede),
             a AS ({summary.format(table="derived", where="true")}),
             b AS ({summary.format(table=spec.versions, where=in_window)})
        SELECT
            count(*) FILTER (WHERE b.signature IS NULL),
            count(*) FILTER (WHERE b.signature IS NOT NULL AND a.signature <> b.signature
                             AND NOT (a.retired AND NOT b.retired)),
            count(*) FILTER (WHERE a.retired AND NOT coalesce(b.retired, true)),
            (SELECT count(*) FROM (SELECT DISTINCT {key} FROM derived))
                - count(*) FILTER (WHERE b.signature IS NULL OR a.signature <> b.signature),
            (SELECT count(*) FROM to_insert i WHERE NOT EXISTS (
                SELECT 1 FROM to_supersede s WHERE {match("s", "i")}
                  AND s.valid_from = i.valid_from AND s.attr_hash = i.attr_hash))
        FROM a LEFT JOIN b USING ({key})
        """
    ).fetchall()[0]
    new, changed, retired, unchanged, added = (int(v) for v in row)
    con.execute(f"UPDATE {spec.versions} SET superseded_at = ? WHERE rowid IN (SELECT row_id FROM to_supersede)", [now])
    con.execute(
        f"""
        INSERT INTO {spec.versions}
            ({key}, {attrs}, attr_hash, is_deleted, valid_from, valid_to, recorded_at, superseded_at,
             payload_sha256{vol})
        SELECT {key}, {attrs}, attr_hash, is_deleted, valid_from, valid_to, ?, NULL, payload_sha256{vol}
        FROM to_insert
        """,
        [now],
    )
    return added, KeyChanges(new, changed, retired, unchanged)


def _seed_volatile(spec: EntitySpec) -> str:
    """SQL columns: a seed's volatile fields, latest among its observations before the window.

    Observations of one instant are chosen between as the derivation does: by content.

    Not the stored value: a backfill can cut the seed version, and the stored latest value
    may belong to an observation that now falls in a later version.
    """
    return "".join(
        f""", (SELECT first(o.{c} ORDER BY o.observed_at DESC, o.attr_hash, o.payload_sha256)
              FROM {spec.observations} o
              WHERE {" AND ".join(f"o.{k} = w.{k}" for k in spec.key)}
                AND o.observed_at >= w.seed_from AND o.observed_at < w.since) AS {c}"""
        for c in spec.volatile
    )


def _version_starts(spec: EntitySpec) -> str:
    """SQL keeping the first event of each version; its volatile fields are the version's latest."""
    if not spec.volatile:
        return "SELECT * FROM grouped WHERE is_start = 1"
    key = ", ".join(spec.key)
    latest = ", ".join(
        f"last_value({c}) OVER (PARTITION BY {key}, grp ORDER BY observed_at "
        f"ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS {c}"
        for c in spec.volatile
    )
    return f"SELECT * REPLACE ({latest}) FROM grouped QUALIFY is_start = 1"


def _parent_absences(spec: EntitySpec) -> str:
    """SQL (a UNION branch) for times a complete parent listing lacked a key's parent."""
    if spec.parent is None:
        return ""
    parent = ENTITIES[spec.parent]
    match = " AND ".join(f"p.{c} = f.{c}" for c in parent.key)
    # A parent listed but retired by positive evidence does not keep its children.
    retired = f"coalesce(({parent.retired_when}), false)" if parent.retired_when else "false"
    return f"""
            UNION ALL
            SELECT {", ".join(f"f.{c}" for c in spec.key)}, s.observed_at, s.recorded_at, s.payload_sha256
            FROM first_seen f
            JOIN snapshots s ON s.entity = '{parent.name}' AND s.source = f.source
                AND s.scope = {parent.scope_expr.replace("t.", "f.")} AND s.complete
                AND s.observed_at >= f.since AND s.observed_at > f.first_at
            WHERE NOT EXISTS (SELECT 1 FROM {parent.observations} p
                              WHERE {match} AND p.observed_at = s.observed_at AND p.observed_at >= $floor
                                AND NOT {retired})"""


IDENTITY_FACTS = """
WITH latest AS (
    SELECT source, model_id AS source_key, canonical_slug, hugging_face_id, base_model, api_providers
    FROM model_versions WHERE superseded_at IS NULL AND NOT is_deleted
    QUALIFY row_number() OVER (PARTITION BY source, model_id ORDER BY valid_from DESC) = 1
),
keyed AS (
    SELECT DISTINCT source, model_id AS source_key FROM endpoint_versions WHERE superseded_at IS NULL
    UNION SELECT DISTINCT source, model_id FROM benchmark_versions WHERE superseded_at IS NULL
    UNION SELECT DISTINCT source, model_id FROM speed_measurements
    UNION SELECT DISTINCT source, model_id FROM model_versions WHERE superseded_at IS NULL
)
SELECT k.source, k.source_key, l.canonical_slug, l.hugging_face_id, l.base_model, l.api_providers
FROM keyed k LEFT JOIN latest l USING (source, source_key)
ORDER BY k.source, k.source_key
"""
"""One row per source key the warehouse knows, with the facts identity rules read (latest live version)."""


FACTS_FINGERPRINT = f"""
SELECT count(*) || ':' || coalesce(sum(hash(source, source_key, canonical_slug, hugging_face_id, base_model,
    api_providers)), 0)
FROM ({IDENTITY_FACTS})
"""
UNMATCHED_KEYS = "SELECT source, source_key FROM model_alias_log WHERE superseded_at IS NULL AND model_id IS NULL"


def refresh_crosswalk(
    con: duckdb.DuckDBPyConnection, resolve: Resolver, now: datetime, rules_version: str = ""
) -> tuple[tuple[str, str], ...]:
    """Re-resolve every source key; supersede mappings that changed, record new ones; returns the unmatched keys.

    With a ``rules_version``, a load whose identity facts and rules are those of the last
    refresh skips resolving (it would yield the same crosswalk).
    """
    fingerprint = f"{rules_version}:{con.execute(FACTS_FINGERPRINT).fetchall()[0][0]}"
    held = con.execute("SELECT fingerprint FROM identity_state WHERE resolver = 'model'").fetchall()
    if not (rules_version and held and held[0][0] == fingerprint):
        wanted = resolve(con.execute(IDENTITY_FACTS).df())
        _refresh_log(con, "model_alias_log", ("source_key", "model_id"), wanted, now)
        con.execute("INSERT OR REPLACE INTO identity_state VALUES ('model', ?, ?)", [fingerprint, now])
    return tuple(con.execute(f"{UNMATCHED_KEYS} ORDER BY ALL").fetchall())


PROVIDER_KEYS = """
SELECT DISTINCT source, split_part(endpoint_key, '/', 1) AS provider_key
FROM endpoint_versions WHERE superseded_at IS NULL ORDER BY ALL
"""
"""Every (source, provider key) the warehouse knows."""


def _refresh_log(
    con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, str], wanted: pd.DataFrame, now: datetime
) -> None:
    """Make ``wanted`` (source, key, id, rule) the current rows of an alias log: supersede the rest, add the new."""
    key, target = columns
    con.register("wanted", wanted.astype(pd.StringDtype()))
    same = (
        f"w.source = l.source AND w.{key} = l.{key} AND w.{target} IS NOT DISTINCT FROM l.{target} AND w.rule = l.rule"
    )
    try:
        con.execute(
            f"UPDATE {table} l SET superseded_at = ? WHERE l.superseded_at IS NULL"
            f" AND NOT EXISTS (SELECT 1 FROM wanted w WHERE {same})",
            [now],
        ).fetchall()
        con.execute(
            f"INSERT INTO {table} (source, {key}, {target}, rule, recorded_at, superseded_at)"
            f" SELECT w.source, w.{key}, w.{target}, w.rule, ?, NULL FROM wanted w"
            f" WHERE NOT EXISTS (SELECT 1 FROM {table} l WHERE l.superseded_at IS NULL AND {same})",
            [now],
        ).fetchall()
    finally:
        con.unregister("wanted")


def invariant_violations(
    con: duckdb.DuckDBPyConnection, run_id: str | None = None, observed_since: datetime | None = None
) -> list[str]:
    """Descriptions of broken history invariants of the versions held now (empty when history is sound).

    Observations are immutable and each load checks its own, so with ``run_id`` only that run's
    observations (none older than ``observed_since``) are checked against the payload records.
    """
    broken = []
    for spec in ENTITIES.values():
        key = ", ".join(spec.key)
        held = f"(SELECT * FROM {spec.versions} WHERE superseded_at IS NULL)"
        checks = {
            "more than one current version for a key": f"""
                SELECT count(*) FROM (SELECT {key} FROM {held} WHERE valid_to IS NULL
                GROUP BY ALL HAVING count(*) > 1)""",
            "an interval with valid_to <= valid_from": f"""
                SELECT count(*) FROM {held} WHERE valid_to IS NOT NULL AND valid_to <= valid_from""",
            "overlapping or gapped intervals": f"""
                SELECT count(*) FROM (
                    SELECT valid_to, lead(valid_from) OVER (PARTITION BY {key} ORDER BY valid_from) AS next_from
                    FROM {held}) WHERE next_from IS DISTINCT FROM valid_to""",
            "an observation whose payload is not archived": f"""
                SELECT count(*) FROM {spec.observations} o
                WHERE {"o.run_id = $run_id AND o.observed_at >= $since" if run_id else "true"}
                  AND NOT EXISTS (SELECT 1 FROM payloads p WHERE p.sha256 = o.payload_sha256)""",
        }
        for what, sql in checks.items():
            params = {"run_id": run_id, "since": observed_since or EPOCH} if run_id and "$run_id" in sql else None
            row = con.execute(sql, params).fetchall()[0]
            if row and row[0]:
                broken.append(f"{spec.versions}: {row[0]} x {what}")
    return broken
