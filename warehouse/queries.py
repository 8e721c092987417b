"""Read-only queries behind CLI commands (no pandas: commands that read stay fast to start)."""

from __future__ import annotations

CHANGES = """
SELECT changed_at, entity, model_id, provider, endpoint_key, field, old_value, new_value, added, removed, source
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
UNION ALL  -- `runs` is documented among the views but is the table itself (the run ledger)
SELECT table_name FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'runs'
ORDER BY 1
"""
"""The warehouse's public views (history views included) and ``runs``: what ``export`` writes."""

STATUS = """
WITH origins AS (SELECT o.source, o.origin FROM unnest($origins::STRUCT(source VARCHAR, origin VARCHAR)[]) t(o)),
last_run AS (
    SELECT s AS source, arg_max(run_id, started_at) AS run_id FROM runs, unnest(sources) t(s) GROUP BY s
),
fetched AS (
    SELECT source, run_id, count(*) AS payloads FROM payloads
    WHERE run_id IN (SELECT run_id FROM last_run) GROUP BY ALL
),
observed AS (
    SELECT source, run_id, count(*) AS observations FROM (
        SELECT source, run_id FROM model_observations
        UNION ALL SELECT source, run_id FROM endpoint_observations
        UNION ALL SELECT source, run_id FROM benchmark_observations
    ) WHERE run_id IN (SELECT run_id FROM last_run) GROUP BY ALL
),
failed AS (
    SELECT o.source, r.run_id, count(*) AS failed_urls
    FROM runs r, unnest(r.failed_urls) t(f), origins o
    WHERE r.run_id IN (SELECT run_id FROM last_run) AND (f.url = o.origin OR starts_with(f.url, o.origin || '/'))
    GROUP BY ALL
),
fresh AS (  -- a payload refused whole (a challenge page, a layout change) is not fresh data
    SELECT source, max(fetched_at) AS fetched_at FROM payloads p
    WHERE status IN (200, 304) AND NOT EXISTS (
        SELECT 1 FROM quarantine q
        WHERE q.entity IS NULL AND q.url = p.url AND q.fetched_at = p.fetched_at AND q.sha256 = p.sha256
    )
    GROUP BY source
)
SELECT o.source, r.run_id AS last_run, r.status,
    strftime(r.started_at, '%Y-%m-%d %H:%M') AS started_at,
    CASE WHEN r.run_id IS NOT NULL THEN coalesce(p.payloads, 0) END AS payloads,
    CASE WHEN r.run_id IS NOT NULL THEN coalesce(b.observations, 0) END AS observations,
    CASE WHEN r.run_id IS NOT NULL THEN coalesce(x.failed_urls, 0) END AS failed_urls,
    strftime(f.fetched_at, '%Y-%m-%d %H:%M') AS newest_data,
    CASE WHEN f.fetched_at IS NULL THEN NULL
         ELSE CAST(date_diff('hour', f.fetched_at, $now) AS VARCHAR) || ' h ago' END AS data_age
FROM origins o
LEFT JOIN last_run l USING (source)
LEFT JOIN runs r ON r.run_id = l.run_id
LEFT JOIN fetched p ON p.source = o.source AND p.run_id = r.run_id
LEFT JOIN observed b ON b.source = o.source AND b.run_id = r.run_id
LEFT JOIN failed x ON x.source = o.source AND x.run_id = r.run_id
LEFT JOIN fresh f ON f.source = o.source
ORDER BY o.source
"""
"""Per source: its last run (state, and the payloads, observations and failed URLs of this source in it) and how
fresh its newest loaded payload is. ``$origins``: each source's id and real origin, which its failed URLs start with."""

# The report's queries share their filters: $models and $providers are lists of substrings (any
# may match, case-insensitive; empty matches all), $since and $until bound the period shown.
_MODEL_MATCHES = (
    "(len($models) = 0 OR EXISTS (SELECT 1 FROM unnest($models) f(m) WHERE model_id ILIKE '%' || m || '%'))"
)
_PROVIDER_MATCHES = (
    "(len($providers) = 0 OR EXISTS (SELECT 1 FROM unnest($providers) f(p) WHERE provider ILIKE '%' || p || '%'))"
)
_OVERLAPS = "(valid_to IS NULL OR valid_to > $since) AND valid_from <= $until"
_ENDPOINT_VERSIONS = """
SELECT * REPLACE (coalesce(provider, max(provider) OVER (PARTITION BY source, source_key, endpoint_key)) AS provider)
FROM endpoint_history
"""  # a tombstone carries no provider: it is named after its endpoint's

