"""``modelsync demo``: offline, bundled captures, real flow, a summary and a warehouse with history."""

from __future__ import annotations

import shlex
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from flows.demo import DEMO_MANIFEST, NEXT_STEPS, OUTAGES, REPORT_NAME, USAGE_NAME, WAREHOUSE_NAME
from tests.conftest import ROOT, query

SHARED_SOURCES = Path("/work/shared/sources")
OUTAGE_DAY = "2026-08-24T02:00:00Z"
MAVERICK_PAGE = "https://openrouter.ai/api/v1/models/meta-llama/llama-4-maverick/endpoints"
KIMI_PAGE = "https://openrouter.ai/api/v1/models/moonshotai/kimi-k3/endpoints"

NOVITA_SCOUT = "novita/meta-llama/llama-4-scout-17b-16e-instruct"  # a LiteLLM key: its model and its endpoint

# Every change the demo's captures hold, one row each: changed_at, source, source_key, endpoint, field, old, new.
EXPECTED_CHANGES = [
    ("08-23 02:00", "litellm", NOVITA_SCOUT, NOVITA_SCOUT, "input_price_per_mtok", "800.000000", "0.180000"),
    ("08-23 02:00", "litellm", NOVITA_SCOUT, NOVITA_SCOUT, "output_price_per_mtok", "4000.000000", "0.590000"),
    ("08-24 02:00", "openrouter", "meta-llama/llama-4-scout", "google-vertex/us-east5", "max_output_tokens",
     "8192", "16384"),
    ("08-24 02:00", "openrouter", "moonshotai/kimi-k3", "alibaba", "input_price_per_mtok", "3.900000", "3.450000"),
    ("08-24 02:00", "openrouter", "moonshotai/kimi-k3", "alibaba", "output_price_per_mtok", "19.500000", "17.250000"),
    ("08-25 10:26", "artificial_analysis", "llama-4-maverick", None, "aa_intelligence_index", "14.3", "10.0"),
    ("08-25 10:26", "artificial_analysis", "llama-4-scout", None, "aa_intelligence_index", "10.0", "8.1"),
    ("08-25 10:26", "models_dev", "deepinfra/meta-llama/Llama-4-Scout-17B-16E-Instruct", "deepinfra",
     "context_length", "10000000", "327680"),
    ("08-25 10:26", "models_dev", "deepinfra/meta-llama/Llama-4-Scout-17B-16E-Instruct", "deepinfra",
     "input_price_per_mtok", "0.080000", "0.100000"),
    ("08-25 10:26", "models_dev", "deepinfra/meta-llama/Llama-4-Scout-17B-16E-Instruct", "deepinfra",
     "max_output_tokens", None, "16384"),
    ("08-25 10:26", "openrouter", "meta-llama/llama-4-scout", "deepinfra/fp8", "implicit_caching", "false", "true"),
    ("08-26 02:00", "openrouter", "moonshotai/kimi-k3", "alibaba", "deleted", "false", "true"),
    ("08-27 02:00", "openrouter", "meta-llama/llama-4-scout", "novita/bf16", "max_output_tokens", "131072", "65536"),
    ("08-27 02:00", "openrouter", "moonshotai/kimi-k3", "fireworks/fast", "supported_params", "16 params",
     "+tool_choice +tools"),
]  # fmt: skip


