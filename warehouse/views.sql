-- Every view and macro of the warehouse, each defined once, in dependency order.
--
-- Recreated (CREATE OR REPLACE) whenever modelsync opens a warehouse to write, after the
-- migrations, so a warehouse always has the definitions of the modelsync that last wrote it.
-- Migrations (warehouse/migrations/) hold tables and data only. Views and macros are the
-- public interface: their names and columns are documented in docs/views.md.

-- ==== Helpers =================================================================================

-- Time travel runs on two axes: endpoints_as_of(ts) is what was true at ts (valid time), as the
-- warehouse holds it now; endpoints_as_of(ts, known_at := k) is what the warehouse said at k
-- about ts (transaction time). A bare date ('2026-08-02') means the end of that day in UTC.
CREATE OR REPLACE MACRO as_of_instant(ts) AS
    CASE WHEN length(CAST(ts AS VARCHAR)) = 10
         THEN timezone('UTC', CAST(CAST(ts AS DATE) + INTERVAL 1 DAY AS TIMESTAMP)) - INTERVAL 1 MICROSECOND
         ELSE CAST(ts AS TIMESTAMPTZ)
    END;

-- The UTC day of an instant, and the instant that day began.
CREATE OR REPLACE MACRO utc_day(instant) AS CAST(timezone('UTC', instant) AS DATE);
CREATE OR REPLACE MACRO utc_midnight(instant) AS timezone('UTC', CAST(utc_day(instant) AS TIMESTAMP));

-- Whether the warehouse held a row (recorded at `recorded`, superseded at `superseded`) at
-- `known_at`; with known_at NULL, whether it holds it now.
CREATE OR REPLACE MACRO held_at(recorded, superseded, known_at) AS
    CASE WHEN known_at IS NULL THEN superseded IS NULL
         ELSE recorded <= as_of_instant(known_at) AND (superseded IS NULL OR superseded > as_of_instant(known_at)) END;

-- The canonical id of a source key: its crosswalk model_id, or `<source>:<key>` while unmatched.
CREATE OR REPLACE MACRO canonical_model_id(src, key, matched) AS coalesce(matched, src || ':' || key);

-- A price as text, exact and as it was shown before: six decimals at least, more only where the
-- price has them (0.080000 as before; 0.17992692, not 0.179926920000). Any number is read as a
-- price (rounded to 12 decimals) first, so the text always has those twelve to trim.
-- Who serves an endpoint, as its source names the provider: the first part of its key (OpenRouter's
-- tag `deepinfra/fp8`, models.dev's provider id, a catalog page's provider), but LiteLLM's
-- `litellm_provider`, since its endpoint key is the whole map key (`gpt-4o`, `groq/meta-llama/...`).
CREATE OR REPLACE MACRO provider_key(src, endpoint_key, provider) AS
    CASE WHEN src = 'litellm' THEN provider ELSE split_part(endpoint_key, '/', 1) END;

-- The model's key in its source, so a user can find the upstream entry: OpenRouter's model id and a
-- catalog page's slug are the key itself; models.dev's is the model id after its provider id
-- (`groq/meta-llama/x` -> `meta-llama/x`, as api.json and the TOML tree name it); LiteLLM's is the map
-- key without its first segment when `litellm_provider` begins with it, `-` and `_` alike
-- (`groq/meta-llama/x` with `groq`, `vertex_ai/meta/x` with `vertex_ai-llama_models`,
-- `amazon-nova/x` with `amazon_nova`), else the whole key (`gpt-4o`, `1024-x-1024/dall-e-2`).
CREATE OR REPLACE MACRO source_model_key(src, model_id, endpoint_key, provider) AS
    CASE
        WHEN src = 'models_dev' THEN substr(model_id, strpos(model_id, '/') + 1)
        WHEN src = 'litellm' AND strpos(endpoint_key, '/') > 1 AND strpos(endpoint_key, '/') < length(endpoint_key)
            AND starts_with(lower(replace(replace(provider, '-', ''), '_', '')),
                            lower(replace(replace(split_part(endpoint_key, '/', 1), '-', ''), '_', '')))
            THEN substr(endpoint_key, strpos(endpoint_key, '/') + 1)
        WHEN src = 'litellm' THEN endpoint_key
        ELSE model_id
    END;

CREATE OR REPLACE MACRO price_text(price) AS
    left(CAST(CAST(price AS DECIMAL(38, 12)) AS VARCHAR), -6)
    || rtrim(right(CAST(CAST(price AS DECIMAL(38, 12)) AS VARCHAR), 6), '0');

-- Price tiers as one line (what `changes` compares and shows): the price it replaces, then its conditions, then
-- the price: `input>200000:6, output>200000:22.5`; a daily UTC window `input@22:00-06:00:0.5`; weekdays
-- `input@22:00-06:00(saturday,sunday):0.5`. Tiers of the upstream entries of a list that ranks them (`entry`) are
-- in that list's order within a price, so a reordering that changes which one wins shows.
CREATE OR REPLACE MACRO tiers_text(tiers) AS
    array_to_string(list_transform(tiers,
        lambda t: t.price || coalesce('>' || CAST(t.above_tokens AS VARCHAR), '')
            || coalesce('@' || t.utc_start || '-' || t.utc_end, '')
            || coalesce('(' || array_to_string(t.utc_days, ',') || ')', '')
            || ':' || price_text(t.price_per_mtok)), ', ');