REPORT_MODELS = f"""
WITH endpoint_versions AS (SELECT * FROM ({_ENDPOINT_VERSIONS}) WHERE model_id IS NOT NULL),
matched AS (
    SELECT DISTINCT model_id FROM endpoint_versions WHERE {_OVERLAPS} AND {_MODEL_MATCHES} AND {_PROVIDER_MATCHES}
    UNION
    SELECT DISTINCT model_id FROM benchmark_history
    WHERE len($providers) = 0 AND model_id IS NOT NULL AND {_OVERLAPS} AND {_MODEL_MATCHES}
)
SELECT m.model_id, count(c.field) AS changes
FROM matched m LEFT JOIN changes c ON c.model_id = m.model_id AND c.changed_at BETWEEN $since AND $until
GROUP BY m.model_id
ORDER BY changes DESC, m.model_id
"""
"""Models with an endpoint or a score in the period that match the filters, the most changed first."""

REPORT_NAMES = """
SELECT model_id, name FROM models WHERE model_id IN (SELECT unnest($chosen))
"""
"""The chosen models' display names."""

REPORT_ENDPOINT_VERSIONS = f"""
SELECT source, model_id, endpoint_key, provider, is_deleted, valid_from, valid_to,
    max_output_tokens, input_price_per_mtok, output_price_per_mtok
FROM ({_ENDPOINT_VERSIONS})
WHERE model_id IN (SELECT unnest($chosen)) AND {_OVERLAPS} AND {_PROVIDER_MATCHES}
ORDER BY model_id, provider, endpoint_key, source, valid_from
"""
"""The chosen models' endpoint versions in the period."""

REPORT_UPTIME = f"""
SELECT source, model_id, endpoint_key, provider, observed_at, uptime_pct
FROM uptime
WHERE period = '1d' AND model_id IN (SELECT unnest($chosen)) AND observed_at BETWEEN $since AND $until
  AND {_PROVIDER_MATCHES}
ORDER BY model_id, source, endpoint_key, observed_at
"""
"""Daily uptime measurements of the chosen models' endpoints in the period."""

REPORT_BENCHMARK_VERSIONS = f"""
SELECT model_id, benchmark, source, is_deleted, valid_from, valid_to, score
FROM benchmark_history
WHERE model_id IN (SELECT unnest($chosen)) AND {_OVERLAPS}
ORDER BY model_id, benchmark, source, valid_from
"""
"""The chosen models' benchmark score versions in the period."""

REPORT_CHANGES = f"""
SELECT changed_at, model_id, provider, endpoint_key, field, old_value, new_value, source
FROM changes
WHERE model_id IN (SELECT unnest($chosen)) AND changed_at BETWEEN $since AND $until
  AND (entity <> 'endpoint' OR {_PROVIDER_MATCHES})
ORDER BY changed_at DESC, model_id, provider, field
"""
"""The chosen models' field-level changes in the period, newest first."""

REPORT_CONFLICTS = """
SELECT model_id, field, source, value, observed_at
FROM conflicts
WHERE model_id IN (SELECT unnest($chosen))
ORDER BY model_id, field, source
"""
"""Where the sources disagree today on the chosen models."""

REPORT_SPAN = """
SELECT least((SELECT min(valid_from) FROM endpoint_history), (SELECT min(valid_from) FROM benchmark_history)),
    (SELECT max(fetched_at) FROM raw_fetches WHERE status IN (200, 304))
"""
"""The earliest version and the newest loaded fetch: the period a report covers by default."""

MODEL_KEYS = """
SELECT model_id FROM model_attributes WHERE source = $1
UNION SELECT canonical_slug FROM model_attributes WHERE source = $1 AND canonical_slug IS NOT NULL
UNION SELECT model_id FROM endpoint_attributes WHERE source = $1
"""
"""Every model key of one source the warehouse has observed: ids, canonical slugs, models with endpoints."""

