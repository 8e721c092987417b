-- 005: what the model crosswalk was last resolved from, so a load whose identity facts and
-- rules are unchanged skips re-resolving every key (the crosswalk would come out the same).

CREATE TABLE identity_state (
    resolver VARCHAR PRIMARY KEY,
    fingerprint VARCHAR NOT NULL,  -- the rules' version and a hash of the facts resolved
    refreshed_at TIMESTAMPTZ NOT NULL
);
