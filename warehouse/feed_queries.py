"""The change feeds' query: rows of the ``changes`` view with the time the warehouse learned each.

``changes`` has no such time; the version rows do. A change is matched to the live version it leads to by
entity, source, key (the source's model key, with the endpoint key or the benchmark) and ``changed_at`` = that
version's ``valid_from``. A version was learned when the first row with its start and values (``attr_hash``,
``is_deleted``) was recorded, superseded or not: the live row's own ``recorded_at`` will not do, since closing
a version (its ``valid_to`` set when the next one comes) records it anew. A change is known once both of its
versions are: the later of the two. So a backfill that loads an older version makes the change it causes news
on the day it lands, whatever its date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

FEED_CHANGES = """
WITH versions AS (
    SELECT 'endpoint' AS entity, source, model_id || ' ' || endpoint_key AS key, valid_from, is_deleted,
        min(recorded_at) AS learned
    FROM endpoint_versions GROUP BY source, model_id, endpoint_key, valid_from, attr_hash, is_deleted
    HAVING bool_or(superseded_at IS NULL)
    UNION ALL
    SELECT 'model', source, model_id, valid_from, is_deleted, min(recorded_at)
    FROM model_versions GROUP BY source, model_id, valid_from, attr_hash, is_deleted
    HAVING bool_or(superseded_at IS NULL)
    UNION ALL
    SELECT 'benchmark', source, model_id || ' ' || benchmark, valid_from, is_deleted, min(recorded_at)
    FROM benchmark_versions GROUP BY source, model_id, benchmark, valid_from, attr_hash, is_deleted
    HAVING bool_or(superseded_at IS NULL)
),
steps AS (  -- `changes` compares a field live to live, and `deleted` across every version
    SELECT entity, source, key, valid_from, learned,
        lag(learned) OVER (PARTITION BY entity, source, key ORDER BY valid_from) AS previous_learned,
        lag(learned) OVER (PARTITION BY entity, source, key, is_deleted ORDER BY valid_from) AS previous_live_learned
    FROM versions
),
learned AS (
    SELECT c.entity, c.key, c.model_id, c.provider, c.field, c.old_value, c.new_value, c.changed_at,
        greatest(s.learned, CASE WHEN c.field = 'deleted' THEN s.previous_learned ELSE s.previous_live_learned END)
            AS recorded_at,
        c.source, c.source_key, c.endpoint_key, c.old_number, c.new_number, c.added, c.removed
    FROM changes c
    JOIN steps s ON s.entity = c.entity AND s.source = c.source AND s.key = c.key AND s.valid_from = c.changed_at
)
SELECT * FROM learned
WHERE ($recorded_since IS NULL OR recorded_at >= CAST($recorded_since AS TIMESTAMPTZ))
  AND ($field IS NULL OR field = $field)
  AND ($model IS NULL OR model_id ILIKE '%' || $model || '%')
  AND ($provider IS NULL OR provider ILIKE '%' || $provider || '%')
ORDER BY recorded_at DESC, changed_at DESC, entity, key, field
LIMIT $limit
"""
"""Changes, newest learned first: at most ``$limit``, recorded at or after ``$recorded_since`` (NULL: any time),
filtered as ``modelsync changes`` filters (model and provider: substring, case-insensitive; field: exact)."""


@dataclass(frozen=True)
class ChangeFilter:
    """Which changes a feed or the webhook keeps; None keeps all."""

    model: str | None = None
    provider: str | None = None
    field: str | None = None

    def params(self, limit: int | None, recorded_since: datetime | None = None) -> dict[str, object]:
        """The parameters of ``FEED_CHANGES`` for this filter."""
        return {"model": self.model, "provider": self.provider, "field": self.field, "limit": limit,
                "recorded_since": recorded_since}  # fmt: skip