PRICES = """
SELECT model_id, provider, source, input_price_per_mtok, output_price_per_mtok, cache_read_price_per_mtok,
    cache_write_price_per_mtok, tiers_text(price_tiers) AS price_tiers, effective_after, effective_by, seen_until,
    next_effective_by, endpoint_key, source_key
FROM prices_on(CAST($on AS TIMESTAMPTZ))
WHERE ($model IS NULL OR model_id ILIKE '%' || $model || '%')
  AND ($provider IS NULL OR provider ILIKE '%' || $provider || '%')
ORDER BY model_id, provider, source, endpoint_key
"""
"""Each endpoint's prices in force at ``$on``, with the brackets of when they took effect and ended, filtered as
``CHANGES`` is."""

DIFF = """
SELECT entity, change, model_id, provider, endpoint_key, field, old_value, new_value, relative_change, added,
    removed, source, source_key
FROM diff(CAST($from AS TIMESTAMPTZ), CAST($to AS TIMESTAMPTZ))
WHERE ($model IS NULL OR model_id ILIKE '%' || $model || '%')
  AND ($provider IS NULL OR provider ILIKE '%' || $provider || '%')
  AND ($source IS NULL OR source = $source)
ORDER BY entity DESC, model_id, provider, endpoint_key, source, change, field
"""
"""What differs between the states at ``$from`` and ``$to``; filters as ``CHANGES`` (``$source`` exact)."""

COST = """
WITH usage AS (
    SELECT unnest($rows::STRUCT(line INTEGER, used_at TIMESTAMPTZ, model VARCHAR, provider VARCHAR,
                                input_tokens BIGINT, output_tokens BIGINT)[], recursive := true)
),
priced AS (
    SELECT u.line, p.source, p.endpoint_key, p.seen_until, p.next_effective_by,
        coalesce(tier_price(p.price_tiers, 'input', u.input_tokens, u.used_at),
                 p.input_price_per_mtok) AS input_price_per_mtok,
        coalesce(tier_price(p.price_tiers, 'output', u.input_tokens, u.used_at),
                 p.output_price_per_mtok) AS output_price_per_mtok
    FROM usage u JOIN price_periods p
        ON (lower(p.model_id) = lower(u.model) OR lower(p.source_key) = lower(u.model))
        AND (lower(p.provider) = lower(u.provider) OR lower(p.provider_id) = lower(u.provider))
        AND p.effective_by <= u.used_at AND (p.next_effective_by IS NULL OR p.next_effective_by > u.used_at)
        AND ($source IS NULL OR p.source = $source)
    QUALIFY row_number() OVER (PARTITION BY u.line ORDER BY list_position($preference, p.source), p.endpoint_key) = 1
)
SELECT u.line, u.used_at AS time, u.model, u.provider, u.input_tokens, u.output_tokens, p.source, p.endpoint_key,
    p.input_price_per_mtok, p.output_price_per_mtok,
    CAST(CAST(u.input_tokens AS DECIMAL(18, 0)) * p.input_price_per_mtok * 0.000001
         + CAST(u.output_tokens AS DECIMAL(18, 0)) * p.output_price_per_mtok * 0.000001 AS DECIMAL(38, 12)) AS cost_usd,
    coalesce(p.next_effective_by IS NOT NULL AND u.used_at > p.seen_until, false) AS uncertain,
    CASE WHEN p.line IS NULL THEN 'no price known for this model and provider at this time'
         WHEN p.next_effective_by IS NOT NULL AND u.used_at > p.seen_until
         THEN 'the price changed between ' || strftime(p.seen_until, '%Y-%m-%d %H:%M') || ' and '
              || strftime(p.next_effective_by, '%Y-%m-%d %H:%M') || ' UTC: priced at the earlier one'
    END AS note
FROM usage u LEFT JOIN priced p USING (line)
ORDER BY u.line
"""
"""Each usage row (``$rows``) priced at its time: the endpoint of that model and provider (by canonical id or source
key, provider name or id, case-insensitive) from ``$source`` or the first source of ``$preference`` that has one;
its tiers applied (``tier_price``: by prompt size, UTC time of day and weekday; a later upstream entry wins, then a
larger prompt size). ``uncertain`` when the time falls between the price's last observation and the next's
first."""
