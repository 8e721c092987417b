"""The daily uptime rollup (``uptime_days``): each endpoint's last 1d uptime of each UTC day."""

from __future__ import annotations

from datetime import UTC, datetime, time

import duckdb
import pandas as pd

UPTIME_DAY = "CAST(timezone('UTC', observed_at) AS DATE)"
"""SQL: the UTC day of a measurement's ``observed_at``."""


def roll_up_uptime(con: duckdb.DuckDBPyConnection, measured: pd.DataFrame) -> None:
    """Recompute the ``uptime_days`` rows of the endpoint-days that ``measured`` has 1d uptimes for.

    A function of the stored measurements of those days only, so any load order gives the same rows.
    """
    daily = measured[measured["period"] == "1d"]
    if daily.empty:
        return
    con.execute(  # `daily` is read by name (see warehouse/history/__init__.py on frames)
        f"""
        CREATE OR REPLACE TEMP TABLE uptime_touched AS
        SELECT DISTINCT source, model_id, endpoint_key, {UPTIME_DAY} AS day FROM daily
        """
    )
    since = con.execute("SELECT min(day) FROM uptime_touched").fetchall()[0][0]
    since_at = datetime.combine(since, time(), UTC)  # a bound on observed_at, whatever the session's time zone
    con.execute(
        """
        DELETE FROM uptime_days u WHERE u.day >= $since AND EXISTS (SELECT 1 FROM uptime_touched t
            WHERE t.source = u.source AND t.model_id = u.model_id AND t.endpoint_key = u.endpoint_key AND t.day = u.day)
        """,
        {"since": since},
    )
    con.execute(
        f"""
        INSERT INTO uptime_days
        SELECT m.source, m.model_id, m.endpoint_key, {UPTIME_DAY.replace("observed_at", "m.observed_at")} AS day,
            arg_max(m.uptime_pct, m.observed_at), max(m.observed_at)
        FROM uptime_measurements m
        JOIN uptime_touched t ON t.source = m.source AND t.model_id = m.model_id AND t.endpoint_key = m.endpoint_key
            AND t.day = {UPTIME_DAY.replace("observed_at", "m.observed_at")}
        WHERE m.period = '1d' AND m.observed_at >= $since_at
        GROUP BY ALL
        """,
        {"since_at": since_at},
    )
