"""Web-archive backfill: CDX answers, the loopback Wayback mirror, and ``modelsync backfill --wayback``."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from extractors import openrouter
from extractors.registry import payload_kind_for, source_specs
from extractors.wayback import (
    Capture,
    Lookup,
    capture_time,
    capture_timestamp,
    capture_url,
    cdx_url,
    model_lookups,
    parse_cdx,
    real_url,
)
from flows.doubles.mirror import Capture as Recorded
from flows.doubles.mirror import Reply, WaybackMirror
from flows.settings import WAYBACK_CAPTURES, WAYBACK_CDX, SettingError, settings_from_env
from tests.conftest import FIXTURES, query, synthetic_endpoint, synthetic_endpoints
from transforms.records import ParseError

EXAMPLES = FIXTURES / "wayback"
SCOUT, SCOUT_SLUG = "meta-llama/llama-4-scout", "meta-llama/llama-4-scout-17b-16e-instruct"
MAVERICK, MAVERICK_SLUG = "meta-llama/llama-4-maverick", "meta-llama/llama-4-maverick-17b-128e-instruct"
MODELS_URL = "https://openrouter.ai/api/v1/models"
ENDPOINTS = "https://openrouter.ai/api/v1/models/{}/endpoints"
MODELS_DEV_URL = "https://models.dev/api.json"
AA_URL = "https://artificialanalysis.ai/api/v2/data/llms/models"
SITEMAP_URL = "https://www.mindstudio.ai/sitemap.xml"
SCOUT_PAGE = "https://www.mindstudio.ai/models/llama-4-scout-17b-16e-instruct-groq"
MAVERICK_PAGE = "https://www.mindstudio.ai/models/llama-4-maverick-17b-128e-instruct-fp8-deepinfra"
D1, D2, D3 = "2026-05-15T02:00:00Z", "2026-05-16T02:00:00Z", "2026-05-17T14:30:00Z"
ARCHIVE = "https://web.archive.org"


def at(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


# --- CDX answers: pure parsing ----------------------------------------------------------------


def test_parse_cdx_reads_the_documented_example_by_its_header() -> None:
    page = parse_cdx((EXAMPLES / "cdx_search_output_json__doc_example.json").read_bytes())

    assert page.captures == (
        Capture("org,archive)/", "19970126045828", "http://www.archive.org:80/", "text/html", "200",
                "Q4YULN754FHV2U6Q5JUT6Q2P57WEWNNY", "1415"),
        Capture("org,archive)/", "19971011050034", "http://www.archive.org:80/", "text/html", "200",
                "XAHDNHZ5P3GSSSNJ3DMEOJF7BMCCPZR3", "1402"),
        Capture("org,archive)/", "19971211122953", "http://www.archive.org:80/", "text/html", "200",
                "XAHDNHZ5P3GSSSNJ3DMEOJF7BMCCPZR3", "1405"),
    )  # fmt: skip
    assert page.resume_key is None
    assert page.captures[0].captured_at == datetime(1997, 1, 26, 4, 58, 28, tzinfo=UTC)


def test_parse_cdx_returns_the_resume_key_and_keeps_a_repeated_row_once() -> None:
    page = parse_cdx((EXAMPLES / "cdx_search_output_json_resumekey__doc_example.json").read_bytes())

    assert [(c.timestamp, c.original) for c in page.captures] == [
        ("19970126045828", "http://www.archive.org:80/"),
        ("19971011050034", "http://www.archive.org:80/"),
        ("19971211122953", "http://www.archive.org:80/"),
        ("19980109140106", "http://archive.org:80/"),
    ]
    assert page.resume_key == "org%2Carchive%29%2F+19980109140106%21"


@pytest.mark.parametrize("body", [b"", b"\n", b"[]", b"[]\n"])
def test_parse_cdx_of_no_captures_is_an_empty_page(body: bytes) -> None:
    assert parse_cdx(body).captures == ()
    assert parse_cdx(body).resume_key is None


def test_parse_cdx_reads_columns_by_name_and_keeps_only_status_200() -> None:
    body = json.dumps([
        ["timestamp", "original", "urlkey", "statuscode", "mimetype", "digest", "length"],
        ["20260515020000", "https://models.dev/api.json", "dev,models)/api.json", "200", "application/json", "A", "9"],
        ["20260516020000", "https://models.dev/api.json", "dev,models)/api.json", "503", "text/html", "B", "9"],
    ]).encode()  # fmt: skip

    assert parse_cdx(body).captures == (
        Capture("dev,models)/api.json", "20260515020000", "https://models.dev/api.json", "application/json", "200",
                "A", "9"),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>Wayback Machine is down</html>", "not valid JSON"),
        (b'{"captures": []}', "expected a JSON list of rows"),
        (b'[["urlkey", "timestamp"]]', "lacks original, mimetype, statuscode, digest, length"),
        (b'[["urlkey","timestamp","original","mimetype","statuscode","digest","length"], ["a", "b"]]', "row 2 is"),
        (
            b'[["urlkey","timestamp","original","mimetype","statuscode","digest","length"],'
            b' ["k", "2026-05-15", "https://models.dev/api.json", "application/json", "200", "D", "1"]]',
            "row 2: timestamp '2026-05-15' is not YYYYMMDDhhmmss",
        ),
    ],
)
def test_parse_cdx_refuses_an_answer_it_cannot_read(body: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_cdx(body)


def test_cdx_url_asks_for_200_captures_collapsed_by_digest_one_page_at_a_time() -> None:
    url = cdx_url(Lookup("openrouter", MODELS_URL), at("2026-05-15T00:00:00Z"), at("2026-05-18T00:00:00Z"))

    assert url == (
        "https://web.archive.org/cdx/search/cdx?url=openrouter.ai/api/v1/models&output=json"
        "&filter=statuscode:200&collapse=digest&from=20260515000000&to=20260517235959&limit=1000&showResumeKey=true"
    )


def test_cdx_url_of_a_prefix_passes_the_resume_key_back_verbatim() -> None:
    lookup = Lookup("catalog", "https://www.mindstudio.ai/models/", prefix=True)

    url = cdx_url(lookup, None, None, resume_key="ai%2Cmindstudio%29%2Fmodels%2Fx+20260515020000%21", limit=2)

    assert url == (
        "https://web.archive.org/cdx/search/cdx?url=www.mindstudio.ai/models/&matchType=prefix&output=json"
        "&filter=statuscode:200&collapse=digest&limit=2&showResumeKey=true"
        "&resumeKey=ai%2Cmindstudio%29%2Fmodels%2Fx+20260515020000%21"
    )


def test_a_capture_url_names_the_original_and_its_capture_time() -> None:
    capture = Capture("ai,openrouter)/api/v1/models", "20260515020000", MODELS_URL, "application/json", "200", "D",
                      "1")  # fmt: skip

    assert capture_url(capture) == "https://web.archive.org/web/20260515020000id_/https://openrouter.ai/api/v1/models"
    assert capture_timestamp(capture_url(capture)) == "20260515020000"
    assert capture_time("20260515020000") == at(D1)
    with pytest.raises(ValueError, match="not YYYYMMDDhhmmss"):
        capture_time("2026051502")


@pytest.mark.parametrize(
    ("original", "origin", "expected"),
    [
        ("http://www.mindstudio.ai:80/models/llama-4-scout/", "https://www.mindstudio.ai",
         "https://www.mindstudio.ai/models/llama-4-scout"),
        ("https://mindstudio.ai/models/llama-4-scout?ref=nav", "https://www.mindstudio.ai",
         "https://www.mindstudio.ai/models/llama-4-scout"),
        ("http://openrouter.ai:80/api/v1/models", "https://openrouter.ai", MODELS_URL),
        ("http://www.mindstudio.ai/", "https://www.mindstudio.ai", "https://www.mindstudio.ai/"),
    ],
)  # fmt: skip
def test_real_url_maps_a_crawled_original_back_to_the_source_url(original: str, origin: str, expected: str) -> None:
    assert real_url(original, origin) == expected


def test_both_forms_of_an_openrouter_endpoints_url_route_to_the_endpoints_parser() -> None:
    by_id = payload_kind_for(ENDPOINTS.format(SCOUT))
    by_slug = payload_kind_for(ENDPOINTS.format(SCOUT_SLUG))

    assert (by_id[0].id, by_id[1].name) == ("openrouter", "endpoints")
    assert (by_slug[0].id, by_slug[1].name) == ("openrouter", "endpoints")


def test_openrouter_model_lookups_cover_every_model_key_once() -> None:
    lookups = model_lookups(openrouter.SOURCE, [SCOUT, SCOUT_SLUG, SCOUT, "", "not-a-model-key"])

    assert lookups == (
        Lookup("openrouter", ENDPOINTS.format(SCOUT)),
        Lookup("openrouter", ENDPOINTS.format(SCOUT_SLUG)),
    )


def test_wayback_settings_come_from_the_environment() -> None:
    settings = settings_from_env(
        {"MODELSYNC_WAYBACK_BASE_URL": "http://127.0.0.1:8123/", "MODELSYNC_WAYBACK_RATE": "0.5",
         "MODELSYNC_WAYBACK_CAPTURE_RATE": "3", "MODELSYNC_WAYBACK_CONCURRENCY": "4",
         "MODELSYNC_RETRY_ATTEMPTS": "2"}
    )  # fmt: skip
    from extractors.wayback import CAPTURE_POLICY, CDX_POLICY

    cdx, captures = settings.policy(WAYBACK_CDX, CDX_POLICY), settings.policy(WAYBACK_CAPTURES, CAPTURE_POLICY)
    assert settings.wayback_base_url == "http://127.0.0.1:8123"
    assert (cdx.rate_per_s, cdx.concurrency, cdx.max_attempts) == (0.5, 1, 2)
    assert (captures.rate_per_s, captures.concurrency, captures.max_attempts) == (3.0, 4, 2)
    assert (CDX_POLICY.rate_per_s, CAPTURE_POLICY.rate_per_s) == (0.25, 1.0)
    with pytest.raises(SettingError, match="MODELSYNC_WAYBACK_RATE='fast' is not a number"):
        settings_from_env({"MODELSYNC_WAYBACK_RATE": "fast"})


# --- the loopback Wayback mirror --------------------------------------------------------------


@pytest.fixture
def captures(tmp_path: Path) -> list[Recorded]:
    """Captures of every source over three dates, as the Internet Archive would hold them.

    OpenRouter: the real model list on D1 and again, unchanged, on D2 (collapsed by digest);
    a synthetic one on D3. Llama 4 Scout's endpoints under its id on D1 and D2 and only under
    its canonical slug on D3; Maverick's only under its canonical slug (D2). models.dev on D1
    and D3, the catalog's sitemap and pages (one as crawled: http, :80, trailing slash), a
    page under /models/ that is no model page, and an Artificial Analysis payload nobody may ask for.
    """
    real_models = FIXTURES / "api_v1_models__subset__2026-05-15.json"
    models = json.loads(real_models.read_bytes())
    models["data"] = [m for m in models["data"] if m["id"] != "openai/gpt-oss-120b"]

    def write(name: str, body: bytes) -> Path:
        path = tmp_path / "captures" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(body)
        return path

    def endpoints(model_id: str, max_out: int, prompt: str) -> bytes:
        return synthetic_endpoints(model_id, [synthetic_endpoint("groq", "Groq", max_out, prompt)])

    catalog = FIXTURES / "catalog"
    return [
        Recorded(MODELS_URL, D1, real_models),
        Recorded(MODELS_URL, D2, real_models),
        Recorded(MODELS_URL, D3, write("synthetic_models__d3.json", json.dumps(models).encode())),
        Recorded(ENDPOINTS.format(SCOUT), D1, write("synthetic_scout__d1.json", endpoints(SCOUT, 8192, "0.0000001"))),
        Recorded(ENDPOINTS.format(SCOUT), D2, write("synthetic_scout__d2.json", endpoints(SCOUT, 4096, "0.0000001"))),
        Recorded(ENDPOINTS.format(SCOUT_SLUG), D3,
                 write("synthetic_scout_slug__d3.json", endpoints(SCOUT, 4096, "0.0000002"))),
        Recorded(ENDPOINTS.format(MAVERICK_SLUG), D2,
                 write("synthetic_maverick_slug__d2.json", endpoints(MAVERICK, 16384, "0.0000002"))),
        Recorded(MODELS_DEV_URL, D1, FIXTURES / "models_dev" / "synthetic_api__2026-03-13.json"),
        Recorded(MODELS_DEV_URL, D3, FIXTURES / "models_dev" / "synthetic_api.json"),
        Recorded(AA_URL, D1, FIXTURES / "artificial_analysis" / "aa_v2_data_llms_models__official_doc_example.json"),
        Recorded(SITEMAP_URL, D1, catalog / "synthetic_sitemap.xml"),
        Recorded(SCOUT_PAGE, D1, catalog / "synthetic_catalog_page__dl.html"),
        Recorded("http://www.mindstudio.ai:80/models/llama-4-maverick-17b-128e-instruct-fp8-deepinfra/", D2,
                 catalog / "synthetic_catalog_page__maverick.html"),
        Recorded("https://www.mindstudio.ai/models/meta/compare", D2, catalog / "synthetic_catalog_page__flat.html"),
    ]  # fmt: skip


@pytest.fixture
def wayback(warehouse: Path, captures: list[Recorded], monkeypatch: pytest.MonkeyPatch) -> Iterator[WaybackMirror]:
    """The mirror standing in for web.archive.org, with politeness set fast for tests."""
    with WaybackMirror(captures) as mirror:
        monkeypatch.setenv("MODELSYNC_WAYBACK_BASE_URL", mirror.base_url)
        monkeypatch.setenv("MODELSYNC_WAYBACK_RATE", "1000")
        monkeypatch.setenv("MODELSYNC_WAYBACK_CAPTURE_RATE", "1000")
        monkeypatch.setenv("MODELSYNC_RETRY_WAIT_S", "2")
        yield mirror


def cdx(mirror: WaybackMirror, lookup: Lookup, resume_key: str | None = None, limit: int = 1000) -> httpx.Response:
    url = cdx_url(lookup, None, None, resume_key, limit).replace(ARCHIVE, mirror.base_url)
    return httpx.get(url)


def test_the_mirror_answers_a_cdx_query_by_url_in_pages_with_resume_keys(wayback: WaybackMirror) -> None:
    lookup = Lookup("openrouter", MODELS_URL)

    first = parse_cdx(cdx(wayback, lookup, limit=1).content)
    second = parse_cdx(cdx(wayback, lookup, first.resume_key, limit=1).content)

    assert [c.timestamp for c in first.captures] == ["20260515020000"]
    assert first.resume_key == "ai%2Copenrouter%29%2Fapi%2Fv1%2Fmodels+20260515020000%21"
    assert [(c.timestamp, c.original) for c in second.captures] == [("20260517143000", MODELS_URL)]  # D2 collapsed
    assert second.resume_key is None


def test_the_mirror_matches_a_prefix_and_a_window(wayback: WaybackMirror) -> None:
    lookup = Lookup("catalog", "https://www.mindstudio.ai/models/", prefix=True)
    url = cdx_url(lookup, at("2026-05-16T00:00:00Z"), at("2026-05-17T00:00:00Z")).replace(ARCHIVE, wayback.base_url)

    page = parse_cdx(httpx.get(url).content)

    assert [(c.timestamp, c.original) for c in page.captures] == [
        ("20260516020000", "http://www.mindstudio.ai:80/models/llama-4-maverick-17b-128e-instruct-fp8-deepinfra/"),
        ("20260516020000", "https://www.mindstudio.ai/models/meta/compare"),
    ]


def test_the_mirror_serves_a_capture_raw_and_redirects_to_the_nearest_one(wayback: WaybackMirror) -> None:
    exact = httpx.get(f"{wayback.base_url}/web/20260515020000id_/{MODELS_DEV_URL}")
    near = httpx.get(f"{wayback.base_url}/web/20260517000000id_/{MODELS_DEV_URL}")
    none = httpx.get(f"{wayback.base_url}/web/20260517000000id_/https://models.dev/nothing.json")

    assert exact.content == (FIXTURES / "models_dev" / "synthetic_api__2026-03-13.json").read_bytes()
    assert (near.status_code, near.headers["location"]) == (302, f"/web/20260517143000id_/{MODELS_DEV_URL}")
    assert none.status_code == 404


# --- modelsync backfill --wayback ---------------------------------------------------------------

LOADED = [
    (MODELS_URL, D1),
    (ENDPOINTS.format(SCOUT), D1),
    (MODELS_DEV_URL, D1),
    (SITEMAP_URL, D1),
    (SCOUT_PAGE, D1),
    (ENDPOINTS.format(MAVERICK_SLUG), D2),
    (ENDPOINTS.format(SCOUT), D2),
    (MAVERICK_PAGE, D2),
    (MODELS_URL, D3),
    (ENDPOINTS.format(SCOUT_SLUG), D3),
    (MODELS_DEV_URL, D3),
]
"""(real URL, capture time) of every capture a full backfill loads, in load order."""

RAW_FETCHES = "SELECT url, strftime(fetched_at, '%Y-%m-%dT%H:%M:%SZ'), origin, status FROM raw_fetches ORDER BY 2, 1"
HISTORY = "SELECT * EXCLUDE (recorded_at) FROM endpoint_history ORDER BY ALL"


def scout_d2(mirror: WaybackMirror) -> bytes:
    """The body of Llama 4 Scout's endpoints captured on D2."""
    return next(path for row, path in mirror.rows if row[1] == "20260516020000" and "scout" in row[2]).read_bytes()


