-- 012: schema drift (issue 21). One row per archived fetch of a JSON payload and field path that its
-- parser does not know (`new`, with a short example of its value) or that it expects and the payload
-- lacks (`missing`). Derived from the payloads while parsing, so a backfill or a replay recomputes it;
-- a fetch loaded twice adds nothing (one row per url, observed_at, payload_sha256, path and kind).
CREATE TABLE drift_observations (
    source VARCHAR NOT NULL,
    payload_kind VARCHAR NOT NULL,         -- the source's payload kind (`models`, `endpoints`, `api`, ...)
    url VARCHAR NOT NULL,
    path VARCHAR NOT NULL,                 -- e.g. `data[].pricing.overrides`, `*.models.*.cost.input`
    kind VARCHAR NOT NULL,                 -- new, missing
    example VARCHAR,                       -- a new path's value as short JSON text; NULL when missing
    payload_sha256 VARCHAR NOT NULL,
    observed_at TIMESTAMPTZ NOT NULL,      -- the fetch time
    run_id VARCHAR NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);
