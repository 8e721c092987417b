-- Prices exact as published: USD per million tokens to 12 decimals (1e-18 USD per token), was 6.
-- Widened in place: every stored value is unchanged (a DECIMAL(18, 6) value is exact in
-- DECIMAL(38, 12)), so its hash, its versions and every view's rows stay as they were.
ALTER TABLE endpoint_observations ALTER COLUMN input_price_per_mtok SET DATA TYPE DECIMAL(38, 12);
ALTER TABLE endpoint_observations ALTER COLUMN output_price_per_mtok SET DATA TYPE DECIMAL(38, 12);
ALTER TABLE endpoint_observations ALTER COLUMN cache_read_price_per_mtok SET DATA TYPE DECIMAL(38, 12);
ALTER TABLE endpoint_observations ALTER COLUMN cache_write_price_per_mtok SET DATA TYPE DECIMAL(38, 12);
ALTER TABLE endpoint_versions ALTER COLUMN input_price_per_mtok SET DATA TYPE DECIMAL(38, 12);
ALTER TABLE endpoint_versions ALTER COLUMN output_price_per_mtok SET DATA TYPE DECIMAL(38, 12);
ALTER TABLE endpoint_versions ALTER COLUMN cache_read_price_per_mtok SET DATA TYPE DECIMAL(38, 12);
ALTER TABLE endpoint_versions ALTER COLUMN cache_write_price_per_mtok SET DATA TYPE DECIMAL(38, 12);
ALTER TABLE model_observations ALTER COLUMN input_price_per_mtok SET DATA TYPE DECIMAL(38, 12);
ALTER TABLE model_observations ALTER COLUMN output_price_per_mtok SET DATA TYPE DECIMAL(38, 12);
ALTER TABLE model_versions ALTER COLUMN input_price_per_mtok SET DATA TYPE DECIMAL(38, 12);
ALTER TABLE model_versions ALTER COLUMN output_price_per_mtok SET DATA TYPE DECIMAL(38, 12);

-- A price as text, exact and as it was shown before: six decimals at least, more only where the
-- price has them (0.080000 as before; 0.17992692, not 0.179926920000). Any number is read as a
-- price (rounded to 12 decimals) first, so the text always has those twelve to trim.
CREATE MACRO price_text(price) AS
    left(CAST(CAST(price AS DECIMAL(38, 12)) AS VARCHAR), -6)
    || rtrim(right(CAST(CAST(price AS DECIMAL(38, 12)) AS VARCHAR), 6), '0');

