"""Which listings are complete: settled per scope against the median of its recent complete listings."""

from __future__ import annotations

from collections import Counter, deque
from datetime import datetime, timedelta
from statistics import median
from typing import Any

import duckdb
import pandas as pd

from entities import EntitySpec

SEED_LOOKBACK = timedelta(days=31)
"""How far before a load's window its scopes' seed listings are looked for first (all history if too few)."""

SHORT_LISTING = "lists "
"""How the reason of a listing ``too_short`` to be complete begins."""

INCOMPLETE_LISTINGS = """
    SELECT entity, source, scope, reason FROM snapshots
    WHERE run_id = ? AND NOT complete AND evidence IS NULL AND reason LIKE ?
    ORDER BY ALL
"""
"""This run's listings too short to be complete (quarantine-caused ones are reported as failures already)."""


_FIELDS = (
    "s.source, s.scope, s.observed_at, s.payload_sha256, s.key_count, s.listed_complete, "
    "s.listed_reason, s.evidence, s.complete, s.reason"
)
"""The snapshot columns the settling reads, in the order it unpacks them."""

_Row = tuple[Any, ...]


def _settle_completeness(con: duckdb.DuckDBPyConnection, spec: EntitySpec, earliest: datetime | None) -> None:
    """Re-derive ``complete`` for every snapshot of the ``affected`` scopes, in time order.

    A listing is complete when its payload says so and, unless it is positive evidence,
    it is not ``too_short`` against the median key count of the scope's last complete
    listings. Settled over all snapshots of a scope, the result does not depend on load order.
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE unsettled AS {_UNSETTLED}", _settle_params(spec, earliest))
    rows = _window_snapshots(con, spec, earliest)
    rows = sorted([*rows, *_seed_snapshots(con, spec, earliest)], key=lambda r: (r[0], r[1], r[2], r[3]))
    _update_completeness(con, _settled_changes(spec, rows))


_UNSETTLED = """
    WITH listed AS (  -- scopes with one listing in their window, and it holds what it said of itself
        SELECT a.source, a.scope, any_value(s.key_count) AS key_count,
            bool_or(s.listed_complete AND s.evidence IS NULL) AS judged
        FROM affected a JOIN snapshots s ON s.source = a.source AND s.scope = a.scope
        WHERE s.entity = $entity AND s.observed_at >= a.since AND s.observed_at >= $earliest
        GROUP BY ALL
        HAVING count(*) = 1 AND bool_and(s.complete = s.listed_complete
            AND s.reason IS NOT DISTINCT FROM s.listed_reason)
    ),
    recent AS (  -- the last complete listings before the window, looked for in the recent past first
        SELECT s.source, s.scope, s.key_count
        FROM snapshots s JOIN affected a ON a.source = s.source AND a.scope = s.scope
        WHERE s.entity = $entity AND s.observed_at < a.since AND s.complete AND s.evidence IS NULL
            AND s.observed_at >= $horizon
        QUALIFY row_number() OVER (PARTITION BY s.source, s.scope ORDER BY s.observed_at DESC) <= $window
    ),
    enough AS (SELECT source, scope FROM recent GROUP BY ALL HAVING count(*) = $window),
    older AS (  -- then in all of history, for the scopes that found too few there
        SELECT s.source, s.scope, s.key_count
        FROM snapshots s JOIN affected a ON a.source = s.source AND a.scope = s.scope
        WHERE s.entity = $entity AND s.observed_at < a.since AND s.complete AND s.evidence IS NULL
            AND NOT EXISTS (SELECT 1 FROM enough f WHERE f.source = s.source AND f.scope = s.scope)
        QUALIFY row_number() OVER (PARTITION BY s.source, s.scope ORDER BY s.observed_at DESC) <= $window
    ),
    medians AS (
        SELECT source, scope, median(key_count) AS m FROM (
            SELECT * FROM recent r WHERE EXISTS (SELECT 1 FROM enough f WHERE f.source = r.source AND f.scope = r.scope)
            UNION ALL SELECT * FROM older)
        GROUP BY ALL
    ),
    settled AS (  -- the median finds the listing long enough (or there is none): nothing to change
        SELECT l.source, l.scope
        FROM listed l LEFT JOIN medians m USING (source, scope)
        WHERE m.m IS NULL OR NOT (l.judged AND (l.key_count < $fraction * m.m
            OR (l.key_count <= $fraction * m.m AND m.m - l.key_count > 1)))
    )
    SELECT a.* FROM affected a
    WHERE NOT EXISTS (SELECT 1 FROM settled s WHERE s.source = a.source AND s.scope = a.scope)
