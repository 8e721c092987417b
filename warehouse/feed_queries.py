"""The change feeds' query: rows of the ``changes`` view with the time the warehouse first learned each.

``changes`` has no such time; the version rows a change leads to do. A change is matched to the live version
it leads to by entity, source, key (the source's model key, with the endpoint key or the benchmark) and
``changed_at`` = that version's ``valid_from``. The live row's own ``recorded_at`` will not do: closing a
version (setting its ``valid_to`` when the next one comes) records it anew. So a change was learned when the
first row with that start and those values (``attr_hash``, ``is_deleted``) was recorded, superseded or not.
Feeds order by it, so a backfill's old-dated changes still come first on the day they are learned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

FEED_CHANGES = """
WITH learned AS (
    SELECT 'endpoint' AS entity, source, model_id || ' ' || endpoint_key AS key, valid_from,
        min(recorded_at) AS recorded_at
    FROM endpoint_versions GROUP BY source, model_id, endpoint_key, valid_from, attr_hash, is_deleted
    HAVING bool_or(superseded_at IS NULL)
    UNION ALL
    SELECT 'model', source, model_id, valid_from, min(recorded_at)
    FROM model_versions GROUP BY source, model_id, valid_from, attr_hash, is_deleted
    HAVING bool_or(superseded_at IS NULL)
    UNION ALL
    SELECT 'benchmark', source, model_id || ' ' || benchmark, valid_from, min(recorded_at)
    FROM benchmark_versions GROUP BY source, model_id, benchmark, valid_from, attr_hash, is_deleted
    HAVING bool_or(superseded_at IS NULL)
)
SELECT c.entity, c.key, c.model_id, c.provider, c.field, c.old_value, c.new_value, c.changed_at, l.recorded_at,
    c.source, c.source_key, c.endpoint_key, c.old_number, c.new_number, c.added, c.removed
FROM changes c
JOIN learned l ON l.entity = c.entity AND l.source = c.source AND l.key = c.key AND l.valid_from = c.changed_at
WHERE ($recorded_since IS NULL OR l.recorded_at >= CAST($recorded_since AS TIMESTAMPTZ))
  AND ($field IS NULL OR c.field = $field)
  AND ($model IS NULL OR c.model_id ILIKE '%' || $model || '%')
  AND ($provider IS NULL OR c.provider ILIKE '%' || $provider || '%')
ORDER BY l.recorded_at DESC, c.changed_at DESC, c.entity, c.key, c.field
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
