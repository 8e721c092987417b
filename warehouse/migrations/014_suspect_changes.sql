-- 014: suspect changes (issue 21). `suspect_runs` is derived, like the versions: each run of an implausible
-- value the derivation judged, and what became of it (held, confirmed, accepted, rejected, unconfirmed).
-- `review_decisions` is input, like the observations: what a person decided about a key's value, by whom, when.
CREATE TABLE suspect_runs (
    entity VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    model_id VARCHAR NOT NULL,
    endpoint_key VARCHAR,                  -- NULL for a model
    previous_hash VARCHAR,                 -- the accepted value it was judged against
    attr_hash VARCHAR NOT NULL,
    first_observed_at TIMESTAMPTZ NOT NULL,
    last_observed_at TIMESTAMPTZ NOT NULL,
    observations INTEGER NOT NULL,          -- distinct fetch times of the run
    ended_at TIMESTAMPTZ,                   -- the first event after the run (NULL: none yet)
    status VARCHAR NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE review_decisions (
    entity VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    model_id VARCHAR NOT NULL,
    endpoint_key VARCHAR,
    attr_hash VARCHAR NOT NULL,
    decision VARCHAR NOT NULL,              -- accept or reject
    decided_by VARCHAR NOT NULL,
    decided_at TIMESTAMPTZ NOT NULL
);
