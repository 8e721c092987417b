-- 004: provider identity (a versioned crosswalk like the model one) and `provider_id` on the
-- endpoint and uptime views; an empty modality list is no value in `model_facts`, not ''.

-- (source, provider key) -> canonical provider id.
CREATE TABLE provider_alias_log (
    source VARCHAR NOT NULL,
    provider_key VARCHAR NOT NULL,
    provider_id VARCHAR,
    rule VARCHAR NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    superseded_at TIMESTAMPTZ
);

CREATE VIEW provider_aliases AS
SELECT source, provider_key, provider_id, rule, recorded_at
FROM provider_alias_log WHERE superseded_at IS NULL;

CREATE OR REPLACE VIEW uptime AS
SELECT canonical_model_id(u.source, u.model_id, a.model_id) AS model_id, u.provider, u.endpoint_key, u.period,
    u.uptime_pct, u.observed_at, u.source, u.model_id AS source_key, p.provider_id
FROM uptime_measurements u
LEFT JOIN model_aliases a ON a.source = u.source AND a.source_key = u.model_id
LEFT JOIN provider_aliases p ON p.source = u.source AND p.provider_key = split_part(u.endpoint_key, '/', 1);

CREATE OR REPLACE VIEW endpoint_history AS
SELECT
    canonical_model_id(v.source, v.model_id, a.model_id) AS model_id, v.provider, v.endpoint_key, v.source,
    v.context_length, v.max_output_tokens, v.max_prompt_tokens,
    v.input_price_per_mtok, v.output_price_per_mtok, v.cache_read_price_per_mtok, v.cache_write_price_per_mtok,
    v.quantization, v.supported_params, v.supported_params_count,
    v.implicit_caching, v.status,
    (SELECT arg_max(u.uptime_pct, u.observed_at) FROM uptime_measurements u
      WHERE u.source = v.source AND u.model_id = v.model_id AND u.endpoint_key = v.endpoint_key
        AND u.period = '1d' AND u.observed_at >= v.valid_from
        AND (v.valid_to IS NULL OR u.observed_at < v.valid_to)) AS uptime_1d,
    v.model_id AS source_key, p.provider_id, v.is_deleted, v.valid_from, v.valid_to, v.recorded_at
FROM endpoint_versions v
LEFT JOIN model_aliases a ON a.source = v.source AND a.source_key = v.model_id
LEFT JOIN provider_aliases p ON p.source = v.source AND p.provider_key = split_part(v.endpoint_key, '/', 1)
WHERE v.superseded_at IS NULL;

CREATE OR REPLACE VIEW endpoints AS
SELECT
    canonical_model_id(v.source, v.model_id, a.model_id) AS model_id, v.provider, v.endpoint_key, v.source,
    v.context_length, v.max_output_tokens, v.max_prompt_tokens,
    v.input_price_per_mtok, v.output_price_per_mtok, v.cache_read_price_per_mtok, v.cache_write_price_per_mtok,
    v.quantization, v.supported_params, v.supported_params_count,
    v.implicit_caching, v.status, u.uptime_1d, v.model_id AS source_key, p.provider_id,
    v.valid_from AS observed_since
FROM endpoint_versions v
LEFT JOIN (
    SELECT source, model_id, endpoint_key, arg_max(uptime_pct, observed_at) AS uptime_1d
    FROM uptime_measurements WHERE period = '1d' GROUP BY ALL
) u USING (source, model_id, endpoint_key)
LEFT JOIN model_aliases a ON a.source = v.source AND a.source_key = v.model_id
LEFT JOIN provider_aliases p ON p.source = v.source AND p.provider_key = split_part(v.endpoint_key, '/', 1)
WHERE v.valid_to IS NULL AND NOT v.is_deleted AND v.superseded_at IS NULL;

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
        nullif(array_to_string(h.output_modalities, ', '), '') AS output_modalities
    FROM held h JOIN seen s USING (source, model_id)
) UNPIVOT (value FOR field IN (name, creator, context_window, max_output_tokens, release_date, open_weights,
    knowledge_cutoff, input_modalities, output_modalities));
