"""Security: sql reads only the warehouse, keys leak nowhere, paths stay in the archive, HTML is never run,
and only configured hosts are asked."""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.doubles.mirror import Mirror, Reply, read_manifest
from tests.conftest import (
    DEMO,
    KIMI_AT,
    KIMI_FILE,
    KIMI_URL,
    query,
    synthetic_endpoint,
    synthetic_endpoints,
    synthetic_models,
)
from warehouse.archive import SHA256_HEX, ArchiveError, object_path

SCOUT_PAGE = "/models/llama-4-scout-17b-16e-instruct-groq"


# --- modelsync sql --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("ATTACH '{dir}/synthetic_other.duckdb' AS other", "this is an ATTACH statement"),
        ("COPY (SELECT * FROM runs) TO '{dir}/synthetic_runs.csv'", "this is a COPY statement"),
        ("EXPORT DATABASE '{dir}/synthetic_export'", "this is an EXPORT statement"),
        ("INSTALL httpfs", "this is an INSTALL statement"),
        ("LOAD httpfs", "this is a LOAD statement"),
        ("SET enable_external_access = true", "this is a SET statement"),
        ("PRAGMA threads = 1", "this is a PRAGMA statement"),
        ("UPDATE EXTENSIONS", "this is a statement it cannot classify"),
        ("SELECT * FROM read_csv('{dir}/synthetic_secret.csv')", "file system operations are disabled"),
        ("SELECT * FROM glob('{dir}/*')", "file system operations are disabled"),
        ("PRAGMA import_database('{dir}/synthetic_export')", "file system operations are disabled"),
    ],
)
def test_sql_cannot_write_attach_load_or_reach_other_files(
    warehouse: Path, run_cli, tmp_path: Path, statement: str, refusal: str
) -> None:
    assert run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", KIMI_AT).code == 0
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "synthetic_secret.csv").write_text("secret\n42\n")
    before = sorted(p.name for p in outside.iterdir())

    result = run_cli("sql", statement.format(dir=outside))

    assert result.code == 1
    assert result.err.count("\n") == 1
    assert result.err.startswith("modelsync: refused: modelsync sql is read-only")
    assert refusal in result.err
    assert sorted(p.name for p in outside.iterdir()) == before  # nothing written, attached or exported
    assert query(warehouse, "SELECT count(*) FROM endpoints") == [(4,)]


def test_sql_still_reads_the_views_and_introspects(warehouse: Path, run_cli) -> None:
    assert run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", KIMI_AT).code == 0

    tables = run_cli("sql", "SELECT count(*) > 10 AS many FROM (SHOW TABLES)", "--format", "csv")
    columns = run_cli("sql", "SELECT name FROM pragma_table_info('runs') LIMIT 2", "--format", "csv")

    assert (tables.code, tables.out) == (0, "many\ntrue\n")
    assert (columns.code, columns.out) == (0, "name\nrun_id\nkind\n")


# --- API keys --------------------------------------------------------------------------------------------------------


def every_file_below(folder: Path) -> Iterator[tuple[Path, bytes]]:
    """Every file's bytes, gzip objects decompressed too."""
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            yield path, data
            if path.suffix == ".gz":
                yield path, gzip.decompress(data)