-- The price tiers set for `which` ('input', 'output', 'cache_read', 'cache_write') on a request of `prompt_tokens`
-- tokens at `instant`, or NULL when none applies (the base price does). A tier applies when each of its
-- conditions holds: a prompt of more than `above_tokens`; the UTC time of day in [utc_start, utc_end), a window
-- that wraps midnight when start > end (an empty one when they are equal); the UTC weekday among `utc_days`.
-- Of those that apply, the latest upstream entry wins (OpenRouter's rule for `pricing.overrides`), then the
-- largest prompt size (LiteLLM's and models.dev's tiers, which have no entry).
CREATE OR REPLACE MACRO tier_price(tiers, which, prompt_tokens, instant) AS
    struct_extract(list_sort(list_transform(list_filter(tiers,
        lambda t: t.price = which
            AND (t.above_tokens IS NULL OR t.above_tokens < prompt_tokens)
            AND (t.utc_start IS NULL OR CASE
                WHEN t.utc_start < t.utc_end THEN strftime(timezone('UTC', instant), '%H:%M') >= t.utc_start
                                              AND strftime(timezone('UTC', instant), '%H:%M') < t.utc_end
                WHEN t.utc_start > t.utc_end THEN strftime(timezone('UTC', instant), '%H:%M') >= t.utc_start
                                               OR strftime(timezone('UTC', instant), '%H:%M') < t.utc_end
                ELSE false END)
            AND (t.utc_days IS NULL OR list_contains(t.utc_days, lower(dayname(timezone('UTC', instant)))))),
        lambda t: {'entry': coalesce(t.entry, -1), 'above_tokens': coalesce(t.above_tokens, -1),
                   'price_per_mtok': t.price_per_mtok}))[-1], 'price_per_mtok');

-- ==== The crosswalks ==========================================================================

CREATE OR REPLACE VIEW model_aliases AS
SELECT source, source_key, model_id, rule, recorded_at
FROM model_alias_log WHERE superseded_at IS NULL;

CREATE OR REPLACE VIEW unmatched_keys AS
SELECT source, source_key, rule, recorded_at FROM model_aliases WHERE model_id IS NULL;

-- The crosswalk as it stood at `known_at`.
CREATE OR REPLACE MACRO model_aliases_as_known(known_at) AS TABLE
SELECT source, source_key, model_id, rule, recorded_at
FROM model_alias_log
WHERE held_at(recorded_at, superseded_at, known_at);

CREATE OR REPLACE VIEW provider_aliases AS
SELECT source, provider_key, provider_id, rule, recorded_at
FROM provider_alias_log WHERE superseded_at IS NULL;

-- ==== The archive =============================================================================

CREATE OR REPLACE VIEW raw_fetches AS
SELECT DISTINCT ON (url, fetched_at, sha256)
    source, url, fetched_at, status, sha256, bytes, path, content_type, etag, last_modified, origin
FROM payloads
ORDER BY url, fetched_at, sha256;

-- Schema drift: each field path a source's payloads hold that its parser does not know (`new`), or that it
-- expects and they lack (`missing`), with when it was first and last fetched so (issue 21).
CREATE OR REPLACE VIEW schema_drift AS
SELECT source, payload_kind, path, kind, min(observed_at) AS first_seen, max(observed_at) AS last_seen,
    arg_max(example, observed_at) AS example, count(*) AS payloads
FROM drift_observations
GROUP BY source, payload_kind, path, kind
ORDER BY source, payload_kind, kind, path;

-- ==== Measurements ============================================================================

CREATE OR REPLACE VIEW uptime AS
SELECT canonical_model_id(u.source, u.model_id, a.model_id) AS model_id, u.provider, u.endpoint_key, u.period,
    u.uptime_pct, u.observed_at, u.source, u.model_id AS source_key, p.provider_id
FROM uptime_measurements u
LEFT JOIN model_aliases a ON a.source = u.source AND a.source_key = u.model_id
LEFT JOIN provider_aliases p ON p.source = u.source AND p.provider_key = split_part(u.endpoint_key, '/', 1);

CREATE OR REPLACE VIEW speed AS
SELECT canonical_model_id(m.source, m.model_id, a.model_id) AS model_id, m.metric, m.value, m.observed_at,
    m.source, m.model_id AS source_key
FROM speed_measurements m
LEFT JOIN model_aliases a ON a.source = m.source AND a.source_key = m.model_id;

-- ==== Endpoints ===============================================================================

CREATE OR REPLACE VIEW endpoint_history AS
SELECT
    canonical_model_id(v.source, v.model_id, a.model_id) AS model_id, v.provider, v.endpoint_key, v.source,
    v.context_length, v.max_output_tokens, v.max_prompt_tokens,
    v.input_price_per_mtok, v.output_price_per_mtok, v.cache_read_price_per_mtok, v.cache_write_price_per_mtok,
    v.price_tiers,
    v.quantization, v.supported_params, v.supported_params_count,
    v.implicit_caching, v.status,
    (SELECT arg_max(u.uptime_pct, u.observed_at) FROM uptime_measurements u
      WHERE u.source = v.source AND u.model_id = v.model_id AND u.endpoint_key = v.endpoint_key
        AND u.period = '1d' AND u.observed_at >= v.valid_from
        AND (v.valid_to IS NULL OR u.observed_at < v.valid_to)) AS uptime_1d,
    v.model_id AS source_key,
    source_model_key(v.source, v.model_id, v.endpoint_key, v.provider) AS source_model_key, p.provider_id, v.is_deleted, v.valid_from, v.valid_to,
    v.recorded_at
FROM endpoint_versions v
LEFT JOIN model_aliases a ON a.source = v.source AND a.source_key = v.model_id
LEFT JOIN provider_aliases p ON p.source = v.source AND p.provider_key = provider_key(v.source, v.endpoint_key, v.provider)
WHERE v.superseded_at IS NULL;

CREATE OR REPLACE VIEW endpoints AS
SELECT
    canonical_model_id(v.source, v.model_id, a.model_id) AS model_id, v.provider, v.endpoint_key, v.source,
    v.context_length, v.max_output_tokens, v.max_prompt_tokens,
    v.input_price_per_mtok, v.output_price_per_mtok, v.cache_read_price_per_mtok, v.cache_write_price_per_mtok,
    v.price_tiers,
    v.quantization, v.supported_params, v.supported_params_count,
    v.implicit_caching, v.status, u.uptime_1d, v.model_id AS source_key,
    source_model_key(v.source, v.model_id, v.endpoint_key, v.provider) AS source_model_key, p.provider_id,
    v.valid_from AS observed_since
FROM endpoint_versions v
LEFT JOIN (
    SELECT source, model_id, endpoint_key, arg_max(uptime_pct, observed_at) AS uptime_1d
    FROM uptime_days GROUP BY ALL  -- the latest day's row holds the latest 1d measurement
) u USING (source, model_id, endpoint_key)
LEFT JOIN model_aliases a ON a.source = v.source AND a.source_key = v.model_id
LEFT JOIN provider_aliases p ON p.source = v.source AND p.provider_key = provider_key(v.source, v.endpoint_key, v.provider)
WHERE v.valid_from <= now() AND (v.valid_to IS NULL OR v.valid_to > now())  -- in effect now: not what is announced
  AND NOT v.is_deleted AND v.superseded_at IS NULL;

-- Each endpoint's latest 1d uptime at or before ts (as recorded by known_at): the daily rollup for the
-- days before ts's own, the measurements of that day; every measurement when known_at is given.
CREATE OR REPLACE MACRO uptime_as_of(ts, known_at) AS TABLE
SELECT source, model_id, endpoint_key, arg_max(uptime_pct, observed_at) AS uptime_1d
FROM (
    SELECT source, model_id, endpoint_key, uptime_pct, observed_at FROM uptime_days
    WHERE known_at IS NULL AND day < utc_day(as_of_instant(ts))
    UNION ALL
    SELECT source, model_id, endpoint_key, uptime_pct, observed_at FROM uptime_measurements
    WHERE period = '1d' AND observed_at <= as_of_instant(ts)
      AND CASE WHEN known_at IS NULL THEN observed_at >= utc_midnight(as_of_instant(ts))
               ELSE recorded_at <= as_of_instant(known_at) END
)
GROUP BY ALL;

CREATE OR REPLACE MACRO endpoints_as_of(ts, known_at := NULL) AS TABLE
SELECT
    canonical_model_id(v.source, v.model_id, a.model_id) AS model_id, v.provider, v.endpoint_key, v.source,
    v.context_length, v.max_output_tokens, v.max_prompt_tokens,
    v.input_price_per_mtok, v.output_price_per_mtok, v.cache_read_price_per_mtok, v.cache_write_price_per_mtok,
    v.price_tiers,
    v.quantization, v.supported_params, v.supported_params_count,
    v.implicit_caching, v.status, u.uptime_1d, v.model_id AS source_key,
    source_model_key(v.source, v.model_id, v.endpoint_key, v.provider) AS source_model_key, v.valid_from,
    v.valid_to
FROM endpoint_versions v
LEFT JOIN model_aliases a ON a.source = v.source AND a.source_key = v.model_id
LEFT JOIN uptime_as_of(ts, known_at) u ON u.source = v.source AND u.model_id = v.model_id
    AND u.endpoint_key = v.endpoint_key
WHERE v.valid_from <= as_of_instant(ts)
  AND (v.valid_to IS NULL OR v.valid_to > as_of_instant(ts))
  AND NOT v.is_deleted
  AND held_at(v.recorded_at, v.superseded_at, known_at);

-- Every version row the warehouse held at known_at (its history as it stood then).
CREATE OR REPLACE MACRO endpoint_history_as_known(known_at) AS TABLE
SELECT * EXCLUDE (attr_hash, payload_sha256)
FROM endpoint_versions
WHERE held_at(recorded_at, superseded_at, known_at);

-- Each endpoint's prices, one row per period a price was in force: upstream rarely says when a price
-- changed, so its start is a bracket, as far as the archive can tell: `effective_after` (the last
-- observation of the price before, NULL when none was seen) and `effective_by` (the first
-- observation of this one). Likewise its end: `seen_until` (its last observation) and
-- `next_effective_by` (the first observation of the next price, or of the endpoint gone; NULL while
-- it is current). Versions that differ in other fields only are one price; a retirement ends one.
-- Endpoints whose source gives no price (catalog pages) have none.
CREATE OR REPLACE VIEW price_periods AS
WITH priced AS (
    SELECT *, CASE WHEN {'deleted': is_deleted, 'input': input_price_per_mtok, 'output': output_price_per_mtok,
                         'cache_read': cache_read_price_per_mtok, 'cache_write': cache_write_price_per_mtok,
                         'tiers': price_tiers}
                   IS DISTINCT FROM lag({'deleted': is_deleted, 'input': input_price_per_mtok,
                         'output': output_price_per_mtok, 'cache_read': cache_read_price_per_mtok,
                         'cache_write': cache_write_price_per_mtok, 'tiers': price_tiers})
                        OVER (PARTITION BY source, model_id, endpoint_key ORDER BY valid_from)
              THEN 1 ELSE 0 END AS starts_price
    FROM endpoint_versions WHERE superseded_at IS NULL
),
numbered AS (
    SELECT *, sum(starts_price) OVER (PARTITION BY source, model_id, endpoint_key ORDER BY valid_from
                                      ROWS UNBOUNDED PRECEDING) AS price_run
    FROM priced
),
periods AS (
    SELECT source, model_id, endpoint_key, price_run, arg_max(provider, valid_from) AS provider,
        any_value(input_price_per_mtok) AS input_price_per_mtok, any_value(output_price_per_mtok) AS output_price_per_mtok,
        any_value(cache_read_price_per_mtok) AS cache_read_price_per_mtok,
        any_value(cache_write_price_per_mtok) AS cache_write_price_per_mtok, any_value(price_tiers) AS price_tiers,
        min(valid_from) AS effective_by,
        CASE WHEN count(*) = count(valid_to) THEN max(valid_to) END AS next_effective_by
    FROM numbered WHERE NOT is_deleted GROUP BY source, model_id, endpoint_key, price_run
)
SELECT canonical_model_id(f.source, f.model_id, a.model_id) AS model_id, f.provider, f.endpoint_key, f.source,
    f.input_price_per_mtok, f.output_price_per_mtok, f.cache_read_price_per_mtok, f.cache_write_price_per_mtok,
    f.price_tiers,
    (SELECT max(o.observed_at) FROM endpoint_observations o
      WHERE o.source = f.source AND o.model_id = f.model_id AND o.endpoint_key = f.endpoint_key
        AND o.observed_at < f.effective_by) AS effective_after,
    f.effective_by,
    (SELECT max(o.observed_at) FROM endpoint_observations o
      WHERE o.source = f.source AND o.model_id = f.model_id AND o.endpoint_key = f.endpoint_key
        AND o.observed_at >= f.effective_by
        AND (f.next_effective_by IS NULL OR o.observed_at < f.next_effective_by)) AS seen_until,
    f.next_effective_by,
    f.model_id AS source_key, p.provider_id
FROM periods f
LEFT JOIN model_aliases a ON a.source = f.source AND a.source_key = f.model_id
LEFT JOIN provider_aliases p ON p.source = f.source AND p.provider_key = provider_key(f.source, f.endpoint_key, f.provider)
WHERE coalesce(f.input_price_per_mtok, f.output_price_per_mtok, f.cache_read_price_per_mtok,
               f.cache_write_price_per_mtok) IS NOT NULL OR f.price_tiers IS NOT NULL;  -- a period without a price is none

-- Each endpoint's prices in force at ts (a bare date is the end of that day, UTC), with their brackets.
CREATE OR REPLACE MACRO prices_on(ts) AS TABLE
SELECT * FROM price_periods
WHERE effective_by <= as_of_instant(ts) AND (next_effective_by IS NULL OR next_effective_by > as_of_instant(ts));

-- ==== Models ==================================================================================

CREATE OR REPLACE VIEW model_history AS
SELECT
    canonical_model_id(v.source, v.model_id, a.model_id) AS model_id,
    v.name, v.creator, v.context_window, v.max_output_tokens, v.release_date, v.open_weights,
    v.input_modalities, v.output_modalities, v.source, v.model_id AS source_key, v.canonical_slug,
    v.hugging_face_id, v.base_model, v.input_price_per_mtok, v.output_price_per_mtok, v.knowledge_cutoff,
    v.expiration_date, v.last_updated, v.status, v.supported_params, v.api_providers, v.capabilities, v.mode,
    v.description, v.is_deleted, v.valid_from, v.valid_to, v.recorded_at
FROM model_versions v
LEFT JOIN model_aliases a ON a.source = v.source AND a.source_key = v.model_id
WHERE v.superseded_at IS NULL;

CREATE OR REPLACE MACRO model_history_as_known(known_at) AS TABLE
SELECT * EXCLUDE (attr_hash, payload_sha256)
FROM model_versions
WHERE held_at(recorded_at, superseded_at, known_at);

-- Every source's value of each model field at ts, under its canonical model (NULLs left out);
-- with known_at, as the warehouse (versions and crosswalk) stood at that time.
CREATE OR REPLACE MACRO model_facts_as_of(ts, known_at := NULL) AS TABLE
WITH held AS (
    SELECT v.*, canonical_model_id(v.source, v.model_id, a.model_id) AS canonical_id
    FROM model_versions v
    LEFT JOIN model_alias_log a ON a.source = v.source AND a.source_key = v.model_id
        AND held_at(a.recorded_at, a.superseded_at, known_at)
    WHERE NOT v.is_deleted
      AND v.valid_from <= as_of_instant(ts) AND (v.valid_to IS NULL OR v.valid_to > as_of_instant(ts))
      AND held_at(v.recorded_at, v.superseded_at, known_at)
),
seen AS (
    SELECT source, model_id, max(observed_at) AS observed_at
    FROM model_observations
    WHERE observed_at <= as_of_instant(ts) AND (known_at IS NULL OR recorded_at <= as_of_instant(known_at))
    GROUP BY ALL
)
SELECT model_id, field, source, source_key, value, observed_at
FROM (
    SELECT h.canonical_id AS model_id, h.source, h.model_id AS source_key, s.observed_at,
        CAST(h.name AS VARCHAR) AS name,
        CAST(h.creator AS VARCHAR) AS creator,
        CAST(h.context_window AS VARCHAR) AS context_window,
        CAST(h.max_output_tokens AS VARCHAR) AS max_output_tokens,
        CAST(h.release_date AS VARCHAR) AS release_date,
        CAST(h.open_weights AS VARCHAR) AS open_weights,
        CAST(h.knowledge_cutoff AS VARCHAR) AS knowledge_cutoff,
        nullif(array_to_string(h.input_modalities, ', '), '') AS input_modalities,
        nullif(array_to_string(h.output_modalities, ', '), '') AS output_modalities,
        price_text(h.input_price_per_mtok) AS input_price_per_mtok,
        price_text(h.output_price_per_mtok) AS output_price_per_mtok
    FROM held h JOIN seen s USING (source, model_id)
) UNPIVOT (value FOR field IN (name, creator, context_window, max_output_tokens, release_date, open_weights,
    knowledge_cutoff, input_modalities, output_modalities, input_price_per_mtok, output_price_per_mtok));

CREATE OR REPLACE VIEW model_facts AS SELECT * FROM model_facts_as_of(now());

-- One row per canonical model at ts: per field, the value of the first source in
-- field_precedence that has one; `provenance` maps each field to the source chosen. The prices are
-- the model's list price (OpenRouter's, else Artificial Analysis's); each provider's are in `endpoints`.
CREATE OR REPLACE MACRO models_as_of(ts, known_at := NULL) AS TABLE
WITH facts AS (SELECT * FROM model_facts_as_of(ts, known_at := known_at)),
votes AS (
    SELECT model_id, field, source, value, count(*) AS n, max(observed_at) AS last_seen
    FROM facts GROUP BY ALL
),
chosen AS (
    SELECT v.model_id, v.field, v.source, v.value
    FROM votes v JOIN field_precedence p USING (field, source)
    QUALIFY row_number() OVER (PARTITION BY v.model_id, v.field
                               ORDER BY p.rank, v.n DESC, v.last_seen DESC, v.value) = 1
),
known AS (SELECT model_id, list(DISTINCT source ORDER BY source) AS sources FROM facts GROUP BY ALL)
SELECT
    model_id,
    max(value) FILTER (WHERE field = 'name') AS name,
    max(value) FILTER (WHERE field = 'creator') AS creator,
    CAST(max(value) FILTER (WHERE field = 'context_window') AS BIGINT) AS context_window,
    CAST(max(value) FILTER (WHERE field = 'max_output_tokens') AS BIGINT) AS max_output_tokens,
    CAST(max(value) FILTER (WHERE field = 'release_date') AS DATE) AS release_date,
    CAST(max(value) FILTER (WHERE field = 'open_weights') AS BOOLEAN) AS open_weights,
    string_split(max(value) FILTER (WHERE field = 'input_modalities'), ', ') AS input_modalities,
    string_split(max(value) FILTER (WHERE field = 'output_modalities'), ', ') AS output_modalities,
    CAST(max(value) FILTER (WHERE field = 'knowledge_cutoff') AS DATE) AS knowledge_cutoff,
    CAST(max(value) FILTER (WHERE field = 'input_price_per_mtok') AS DECIMAL(38, 12)) AS input_price_per_mtok,
    CAST(max(value) FILTER (WHERE field = 'output_price_per_mtok') AS DECIMAL(38, 12)) AS output_price_per_mtok,
    any_value(k.sources) AS sources,
    map_from_entries(list({'k': field, 'v': source} ORDER BY field)) AS provenance
FROM chosen JOIN known k USING (model_id)
GROUP BY model_id;

CREATE OR REPLACE VIEW models AS SELECT * FROM models_as_of(now());

-- ==== Benchmarks ==============================================================================

CREATE OR REPLACE VIEW benchmark_history AS
SELECT canonical_model_id(v.source, v.model_id, a.model_id) AS model_id, v.benchmark, v.source, v.score,
    v.model_id AS source_key, v.is_deleted, v.valid_from, v.valid_to, v.recorded_at
FROM benchmark_versions v
LEFT JOIN model_aliases a ON a.source = v.source AND a.source_key = v.model_id
WHERE v.superseded_at IS NULL;

CREATE OR REPLACE VIEW benchmarks AS
SELECT canonical_model_id(v.source, v.model_id, a.model_id) AS model_id, v.benchmark, v.source, v.score,
    o.observed_at, v.model_id AS source_key, v.valid_from AS observed_since
FROM benchmark_versions v
JOIN (SELECT source, model_id, benchmark, max(observed_at) AS observed_at FROM benchmark_observations GROUP BY ALL) o
    USING (source, model_id, benchmark)
LEFT JOIN model_aliases a ON a.source = v.source AND a.source_key = v.model_id
WHERE v.valid_to IS NULL AND NOT v.is_deleted AND v.superseded_at IS NULL;

CREATE OR REPLACE MACRO benchmarks_as_of(ts) AS TABLE
SELECT model_id, benchmark, source, score, source_key, valid_from, valid_to
FROM benchmark_history
WHERE valid_from <= as_of_instant(ts) AND (valid_to IS NULL OR valid_to > as_of_instant(ts)) AND NOT is_deleted;

CREATE OR REPLACE MACRO benchmark_history_as_known(known_at) AS TABLE
SELECT * EXCLUDE (attr_hash, payload_sha256)
FROM benchmark_versions
WHERE held_at(recorded_at, superseded_at, known_at);

-- ==== Across entities =========================================================================

-- The fields whose text is a comma-separated list: a change to one is what it gained and lost.
CREATE OR REPLACE MACRO is_list_field(field) AS
    field IN ('supported_params', 'input_modalities', 'output_modalities', 'api_providers', 'capabilities');

-- Items of a list field's text in `new` and not in `old` (NULL for a field that is not a list).
CREATE OR REPLACE MACRO items_added(field, old, new) AS
    CASE WHEN is_list_field(field) THEN list_filter(string_split(coalesce(new, ''), ','),
        lambda x: x <> '' AND NOT list_contains(string_split(coalesce(old, ''), ','), x)) END;

-- Every live version's fields as text, one row per field and version (NULLs kept): what `changes`
-- compares between consecutive versions and `diff` between two instants.
CREATE OR REPLACE MACRO endpoint_field_values() AS TABLE
SELECT * FROM (
    SELECT source, model_id, endpoint_key, provider AS provider_name, valid_from, valid_to,
        CAST(provider AS VARCHAR) AS provider,
        CAST(context_length AS VARCHAR) AS context_length,
        CAST(max_output_tokens AS VARCHAR) AS max_output_tokens,
        CAST(max_prompt_tokens AS VARCHAR) AS max_prompt_tokens,
        price_text(input_price_per_mtok) AS input_price_per_mtok,
        price_text(output_price_per_mtok) AS output_price_per_mtok,
        price_text(cache_read_price_per_mtok) AS cache_read_price_per_mtok,
        price_text(cache_write_price_per_mtok) AS cache_write_price_per_mtok,
        tiers_text(price_tiers) AS price_tiers,
        CAST(quantization AS VARCHAR) AS quantization,
        array_to_string(supported_params, ',') AS supported_params,
        -- the count is its own field only where the list is unknown (catalog pages)
        CASE WHEN supported_params IS NULL THEN CAST(supported_params_count AS VARCHAR) END
            AS supported_params_count,
        CAST(implicit_caching AS VARCHAR) AS implicit_caching,
        CAST(status AS VARCHAR) AS status
    FROM endpoint_versions WHERE NOT is_deleted AND superseded_at IS NULL
) UNPIVOT INCLUDE NULLS (value FOR field IN (provider, context_length, max_output_tokens,
    max_prompt_tokens, input_price_per_mtok, output_price_per_mtok, cache_read_price_per_mtok,
    cache_write_price_per_mtok, price_tiers, quantization, supported_params, supported_params_count,
    implicit_caching, status));

CREATE OR REPLACE MACRO model_field_values() AS TABLE
SELECT * FROM (
    SELECT source, model_id, valid_from, valid_to,
        CAST(name AS VARCHAR) AS name,
        CAST(creator AS VARCHAR) AS creator,
        CAST(canonical_slug AS VARCHAR) AS canonical_slug,
        CAST(hugging_face_id AS VARCHAR) AS hugging_face_id,
        CAST(base_model AS VARCHAR) AS base_model,
        CAST(context_window AS VARCHAR) AS context_window,
        CAST(max_output_tokens AS VARCHAR) AS max_output_tokens,
        price_text(input_price_per_mtok) AS input_price_per_mtok,
        price_text(output_price_per_mtok) AS output_price_per_mtok,
        CAST(release_date AS VARCHAR) AS release_date,
        CAST(knowledge_cutoff AS VARCHAR) AS knowledge_cutoff,
        CAST(expiration_date AS VARCHAR) AS expiration_date,
        CAST(last_updated AS VARCHAR) AS last_updated,
        CAST(open_weights AS VARCHAR) AS open_weights,
        CAST(status AS VARCHAR) AS status,
        array_to_string(input_modalities, ',') AS input_modalities,
        array_to_string(output_modalities, ',') AS output_modalities,
        array_to_string(supported_params, ',') AS supported_params,
        array_to_string(api_providers, ',') AS api_providers,
        array_to_string(capabilities, ',') AS capabilities
    FROM model_versions WHERE NOT is_deleted AND superseded_at IS NULL
) UNPIVOT INCLUDE NULLS (value FOR field IN (name, creator, canonical_slug, hugging_face_id, base_model,
    context_window, max_output_tokens, input_price_per_mtok, output_price_per_mtok, release_date,
    knowledge_cutoff, expiration_date, last_updated, open_weights, status, input_modalities,
    output_modalities, supported_params, api_providers, capabilities));

-- One row per changed field between consecutive versions of a key; retirements and
-- returns show as the field `deleted`. Versions are compared live-to-live, so a
-- field that comes back unchanged after a retirement is not reported.
CREATE OR REPLACE VIEW changes AS
WITH endpoint_fields AS (SELECT * FROM endpoint_field_values()),
model_fields AS (SELECT * FROM model_field_values()),
field_steps AS (
    SELECT 'endpoint' AS entity, model_id || ' ' || endpoint_key AS key, model_id, endpoint_key,
        provider_name AS provider, field, value, valid_from, source,
        lag(value) OVER (PARTITION BY source, model_id, endpoint_key, field ORDER BY valid_from) AS old_value,
        row_number() OVER (PARTITION BY source, model_id, endpoint_key, field ORDER BY valid_from) AS n
    FROM endpoint_fields
    UNION ALL
    SELECT 'model', model_id, model_id, NULL, NULL, field, value, valid_from, source,
        lag(value) OVER (PARTITION BY source, model_id, field ORDER BY valid_from),
        row_number() OVER (PARTITION BY source, model_id, field ORDER BY valid_from)
    FROM model_fields
    UNION ALL
    SELECT 'benchmark', model_id || ' ' || benchmark, model_id, NULL, NULL, benchmark, CAST(score AS VARCHAR),
        valid_from, source,
        lag(CAST(score AS VARCHAR)) OVER (PARTITION BY source, model_id, benchmark ORDER BY valid_from),
        row_number() OVER (PARTITION BY source, model_id, benchmark ORDER BY valid_from)
    FROM benchmark_versions WHERE NOT is_deleted AND superseded_at IS NULL
),
deletion_steps AS (
    SELECT 'endpoint' AS entity, model_id || ' ' || endpoint_key AS key, model_id, endpoint_key,
        coalesce(provider, lag(provider) OVER w) AS provider, is_deleted, valid_from, source,
        lag(is_deleted) OVER w AS was_deleted
    FROM endpoint_versions WHERE superseded_at IS NULL
    WINDOW w AS (PARTITION BY source, model_id, endpoint_key ORDER BY valid_from)
    UNION ALL
    SELECT 'model', model_id, model_id, NULL, NULL, is_deleted, valid_from, source,
        lag(is_deleted) OVER (PARTITION BY source, model_id ORDER BY valid_from)
    FROM model_versions WHERE superseded_at IS NULL
    UNION ALL
    SELECT 'benchmark', model_id || ' ' || benchmark, model_id, NULL, NULL, is_deleted, valid_from, source,
        lag(is_deleted) OVER (PARTITION BY source, model_id, benchmark ORDER BY valid_from)
    FROM benchmark_versions WHERE superseded_at IS NULL
),
steps AS (
    SELECT entity, key, model_id, endpoint_key, provider, field, old_value, value AS new_value,
        valid_from AS changed_at, source
    FROM field_steps WHERE n > 1 AND old_value IS DISTINCT FROM value
    UNION ALL
    SELECT entity, key, model_id, endpoint_key, provider, 'deleted', CAST(was_deleted AS VARCHAR),
        CAST(is_deleted AS VARCHAR), valid_from, source
    FROM deletion_steps WHERE was_deleted IS NOT NULL AND was_deleted <> is_deleted
),
-- the typed companions: numbers as numbers, a list change as what it gained and lost
typed AS (
    SELECT *,
        TRY_CAST(old_value AS DECIMAL(38, 12)) AS old_number,
        TRY_CAST(new_value AS DECIMAL(38, 12)) AS new_number
    FROM steps
)
SELECT s.entity, s.key, canonical_model_id(s.source, s.model_id, a.model_id) AS model_id, s.provider, s.field,
    s.old_value, s.new_value, s.changed_at, s.source, s.model_id AS source_key, s.endpoint_key,
    s.old_number, s.new_number,
    items_added(s.field, s.old_value, s.new_value) AS added,
    items_added(s.field, s.new_value, s.old_value) AS removed
FROM typed s
LEFT JOIN model_aliases a ON a.source = s.source AND a.source_key = s.model_id;

-- What differs between the states at two instants (a bare date is the end of that day, UTC):
-- endpoints and source models present at `to_ts` only (`added`), at `from_ts` only (`retired`),
-- and per field of those at both, the old and new value (`changed`), with the relative change of a
-- number and the items a list gained and lost. Changes that came and went in between do not show.
CREATE OR REPLACE MACRO diff(from_ts, to_ts) AS TABLE
WITH fields AS (
    SELECT 'endpoint' AS entity, source, model_id, endpoint_key, provider_name AS provider, field, value,
        valid_from, valid_to
    FROM endpoint_field_values()
    UNION ALL
    SELECT 'model', source, model_id, NULL, NULL, field, value, valid_from, valid_to FROM model_field_values()
),
before AS (
    SELECT * FROM fields
    WHERE valid_from <= as_of_instant(from_ts) AND (valid_to IS NULL OR valid_to > as_of_instant(from_ts))
),
after AS (
    SELECT * FROM fields
    WHERE valid_from <= as_of_instant(to_ts) AND (valid_to IS NULL OR valid_to > as_of_instant(to_ts))
),
keys_before AS (SELECT DISTINCT entity, source, model_id, endpoint_key, provider FROM before),
keys_after AS (SELECT DISTINCT entity, source, model_id, endpoint_key, provider FROM after),
differences AS (
    SELECT a.entity, 'added' AS change, a.source, a.model_id, a.endpoint_key, a.provider, NULL AS field,
        NULL AS old_value, NULL AS new_value
    FROM keys_after a
    WHERE NOT EXISTS (SELECT 1 FROM keys_before b WHERE b.entity = a.entity AND b.source = a.source
                      AND b.model_id = a.model_id AND b.endpoint_key IS NOT DISTINCT FROM a.endpoint_key)
    UNION ALL
    SELECT b.entity, 'retired', b.source, b.model_id, b.endpoint_key, b.provider, NULL, NULL, NULL
    FROM keys_before b
    WHERE NOT EXISTS (SELECT 1 FROM keys_after a WHERE b.entity = a.entity AND b.source = a.source
                      AND b.model_id = a.model_id AND b.endpoint_key IS NOT DISTINCT FROM a.endpoint_key)
    UNION ALL
    SELECT a.entity, 'changed', a.source, a.model_id, a.endpoint_key, a.provider, a.field, b.value, a.value
    FROM before b JOIN after a ON b.entity = a.entity AND b.source = a.source AND b.model_id = a.model_id
        AND b.endpoint_key IS NOT DISTINCT FROM a.endpoint_key AND b.field = a.field
    WHERE b.value IS DISTINCT FROM a.value
)
SELECT d.entity, d.change, canonical_model_id(d.source, d.model_id, m.model_id) AS model_id, d.provider,
    d.endpoint_key, d.source, d.field, d.old_value, d.new_value,
    CAST(round((TRY_CAST(d.new_value AS DOUBLE) - TRY_CAST(d.old_value AS DOUBLE))
               / nullif(TRY_CAST(d.old_value AS DOUBLE), 0), 6) AS DOUBLE) AS relative_change,
    items_added(d.field, d.old_value, d.new_value) AS added,
    items_added(d.field, d.new_value, d.old_value) AS removed,
    d.model_id AS source_key
FROM differences d
LEFT JOIN model_aliases m ON m.source = d.source AND m.source_key = d.model_id;

-- Every time a model (per source) or an endpoint left: when it was last seen, when it was retired,
-- on what evidence, and whether it came back (and when). One row per retirement.
CREATE OR REPLACE VIEW retired AS
WITH model_steps AS (
    SELECT source, model_id, is_deleted, valid_from, valid_to, payload_sha256,
        lag(is_deleted) OVER (PARTITION BY source, model_id ORDER BY valid_from) AS was_deleted
    FROM model_versions WHERE superseded_at IS NULL
),
model_retirements AS (
    SELECT r.source, r.model_id, r.valid_from AS retired_at, r.valid_to AS came_back_at,
        coalesce(
            (SELECT min(s.evidence) FROM snapshots s WHERE s.source = r.source AND s.observed_at = r.valid_from
               AND s.payload_sha256 = r.payload_sha256 AND s.evidence IS NOT NULL),
            (SELECT min(CASE WHEN a.status IN ('deprecated', 'gone') THEN 'status ' || a.status
                             ELSE 'expiration date ' || CAST(a.expiration_date AS VARCHAR) END)
               FROM model_observations o JOIN model_attributes a USING (source, model_id, attr_hash)
              WHERE o.source = r.source AND o.model_id = r.model_id AND o.observed_at = r.valid_from),
            (SELECT min('expiration date ' || CAST(a.expiration_date AS VARCHAR))  -- a date stated before it came
               FROM model_observations o JOIN model_attributes a USING (source, model_id, attr_hash)
              WHERE o.source = r.source AND o.model_id = r.model_id AND o.observed_at < r.valid_from
                AND utc_midnight(r.valid_from) = r.valid_from AND a.expiration_date = utc_day(r.valid_from)),
            'absent from a complete model list') AS evidence,
        (SELECT max(o.observed_at) FROM model_observations o
          WHERE o.source = r.source AND o.model_id = r.model_id AND o.observed_at < r.valid_from) AS last_seen
    FROM model_steps r WHERE r.is_deleted AND NOT r.was_deleted
),
endpoint_steps AS (
    SELECT source, model_id, endpoint_key, is_deleted, valid_from, valid_to, payload_sha256,
        lag(provider) OVER w AS provider, lag(is_deleted) OVER w AS was_deleted
    FROM endpoint_versions WHERE superseded_at IS NULL
    WINDOW w AS (PARTITION BY source, model_id, endpoint_key ORDER BY valid_from)
),
endpoint_retirements AS (
    SELECT r.source, r.model_id, r.endpoint_key, r.provider, r.valid_from AS retired_at, r.valid_to AS came_back_at,
        coalesce(
            (SELECT min(s.evidence) FROM snapshots s WHERE s.source = r.source AND s.observed_at = r.valid_from
               AND s.payload_sha256 = r.payload_sha256 AND s.evidence IS NOT NULL),
            (SELECT min('absent from a complete endpoint list') FROM snapshots s
              WHERE s.entity = 'endpoint' AND s.source = r.source AND s.scope = r.model_id
                AND s.observed_at = r.valid_from AND s.complete),
            (SELECT min('model retired: ' || m.evidence) FROM model_retirements m
              WHERE m.source = r.source AND m.model_id = r.model_id AND m.retired_at = r.valid_from),
            'absent from a complete listing') AS evidence,
        (SELECT max(o.observed_at) FROM endpoint_observations o
          WHERE o.source = r.source AND o.model_id = r.model_id AND o.endpoint_key = r.endpoint_key
            AND o.observed_at < r.valid_from) AS last_seen
    FROM endpoint_steps r WHERE r.is_deleted AND NOT r.was_deleted
),
retirements AS (
    SELECT 'model' AS entity, source, model_id, NULL AS provider, NULL AS endpoint_key, last_seen, retired_at,
        evidence, came_back_at
    FROM model_retirements
    UNION ALL
    SELECT 'endpoint', source, model_id, provider, endpoint_key, last_seen, retired_at, evidence, came_back_at
    FROM endpoint_retirements
)
SELECT r.entity, canonical_model_id(r.source, r.model_id, a.model_id) AS model_id, r.provider, r.endpoint_key,
    r.source, r.last_seen, r.retired_at, r.evidence, r.came_back_at IS NOT NULL AS came_back, r.came_back_at,
    r.model_id AS source_key
FROM retirements r
LEFT JOIN model_aliases a ON a.source = r.source AND a.source_key = r.model_id
WHERE r.retired_at <= now();  -- a retirement dated later is announced, not yet in effect

-- What a source has announced for later: a retirement on a future date (a model's expiration date,
-- and its endpoints with it), one row per key, with when the source first said so.
CREATE OR REPLACE VIEW announced AS
WITH scheduled AS (
    SELECT 'model' AS entity, source, model_id, NULL AS provider, NULL AS endpoint_key, valid_from
    FROM model_versions WHERE superseded_at IS NULL AND is_deleted AND valid_from > now()
    UNION ALL
    SELECT 'endpoint', v.source, v.model_id,
        (SELECT max(p.provider) FROM endpoint_versions p
          WHERE p.source = v.source AND p.model_id = v.model_id AND p.endpoint_key = v.endpoint_key
            AND p.superseded_at IS NULL AND p.valid_to = v.valid_from),
        v.endpoint_key, v.valid_from
    FROM endpoint_versions v WHERE v.superseded_at IS NULL AND v.is_deleted AND v.valid_from > now()
)
SELECT s.entity, canonical_model_id(s.source, s.model_id, a.model_id) AS model_id, s.provider, s.endpoint_key,
    s.source, 'retired' AS change, s.valid_from AS takes_effect_at,
    (SELECT min(o.observed_at) FROM model_observations o JOIN model_attributes m USING (source, model_id, attr_hash)
      WHERE o.source = s.source AND o.model_id = s.model_id AND m.expiration_date = utc_day(s.valid_from))
        AS announced_at,
    CASE WHEN s.entity = 'model' THEN '' ELSE 'model retired: ' END
        || 'expiration date ' || CAST(utc_day(s.valid_from) AS VARCHAR) AS evidence,
    s.model_id AS source_key
FROM scheduled s
LEFT JOIN model_aliases a ON a.source = s.source AND a.source_key = s.model_id;

-- Changes held as implausible (a price moving more than 10x or to or from zero, a limit shrinking below
-- half: see `modelsync review`), one row per watched field that differs: held until a later fetch
-- confirms them or a person decides; `confirmed`, `accepted`, `rejected` and `unconfirmed` (reverted
-- before it was confirmed) stay listed. `id` names the change for `modelsync review accept|reject`.
CREATE OR REPLACE MACRO suspect_id(entity, source, model_id, endpoint_key, attr_hash) AS
    left(md5(entity || '|' || source || '|' || model_id || '|' || coalesce(endpoint_key, '') || '|' || attr_hash), 12);

CREATE OR REPLACE VIEW suspect_changes AS
WITH valued AS (
    SELECT s.*, n.provider, [
        {'field': 'input_price_per_mtok', 'old': price_text(o.input_price_per_mtok), 'new': price_text(n.input_price_per_mtok)},
        {'field': 'output_price_per_mtok', 'old': price_text(o.output_price_per_mtok), 'new': price_text(n.output_price_per_mtok)},
        {'field': 'cache_read_price_per_mtok', 'old': price_text(o.cache_read_price_per_mtok),
         'new': price_text(n.cache_read_price_per_mtok)},
        {'field': 'cache_write_price_per_mtok', 'old': price_text(o.cache_write_price_per_mtok),
         'new': price_text(n.cache_write_price_per_mtok)},
        {'field': 'context_length', 'old': CAST(o.context_length AS VARCHAR), 'new': CAST(n.context_length AS VARCHAR)},
        {'field': 'max_output_tokens', 'old': CAST(o.max_output_tokens AS VARCHAR),
         'new': CAST(n.max_output_tokens AS VARCHAR)}] AS fields
    FROM suspect_runs s
    JOIN endpoint_attributes n ON n.source = s.source AND n.model_id = s.model_id AND n.endpoint_key = s.endpoint_key
        AND n.attr_hash = s.attr_hash
    LEFT JOIN endpoint_attributes o ON o.source = s.source AND o.model_id = s.model_id
        AND o.endpoint_key = s.endpoint_key AND o.attr_hash = s.previous_hash
    WHERE s.entity = 'endpoint'
    UNION ALL
    SELECT s.*, NULL, [
        {'field': 'input_price_per_mtok', 'old': price_text(o.input_price_per_mtok), 'new': price_text(n.input_price_per_mtok)},
        {'field': 'output_price_per_mtok', 'old': price_text(o.output_price_per_mtok), 'new': price_text(n.output_price_per_mtok)},
        {'field': 'context_window', 'old': CAST(o.context_window AS VARCHAR), 'new': CAST(n.context_window AS VARCHAR)},
        {'field': 'max_output_tokens', 'old': CAST(o.max_output_tokens AS VARCHAR),
         'new': CAST(n.max_output_tokens AS VARCHAR)}]
    FROM suspect_runs s
    JOIN model_attributes n ON n.source = s.source AND n.model_id = s.model_id AND n.attr_hash = s.attr_hash
    LEFT JOIN model_attributes o ON o.source = s.source AND o.model_id = s.model_id AND o.attr_hash = s.previous_hash
    WHERE s.entity = 'model'
),
fields AS (SELECT * EXCLUDE (fields), unnest(fields) AS f FROM valued)
SELECT suspect_id(v.entity, v.source, v.model_id, v.endpoint_key, v.attr_hash) AS id, v.entity,
    canonical_model_id(v.source, v.model_id, a.model_id) AS model_id, v.provider, v.endpoint_key, v.source,
    v.f.field AS field, v.f.old AS old_value, v.f.new AS new_value, v.status, v.first_observed_at,
    v.last_observed_at, v.observations, d.decision, d.decided_at, v.model_id AS source_key
FROM fields v
LEFT JOIN (
    SELECT entity, source, model_id, endpoint_key, attr_hash,
        arg_max(decision || ' by ' || decided_by, decided_at) AS decision, max(decided_at) AS decided_at
    FROM review_decisions GROUP BY ALL  -- the latest decision on each value
) d ON d.entity = v.entity AND d.source = v.source AND d.model_id = v.model_id
    AND d.endpoint_key IS NOT DISTINCT FROM v.endpoint_key AND d.attr_hash = v.attr_hash
LEFT JOIN model_aliases a ON a.source = v.source AND a.source_key = v.model_id
WHERE v.f.old IS DISTINCT FROM v.f.new;

-- Fields on which sources disagree about one canonical model: every source's value, two or
-- more rows per disagreement. Knowledge cut-offs compare by month; benchmark scores by one
-- decimal. A model's context window and max output are limits that providers serve a little
-- differently (131,072 or 128,000; 8,192 on one, 16,384 on another): they conflict when one source
-- says four times another or more (1,310,720 against 130,000).
CREATE OR REPLACE VIEW conflicts AS
WITH compared AS (
    SELECT model_id, field, source, source_key, value, observed_at,
        CASE WHEN field = 'knowledge_cutoff' THEN left(value, 7) ELSE value END AS compared
    FROM model_facts
    WHERE field IN ('release_date', 'open_weights', 'knowledge_cutoff', 'input_modalities', 'output_modalities',
                    'context_window', 'max_output_tokens')
    UNION ALL
    SELECT model_id, 'benchmark:' || benchmark, source, source_key, CAST(score AS VARCHAR), observed_at,
        CAST(round(score, 1) AS VARCHAR)
    FROM benchmarks
),
disputed AS (
    SELECT model_id, field FROM compared GROUP BY ALL
    HAVING CASE WHEN field IN ('context_window', 'max_output_tokens')
                THEN max(TRY_CAST(compared AS DOUBLE)) >= 4 * min(TRY_CAST(compared AS DOUBLE))
                ELSE count(DISTINCT compared) > 1 END
)
SELECT model_id, field, source, value, observed_at, source_key
FROM compared JOIN disputed USING (model_id, field);