-- One row per changed field between consecutive versions of a key; retirements and
-- returns show as the field `deleted`. Versions are compared live-to-live, so a
-- field that comes back unchanged after a retirement is not reported.
CREATE OR REPLACE VIEW changes AS
WITH endpoint_fields AS (
    SELECT * FROM (
        SELECT source, model_id, endpoint_key, provider AS provider_name, valid_from,
            CAST(provider AS VARCHAR) AS provider,
            CAST(context_length AS VARCHAR) AS context_length,
            CAST(max_output_tokens AS VARCHAR) AS max_output_tokens,
            CAST(max_prompt_tokens AS VARCHAR) AS max_prompt_tokens,
            price_text(input_price_per_mtok) AS input_price_per_mtok,
            price_text(output_price_per_mtok) AS output_price_per_mtok,
            price_text(cache_read_price_per_mtok) AS cache_read_price_per_mtok,
            price_text(cache_write_price_per_mtok) AS cache_write_price_per_mtok,
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
        cache_write_price_per_mtok, quantization, supported_params, supported_params_count, implicit_caching,
        status))
),
model_fields AS (
    SELECT * FROM (
        SELECT source, model_id, valid_from,
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
        output_modalities, supported_params, api_providers, capabilities))
),
field_steps AS (
    SELECT 'endpoint' AS entity, model_id || ' ' || endpoint_key AS key, model_id, provider_name AS provider,
        field, value, valid_from, source,
        lag(value) OVER (PARTITION BY source, model_id, endpoint_key, field ORDER BY valid_from) AS old_value,
        row_number() OVER (PARTITION BY source, model_id, endpoint_key, field ORDER BY valid_from) AS n
    FROM endpoint_fields
    UNION ALL
    SELECT 'model', model_id, model_id, NULL, field, value, valid_from, source,
        lag(value) OVER (PARTITION BY source, model_id, field ORDER BY valid_from),
        row_number() OVER (PARTITION BY source, model_id, field ORDER BY valid_from)
    FROM model_fields
    UNION ALL
    SELECT 'benchmark', model_id || ' ' || benchmark, model_id, NULL, benchmark, CAST(score AS VARCHAR), valid_from,
        source,
        lag(CAST(score AS VARCHAR)) OVER (PARTITION BY source, model_id, benchmark ORDER BY valid_from),
        row_number() OVER (PARTITION BY source, model_id, benchmark ORDER BY valid_from)
    FROM benchmark_versions WHERE NOT is_deleted AND superseded_at IS NULL
),
deletion_steps AS (
    SELECT 'endpoint' AS entity, model_id || ' ' || endpoint_key AS key, model_id,
        coalesce(provider, lag(provider) OVER w) AS provider, is_deleted, valid_from, source,
        lag(is_deleted) OVER w AS was_deleted
    FROM endpoint_versions WHERE superseded_at IS NULL
    WINDOW w AS (PARTITION BY source, model_id, endpoint_key ORDER BY valid_from)
    UNION ALL
    SELECT 'model', model_id, model_id, NULL, is_deleted, valid_from, source,
        lag(is_deleted) OVER (PARTITION BY source, model_id ORDER BY valid_from)
    FROM model_versions WHERE superseded_at IS NULL
    UNION ALL
    SELECT 'benchmark', model_id || ' ' || benchmark, model_id, NULL, is_deleted, valid_from, source,
        lag(is_deleted) OVER (PARTITION BY source, model_id, benchmark ORDER BY valid_from)
    FROM benchmark_versions WHERE superseded_at IS NULL
),
steps AS (
    SELECT entity, key, model_id, provider, field, old_value, value AS new_value, valid_from AS changed_at, source
    FROM field_steps WHERE n > 1 AND old_value IS DISTINCT FROM value
    UNION ALL
    SELECT entity, key, model_id, provider, 'deleted', CAST(was_deleted AS VARCHAR), CAST(is_deleted AS VARCHAR),
        valid_from, source
    FROM deletion_steps WHERE was_deleted IS NOT NULL AND was_deleted <> is_deleted
)
SELECT s.entity, s.key, canonical_model_id(s.source, s.model_id, a.model_id) AS model_id, s.provider, s.field,
    s.old_value, s.new_value, s.changed_at, s.source, s.model_id AS source_key
FROM steps s
LEFT JOIN model_aliases a ON a.source = s.source AND a.source_key = s.model_id;

-- The models' list prices (as each source states them, exact) join their facts, and `models`.
INSERT INTO field_precedence
SELECT field, source, rank FROM (VALUES
    ('input_price_per_mtok', ['openrouter', 'artificial_analysis']),  -- models.dev prices are per provider
    ('output_price_per_mtok', ['openrouter', 'artificial_analysis'])
) t(field, sources), unnest(sources) WITH ORDINALITY AS u(source, rank);

DROP VIEW model_facts;
DROP VIEW models;
-- Every source's value of each model field at ts, under its canonical model (NULLs left out);
-- with known_at, as the warehouse (versions and crosswalk) stood at that time.
CREATE OR REPLACE MACRO model_facts_as_of(ts, known_at := NULL) AS TABLE
WITH held AS (
    SELECT v.*, canonical_model_id(v.source, v.model_id, a.model_id) AS canonical_id
    FROM model_versions v
    LEFT JOIN model_alias_log a ON a.source = v.source AND a.source_key = v.model_id
        AND (CASE WHEN known_at IS NULL THEN a.superseded_at IS NULL
                  ELSE a.recorded_at <= as_of_instant(known_at)
                       AND (a.superseded_at IS NULL OR a.superseded_at > as_of_instant(known_at)) END)
    WHERE NOT v.is_deleted
      AND v.valid_from <= as_of_instant(ts) AND (v.valid_to IS NULL OR v.valid_to > as_of_instant(ts))
      AND (CASE WHEN known_at IS NULL THEN v.superseded_at IS NULL
                ELSE v.recorded_at <= as_of_instant(known_at)
                     AND (v.superseded_at IS NULL OR v.superseded_at > as_of_instant(known_at)) END)
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
CREATE VIEW model_facts AS SELECT * FROM model_facts_as_of('infinity');

-- One row per canonical model at ts: per field, the value of the first source in
-- field_precedence that has one; `provenance` maps each field to the source chosen. The prices are
-- the model's list price (OpenRouter's, else Artificial Analysis's); each provider's are in `endpoints`.
DROP MACRO TABLE models_as_of;
CREATE MACRO models_as_of(ts, known_at := NULL) AS TABLE
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

CREATE VIEW models AS SELECT * FROM models_as_of('infinity');

