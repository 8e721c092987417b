-- Prices exact as published: USD per million tokens to 12 decimals (1e-18 USD per token), was 6.
-- Widened in place: every stored value is unchanged (a DECIMAL(18, 6) value is exact in
-- DECIMAL(38, 12)), so its hash, its versions and every view's rows stay as they were.
ALTER TABLE endpoint_observations ALTER COLUMN input_price_per_mtok SET DATA TYPE DECIMAL(38, 12);
ALTER TABLE endpoint_observations ALTER COLUMN output_price_per_mtok SET DATA TYPE DECIMAL(38, 12);
ALTER TABLE endpoint_observations ALTER COLUMN cache_read_price_per_mtok SET DATA TYPE DECIMAL(38, 12);
ALTER TABLE endpoint_observations ALTER COLUMN cache_write_price_per_mtok SET DATA TYPE DECIMAL(38, 12);
ALTER TABLE endpoint_versions ALTER COLUMN input_price_per_mtok SET DATA TYPE DECIMAL(38, 12);
ALTER TABLE endpoint_versions ALTER COLUMN output_price_per_mtok SET DATA TYPE DECIMAL(38, 12);
ALTER TABLE endpoint_versions ALTER COLUMN cache_read_price_per_mtok SET DATA TYPE DECIMAL(38, 12);
ALTER TABLE endpoint_versions ALTER COLUMN cache_write_price_per_mtok SET DATA TYPE DECIMAL(38, 12);
ALTER TABLE model_observations ALTER COLUMN input_price_per_mtok SET DATA TYPE DECIMAL(38, 12);
ALTER TABLE model_observations ALTER COLUMN output_price_per_mtok SET DATA TYPE DECIMAL(38, 12);
ALTER TABLE model_versions ALTER COLUMN input_price_per_mtok SET DATA TYPE DECIMAL(38, 12);
ALTER TABLE model_versions ALTER COLUMN output_price_per_mtok SET DATA TYPE DECIMAL(38, 12);

-- The models' list prices join `models` (model_facts_as_of and models_as_of in warehouse/views.sql).
INSERT INTO field_precedence
SELECT field, source, rank FROM (VALUES
    ('input_price_per_mtok', ['openrouter', 'artificial_analysis']),  -- models.dev prices are per provider
    ('output_price_per_mtok', ['openrouter', 'artificial_analysis'])
) t(field, sources), unnest(sources) WITH ORDINALITY AS u(source, rank);
