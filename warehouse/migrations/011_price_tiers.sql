-- 011: prices that apply above a prompt size (LiteLLM's `*_above_*_tokens`), on endpoints (issue 19).
-- A list of {price, above_tokens, price_per_mtok}, NULL for every endpoint stored before and for sources
-- without tiers, so no stored hash changes (NULLs are left out of a hash).
ALTER TABLE endpoint_attributes ADD COLUMN price_tiers STRUCT(price VARCHAR, above_tokens BIGINT, price_per_mtok DECIMAL(38,12))[];
ALTER TABLE endpoint_versions ADD COLUMN price_tiers STRUCT(price VARCHAR, above_tokens BIGINT, price_per_mtok DECIMAL(38,12))[];
