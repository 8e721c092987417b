-- 003: every source (models.dev, Artificial Analysis, catalog pages), benchmark history,
-- speed series, the identity crosswalk and the field precedence behind `models`.

ALTER TABLE model_observations ADD COLUMN base_model VARCHAR;
ALTER TABLE model_observations ADD COLUMN last_updated DATE;
ALTER TABLE model_observations ADD COLUMN status VARCHAR;
ALTER TABLE model_observations ADD COLUMN api_providers VARCHAR[];
ALTER TABLE model_observations ADD COLUMN capabilities VARCHAR[];
ALTER TABLE model_versions ADD COLUMN base_model VARCHAR;
ALTER TABLE model_versions ADD COLUMN last_updated DATE;
ALTER TABLE model_versions ADD COLUMN status VARCHAR;
ALTER TABLE model_versions ADD COLUMN api_providers VARCHAR[];
ALTER TABLE model_versions ADD COLUMN capabilities VARCHAR[];
ALTER TABLE endpoint_observations ADD COLUMN cache_write_price_per_mtok DECIMAL(18, 6);
ALTER TABLE endpoint_versions ADD COLUMN cache_write_price_per_mtok DECIMAL(18, 6);

CREATE TABLE benchmark_observations (
    source VARCHAR NOT NULL,
    model_id VARCHAR NOT NULL,             -- the source's own model key
    benchmark VARCHAR NOT NULL,
    score DOUBLE,                          -- 0-100
    attr_hash VARCHAR NOT NULL,
    observed_at TIMESTAMPTZ NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    run_id VARCHAR NOT NULL,
    payload_sha256 VARCHAR NOT NULL
);

CREATE TABLE benchmark_versions (
    source VARCHAR NOT NULL,
    model_id VARCHAR NOT NULL,
    benchmark VARCHAR NOT NULL,
    score DOUBLE,
    attr_hash VARCHAR NOT NULL,
    is_deleted BOOLEAN NOT NULL,
    valid_from TIMESTAMPTZ NOT NULL,
    valid_to TIMESTAMPTZ,
    recorded_at TIMESTAMPTZ NOT NULL,
    superseded_at TIMESTAMPTZ,
    payload_sha256 VARCHAR NOT NULL
);

-- Fast-moving model measurements (Artificial Analysis medians): an append-only series.
CREATE TABLE speed_measurements (
    source VARCHAR NOT NULL,
    model_id VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,               -- output_tokens_per_s, time_to_first_token_s, time_to_first_answer_token_s
    value DOUBLE NOT NULL,
    observed_at TIMESTAMPTZ NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    run_id VARCHAR NOT NULL,
    payload_sha256 VARCHAR NOT NULL
);

-- The identity crosswalk, versioned in transaction time: each load re-resolves every
-- (source, source key) from all model facts and the overrides file; a mapping that
-- changes is superseded, not overwritten.
CREATE TABLE model_alias_log (
    source VARCHAR NOT NULL,
    source_key VARCHAR NOT NULL,
    model_id VARCHAR,                      -- NULL while unmatched
    rule VARCHAR NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    superseded_at TIMESTAMPTZ
);

-- Which source wins each field of `models` (rank 1 first). Within one source, the value
-- most of its keys agree on wins, then the most recently observed, then the smallest.
CREATE TABLE field_precedence (field VARCHAR NOT NULL, source VARCHAR NOT NULL, rank INTEGER NOT NULL);
INSERT INTO field_precedence
SELECT field, source, rank FROM (VALUES
    ('name', ['artificial_analysis', 'catalog', 'openrouter', 'models_dev']),
    ('creator', ['artificial_analysis', 'catalog', 'openrouter', 'models_dev']),
    ('context_window', ['openrouter', 'catalog']),       -- models.dev limits are per provider: endpoints
    ('max_output_tokens', ['openrouter', 'catalog']),
    ('release_date', ['models_dev', 'openrouter', 'artificial_analysis', 'catalog']),
    ('open_weights', ['models_dev', 'openrouter', 'artificial_analysis', 'catalog']),
    ('knowledge_cutoff', ['models_dev', 'openrouter', 'artificial_analysis', 'catalog']),
    ('input_modalities', ['models_dev', 'openrouter', 'artificial_analysis', 'catalog']),
    ('output_modalities', ['models_dev', 'openrouter', 'artificial_analysis', 'catalog'])
) t(field, sources), unnest(sources) WITH ORDINALITY AS u(source, rank);
