-- 002: time travel on both axes.
--   endpoints_as_of(ts)                 what was true at ts (valid time), as the warehouse holds it now
--   endpoints_as_of(ts, known_at := k)  what the warehouse said at k about ts (transaction time)
-- A bare date ('2026-08-02') means the end of that day in UTC: the values known on that date.

CREATE MACRO as_of_instant(ts) AS
    CASE WHEN length(CAST(ts AS VARCHAR)) = 10
         THEN timezone('UTC', CAST(CAST(ts AS DATE) + INTERVAL 1 DAY AS TIMESTAMP)) - INTERVAL 1 MICROSECOND
         ELSE CAST(ts AS TIMESTAMPTZ)
    END;
CREATE MACRO endpoints_as_of(ts, known_at := NULL) AS TABLE
SELECT
    v.model_id, v.provider, v.endpoint_key, v.source,
    v.context_length, v.max_output_tokens, v.max_prompt_tokens,
    v.input_price_per_mtok, v.output_price_per_mtok, v.cache_read_price_per_mtok,
    v.quantization, v.supported_params, v.supported_params_count,
    v.implicit_caching, v.status,
    (SELECT arg_max(u.uptime_pct, u.observed_at) FROM uptime_measurements u
      WHERE u.source = v.source AND u.model_id = v.model_id AND u.endpoint_key = v.endpoint_key
        AND u.period = '1d' AND u.observed_at <= as_of_instant(ts)
        AND (known_at IS NULL OR u.recorded_at <= as_of_instant(known_at))) AS uptime_1d,
    v.valid_from, v.valid_to
FROM endpoint_versions v
WHERE v.valid_from <= as_of_instant(ts)
  AND (v.valid_to IS NULL OR v.valid_to > as_of_instant(ts))
  AND NOT v.is_deleted
  AND (CASE WHEN known_at IS NULL THEN v.superseded_at IS NULL
            ELSE v.recorded_at <= as_of_instant(known_at)
                 AND (v.superseded_at IS NULL OR v.superseded_at > as_of_instant(known_at)) END);

CREATE MACRO models_as_of(ts, known_at := NULL) AS TABLE
SELECT
    model_id, name, creator, context_window, max_output_tokens, release_date, open_weights,
    input_modalities, output_modalities, source, canonical_slug, hugging_face_id,
    input_price_per_mtok, output_price_per_mtok, knowledge_cutoff, expiration_date,
    supported_params, valid_from, valid_to
FROM model_versions
WHERE valid_from <= as_of_instant(ts)
  AND (valid_to IS NULL OR valid_to > as_of_instant(ts))
  AND NOT is_deleted
  AND (CASE WHEN known_at IS NULL THEN superseded_at IS NULL
            ELSE recorded_at <= as_of_instant(known_at)
                 AND (superseded_at IS NULL OR superseded_at > as_of_instant(known_at)) END);

-- Every version row the warehouse held at known_at (its history as it stood then).
CREATE MACRO endpoint_history_as_known(known_at) AS TABLE
SELECT * EXCLUDE (attr_hash, payload_sha256)
FROM endpoint_versions
WHERE recorded_at <= as_of_instant(known_at)
  AND (superseded_at IS NULL OR superseded_at > as_of_instant(known_at));

CREATE MACRO model_history_as_known(known_at) AS TABLE
SELECT * EXCLUDE (attr_hash, payload_sha256)
FROM model_versions
WHERE recorded_at <= as_of_instant(known_at)
  AND (superseded_at IS NULL OR superseded_at > as_of_instant(known_at));
