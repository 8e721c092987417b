-- 004: provider identity, a versioned crosswalk like the model one (`provider_id` in views).

-- (source, provider key) -> canonical provider id.
CREATE TABLE provider_alias_log (
    source VARCHAR NOT NULL,
    provider_key VARCHAR NOT NULL,
    provider_id VARCHAR,
    rule VARCHAR NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    superseded_at TIMESTAMPTZ
);
