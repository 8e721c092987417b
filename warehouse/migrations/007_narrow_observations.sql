-- 007: narrow observations. An observation is its key, when it was observed, the hash of its
-- attributes, its payload and run (and its volatile fields, which are not hashed); the attributes
-- are stored once per distinct (key, attr_hash) in `<entity>_attributes`. A night then writes its
-- narrow rows and only the attribute rows it has not seen (about 1% of them), not every attribute
-- of every row. The derivation and the views join the attribute tables where they need values.
--
-- Converted in place: the attributes of each (key, attr_hash) are taken from its earliest
-- observation (equal hashes are equal attributes), the narrow rows keep every observation in
-- time order (zone maps on observed_at), and the wide tables go. Versions are untouched.

-- model
CREATE TABLE model_attributes (
    source VARCHAR NOT NULL,
    model_id VARCHAR NOT NULL,
    attr_hash VARCHAR NOT NULL,
    name VARCHAR,
    creator VARCHAR,
    canonical_slug VARCHAR,
    hugging_face_id VARCHAR,
    base_model VARCHAR,
    context_window BIGINT,
    max_output_tokens BIGINT,
    input_price_per_mtok DECIMAL(38, 12),
    output_price_per_mtok DECIMAL(38, 12),
    release_date DATE,
    knowledge_cutoff DATE,
    expiration_date DATE,
    last_updated DATE,
    open_weights BOOLEAN,
    status VARCHAR,
    input_modalities VARCHAR[],
    output_modalities VARCHAR[],
    supported_params VARCHAR[],
    api_providers VARCHAR[],
    capabilities VARCHAR[]
);
INSERT INTO model_attributes (source, model_id, attr_hash, name, creator, canonical_slug, hugging_face_id, base_model, context_window, max_output_tokens, input_price_per_mtok, output_price_per_mtok, release_date, knowledge_cutoff, expiration_date, last_updated, open_weights, status, input_modalities, output_modalities, supported_params, api_providers, capabilities)
SELECT DISTINCT ON (source, model_id, attr_hash) source, model_id, attr_hash, name, creator, canonical_slug, hugging_face_id, base_model, context_window, max_output_tokens, input_price_per_mtok, output_price_per_mtok, release_date, knowledge_cutoff, expiration_date, last_updated, open_weights, status, input_modalities, output_modalities, supported_params, api_providers, capabilities
FROM model_observations ORDER BY source, model_id, attr_hash, observed_at, payload_sha256;

CREATE TABLE model_observations_narrow (
    source VARCHAR NOT NULL,
    model_id VARCHAR NOT NULL,
    attr_hash VARCHAR NOT NULL,
    observed_at TIMESTAMPTZ NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    run_id VARCHAR NOT NULL,
    payload_sha256 VARCHAR NOT NULL,
    description VARCHAR
);
INSERT INTO model_observations_narrow (source, model_id, attr_hash, observed_at, recorded_at, run_id, payload_sha256, description)
SELECT source, model_id, attr_hash, observed_at, recorded_at, run_id, payload_sha256, description FROM model_observations ORDER BY observed_at, source, model_id;
DROP TABLE model_observations;
ALTER TABLE model_observations_narrow RENAME TO model_observations;

-- endpoint
CREATE TABLE endpoint_attributes (
    source VARCHAR NOT NULL,
    model_id VARCHAR NOT NULL,
    endpoint_key VARCHAR NOT NULL,
    attr_hash VARCHAR NOT NULL,
    provider VARCHAR,
    context_length BIGINT,
    max_output_tokens BIGINT,
    max_prompt_tokens BIGINT,
    input_price_per_mtok DECIMAL(38, 12),
    output_price_per_mtok DECIMAL(38, 12),
    cache_read_price_per_mtok DECIMAL(38, 12),
    cache_write_price_per_mtok DECIMAL(38, 12),
    quantization VARCHAR,
    supported_params VARCHAR[],
    supported_params_count INTEGER,
    implicit_caching BOOLEAN,
    status INTEGER
);
INSERT INTO endpoint_attributes (source, model_id, endpoint_key, attr_hash, provider, context_length, max_output_tokens, max_prompt_tokens, input_price_per_mtok, output_price_per_mtok, cache_read_price_per_mtok, cache_write_price_per_mtok, quantization, supported_params, supported_params_count, implicit_caching, status)
SELECT DISTINCT ON (source, model_id, endpoint_key, attr_hash) source, model_id, endpoint_key, attr_hash, provider, context_length, max_output_tokens, max_prompt_tokens, input_price_per_mtok, output_price_per_mtok, cache_read_price_per_mtok, cache_write_price_per_mtok, quantization, supported_params, supported_params_count, implicit_caching, status
FROM endpoint_observations ORDER BY source, model_id, endpoint_key, attr_hash, observed_at, payload_sha256;

CREATE TABLE endpoint_observations_narrow (
    source VARCHAR NOT NULL,
    model_id VARCHAR NOT NULL,
    endpoint_key VARCHAR NOT NULL,
    attr_hash VARCHAR NOT NULL,
    observed_at TIMESTAMPTZ NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    run_id VARCHAR NOT NULL,
    payload_sha256 VARCHAR NOT NULL
);
INSERT INTO endpoint_observations_narrow (source, model_id, endpoint_key, attr_hash, observed_at, recorded_at, run_id, payload_sha256)
SELECT source, model_id, endpoint_key, attr_hash, observed_at, recorded_at, run_id, payload_sha256 FROM endpoint_observations ORDER BY observed_at, source, model_id, endpoint_key;
DROP TABLE endpoint_observations;
ALTER TABLE endpoint_observations_narrow RENAME TO endpoint_observations;

-- benchmark
CREATE TABLE benchmark_attributes (
    source VARCHAR NOT NULL,
    model_id VARCHAR NOT NULL,
    benchmark VARCHAR NOT NULL,
    attr_hash VARCHAR NOT NULL,
    score DOUBLE
);
INSERT INTO benchmark_attributes (source, model_id, benchmark, attr_hash, score)
SELECT DISTINCT ON (source, model_id, benchmark, attr_hash) source, model_id, benchmark, attr_hash, score
FROM benchmark_observations ORDER BY source, model_id, benchmark, attr_hash, observed_at, payload_sha256;

CREATE TABLE benchmark_observations_narrow (
    source VARCHAR NOT NULL,
    model_id VARCHAR NOT NULL,
    benchmark VARCHAR NOT NULL,
    attr_hash VARCHAR NOT NULL,
    observed_at TIMESTAMPTZ NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    run_id VARCHAR NOT NULL,
    payload_sha256 VARCHAR NOT NULL
);
INSERT INTO benchmark_observations_narrow (source, model_id, benchmark, attr_hash, observed_at, recorded_at, run_id, payload_sha256)
SELECT source, model_id, benchmark, attr_hash, observed_at, recorded_at, run_id, payload_sha256 FROM benchmark_observations ORDER BY observed_at, source, model_id, benchmark;
DROP TABLE benchmark_observations;
ALTER TABLE benchmark_observations_narrow RENAME TO benchmark_observations;

