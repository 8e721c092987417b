"""Read-only queries behind CLI commands (no pandas: commands that read stay fast to start)."""

from __future__ import annotations

CHANGES = """
SELECT strftime(changed_at, '%Y-%m-%d %H:%M') AS changed_at, entity, model_id, provider,
    CASE WHEN entity = 'endpoint' THEN split_part(key, ' ', 2) END AS endpoint_key,
    field, old_value, new_value, source
FROM changes
WHERE changed_at >= CAST($since AS TIMESTAMPTZ)
  AND ($field IS NULL OR field = $field)
  AND ($model IS NULL OR model_id ILIKE '%' || $model || '%')
  AND ($provider IS NULL OR provider ILIKE '%' || $provider || '%')
ORDER BY changed_at, entity, model_id, endpoint_key, field
"""
"""Field-level changes since a time, optionally filtered (substring, case-insensitive for model and provider)."""

PUBLIC_VIEWS = """
SELECT view_name FROM duckdb_views()
WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal AND NOT temporary
ORDER BY view_name
"""
"""The warehouse's public views (history views included): what ``export`` writes."""
