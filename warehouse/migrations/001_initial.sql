-- 001: runs, archived payloads, quarantine, snapshots, observations and versions
-- for OpenRouter models and endpoints, the uptime series, and the public views.

CREATE TABLE runs (
    run_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,                 -- sync, import, backfill
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    status VARCHAR NOT NULL,               -- running, ok, partial, failed
    sources VARCHAR[],
    payloads INTEGER,
    observations INTEGER,
    new_versions INTEGER,
    measurements INTEGER,
    quarantined INTEGER,
    failed_urls STRUCT(url VARCHAR, reason VARCHAR)[],
    fetch_s DOUBLE,
    archive_s DOUBLE,
    parse_s DOUBLE,
    load_s DOUBLE,
    error VARCHAR
);

-- Every archived payload a run loaded or quarantined (the archive index is the truth).
CREATE TABLE payloads (
    source VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    fetched_at TIMESTAMPTZ NOT NULL,
    status INTEGER NOT NULL,
    sha256 VARCHAR NOT NULL,
    bytes BIGINT NOT NULL,
    content_type VARCHAR,
    etag VARCHAR,
    last_modified VARCHAR,
    origin VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL
);

-- Payloads or rows that did not load, with the reason.
CREATE TABLE quarantine (
    run_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    fetched_at TIMESTAMPTZ NOT NULL,
    sha256 VARCHAR NOT NULL,
    entity VARCHAR,                        -- NULL when the whole payload was refused
    row_key VARCHAR,
    reason VARCHAR NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);

