"""Every source into one picture: catalog pages, models.dev, Artificial Analysis, identity and conflicts."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from flows.doubles.mirror import Mirror, Reply, read_manifest
from tests.conftest import DEMO, FIXTURES, query

CATALOG = FIXTURES / "catalog"
SCOUT_PAGE_URL = "https://www.mindstudio.ai/models/llama-4-scout-17b-16e-instruct-groq"
OPENROUTER_LIST = FIXTURES / "api_v1_models__subset__2026-05-15.json"
MODELS_DEV = FIXTURES / "models_dev" / "synthetic_api.json"
AA = FIXTURES / "artificial_analysis" / "synthetic_aa_v2_models__llama4__2026-10-09.json"
MARKUPS = ("dl", "table", "divs", "nextdata", "flat")

VIEWS = {
    "models": "SELECT model_id, name, creator, context_window, max_output_tokens, release_date, open_weights,"
    " input_modalities, output_modalities, knowledge_cutoff FROM models",
    "endpoints": "SELECT model_id, provider, endpoint_key, source, max_output_tokens, supported_params_count,"
    " implicit_caching, uptime_1d FROM endpoints ORDER BY endpoint_key",
    "uptime": "SELECT model_id, provider, endpoint_key, period, uptime_pct FROM uptime ORDER BY endpoint_key",
    "benchmarks": "SELECT model_id, benchmark, source, score FROM benchmarks ORDER BY benchmark",
}


def import_file(run_cli, path: Path, url: str, at: str = "2026-08-23T02:00:00Z"):  # type: ignore[no-untyped-def]
    return run_cli("import", str(path), "--url", url, "--fetched-at", at)


def view_rows(warehouse: Path) -> dict[str, list[tuple[object, ...]]]:
    return {name: query(warehouse, sql) for name, sql in VIEWS.items()}


@pytest.mark.parametrize("markup", MARKUPS)
def test_a_catalog_page_in_any_markup_loads_the_seed_values(warehouse: Path, run_cli, markup: str) -> None:
    result = import_file(run_cli, CATALOG / f"synthetic_catalog_page__{markup}.html", SCOUT_PAGE_URL)

    assert result.code == 0, result.err
    model = "catalog:llama-4-scout-17b-16e-instruct-groq"  # unmatched until another source names it
    rows = view_rows(warehouse)
    assert [r[:8] for r in rows["models"]] == [
        (model, "Llama 4 Scout", "Meta", 130000, 8192, date(2022, 4, 11), False, ["image", "text"])
    ]
    assert rows["endpoints"] == [
        (model, "DeepInfra", "deepinfra", "catalog", 16384, 13, False, 100.0),
        (model, "Google", "google", "catalog", 8192, 12, False, 99.8),
        (model, "Groq", "groq", "catalog", 8192, 8, False, 99.7),
        (model, "Novita", "novita", "catalog", 131072, 9, False, 99.9),
    ]
    assert [r[3:] for r in rows["uptime"]] == [("1d", 100.0), ("1d", 99.8), ("1d", 99.7), ("1d", 99.9)]
    assert [(r[1], r[3]) for r in rows["benchmarks"]] == [
        ("aime_2024", 28.3), ("gpqa_diamond", 58.7), ("hle", 4.3), ("livecodebench", 29.9),
        ("math_500", 84.4), ("mmlu_pro", 75.2), ("scicode", 17.0),
    ]  # fmt: skip


def test_every_catalog_markup_gives_identical_rows(tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {}
    for markup in MARKUPS:
        warehouse = tmp_path / markup / "w.duckdb"
        monkeypatch.setenv("MODELSYNC_WAREHOUSE", str(warehouse))
        monkeypatch.setenv("MODELSYNC_RAW_DIR", str(tmp_path / markup / "raw"))
        assert import_file(run_cli, CATALOG / f"synthetic_catalog_page__{markup}.html", SCOUT_PAGE_URL).code == 0
        seen[markup] = view_rows(warehouse)
    assert all(rows == seen["dl"] for rows in seen.values())


def test_a_page_without_its_labels_is_quarantined_and_changes_nothing(warehouse: Path, run_cli) -> None:
    assert import_file(run_cli, CATALOG / "synthetic_catalog_page__dl.html", SCOUT_PAGE_URL).code == 0
    before = view_rows(warehouse)

    result = import_file(
        run_cli, CATALOG / "synthetic_catalog_page__labels_stripped.html", SCOUT_PAGE_URL, "2026-08-24T02:00:00Z"
    )

    assert result.code == 1
    assert SCOUT_PAGE_URL in result.err
    assert "labels" in result.err
    assert len(result.err.strip().splitlines()) == 2  # the failed URL, then the one-line error
    assert view_rows(warehouse) == before
    quarantined = query(warehouse, "SELECT url, entity, reason FROM quarantine")
    assert [(url, entity) for url, entity, _ in quarantined] == [(SCOUT_PAGE_URL, None)]
    assert "Input Context Window" in str(quarantined[0][2])


def load_all_four(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    lines = [
        {"path": str(OPENROUTER_LIST), "url": "https://openrouter.ai/api/v1/models",
         "fetched_at": "2026-08-23T02:00:00Z"},
        {"path": str(MODELS_DEV), "url": "https://models.dev/api.json", "fetched_at": "2026-08-23T02:00:00Z"},
        {"path": str(AA), "url": "https://artificialanalysis.ai/api/v2/data/llms/models",
         "fetched_at": "2026-08-23T02:00:00Z"},
        {"path": str(CATALOG / "synthetic_catalog_page__dl.html"), "url": SCOUT_PAGE_URL,
         "fetched_at": "2026-08-23T02:00:00Z"},
    ]  # fmt: skip
    for line in lines:  # a manifest names files in its own folder
        copied = tmp_path / Path(line["path"]).name
        copied.write_bytes(Path(line["path"]).read_bytes())
        line["path"] = copied.name
    manifest = tmp_path / "all.jsonl"
    manifest.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = run_cli("import", "--manifest", str(manifest))
    assert result.code == 0, result.err


def test_llama_4_scout_from_all_four_sources_shares_one_model_id(warehouse: Path, run_cli, tmp_path: Path) -> None:
    load_all_four(tmp_path, run_cli)

    aliases = query(
        warehouse, "SELECT source, source_key, model_id FROM model_aliases WHERE source_key ILIKE '%scout%'"
    )
    assert {model_id for _, _, model_id in aliases} == {"meta-llama/llama-4-scout"}
    assert {source for source, _, _ in aliases} == {"openrouter", "models_dev", "artificial_analysis", "catalog"}
    assert ("openrouter", "meta-llama/llama-4-scout-17b-16e-instruct", "meta-llama/llama-4-scout") in aliases
    deepinfra = query(
        warehouse,
        "SELECT DISTINCT source, provider FROM endpoints WHERE model_id = 'meta-llama/llama-4-scout'"
        " AND provider_id = 'deepinfra' ORDER BY ALL",
    )
    assert deepinfra == [("catalog", "DeepInfra"), ("models_dev", "Deep Infra")]
    for view in ("models", "endpoints", "uptime", "benchmarks", "model_history"):
        ids = query(warehouse, f"SELECT DISTINCT model_id FROM {view} WHERE model_id ILIKE '%scout%'")
        assert ids == [("meta-llama/llama-4-scout",)], view
    scout = query(
        warehouse,
        "SELECT name, release_date, open_weights, sources, provenance['release_date'] FROM models"
        " WHERE model_id = 'meta-llama/llama-4-scout'",
    )
    assert scout == [
        ("Llama 4 Scout", date(2025, 4, 5), True,
         ["artificial_analysis", "catalog", "models_dev", "openrouter"], "models_dev")
    ]  # fmt: skip


def test_conflicts_list_the_seed_release_date_and_open_source_disagreements(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    load_all_four(tmp_path, run_cli)

    rows = query(
        warehouse,
        "SELECT field, source, value FROM conflicts WHERE model_id = 'meta-llama/llama-4-scout'"
        " AND field IN ('release_date', 'open_weights') AND source IN ('catalog', 'openrouter')"
        " ORDER BY field, source",
    )
    assert rows == [
        ("open_weights", "catalog", "false"),
        ("open_weights", "openrouter", "true"),
        ("release_date", "catalog", "2022-04-11"),
        ("release_date", "openrouter", "2025-04-05"),
    ]
    fields = {f for (f,) in query(warehouse, "SELECT DISTINCT field FROM conflicts")}
    assert "max_output_tokens" not in fields  # 8,192 on one provider vs 16,384 on another is two endpoints

    per_endpoint = query(
        warehouse,
        "SELECT DISTINCT max_output_tokens FROM endpoints WHERE model_id = 'meta-llama/llama-4-scout' ORDER BY 1",
    )
    assert {(8192,), (16384,)} <= set(per_endpoint)


def test_an_unmatched_key_is_listed_then_matched_and_the_crosswalk_keeps_its_history(warehouse: Path, run_cli) -> None:
    first = import_file(run_cli, CATALOG / "synthetic_catalog_page__dl.html", SCOUT_PAGE_URL)
    assert "unmatched model keys: catalog llama-4-scout-17b-16e-instruct-groq" in first.out
    assert query(warehouse, "SELECT source, source_key FROM unmatched_keys") == [
        ("catalog", "llama-4-scout-17b-16e-instruct-groq")
    ]
    known_then = query(warehouse, "SELECT max(recorded_at) FROM model_alias_log")[0][0]

    assert import_file(run_cli, OPENROUTER_LIST, "https://openrouter.ai/api/v1/models").code == 0

    assert query(warehouse, "SELECT count(*) FROM unmatched_keys") == [(0,)]
    now = query(warehouse, "SELECT model_id, rule FROM model_aliases WHERE source = 'catalog'")
    assert now == [("meta-llama/llama-4-scout", "catalog slug without provider suffix -groq")]
    then = query(warehouse, f"SELECT model_id FROM model_aliases_as_known('{known_then}') WHERE source = 'catalog'")
    assert then == [(None,)]


def test_models_dev_and_artificial_analysis_fixtures_load(warehouse: Path, run_cli) -> None:
    assert import_file(run_cli, MODELS_DEV, "https://models.dev/api.json").code == 0
    assert import_file(run_cli, AA, "https://artificialanalysis.ai/api/v2/data/llms/models").code == 0

    groq = query(
        warehouse,
        "SELECT source_key, provider, context_length, max_output_tokens, input_price_per_mtok FROM endpoints"
        " WHERE source = 'models_dev' AND endpoint_key = 'groq' AND source_key ILIKE '%llama-4-scout%'",
    )
    assert [r[:4] for r in groq] == [("groq/meta-llama/llama-4-scout-17b-16e-instruct", "Groq", 131072, 8192)]
    assert groq[0][4] == Decimal("0.11")
    scores = dict(query(warehouse, "SELECT benchmark, score FROM benchmarks WHERE source_key = 'llama-4-scout'"))
    assert (scores["aa_intelligence_index"], scores["gpqa_diamond"]) == (8.1, 58.7)
    speed = query(warehouse, "SELECT metric, value FROM speed WHERE source_key = 'llama-4-scout' ORDER BY 1")
    assert speed == [("output_tokens_per_s", 56.0), ("time_to_first_token_s", 0.62)]


def test_an_artificial_analysis_re_score_is_a_change(warehouse: Path, run_cli) -> None:
    older = FIXTURES / "artificial_analysis" / "synthetic_aa_v2_models__llama4__2026-07-05.json"
    url = "https://artificialanalysis.ai/api/v2/data/llms/models"
    assert import_file(run_cli, older, url, "2026-07-05T02:00:00Z").code == 0
    assert import_file(run_cli, AA, url, "2026-10-09T02:00:00Z").code == 0

    changes = query(
        warehouse,
        "SELECT entity, field, old_value, new_value FROM changes WHERE source_key = 'llama-4-scout'"
        " AND source = 'artificial_analysis'",
    )
    assert changes == [("benchmark", "aa_intelligence_index", "10.0", "8.1")]


@pytest.mark.usefixtures("prefect_server")
def test_sync_fetches_all_four_sources_from_the_mirror(
    warehouse: Path, mirror: Mirror, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELSYNC_SOURCES", "openrouter,models_dev,artificial_analysis,catalog")
    monkeypatch.setenv("ARTIFICIAL_ANALYSIS_API_KEY", "synthetic-key")
    mirror.captures = read_manifest(DEMO / "manifest.jsonl")
    mirror.serve_day("2026-08-23T02:00:00Z")

    result = run_cli("sync")

    assert result.code == 0, result.err
    fetched = dict(query(warehouse, "SELECT source, count(*) FROM raw_fetches GROUP BY ALL"))
    assert set(fetched) == {"openrouter", "models_dev", "artificial_analysis", "catalog"}
    assert fetched["catalog"] == 3  # the sitemap and its two model pages
    aa_requests = [h for path, h in mirror.requests if path.startswith("/api/v2/")]
    assert [h["x-api-key"] for h in aa_requests] == ["synthetic-key"]
    assert tuple(p for p, _ in mirror.requests if p == "/robots.txt") == ("/robots.txt",)


@pytest.mark.usefixtures("prefect_server")
def test_sync_without_an_artificial_analysis_key_skips_it_with_one_line(
    warehouse: Path, mirror: Mirror, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELSYNC_SOURCES", "models_dev,artificial_analysis")
    mirror.captures = read_manifest(DEMO / "manifest.jsonl")
    mirror.serve_day("2026-08-23T02:00:00Z")

    result = run_cli("sync")

    assert result.code == 0, result.err
    assert result.err.strip() == "artificial_analysis: skipped: set ARTIFICIAL_ANALYSIS_API_KEY to fetch it"
    assert not [p for p, _ in mirror.requests if p.startswith("/api/v2/")]
    assert query(warehouse, "SELECT DISTINCT source FROM raw_fetches") == [("models_dev",)]


COMPARED = ("conflicts", "benchmarks", "endpoints", "uptime", "speed", "model_facts", "changes")


def test_the_four_sources_in_any_order_and_twice_give_the_same_picture(
    tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    aa_url = "https://artificialanalysis.ai/api/v2/data/llms/models"
    older_aa = FIXTURES / "artificial_analysis" / "synthetic_aa_v2_models__llama4__2026-07-05.json"
    older_models_dev = FIXTURES / "models_dev" / "synthetic_api__2026-03-13.json"
    payloads = [  # each at its own time: a backfill and a nightly run interleave
        (older_models_dev, "https://models.dev/api.json", "2026-08-20T02:00:00Z"),
        (older_aa, aa_url, "2026-08-21T02:00:00Z"),
        (CATALOG / "synthetic_catalog_page__dl.html", SCOUT_PAGE_URL, "2026-08-22T02:00:00Z"),
        (OPENROUTER_LIST, "https://openrouter.ai/api/v1/models", "2026-08-23T02:00:00Z"),
        (MODELS_DEV, "https://models.dev/api.json", "2026-08-24T02:00:00Z"),
        (AA, aa_url, "2026-08-25T02:00:00Z"),
    ]
    pictures = []
    for name, order in (("forward", payloads), ("backward", [*payloads[::-1], payloads[2], payloads[0]])):
        warehouse = tmp_path / name / "w.duckdb"
        monkeypatch.setenv("MODELSYNC_WAREHOUSE", str(warehouse))
        monkeypatch.setenv("MODELSYNC_RAW_DIR", str(tmp_path / name / "raw"))
        for path, url, at in order:
            assert import_file(run_cli, path, url, at).code == 0
        picture = {view: query(warehouse, f"SELECT * FROM {view} ORDER BY ALL") for view in COMPARED}
        picture["models"] = query(
            warehouse, "SELECT * EXCLUDE (provenance), map_entries(provenance) FROM models ORDER BY model_id"
        )
        picture["model_aliases"] = query(warehouse, "SELECT * EXCLUDE (recorded_at) FROM model_aliases ORDER BY ALL")
        picture["history"] = query(
            warehouse,
            "SELECT * EXCLUDE (recorded_at) FROM endpoint_history UNION ALL BY NAME"
            " SELECT * EXCLUDE (recorded_at) FROM benchmark_history ORDER BY ALL",
        )
        pictures.append(picture)
    assert pictures[0] == pictures[1]
    assert len(pictures[0]["changes"]) >= 4  # the deepinfra limits and price, the AA re-score


def models_dev_variant(tmp_path: Path, name: str, change: dict[str, object]) -> Path:
    """The models.dev fixture with groq's Llama 4 Scout entry updated by ``change``."""
    document = json.loads(MODELS_DEV.read_text())
    document["groq"]["models"]["meta-llama/llama-4-scout-17b-16e-instruct"].update(change)
    path = tmp_path / f"synthetic_models_dev__{name}.json"
    path.write_text(json.dumps(document))
    return path


