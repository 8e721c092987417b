"""``modelsync demo``: offline, bundled captures, real flow, a summary and a warehouse with history."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.demo import WAREHOUSE_NAME
from tests.conftest import query


@pytest.mark.usefixtures("prefect_server")
def test_demo_prints_changes_and_leaves_endpoint_history(tmp_path: Path, run_cli) -> None:
    result = run_cli("demo", "--dir", str(tmp_path))

    assert result.code == 0, result.err
    assert "What changed" in result.out
    assert "moonshotai/kimi-k3 │ Morph" in result.out  # the endpoint that appears on the last date
    for change in ("max_output_tokens", "input_price_per_mtok", "implicit_caching"):
        assert change in result.out
    warehouse = tmp_path / WAREHOUSE_NAME
    most = query(warehouse, "SELECT max(n) FROM (SELECT count(*) AS n FROM endpoint_history GROUP BY ALL_KEYS)"
                 .replace("GROUP BY ALL_KEYS", "GROUP BY source, model_id, endpoint_key"))  # fmt: skip
    assert most[0][0] >= 2
    assert query(warehouse, "SELECT DISTINCT status FROM runs") == [("ok",)]
    appeared = query(warehouse, "SELECT min(valid_from) FROM endpoint_history WHERE endpoint_key = 'morph/fast'")
    assert str(appeared[0][0]).startswith("2026-08-25")
    unchanged = query(warehouse, "SELECT count(*) FROM endpoint_history WHERE endpoint_key = 'deepinfra/fp8'")
    assert unchanged == [(2,)]  # the re-ordered parameter list on 08-25 is not a change; implicit caching is
    scout_sources = query(warehouse, "SELECT DISTINCT source FROM model_aliases WHERE model_id LIKE '%llama-4-scout'")
    assert sorted(s for (s,) in scout_sources) == ["artificial_analysis", "catalog", "models_dev", "openrouter"]
    assert "aa_intelligence_index" in result.out  # the re-score
    assert "2022-04-11" in result.out  # the catalog page's release date, in conflict with the others