@pytest.mark.usefixtures("prefect_server")
def test_demo_shows_every_kind_of_change_and_its_outage_day_deletes_nothing(
    tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_cli("demo", "--dir", str(tmp_path))

    assert result.code == 0, result.err  # the outage day is partial, as declared: still a clean demo
    assert "What changed" in result.out
    for shown in ("max_output_tokens", "input_price_per_mtok", "supported_params", "+tool_choice +tools",
                  "implicit_caching", "aa_intelligence_index", "deleted", "│ novita/bf16            │   99.3 │   98.9 │"
                  "   81.5 │", "moonshotai/kimi-k3 │ morph/fast", "2022-04-11", "The outage day deleted nothing",
                  f"outage (declared): {MAVERICK_PAGE}: HTTP 503", "expected: the outage day is partial",
                  "800.000000"):  # fmt: skip
        assert shown in result.out, shown
    warehouse = tmp_path / WAREHOUSE_NAME

    changes = [
        (at, source, key, endpoint, field, *_shown(field, old, new))
        for at, source, key, endpoint, field, old, new in query(
            warehouse,
            "SELECT strftime(changed_at, '%m-%d %H:%M'), source, source_key,"
            " endpoint_key, field, old_value, new_value"
            " FROM changes ORDER BY ALL",
        )
    ]
    assert changes == EXPECTED_CHANGES

    # Retired for good: the complete listings of 08-26 and 08-27 both lack Alibaba; its tombstone is still current.
    alibaba = query(
        warehouse,
        "SELECT strftime(valid_from, '%m-%d'), strftime(valid_to, '%m-%d'), is_deleted, input_price_per_mtok"
        " FROM endpoint_history WHERE source_key = 'moonshotai/kimi-k3' AND endpoint_key = 'alibaba' ORDER BY ALL",
    )
    assert alibaba == [
        ("08-23", "08-24", False, Decimal("3.9")),
        ("08-24", "08-26", False, Decimal("3.45")),
        ("08-26", None, True, None),
    ]
    later = query(warehouse, f"SELECT strftime(fetched_at, '%m-%d'), status FROM raw_fetches WHERE url = '{KIMI_PAGE}'"
                             " AND fetched_at > '2026-08-26T02:00:00Z' ORDER BY ALL")  # fmt: skip
    assert later == [("08-27", 200)]

    uptime = query(
        warehouse,
        "SELECT strftime(observed_at, '%m-%d'), round(uptime_pct, 1) FROM uptime"
        " WHERE source = 'openrouter' AND endpoint_key = 'novita/bf16' AND period = '1d' ORDER BY observed_at",
    )
    assert uptime == [("08-01", 99.3), ("08-23", 98.9), ("08-24", 81.5), ("08-25", 99.3), ("08-26", 99.7),
                      ("08-27", 99.7)]  # fmt: skip

    # The outage: that sync is partial with exactly the declared URLs; nothing in their scopes is retired.
    runs = query(warehouse, "SELECT status, list_sort([f.url FOR f IN failed_urls]) FROM runs ORDER BY started_at")
    assert runs == [("ok", []), ("ok", []), ("partial", sorted(OUTAGES[OUTAGE_DAY])), ("ok", []), ("ok", []),
                    ("ok", [])]  # fmt: skip
    down = f"fetched_at = '{OUTAGE_DAY}' AND (source = 'models_dev' OR url = '{MAVERICK_PAGE}')"
    assert query(warehouse, f"SELECT count(*) FROM raw_fetches WHERE {down}") == [(0,)]
    scope = "(source = 'models_dev' OR (source = 'openrouter' AND source_key = 'meta-llama/llama-4-maverick'))"
    for history in ("endpoint_history", "model_history"):
        assert query(warehouse, f"SELECT count(*) FROM {history} WHERE is_deleted AND {scope}") == [(0,)], history
    current = [
        query(warehouse, f"SELECT source, count(*) FROM endpoints_as_of({at}) WHERE {scope} GROUP BY ALL ORDER BY ALL")
        for at in (f"TIMESTAMPTZ '{OUTAGE_DAY}' - INTERVAL 1 SECOND", f"TIMESTAMPTZ '{OUTAGE_DAY}'", "now()")
    ]
    assert current == [[("models_dev", 32), ("openrouter", 1)]] * 3

    fetched = query(warehouse, "SELECT source, count(DISTINCT fetched_at) FROM raw_fetches GROUP BY ALL ORDER BY ALL")
    assert fetched == [("artificial_analysis", 6), ("catalog", 6), ("litellm", 6), ("models_dev", 5), ("openrouter", 6)]
    unchanged = query(warehouse, "SELECT count(*) FROM endpoint_history WHERE endpoint_key = 'deepinfra/fp8'")
    assert unchanged == [(2,)]  # the re-ordered parameter list on 08-25 is not a change; implicit caching is
    scout_sources = query(warehouse, "SELECT DISTINCT source FROM model_aliases WHERE model_id LIKE '%llama-4-scout'")
    assert {s for (s,) in scout_sources} == {"artificial_analysis", "catalog", "litellm", "models_dev", "openrouter"}

    # Every command the demo suggests next runs on its warehouse.
    monkeypatch.setenv("MODELSYNC_WAREHOUSE", str(warehouse))
    suggestions = NEXT_STEPS.format(warehouse=warehouse, report=tmp_path / REPORT_NAME, usage=tmp_path / USAGE_NAME)
    for line in suggestions.splitlines():
        if line.strip().startswith("uv run modelsync "):
            args = shlex.split(line, comments=True)[3:]
            suggested = run_cli(*args)
            assert suggested.code == 0, (line, suggested.err)
            assert suggested.out.strip(), line
    # the report line: charts of the models that changed, a table of the rest
    page = (tmp_path / REPORT_NAME).read_text()
    assert page.count('<svg class="chart"') > 10
    assert '<section id="unchanged">' in page

    status = run_cli("status")
    assert status.code == 0, status.err
    for source in ("artificial_analysis", "catalog", "litellm", "models_dev", "openrouter"):  # each with its last sync
        assert any(source in line and "sync-" in line for line in status.out.splitlines()), (source, status.out)


def _shown(field: object, old: object, new: object) -> tuple[object, object]:
    """A change's old and new value, a parameter list as its length and what it gained or lost."""
    if field != "supported_params":
        return old, new
    before, after = set(str(old).split(",")), set(str(new).split(","))
    moves = sorted(f"+{p}" for p in after - before) + sorted(f"-{p}" for p in before - after)
    return f"{len(before)} params", " ".join(moves)


def test_declared_outages_are_documented_and_have_no_capture_that_day() -> None:
    readme = (DEMO_MANIFEST.parent / "README.md").read_text(encoding="utf-8")
    manifest = DEMO_MANIFEST.read_text(encoding="utf-8")
    for stamp, urls in OUTAGES.items():
        for url in urls:
            assert f"| {stamp} | `{url}` |" in readme
            assert f'"url": "{url}", "fetched_at": "{stamp}"' not in manifest


@pytest.mark.skipif(not SHARED_SOURCES.is_dir(), reason="the real samples are not on this machine")
def test_demo_captures_are_what_the_build_script_makes(tmp_path: Path) -> None:
    script = ROOT / "scripts" / "build_demo_captures.py"
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], check=True, capture_output=True)

    built = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    bundled = {p.name: p.read_bytes() for p in DEMO_MANIFEST.parent.iterdir() if p.is_file()}
    assert built == bundled
