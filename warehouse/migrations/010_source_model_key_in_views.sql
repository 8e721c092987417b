-- 010: `source_model_key` is computed by the views (the SQL macro of the same name) rather than stored.
-- Stored as a volatile endpoint field (009), it made every endpoint key read its observations since
-- its version began at each load: a night's load grew with the history (benchmarks/growth.py: night
-- 365 at 1.35x night 10, against 1.12 without it). It is a function of the key and the provider.
ALTER TABLE endpoint_observations DROP COLUMN source_model_key;
ALTER TABLE endpoint_versions DROP COLUMN source_model_key;
