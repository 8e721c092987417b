-- 009: histories from git, and two columns for LiteLLM's price map (issue 19).
-- A payload replayed from a git-scraped history (`backfill --git`) names the repository and the
-- commit its body was read at (NULL for every other payload).
ALTER TABLE payloads ADD COLUMN repository VARCHAR;
ALTER TABLE payloads ADD COLUMN git_commit VARCHAR;
-- `mode` on models (chat, embedding, image_generation, ...): NULL for every other source, so no
-- stored hash changes (NULLs are left out of a hash).
-- `source_model_key` on endpoints: the model's key in its source, so a user can find the upstream
-- entry (a LiteLLM map key without its provider prefix, models.dev's model id without its provider,
-- OpenRouter's model id, a catalog page's slug). A function of the key: volatile (stored, shown,
-- never hashed). Rows stored before it are filled here by the rule their sources follow.
ALTER TABLE model_attributes ADD COLUMN mode VARCHAR;
ALTER TABLE model_versions ADD COLUMN mode VARCHAR;
ALTER TABLE endpoint_observations ADD COLUMN source_model_key VARCHAR;
ALTER TABLE endpoint_versions ADD COLUMN source_model_key VARCHAR;
UPDATE endpoint_observations
SET source_model_key = CASE WHEN source = 'models_dev' THEN substr(model_id, strpos(model_id, '/') + 1) ELSE model_id END;
UPDATE endpoint_versions  -- a retirement row's volatile fields stay NULL, as the derivation makes them
SET source_model_key = CASE WHEN source = 'models_dev' THEN substr(model_id, strpos(model_id, '/') + 1) ELSE model_id END
WHERE NOT is_deleted;
