-- 001: runs, archived payloads, quarantine, snapshots, observations and versions
-- for OpenRouter models and endpoints, and the uptime series. Migrations hold tables and data
-- only: every view and macro is defined once, in warehouse/views.sql.

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
