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

STATUS = """
WITH sources(source) AS (SELECT unnest($sources::VARCHAR[])),
last_run AS (
    SELECT s AS source, arg_max(run_id, started_at) AS run_id FROM runs, unnest(sources) t(s) GROUP BY s
),
fresh AS (SELECT source, max(fetched_at) AS fetched_at FROM payloads WHERE status = 200 GROUP BY source)
SELECT s.source, r.run_id AS last_run, r.kind, r.status,
    strftime(r.started_at, '%Y-%m-%d %H:%M') AS started_at, r.payloads, r.observations, r.new_versions,
    len(r.failed_urls) AS failed_urls,
    strftime(f.fetched_at, '%Y-%m-%d %H:%M') AS newest_data,
    CASE WHEN f.fetched_at IS NULL THEN NULL
         ELSE CAST(date_diff('hour', f.fetched_at, $now) AS VARCHAR) || ' h ago' END AS data_age
FROM sources s
LEFT JOIN last_run l USING (source)
LEFT JOIN runs r ON r.run_id = l.run_id
LEFT JOIN fresh f ON f.source = s.source
ORDER BY s.source
"""
"""Per source: its last run (state and counts) and how fresh its newest loaded payload is."""
