-- 013: a price tier may carry a daily UTC time window and weekdays, and the position of the upstream entry it
-- comes from (OpenRouter's `pricing.overrides`: among the entries that apply, a later one wins; issue 21).
-- Each stored tier keeps its price, size and price per million; the new fields are NULL in it, and NULLs are
-- left out of a hash, so no stored hash changes.
ALTER TABLE endpoint_attributes ALTER COLUMN price_tiers SET DATA TYPE
    STRUCT(price VARCHAR, above_tokens BIGINT, price_per_mtok DECIMAL(38,12), utc_start VARCHAR, utc_end VARCHAR,
           utc_days VARCHAR[], entry INTEGER)[]
    USING list_transform(price_tiers, lambda t: {'price': t.price, 'above_tokens': t.above_tokens,
        'price_per_mtok': t.price_per_mtok, 'utc_start': NULL::VARCHAR, 'utc_end': NULL::VARCHAR,
        'utc_days': NULL::VARCHAR[], 'entry': NULL::INTEGER});
ALTER TABLE endpoint_versions ALTER COLUMN price_tiers SET DATA TYPE
    STRUCT(price VARCHAR, above_tokens BIGINT, price_per_mtok DECIMAL(38,12), utc_start VARCHAR, utc_end VARCHAR,
           utc_days VARCHAR[], entry INTEGER)[]
    USING list_transform(price_tiers, lambda t: {'price': t.price, 'above_tokens': t.above_tokens,
        'price_per_mtok': t.price_per_mtok, 'utc_start': NULL::VARCHAR, 'utc_end': NULL::VARCHAR,
        'utc_days': NULL::VARCHAR[], 'entry': NULL::INTEGER});
