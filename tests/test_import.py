"""``modelsync import``: a recorded payload lands as endpoints and uptime, once."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import KIMI_AT, KIMI_FILE, KIMI_URL, ROOT, query

ENDPOINT_COLUMNS = """model_id, provider, endpoint_key, source, context_length, max_output_tokens,
    max_prompt_tokens, input_price_per_mtok, output_price_per_mtok, supported_params_count,
    implicit_caching, quantization, status"""


def test_import_kimi_endpoints_gives_four_rows_matching_the_file(warehouse: Path, run_cli) -> None:
    result = run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", KIMI_AT)

    assert result.code == 0, result.err
    rows = query(warehouse, f"SELECT {ENDPOINT_COLUMNS} FROM endpoints ORDER BY endpoint_key")
    kimi = "moonshotai/kimi-k3"
    assert rows == [
        (kimi, "Alibaba", "alibaba", "openrouter", 1048576, 1048576, None,
         Decimal("3.45"), Decimal("17.25"), 14, False, "unknown", -2),
        (kimi, "Fireworks", "fireworks", "openrouter", 1048576, None, None,
         Decimal("3"), Decimal("15"), 18, False, "unknown", 0),
        (kimi, "Fireworks", "fireworks/fast", "openrouter", 1048576, None, None,
         Decimal("4.5"), Decimal("22.5"), 16, False, "unknown", 0),
        (kimi, "Morph", "morph/fast", "openrouter", 1048576, 1048576, None,
         Decimal("6"), Decimal("22.5"), 20, False, "fp4", -2),
    ]  # fmt: skip


def test_import_puts_every_uptime_window_of_the_file_in_uptime(warehouse: Path, run_cli) -> None:
    run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", KIMI_AT)

    expected = []
    for endpoint in json.loads(KIMI_FILE.read_text())["data"]["endpoints"]:
        for period in ("5m", "30m", "1d"):
            value = endpoint[f"uptime_last_{period}"]
            if value is not None:
                expected.append((endpoint["tag"], period, value))
    rows = query(warehouse, "SELECT endpoint_key, period, uptime_pct FROM uptime")
    assert sorted(rows) == sorted(expected)
    assert len(rows) == 11  # morph/fast has no 5m window in this capture


def test_importing_the_same_file_again_adds_no_version_and_no_uptime_row(warehouse: Path, run_cli) -> None:
    first = run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", KIMI_AT)
    before = query(warehouse, "SELECT * FROM endpoint_history ORDER BY endpoint_key")

    second = run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", KIMI_AT)

    assert (first.code, second.code) == (0, 0)
    assert query(warehouse, "SELECT * FROM endpoint_history ORDER BY endpoint_key") == before
    assert query(warehouse, "SELECT count(*) FROM uptime") == [(11,)]
    runs = query(
        warehouse, "SELECT kind, status, observations, new_versions, measurements FROM runs ORDER BY started_at"
    )
    assert runs == [("import", "ok", 4, 4, 11), ("import", "ok", 0, 0, 0)]
    assert "0 new versions" in second.out


def test_import_archives_the_payload_under_its_real_url_before_loading(warehouse: Path, run_cli) -> None:
    run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", KIMI_AT)

    index = [json.loads(line) for line in (warehouse.parent / "raw" / "index.jsonl").read_text().splitlines()]
    assert [(e["url"], e["fetched_at"], e["origin"], e["status"]) for e in index] == [
        (KIMI_URL, KIMI_AT, "import", 200)
    ]
    fetches = query(warehouse, "SELECT source, url, status, sha256, bytes, path FROM raw_fetches")
    assert fetches == [("openrouter", KIMI_URL, 200, index[0]["sha256"], KIMI_FILE.stat().st_size,
                        str((warehouse.parent / "raw" / "objects" / index[0]["sha256"][:2]
                             / f"{index[0]['sha256']}.gz").resolve()))]  # fmt: skip


def test_import_of_a_malformed_file_fails_in_one_line_and_changes_nothing(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", KIMI_AT)
    before = query(warehouse, "SELECT * FROM endpoint_history ORDER BY endpoint_key")
    broken = tmp_path / "synthetic_truncated.json"
    broken.write_bytes(KIMI_FILE.read_bytes()[:500])

    result = run_cli("import", str(broken), "--url", KIMI_URL, "--fetched-at", "2026-08-26T00:00:00Z")

    assert result.code == 1
    assert result.err.count("\n") == 2  # the failed URL, then the one-line error
    assert KIMI_URL in result.err
    assert "not valid JSON" in result.err
    assert query(warehouse, "SELECT * FROM endpoint_history ORDER BY endpoint_key") == before
    assert query(warehouse, "SELECT status FROM runs ORDER BY started_at") == [("ok",), ("failed",)]
    assert query(warehouse, "SELECT url, entity, reason LIKE '%not valid JSON%' FROM quarantine") == [
        (KIMI_URL, None, True)
    ]


def test_import_with_a_missing_required_field_names_the_field(warehouse: Path, run_cli, tmp_path: Path) -> None:
    document = json.loads(KIMI_FILE.read_text())
    del document["data"]["endpoints"][1]["tag"]
    bad = tmp_path / "synthetic_no_tag.json"
    bad.write_text(json.dumps(document))

    result = run_cli("import", str(bad), "--url", KIMI_URL, "--fetched-at", KIMI_AT)

    assert result.code == 1
    assert "missing required field 'tag' in data.endpoints[1]" in result.err


def test_import_of_an_unknown_url_is_a_usage_error(warehouse: Path, run_cli) -> None:
    result = run_cli("import", str(KIMI_FILE), "--url", "https://example.com/x", "--fetched-at", KIMI_AT)

    assert result.code == 2
    assert result.err.strip().count("\n") == 0
    assert "no source serves https://example.com/x" in result.err
    assert not warehouse.exists()


def test_import_with_a_timestamp_without_zone_is_a_usage_error(warehouse: Path, run_cli) -> None:
    result = run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", "2026-08-25T10:26:01")

    assert result.code == 2
    assert "not an RFC 3339 timestamp with a zone" in result.err


def test_import_manifest_loads_every_line_in_one_run(warehouse: Path, run_cli, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.jsonl"
    (tmp_path / "kimi.json").write_bytes(KIMI_FILE.read_bytes())
    lines = [  # paths relative to the manifest, or absolute ones inside its folder
        {"path": "kimi.json", "url": KIMI_URL, "fetched_at": KIMI_AT, "note": "unknown fields are ignored"},
        {"path": str(tmp_path / "kimi.json"), "url": KIMI_URL, "fetched_at": "2026-08-26T10:26:01Z"},
    ]
    manifest.write_text("\n".join(json.dumps(line) for line in lines) + "\n")

    result = run_cli("import", "--manifest", str(manifest))

    assert result.code == 0, result.err
    assert query(warehouse, "SELECT count(*), count(DISTINCT run_id) FROM endpoint_observations") == [(8, 1)]
    assert query(warehouse, "SELECT count(*) FROM endpoint_history") == [(4,)]  # unchanged: one version each


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ('{"path": 5, "url": "u", "fetched_at": "t"}', "path must be text"),
        ('{"path": "x.json"}', "no url or fetched_at"),
        ("not json", "not JSON"),
    ],
)
def test_a_bad_manifest_line_is_a_usage_error_naming_the_line(
    warehouse: Path, run_cli, tmp_path: Path, line: str, complaint: str
) -> None:
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text(line + "\n")

    result = run_cli("import", "--manifest", str(manifest))

    assert result.code == 2
    assert f"{manifest}, line 1: " in result.err
    assert complaint in result.err
    assert result.err.count("\n") == 1


@pytest.mark.parametrize("value", ["0.5", "nan", "inf", "-3", "many"])
def test_a_bad_concurrency_setting_is_a_usage_error(
    warehouse: Path, run_cli, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("MODELSYNC_OPENROUTER_CONCURRENCY", value)

    result = run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", KIMI_AT)

    assert result.code == 2
    assert result.err.startswith(f"modelsync: MODELSYNC_OPENROUTER_CONCURRENCY={value!r} ")
    assert result.err.count("\n") == 1


def test_import_loads_no_http_client_html_parser_progress_bar_orchestrator_or_hypothesis(warehouse: Path) -> None:
    # Start-up counts (issue 18): what only a fetch (httpx and its kin), a catalog page (bs4, lxml),
    # a progress bar (rich) or a flow (Prefect, Dask) needs is not imported by an import of a JSON payload,
    # nor hypothesis, which pandera would import for data synthesis; it stays importable afterwards.
    heavy = ("httpx", "tenacity", "aiolimiter", "protego", "bs4", "lxml", "rich", "prefect", "dask", "distributed",
             "hypothesis")  # fmt: skip
    script = (
        "import sys; from flows.cli import main; "
        f"code = main(['import', {str(KIMI_FILE)!r}, '--url', {KIMI_URL!r}, '--fetched-at', {KIMI_AT!r}]); "
        f"loaded = sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r})); "
        "import hypothesis.strategies; print(code, loaded)"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False)

    assert done.stdout.strip().endswith("0 []"), done.stdout + done.stderr