def fingerprint(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` (the warehouse file, its lock and the archive)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    }


@pytest.mark.usefixtures("prefect_server")
def test_wayback_backfill_loads_captures_of_three_dates_at_their_capture_times(
    warehouse: Path, wayback: WaybackMirror, run_cli
) -> None:
    result = run_cli("backfill", "--wayback")

    assert result.code == 0, result.err
    loaded = sorted(LOADED, key=lambda item: (item[1], item[0]))
    assert query(warehouse, RAW_FETCHES) == [(url, ts, "wayback", 200) for url, ts in loaded]
    assert query(warehouse, "SELECT model_id, max_output_tokens, price_text(input_price_per_mtok), "
                            "strftime(valid_from, '%Y-%m-%dT%H:%M:%SZ'), strftime(valid_to, '%Y-%m-%dT%H:%M:%SZ') "
                            "FROM endpoint_history WHERE source = 'openrouter' ORDER BY 1, 4") == [
        (MAVERICK, 16384, "0.200000", D2, None),
        (SCOUT, 8192, "0.100000", D1, D2),
        (SCOUT, 4096, "0.100000", D2, D3),
        (SCOUT, 4096, "0.200000", D3, None),
    ]  # fmt: skip
    runs = query(warehouse, "SELECT regexp_extract(run_id, '-(\\d{8})$', 1), kind, status, payloads FROM runs "
                            "ORDER BY run_id")  # fmt: skip
    assert runs == [("20260515", "backfill", "ok", 5), ("20260516", "backfill", "ok", 3),
                    ("20260517", "backfill", "ok", 3)]  # fmt: skip
    assert "artificial_analysis: skipped: its API needs a key" in result.err
    assert "backfill 2026-05-16: run backfill-" in result.err
    assert result.out.startswith("run backfill-")
    assert "ok; 11 payloads" in result.out
    asked = {params["url"] for params in wayback.cdx_requests}
    assert {"openrouter.ai/api/v1/models/meta-llama/llama-4-scout/endpoints",
            "openrouter.ai/api/v1/models/meta-llama/llama-4-scout-17b-16e-instruct/endpoints",
            "www.mindstudio.ai/models/", "models.dev/api.json", "www.mindstudio.ai/sitemap.xml"} <= asked  # fmt: skip
    assert not any("artificialanalysis" in url for url in asked)
    assert len(wayback.capture_requests) == 11  # D2's unchanged model list was collapsed, /models/meta/compare dropped


@pytest.mark.usefixtures("prefect_server")
def test_a_second_wayback_backfill_loads_nothing_and_fetches_no_capture_again(
    warehouse: Path, wayback: WaybackMirror, run_cli
) -> None:
    first = run_cli("backfill", "--wayback")
    fetched = list(wayback.capture_requests)
    history = query(warehouse, HISTORY)
    runs = query(warehouse, "SELECT run_id FROM runs ORDER BY ALL")

    again = run_cli("backfill", "--wayback")

    assert (first.code, again.code) == (0, 0), again.err
    assert wayback.capture_requests == fetched
    assert again.out.startswith("nothing to load: every payload in the window was loaded before (no run recorded)")
    assert query(warehouse, "SELECT run_id FROM runs ORDER BY ALL") == runs
    assert query(warehouse, HISTORY) == history
    assert len((warehouse.parent / "raw" / "index.jsonl").read_text().splitlines()) == len(LOADED)


@pytest.mark.usefixtures("prefect_server")
def test_wayback_dry_run_lists_per_date_and_source_and_changes_nothing(
    warehouse: Path, wayback: WaybackMirror, run_cli
) -> None:
    assert run_cli("backfill", "--wayback", "--to", "2026-05-15").code == 0
    before = fingerprint(warehouse.parent)
    fetched = len(wayback.capture_requests)

    result = run_cli("backfill", "--wayback", "--dry-run")

    assert result.code == 0, result.err
    assert fingerprint(warehouse.parent) == before
    assert len(wayback.capture_requests) == fetched  # CDX listing only
    assert result.out.splitlines() == [
        "dry run: 6 payloads from the Internet Archive would load in 2 runs (one per date), 6 of them fetched "
        "first; 5 loaded before are skipped; nothing was written",
        "  date        source               payloads to fetch",
        "  2026-05-16  openrouter                  2        2",
        "  2026-05-16  catalog                     1        1",
        "  2026-05-17  openrouter                  2        2",
        "  2026-05-17  models_dev                  1        1",
    ]


def test_wayback_dry_run_on_a_new_warehouse_creates_no_file(
    warehouse: Path, wayback: WaybackMirror, run_cli, tmp_path: Path
) -> None:
    result = run_cli("backfill", "--wayback", "--dry-run", "--source", "openrouter")

    assert result.code == 0, result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["captures"]  # no warehouse directory at all
    assert wayback.capture_requests == []
    assert result.out.splitlines() == [
        "dry run: 2 payloads from the Internet Archive would load in 2 runs (one per date), 2 of them fetched "
        "first; 0 loaded before are skipped; nothing was written",
        "  date        source               payloads to fetch",
        "  2026-05-15  openrouter                  1        1",
        "  2026-05-17  openrouter                  1        1",
    ]
    # Endpoint lookups need model keys: a dry run fetches no model list, and this warehouse knows no model.
    assert "wayback: openrouter: dry run: 2 model lists not fetched" in result.err


@pytest.mark.usefixtures("prefect_server")
def test_a_capture_that_fails_is_reported_and_the_rest_lands(
    warehouse: Path, wayback: WaybackMirror, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELSYNC_RETRY_ATTEMPTS", "2")
    failing = f"/web/20260516020000id_/{ENDPOINTS.format(SCOUT)}"
    wayback.script(failing, Reply(500))

    partial = run_cli("backfill", "--wayback", "--source", "openrouter")
    failed_urls = query(warehouse, "SELECT status, failed_urls FROM runs WHERE run_id LIKE '%-20260516'")
    wayback.script(failing, Reply(200, scout_d2(wayback)))  # the archive answers again
    healed = run_cli("backfill", "--wayback", "--source", "openrouter")

    assert partial.code == 3
    assert f"  failed: {ARCHIVE}{failing}: capture fetch failed: HTTP 500 (gave up after 2 attempts)" in partial.err
    reason = "capture fetch failed: HTTP 500 (gave up after 2 attempts)"
    assert failed_urls == [("partial", [{"url": f"{ARCHIVE}{failing}", "reason": reason}])]
    assert healed.code == 0, healed.err
    assert "ok; 1 payload," in healed.out
    assert query(warehouse, "SELECT count(*) FROM payloads WHERE fetched_at = '2026-05-16T02:00:00Z'") == [(2,)]


def test_a_cdx_answer_that_does_not_parse_names_its_url(warehouse: Path, wayback: WaybackMirror, run_cli) -> None:
    wayback.script("/cdx/search/cdx", Reply(200, b"<html>Wayback Machine is down</html>", content_type="text/html"))

    result = run_cli("backfill", "--wayback", "--dry-run", "--source", "models_dev")

    assert result.code == 3
    assert result.err.splitlines()[-2:] == [
        f"  failed: {ARCHIVE}/cdx/search/cdx?url=models.dev/api.json&output=json&filter=statuscode:200"
        "&collapse=digest&limit=1000&showResumeKey=true: CDX answer does not parse: not valid JSON "
        "(Expecting value: line 1 column 1 (char 0))",
        "modelsync: partial listing: 1 CDX queries failed",
    ]


def test_wayback_and_raw_dir_together_is_a_usage_error(warehouse: Path, run_cli, tmp_path: Path) -> None:
    result = run_cli("backfill", "--wayback", "--raw-dir", str(tmp_path))

    assert result.code == 2
    assert "--raw-dir, --wayback and --git cannot be combined" in result.err


@pytest.mark.usefixtures("prefect_server")
def test_a_wayback_backfill_killed_after_its_first_date_resumes_to_the_same_tables(
    warehouse: Path, wayback: WaybackMirror, run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.settings import PREFECT_API_URL

    hanging = f"/web/20260516020000id_/{ENDPOINTS.format(SCOUT)}"
    wayback.script(hanging, Reply(200, scout_d2(wayback), delay_s=120), Reply(200, scout_d2(wayback)))
    executable = shutil.which("modelsync")
    assert executable is not None
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    process = subprocess.Popen([executable, "backfill", "--wayback"], env=env, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(120, process.kill)
    watchdog.start()
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith("backfill 2026-05-15: run"):
                break
        while wayback.capture_requests.count(hanging) == 0:  # now fetching D2, stuck on the hanging capture
            threading.Event().wait(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        watchdog.cancel()
    stopped = query(warehouse, "SELECT count(*) FROM payloads")

    resumed = run_cli("backfill", "--wayback")
    monkeypatch.setenv("MODELSYNC_WAREHOUSE", str(tmp_path / "whole" / "w.duckdb"))
    monkeypatch.setenv("MODELSYNC_RAW_DIR", str(tmp_path / "whole" / "raw"))
    whole = run_cli("backfill", "--wayback")

    assert stopped == [(5,)]  # the first date had landed, nothing of the second
    assert (resumed.code, whole.code) == (0, 0), resumed.err + whole.err
    assert "ok; 6 payloads" in resumed.out
    tables = [HISTORY, RAW_FETCHES, "SELECT * EXCLUDE (recorded_at) FROM model_history ORDER BY ALL",
              "SELECT url, fetched_at, sha256, count(*) FROM payloads GROUP BY ALL ORDER BY ALL"]  # fmt: skip
    for sql in tables:
        assert query(warehouse, sql) == query(tmp_path / "whole" / "w.duckdb", sql), sql
    assert query(warehouse, "SELECT count(*) FROM payloads GROUP BY url, fetched_at HAVING count(*) > 1") == []
    index = [json.loads(line) for line in (warehouse.parent / "raw" / "index.jsonl").read_text().splitlines()]
    assert len(index) == len({(line["url"], line["fetched_at"]) for line in index}) == len(LOADED)


def test_a_cdx_rate_limit_stops_the_listing_instead_of_asking_again(
    warehouse: Path, wayback: WaybackMirror, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELSYNC_RETRY_ATTEMPTS", "2")
    wayback.script("/cdx/search/cdx", Reply(429, headers={"Retry-After": "0"}))

    result = run_cli("backfill", "--wayback", "--dry-run")

    assert result.code == 3
    assert len(wayback.cdx_requests) == 2  # the first query and its one retry, then nothing more
    failed = [line for line in result.err.splitlines() if line.startswith("  failed: ")]
    # one line per URL the sources declare for the archive (here OpenRouter's model list, models.dev,
    # the catalog's sitemap and its /models/ prefix)
    assert len(failed) == sum(len(spec.web_archive.lookups) for spec in source_specs().values())
    assert failed[0].endswith("the Internet Archive rate-limits this IP (HTTP 429); try later or lower "
                              "MODELSYNC_WAYBACK_RATE: HTTP 429 (gave up after 2 attempts)")  # fmt: skip
    assert all(line.endswith("MODELSYNC_WAYBACK_RATE: not asked") for line in failed[1:])