"""
"""The ``affected`` scopes the settling must walk: all but those whose one window listing (most of a night's)
is judged as it was, complete or not, against the median of the last complete listings (``too_short`` in SQL).
A scope with several listings in its window, or whose listing turns out too short, is walked in Python."""


def _settle_params(spec: EntitySpec, earliest: datetime | None) -> dict[str, Any]:
    horizon = None if earliest is None else earliest - SEED_LOOKBACK
    return {"entity": spec.name, "earliest": earliest, "horizon": horizon,
            "window": spec.median_window, "fraction": spec.complete_fraction}  # fmt: skip


def _window_snapshots(con: duckdb.DuckDBPyConnection, spec: EntitySpec, earliest: datetime | None) -> list[_Row]:
    """Return the snapshots of the ``affected`` scopes from each scope's ``since`` on."""
    rows: list[_Row] = con.execute(
        f"""
        SELECT {_FIELDS}, false AS is_seed
        FROM snapshots s JOIN unsettled a ON a.source = s.source AND a.scope = s.scope
        WHERE s.entity = $entity AND s.observed_at >= a.since AND s.observed_at >= $earliest
        """,
        {"entity": spec.name, "earliest": earliest},
    ).fetchall()
    return rows


def _seed_snapshots(con: duckdb.DuckDBPyConnection, spec: EntitySpec, earliest: datetime | None) -> list[_Row]:
    """Return each ``affected`` scope's last complete listings before its window, which feed the median."""
    # Looked for in the recent past first, where a scope listed nightly finds them all, so the
    # scan skips old history; the scopes that found too few there look in all of it.
    seeds = f"""
        SELECT {_FIELDS}, true AS is_seed
        FROM snapshots s JOIN {{scopes}} a ON a.source = s.source AND a.scope = s.scope
        WHERE s.entity = $entity AND s.observed_at < a.since AND s.complete AND s.evidence IS NULL {{bound}}
        QUALIFY row_number() OVER (PARTITION BY s.source, s.scope ORDER BY s.observed_at DESC)
            <= {spec.median_window}
        """
    horizon = None if earliest is None else earliest - SEED_LOOKBACK
    recent_seeds: list[_Row] = con.execute(
        seeds.format(scopes="unsettled", bound="AND s.observed_at >= $horizon"),
        {"entity": spec.name, "horizon": horizon},
    ).fetchall()
    found = Counter((row[0], row[1]) for row in recent_seeds)
    affected = con.execute("SELECT source, scope, since FROM unsettled").fetchall()
    short = [row for row in affected if found[(row[0], row[1])] < spec.median_window]
    if not short:
        return recent_seeds
    short_scopes = pd.DataFrame.from_records(short, columns=["source", "scope", "since"])  # noqa: F841 (read by name)
    older: list[_Row] = con.execute(seeds.format(scopes="short_scopes", bound=""), {"entity": spec.name}).fetchall()
    refound = {(row[0], row[1]) for row in short}
    return [row for row in recent_seeds if (row[0], row[1]) not in refound] + older


def _settled_changes(spec: EntitySpec, rows: list[_Row]) -> list[_Row]:
    """Return the window snapshots whose settled ``(complete, reason)`` differs from the stored one."""
    updates: list[_Row] = []
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
    return updates


def _update_completeness(con: duckdb.DuckDBPyConnection, updates: list[_Row]) -> None:
    """Write the settled ``complete`` and ``reason`` of the changed snapshots."""
    if not updates:
        return
    columns = ["entity", "source", "scope", "observed_at", "payload_sha256", "complete", "reason"]
    settled = pd.DataFrame(updates, columns=columns)  # noqa: F841 (read by name)
    con.execute(
        """
        UPDATE snapshots s SET complete = u.complete, reason = u.reason FROM settled u
        WHERE s.entity = u.entity AND s.source = u.source AND s.scope = u.scope
          AND s.observed_at = u.observed_at AND s.payload_sha256 = u.payload_sha256
        """
    )


def too_short(count: int, recent_median: float, fraction: float) -> bool:
    """Whether a listing of ``count`` keys is too short to be complete against the recent median.

    Fewer than ``fraction`` (half) of the median is too short; so is exactly half when that is
    more than one key short: a list that lost half its models is a failed scrape, but a scope
    of two endpoints that loses one is a real change.
    """
    limit = fraction * recent_median
    return count < limit or (count <= limit and recent_median - count > 1)
