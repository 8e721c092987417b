"""Invariants are checked after every load: break each on purpose and the run fails, landing nothing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import pytest

from tests.conftest import KIMI_AT, KIMI_FILE, KIMI_URL, query, synthetic_endpoint, synthetic_endpoints

OTHER_URL = "https://openrouter.ai/api/v1/models/synthetic/other/endpoints"

CORRUPTIONS = {
    "more than one current version for a key": """
        INSERT INTO endpoint_versions SELECT * REPLACE (valid_from + INTERVAL 1 HOUR AS valid_from, 'x' AS attr_hash)
        FROM endpoint_versions WHERE endpoint_key = 'alibaba'""",
    "an interval with valid_to <= valid_from": """
        UPDATE endpoint_versions SET valid_to = valid_from - INTERVAL 1 DAY WHERE endpoint_key = 'alibaba'""",
    "overlapping or gapped intervals": """
        INSERT INTO endpoint_versions SELECT * REPLACE (valid_from - INTERVAL 2 DAY AS valid_from,
            valid_from - INTERVAL 1 DAY AS valid_to, 'x' AS attr_hash)
        FROM endpoint_versions WHERE endpoint_key = 'alibaba'""",
}


@pytest.mark.parametrize("broken", list(CORRUPTIONS))
def test_a_broken_invariant_fails_the_next_run_and_lands_nothing(
    warehouse: Path, run_cli, tmp_path: Path, broken: str
) -> None:
    assert run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", KIMI_AT).code == 0
    con = duckdb.connect(str(warehouse))
    con.execute(CORRUPTIONS[broken])
    con.close()
    before = query(warehouse, "SELECT count(*) FROM endpoint_observations")
    other = tmp_path / "synthetic_other.json"
    other.write_bytes(synthetic_endpoints("synthetic/other", [synthetic_endpoint("groq", "Groq")]))

    result = run_cli("import", str(other), "--url", OTHER_URL, "--fetched-at", "2026-08-26T00:00:00Z")

    assert result.code == 1
    assert broken in result.err.splitlines()[-1]
    assert result.err.splitlines()[-1].startswith("modelsync: load rolled back, nothing landed:")
    assert query(warehouse, "SELECT count(*) FROM endpoint_observations") == before
    assert query(warehouse, "SELECT count(*) FROM endpoint_versions WHERE model_id = 'synthetic/other'") == [(0,)]
    assert query(warehouse, "SELECT status FROM runs ORDER BY started_at") == [("ok",), ("failed",)]


def test_an_observation_whose_payload_is_not_recorded_fails_its_load(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from flows import pipeline
    from flows.settings import settings_from_env
    from warehouse import db, history
    from warehouse.archive import ArchivedPayload, sha256_hex

    now = datetime(2026, 8, 26, tzinfo=UTC)
    settings = settings_from_env({"MODELSYNC_WAREHOUSE": str(tmp_path / "w.duckdb")})
    body = synthetic_endpoints("synthetic/other", [synthetic_endpoint("groq", "Groq")])
    payload = ArchivedPayload("openrouter", OTHER_URL, now, 200, sha256_hex(body), len(body))
    run = pipeline.new_run("import", ["openrouter"], now)
    parsed = pipeline.parse_archived(settings, run, [payload], now, {payload.sha256: body})
    orphaned = parsed.batch.payloads.iloc[0:0]  # the load forgets to record the payload its rows came from
    con = db.open_for_write(settings.warehouse, now)
    history.record_run_start(con, run)

    with pytest.raises(history.InvariantError, match="an observation whose payload is not archived"):
        history.load_batch(con, dataclasses.replace(parsed.batch, payloads=orphaned))

    assert con.execute("SELECT count(*) FROM endpoint_observations").fetchall() == [(0,)]
    con.close()
