"""History invariants, checked by every load before it commits."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from entities import ENTITIES


class InvariantError(Exception):
    """History broke an invariant; the load was rolled back."""


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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
