-- 008: the daily uptime rollup. For each endpoint and UTC day, its last 1d uptime measurement
-- of that day. The load keeps it (warehouse/history/uptime.py), so `endpoints_as_of` reads one
-- row per endpoint and day before `ts` instead of every measurement (the measurements of `ts`'s
-- own day, and any `known_at` question, are still read from `uptime_measurements`).

CREATE TABLE uptime_days (
    source VARCHAR NOT NULL,
    model_id VARCHAR NOT NULL,
    endpoint_key VARCHAR NOT NULL,
    day DATE NOT NULL,                     -- UTC
    uptime_pct DOUBLE NOT NULL,            -- the day's last 1d uptime
    observed_at TIMESTAMPTZ NOT NULL       -- when it was measured
);

INSERT INTO uptime_days
SELECT source, model_id, endpoint_key, CAST(timezone('UTC', observed_at) AS DATE) AS day,
    arg_max(uptime_pct, observed_at), max(observed_at)
FROM uptime_measurements WHERE period = '1d'
GROUP BY ALL ORDER BY day;