GROQ_SCOUT = "groq/meta-llama/llama-4-scout-17b-16e-instruct"


def test_a_models_dev_model_marked_deprecated_is_retired_with_its_endpoint(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    assert import_file(run_cli, MODELS_DEV, "https://models.dev/api.json").code == 0
    deprecated = models_dev_variant(tmp_path, "deprecated", {"status": "deprecated"})

    result = import_file(run_cli, deprecated, "https://models.dev/api.json", "2026-08-24T02:00:00Z")

    assert result.code == 0, result.err
    assert "  models: 0 new, 0 changed, 1 retired" in result.out
    assert "  endpoints: 0 new, 0 changed, 1 retired" in result.out
    assert query(warehouse, f"SELECT count(*) FROM endpoints WHERE source_key = '{GROQ_SCOUT}'") == [(0,)]


def test_one_bad_models_dev_entry_is_quarantined_and_the_rest_loads(warehouse: Path, run_cli, tmp_path: Path) -> None:
    assert import_file(run_cli, MODELS_DEV, "https://models.dev/api.json").code == 0
    broken = models_dev_variant(tmp_path, "broken", {"release_date": "sometime in 2025"})

    result = import_file(run_cli, broken, "https://models.dev/api.json", "2026-08-24T02:00:00Z")

    assert result.code == 3  # partial: one row quarantined, the rest landed
    assert query(warehouse, "SELECT entity, row_key FROM quarantine") == [("model", GROQ_SCOUT)]
    assert query(warehouse, f"SELECT count(*) FROM endpoints WHERE source_key = '{GROQ_SCOUT}'") == [(1,)]
    listing = query(warehouse, "SELECT complete FROM snapshots WHERE source = 'models_dev' ORDER BY observed_at")
    assert listing == [(True,), (False,)]  # an incomplete list retires nothing


@pytest.mark.usefixtures("prefect_server")
def test_a_catalog_page_that_answers_404_retires_its_model_endpoints_and_benchmarks(
    warehouse: Path, mirror: Mirror, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELSYNC_SOURCES", "catalog")
    mirror.captures = read_manifest(DEMO / "manifest.jsonl")
    mirror.serve_day("2026-08-23T02:00:00Z")
    assert run_cli("sync").code == 0
    scout = "catalog:llama-4-scout-17b-16e-instruct-groq"
    assert query(warehouse, f"SELECT count(*) FROM models WHERE model_id = '{scout}'") == [(1,)]
    mirror.script("/models/llama-4-scout-17b-16e-instruct-groq", Reply(404, b"<html>Not found</html>"))

    result = run_cli("sync")

    assert result.code == 0, result.err
    assert "  models: 0 new, 0 changed, 1 retired, 1 unchanged" in result.out
    for view in ("models", "endpoints", "benchmarks"):
        assert query(warehouse, f"SELECT count(*) FROM {view} WHERE model_id = '{scout}'") == [(0,)], view
    assert query(warehouse, f"SELECT count(*) FROM model_history WHERE model_id = '{scout}'") == [(2,)]