-- A payload that lists every key of one scope (a model list; one model's endpoints).
-- `listed_complete` is what the payload itself says (it parsed with no quarantined row);
-- `complete` is derived from all snapshots of the scope, in time order (recent-median
-- rule), so it does not depend on load order. Positive evidence (`evidence`, e.g. a 404)
-- is complete whatever its size and stays out of the median.
CREATE TABLE snapshots (
    entity VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    scope VARCHAR NOT NULL,
    observed_at TIMESTAMPTZ NOT NULL,
    key_count INTEGER NOT NULL,
    listed_complete BOOLEAN NOT NULL,
    listed_reason VARCHAR,
    evidence VARCHAR,
    complete BOOLEAN NOT NULL,
    reason VARCHAR,                        -- why it is not complete
    payload_sha256 VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE endpoint_observations (
    source VARCHAR NOT NULL,
    model_id VARCHAR NOT NULL,
    endpoint_key VARCHAR NOT NULL,
    provider VARCHAR,
    context_length BIGINT,
    max_output_tokens BIGINT,
    max_prompt_tokens BIGINT,
    input_price_per_mtok DECIMAL(18, 6),
    output_price_per_mtok DECIMAL(18, 6),
    cache_read_price_per_mtok DECIMAL(18, 6),
    quantization VARCHAR,
    supported_params VARCHAR[],
    supported_params_count INTEGER,
    implicit_caching BOOLEAN,
    status INTEGER,
    attr_hash VARCHAR NOT NULL,
    observed_at TIMESTAMPTZ NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    run_id VARCHAR NOT NULL,
    payload_sha256 VARCHAR NOT NULL
);

CREATE TABLE endpoint_versions (
    source VARCHAR NOT NULL,
    model_id VARCHAR NOT NULL,
    endpoint_key VARCHAR NOT NULL,
    provider VARCHAR,
    context_length BIGINT,
    max_output_tokens BIGINT,
    max_prompt_tokens BIGINT,
    input_price_per_mtok DECIMAL(18, 6),
    output_price_per_mtok DECIMAL(18, 6),
    cache_read_price_per_mtok DECIMAL(18, 6),
    quantization VARCHAR,
    supported_params VARCHAR[],
    supported_params_count INTEGER,
    implicit_caching BOOLEAN,
    status INTEGER,
    attr_hash VARCHAR NOT NULL,
    is_deleted BOOLEAN NOT NULL,
    valid_from TIMESTAMPTZ NOT NULL,
    valid_to TIMESTAMPTZ,
    recorded_at TIMESTAMPTZ NOT NULL,      -- when the warehouse came to hold this row
    superseded_at TIMESTAMPTZ,             -- when a later load replaced it (NULL: held now)
    payload_sha256 VARCHAR NOT NULL
);

CREATE TABLE model_observations (
    source VARCHAR NOT NULL,
    model_id VARCHAR NOT NULL,
    name VARCHAR,
    creator VARCHAR,
    canonical_slug VARCHAR,
    hugging_face_id VARCHAR,
    context_window BIGINT,
    max_output_tokens BIGINT,
    input_price_per_mtok DECIMAL(18, 6),
    output_price_per_mtok DECIMAL(18, 6),
    release_date DATE,
    knowledge_cutoff DATE,
    expiration_date DATE,
    open_weights BOOLEAN,
    input_modalities VARCHAR[],
    output_modalities VARCHAR[],
    supported_params VARCHAR[],
    description VARCHAR,                   -- volatile: stored, not versioned
    attr_hash VARCHAR NOT NULL,
    observed_at TIMESTAMPTZ NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    run_id VARCHAR NOT NULL,
    payload_sha256 VARCHAR NOT NULL
);

CREATE TABLE model_versions (
    source VARCHAR NOT NULL,
    model_id VARCHAR NOT NULL,
    name VARCHAR,
    creator VARCHAR,
    canonical_slug VARCHAR,
    hugging_face_id VARCHAR,
    context_window BIGINT,
    max_output_tokens BIGINT,
    input_price_per_mtok DECIMAL(18, 6),
    output_price_per_mtok DECIMAL(18, 6),
    release_date DATE,
    knowledge_cutoff DATE,
    expiration_date DATE,
    open_weights BOOLEAN,
    input_modalities VARCHAR[],
    output_modalities VARCHAR[],
    supported_params VARCHAR[],
    description VARCHAR,                   -- volatile: stored, not versioned
    attr_hash VARCHAR NOT NULL,
    is_deleted BOOLEAN NOT NULL,
    valid_from TIMESTAMPTZ NOT NULL,
    valid_to TIMESTAMPTZ,
    recorded_at TIMESTAMPTZ NOT NULL,      -- when the warehouse came to hold this row
    superseded_at TIMESTAMPTZ,             -- when a later load replaced it (NULL: held now)
    payload_sha256 VARCHAR NOT NULL
);

-- Fast-moving measurements: an append-only series, never versions.
CREATE TABLE uptime_measurements (
    source VARCHAR NOT NULL,
    model_id VARCHAR NOT NULL,
    endpoint_key VARCHAR NOT NULL,
    provider VARCHAR,
    period VARCHAR NOT NULL,               -- 5m, 30m, 1d
    uptime_pct DOUBLE NOT NULL,
    observed_at TIMESTAMPTZ NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    run_id VARCHAR NOT NULL,
    payload_sha256 VARCHAR NOT NULL
);

CREATE VIEW uptime AS
SELECT model_id, provider, endpoint_key, period, uptime_pct, observed_at, source
FROM uptime_measurements;

CREATE VIEW endpoint_history AS
SELECT
    v.model_id, v.provider, v.endpoint_key, v.source,
    v.context_length, v.max_output_tokens, v.max_prompt_tokens,
    v.input_price_per_mtok, v.output_price_per_mtok, v.cache_read_price_per_mtok,
    v.quantization, v.supported_params, v.supported_params_count,
    v.implicit_caching, v.status,
    (SELECT arg_max(u.uptime_pct, u.observed_at) FROM uptime_measurements u
      WHERE u.source = v.source AND u.model_id = v.model_id AND u.endpoint_key = v.endpoint_key
        AND u.period = '1d' AND u.observed_at >= v.valid_from
        AND (v.valid_to IS NULL OR u.observed_at < v.valid_to)) AS uptime_1d,
    v.is_deleted, v.valid_from, v.valid_to, v.recorded_at
FROM endpoint_versions v
WHERE v.superseded_at IS NULL;

CREATE VIEW endpoints AS
SELECT
    v.model_id, v.provider, v.endpoint_key, v.source,
    v.context_length, v.max_output_tokens, v.max_prompt_tokens,
    v.input_price_per_mtok, v.output_price_per_mtok, v.cache_read_price_per_mtok,
    v.quantization, v.supported_params, v.supported_params_count,
    v.implicit_caching, v.status, u.uptime_1d, v.valid_from AS observed_since
FROM endpoint_versions v
LEFT JOIN (
    SELECT source, model_id, endpoint_key, arg_max(uptime_pct, observed_at) AS uptime_1d
    FROM uptime_measurements WHERE period = '1d' GROUP BY ALL
) u USING (source, model_id, endpoint_key)
WHERE v.valid_to IS NULL AND NOT v.is_deleted AND v.superseded_at IS NULL;

CREATE VIEW model_history AS
SELECT
    model_id, name, creator, context_window, max_output_tokens, release_date, open_weights,
    input_modalities, output_modalities, source, canonical_slug, hugging_face_id,
    input_price_per_mtok, output_price_per_mtok, knowledge_cutoff, expiration_date,
    supported_params, description, is_deleted, valid_from, valid_to, recorded_at
FROM model_versions
WHERE superseded_at IS NULL;

CREATE VIEW models AS
SELECT
    model_id, name, creator, context_window, max_output_tokens, release_date, open_weights,
    input_modalities, output_modalities, source, canonical_slug, hugging_face_id,
    input_price_per_mtok, output_price_per_mtok, knowledge_cutoff, expiration_date,
    supported_params, description
FROM model_versions
WHERE valid_to IS NULL AND NOT is_deleted AND superseded_at IS NULL;

CREATE VIEW raw_fetches AS
SELECT DISTINCT ON (url, fetched_at, sha256)
    source, url, fetched_at, status, sha256, bytes, path, content_type, etag, last_modified, origin
FROM payloads
ORDER BY url, fetched_at, sha256;

-- One row per changed field between consecutive versions of a key; retirements and
-- returns show as the field `deleted`. Versions are compared live-to-live, so a
-- field that comes back unchanged after a retirement is not reported.
CREATE VIEW changes AS
WITH endpoint_fields AS (
    SELECT * FROM (
        SELECT source, model_id, endpoint_key, provider AS provider_name, valid_from,
            CAST(provider AS VARCHAR) AS provider,
            CAST(context_length AS VARCHAR) AS context_length,
            CAST(max_output_tokens AS VARCHAR) AS max_output_tokens,
            CAST(max_prompt_tokens AS VARCHAR) AS max_prompt_tokens,
            CAST(input_price_per_mtok AS VARCHAR) AS input_price_per_mtok,
            CAST(output_price_per_mtok AS VARCHAR) AS output_price_per_mtok,
            CAST(cache_read_price_per_mtok AS VARCHAR) AS cache_read_price_per_mtok,
            CAST(quantization AS VARCHAR) AS quantization,
            array_to_string(supported_params, ',') AS supported_params,
            CAST(implicit_caching AS VARCHAR) AS implicit_caching,
            CAST(status AS VARCHAR) AS status
        FROM endpoint_versions WHERE NOT is_deleted AND superseded_at IS NULL
    ) UNPIVOT INCLUDE NULLS (value FOR field IN (provider, context_length, max_output_tokens,
        max_prompt_tokens, input_price_per_mtok, output_price_per_mtok, cache_read_price_per_mtok,
        quantization, supported_params, implicit_caching, status))
),
model_fields AS (
    SELECT * FROM (
        SELECT source, model_id, valid_from,
            CAST(name AS VARCHAR) AS name,
            CAST(creator AS VARCHAR) AS creator,
            CAST(canonical_slug AS VARCHAR) AS canonical_slug,
            CAST(hugging_face_id AS VARCHAR) AS hugging_face_id,
            CAST(context_window AS VARCHAR) AS context_window,
            CAST(max_output_tokens AS VARCHAR) AS max_output_tokens,
            CAST(input_price_per_mtok AS VARCHAR) AS input_price_per_mtok,
            CAST(output_price_per_mtok AS VARCHAR) AS output_price_per_mtok,
            CAST(release_date AS VARCHAR) AS release_date,
            CAST(knowledge_cutoff AS VARCHAR) AS knowledge_cutoff,
            CAST(expiration_date AS VARCHAR) AS expiration_date,
            CAST(open_weights AS VARCHAR) AS open_weights,
            array_to_string(input_modalities, ',') AS input_modalities,
            array_to_string(output_modalities, ',') AS output_modalities,
            array_to_string(supported_params, ',') AS supported_params
        FROM model_versions WHERE NOT is_deleted AND superseded_at IS NULL
    ) UNPIVOT INCLUDE NULLS (value FOR field IN (name, creator, canonical_slug, hugging_face_id,
        context_window, max_output_tokens, input_price_per_mtok, output_price_per_mtok, release_date,
        knowledge_cutoff, expiration_date, open_weights, input_modalities, output_modalities,
        supported_params))
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
),
deletion_steps AS (
    SELECT 'endpoint' AS entity, model_id || ' ' || endpoint_key AS key, model_id,
        coalesce(provider, lag(provider) OVER w) AS provider, is_deleted, valid_from, source,
        lag(is_deleted) OVER w AS was_deleted
    FROM endpoint_versions WHERE superseded_at IS NULL WINDOW w AS (PARTITION BY source, model_id, endpoint_key ORDER BY valid_from)
    UNION ALL
    SELECT 'model', model_id, model_id, NULL, is_deleted, valid_from, source,
        lag(is_deleted) OVER (PARTITION BY source, model_id ORDER BY valid_from)
    FROM model_versions WHERE superseded_at IS NULL
)
SELECT entity, key, model_id, provider, field, old_value, value AS new_value, valid_from AS changed_at, source
FROM field_steps WHERE n > 1 AND old_value IS DISTINCT FROM value
UNION ALL
SELECT entity, key, model_id, provider, 'deleted', CAST(was_deleted AS VARCHAR), CAST(is_deleted AS VARCHAR),
    valid_from, source
FROM deletion_steps WHERE was_deleted IS NOT NULL AND was_deleted <> is_deleted;