@pytest.mark.usefixtures("prefect_server")
def test_planted_api_keys_appear_in_no_output_log_archive_warehouse_or_prefect_record(
    warehouse: Path, mirror: Mirror, run_cli, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from prefect.logging.handlers import APILogWorker
    from prefect.settings import PREFECT_SERVER_DATABASE_CONNECTION_URL

    keys = {"OPENROUTER_API_KEY": "synthetic-or-key-7f3a9c", "ARTIFICIAL_ANALYSIS_API_KEY": "synthetic-aa-key-51be02"}
    for name, value in keys.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MODELSYNC_SOURCES", "openrouter,artificial_analysis")
    monkeypatch.setenv("MODELSYNC_RETRY_ATTEMPTS", "2")
    mirror.captures = read_manifest(DEMO / "manifest.jsonl")
    mirror.serve_day("2026-08-23T02:00:00Z")
    caplog.set_level(logging.DEBUG)

    clean = run_cli("--debug", "sync")
    mirror.script("/api/v2/data/llms/models", Reply(500, b"synthetic upstream error"))  # error paths too
    mirror.script("/api/v1/models/moonshotai/kimi-k3/endpoints", Reply(401, b'{"error": "bad key"}'))
    failing = run_cli("--debug", "sync")
    mirror.script("/api/v1/models", Reply(200, b"<html>not json</html>", content_type="text/html"))
    garbage = run_cli("--debug", "sync")
    APILogWorker.drain_all(timeout=10)  # the run logs reach the Prefect database before it is read

    assert (clean.code, failing.code, garbage.code) == (0, 3, 1), failing.err + garbage.err
    sent = {headers.get("authorization", headers.get("x-api-key")) for _, headers in mirror.requests}
    assert sent == {f"Bearer {keys['OPENROUTER_API_KEY']}", keys["ARTIFICIAL_ANALYSIS_API_KEY"]}
    outputs = {"cli": "".join(r.out + r.err for r in (clean, failing, garbage)), "logs": caplog.text}
    database = Path(str(PREFECT_SERVER_DATABASE_CONNECTION_URL.value()).split(":///", 1)[1])
    assert database.stat().st_size > 100_000  # the session's Prefect database: flow runs, task runs, logs, artifacts
    files = [*every_file_below(warehouse.parent), *every_file_below(database.parent)]
    assert len(files) > 10
    for secret in keys.values():
        assert [where for where, text in outputs.items() if secret in text] == []
        assert [str(path) for path, data in files if secret.encode() in data] == []


def test_settings_never_show_their_api_keys() -> None:
    from flows.settings import settings_from_env

    settings = settings_from_env({"OPENROUTER_API_KEY": "synthetic-key-8d41e7"})

    assert settings.api_keys["OPENROUTER_API_KEY"] == "synthetic-key-8d41e7"
    assert "synthetic-key-8d41e7" not in repr(settings) + str(settings)


# --- archive paths ---------------------------------------------------------------------------------------------------


def test_object_paths_come_only_from_real_sha256s(tmp_path: Path) -> None:
    for hostile in ("../../../../etc/passwd", "/etc/passwd", "ab/../../cd", "g" * 64, "0" * 63, "0" * 64 + "/x"):
        with pytest.raises(ArchiveError, match="is not 64 hex digits"):
            object_path(tmp_path, hostile)
    assert object_path(tmp_path, "AB" * 32) == tmp_path / "objects" / "ab" / f"{'ab' * 32}.gz"  # any case, one path


def test_a_foreign_index_line_pointing_outside_its_archive_is_refused_naming_the_file_and_line(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    foreign = tmp_path / "foreign-raw"
    foreign.mkdir()
    good = {"source": "openrouter", "url": KIMI_URL, "fetched_at": KIMI_AT, "status": 200,
            "sha256": "0" * 64, "bytes": 1}  # fmt: skip
    hostile = {**good, "sha256": "../../../../" + str(tmp_path / "escaped").lstrip("/")}
    (foreign / "index.jsonl").write_text(json.dumps(good) + "\n" + json.dumps(hostile) + "\n")

    result = run_cli("backfill", "--raw-dir", str(foreign))

    assert result.code == 1
    assert result.err.count("\n") == 1
    assert f"{foreign / 'index.jsonl'}, line 2: sha256 '../../../../" in result.err
    assert "is not 64 hex digits" in result.err
    assert not (tmp_path / "escaped").exists()
    assert not (warehouse.parent / "raw" / "index.jsonl").exists()


@pytest.mark.usefixtures("prefect_server")
def test_hostile_model_ids_ask_nothing_of_another_host_and_write_nothing_outside_the_archive(
    warehouse: Path, mirror: Mirror, foreign: Mirror, run_cli
) -> None:
    host = foreign.base_url.removeprefix("http://")
    hostile = ["../../../../etc/passwd", "synthetic/../../../admin", "a?b#c/d", f"@{host}/x",
               f"http://{host}/z", "synthetic/%2e%2e%2f%2e%2e", "synthetic/ok"]  # fmt: skip
    mirror.script("/api/v1/models", Reply(200, synthetic_models(hostile)))
    mirror.script("/api/v1/models/synthetic/ok/endpoints",
                  Reply(200, synthetic_endpoints("synthetic/ok", [synthetic_endpoint("groq", "Groq")])))  # fmt: skip

    result = run_cli("sync")

    assert result.code == 3, result.err
    assert foreign.requests == []
    assert all(path.startswith("/api/v1/models") for path, _ in mirror.requests)
    refused = [line for line in result.err.splitlines() if ": not fetched: not a openrouter URL" in line]
    not_followed = sorted(line.removeprefix("  failed: ").split(": not fetched: ")[0] for line in refused)
    assert not_followed == sorted(  # the two with dot segments, and the URL that is no author/slug
        f"https://openrouter.ai/api/v1/models/{model_id}/endpoints"
        for model_id in ("../../../../etc/passwd", "synthetic/../../../admin", f"http://{host}/z")
    )
    assert query(warehouse, "SELECT model_id, endpoint_key FROM endpoints") == [("synthetic/ok", "groq")]
    raw = warehouse.parent / "raw"
    for path in raw.rglob("*"):
        if path.is_file():
            relative = path.relative_to(raw).as_posix()
            assert relative == "index.jsonl" or (
                relative.startswith("objects/") and SHA256_HEX.fullmatch(path.name.removesuffix(".gz"))
            ), relative
    assert not [p for p in warehouse.parent.parent.rglob("*") if "passwd" in p.name or "admin" in p.name]


# --- HTML ------------------------------------------------------------------------------------------------------------


@pytest.fixture
def catalog(mirror: Mirror, monkeypatch: pytest.MonkeyPatch) -> Mirror:
    """The mirror serving the demo's catalog (sitemap and two pages) on its first date."""
    monkeypatch.setenv("MODELSYNC_SOURCES", "catalog")
    monkeypatch.setenv("MODELSYNC_CATALOG_RATE", "50")
    mirror.captures = read_manifest(DEMO / "manifest.jsonl")
    mirror.serve_day("2026-08-01T02:00:00Z")
    return mirror


@pytest.mark.usefixtures("prefect_server")
def test_a_catalog_page_is_parsed_never_run_and_nothing_it_points_at_is_fetched(
    warehouse: Path, catalog: Mirror, foreign: Mirror, run_cli
) -> None:
    page, _ = catalog.day_payload(SCOUT_PAGE) or (b"", "")
    beacons = (
        f'<script src="{foreign.base_url}/tracker.js"></script>'
        f'<script>fetch("{foreign.base_url}/beacon"); document.title = "changed";</script>'
        f'<img src="{foreign.base_url}/pixel.gif"><iframe src="{foreign.base_url}/frame"></iframe>'
        f'<link rel="prefetch" href="{foreign.base_url}/prefetch">'
        f'<meta http-equiv="refresh" content="0;url={foreign.base_url}/refresh">'
    ).encode()
    catalog.script(SCOUT_PAGE, Reply(200, page.replace(b"</body>", beacons + b"</body>"), content_type="text/html"))

    result = run_cli("sync")

    assert result.code == 0, result.err
    assert foreign.requests == []
    names = query(warehouse, "SELECT name FROM model_history WHERE source = 'catalog' ORDER BY name")
    assert names == [("Llama 4 Maverick",), ("Llama 4 Scout",)]


@pytest.mark.usefixtures("prefect_server")
def test_labels_a_script_would_write_are_not_read(warehouse: Path, catalog: Mirror, run_cli) -> None:
    stripped = Path(__file__).parent / "fixtures" / "catalog" / "synthetic_catalog_page__labels_stripped.html"
    writer = (
        b"<script>document.write('<dl><dt>Provider</dt><dd>Meta</dd><dt>Input Context Window</dt><dd>1 tokens</dd>"
        b"<dt>Maximum Output Tokens</dt><dd>1 tokens</dd><dt>Release Date</dt><dd>Apr 5, 2025</dd></dl>');</script>"
    )
    page = stripped.read_bytes().replace(b"</body>", writer + b"</body>")
    catalog.script(SCOUT_PAGE, Reply(200, page, content_type="text/html"))

    result = run_cli("sync")

    assert result.code == 3
    assert "catalog page lacks the labels: Provider, Input Context Window, Maximum Output Tokens, Release Date" in (
        result.err
    )
    assert query(warehouse, "SELECT count(*) FROM model_observations WHERE model_id LIKE 'llama-4-scout%'") == [(0,)]


@pytest.mark.usefixtures("prefect_server")
def test_a_sitemap_naming_other_hosts_sends_no_request_to_them(
    warehouse: Path, catalog: Mirror, foreign: Mirror, run_cli
) -> None:
    sitemap = (
        '<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{foreign.base_url}/sitemap-models.xml</loc></sitemap>"
        "<sitemap><loc>https://www.mindstudio.ai/sitemap-models.xml</loc></sitemap></sitemapindex>"
    ).encode()
    pages = (
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{foreign.base_url}/models/llama-4-maverick-17b-128e-instruct-fp8-deepinfra</loc></url>"
        "<url><loc>https://www.mindstudio.ai/models/llama-4-scout-17b-16e-instruct-groq</loc></url></urlset>"
    ).encode()
    catalog.script("/sitemap.xml", Reply(200, sitemap, content_type="application/xml"))
    catalog.script("/sitemap-models.xml", Reply(200, pages, content_type="application/xml"))

    result = run_cli("sync")

    assert foreign.requests == []
    assert result.code == 0, result.err
    asked = sorted({path for path, _ in catalog.requests})  # the foreign page's slug is not taken up either
    assert asked == ["/models/llama-4-scout-17b-16e-instruct-groq", "/robots.txt", "/sitemap-models.xml",
                     "/sitemap.xml"]  # fmt: skip
