"""The contract every registered source keeps, checked over its recorded fixtures."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from extractors.registry import REGISTERED, field_precedence, source_specs
from extractors.spec import ArchivedUrl, PayloadKind, SourceSpec, WebArchive
from flows.pipeline.trees import SYMLINK
from tests.conftest import FIXTURES, ROOT, query
from tests.source_contract import RECORDED, contract_failures, recorded_payloads
from transforms.records import Listing, Parsed
from transforms.roles import IdentityRole
from warehouse.db import open_for_write


def test_every_source_module_is_registered_once_under_its_own_name() -> None:
    declaring = sorted(
        (path.parent.name if path.name == "__init__.py" else path.stem)
        for path in (ROOT / "extractors").rglob("*.py")
        if re.search(r"^SOURCE = SourceSpec\(", path.read_text(encoding="utf-8"), re.MULTILINE)
    )
    assert declaring == sorted(REGISTERED)
    assert len(set(REGISTERED)) == len(REGISTERED)
    assert list(source_specs()) == list(REGISTERED)


@pytest.mark.parametrize("source", REGISTERED)
def test_every_registered_source_keeps_its_contract(source: str) -> None:
    specs = source_specs()
    assert contract_failures(specs[source], fixtures=FIXTURES, docs=ROOT / "docs", others=list(specs.values())) == []


@pytest.mark.parametrize("source", REGISTERED)
def test_a_second_import_of_the_same_payloads_is_a_no_op(source: str, warehouse, run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    def import_all() -> None:
        for recorded in recorded_payloads(FIXTURES, source):
            if recorded.content_type == SYMLINK or recorded.url.endswith("/providers/"):
                continue  # a git tree's symlink (and so the listing naming it) comes from git, never by hand
            result = run_cli("import", str(recorded.path), "--url", recorded.url, "--fetched-at", recorded.fetched_at)
            assert result.code == 0, result.err

    import_all()
    tables = ("model_versions", "endpoint_versions", "benchmark_versions", "uptime_measurements",
              "speed_measurements", "model_alias_log")  # fmt: skip
    before = {t: query(warehouse, f"SELECT * EXCLUDE (recorded_at) FROM {t} ORDER BY ALL") for t in tables}
    import_all()
    after = {t: query(warehouse, f"SELECT * EXCLUDE (recorded_at) FROM {t} ORDER BY ALL") for t in tables}
    assert after == before
    declared = query(warehouse, "SELECT field, source, rank FROM field_precedence ORDER BY ALL")
    assert declared == sorted(field_precedence())
    second = query(warehouse, "SELECT sum(observations), sum(new_versions), sum(measurements) FROM runs"
                              " WHERE started_at = (SELECT max(started_at) FROM runs)")  # fmt: skip
    assert second == [(0, 0, 0)]


def _synthetic_parse(body: bytes) -> Parsed:
    rows = json.loads(body)
    models = [{"source": "synthetic_feed", "model_id": r["id"], "name": r["name"]} for r in rows]
    return Parsed(records={"model": models}, listings=(Listing("model", "", len(models)),))


def _synthetic_gone(url: str) -> Parsed:
    return Parsed(listings=(Listing("model", "", 0, evidence=f"{url} answered 404"),))


SYNTHETIC = SourceSpec(
    id="synthetic_feed",
    origin="https://feed.example",
    entities=("model",),
    payload_kinds=(PayloadKind("models", r"/v1/models", _synthetic_parse, gone=_synthetic_gone),),
    identity=IdentityRole(rank=9),
    web_archive=WebArchive(lookups=(ArchivedUrl("https://feed.example/v1/models"),)),
    seeds=("https://feed.example/v1/models",),
    api_key_variable="SYNTHETIC_FEED_API_KEY",
    api_key_header="Authorization",
    field_precedence={"name": 9},
    upstream_docs="https://feed.example/docs",
)
"""A throwaway source, complete: each test below takes one piece away."""


@pytest.fixture
def synthetic_tree(tmp_path: Path) -> tuple[Path, Path]:
    """Recorded payloads and a doc page for ``SYNTHETIC``: (fixtures dir, docs dir)."""
    fixtures, docs = tmp_path / "fixtures", tmp_path / "docs"
    (fixtures / "synthetic_feed").mkdir(parents=True)
    (docs / "sources").mkdir(parents=True)
    body = json.dumps([{"id": "feed-model-1", "name": "Feed Model 1"}, {"id": "feed-model-2", "name": "Two"}])
    (fixtures / "synthetic_feed" / "synthetic_models.json").write_text(body, encoding="utf-8")
    row = {"path": "synthetic_models.json", "url": "https://feed.example/v1/models", "fetched_at": "2026-08-23"}
    (fixtures / "synthetic_feed" / RECORDED).write_text(json.dumps(row) + "\n", encoding="utf-8")
    page = (
        "# synthetic_feed\n\nFrom https://feed.example (https://feed.example/docs); feeds `model`.\n"
        "Key: SYNTHETIC_FEED_API_KEY. Mirror: MODELSYNC_SYNTHETIC_FEED_BASE_URL.\n"
    )
    (docs / "sources" / "synthetic_feed.md").write_text(page, encoding="utf-8")
    return fixtures, docs


def _failures(spec: SourceSpec, tree: tuple[Path, Path]) -> list[str]:
    return contract_failures(spec, fixtures=tree[0], docs=tree[1], others=[*source_specs().values(), spec])


def test_a_complete_throwaway_source_keeps_the_contract(synthetic_tree: tuple[Path, Path]) -> None:
    assert _failures(SYNTHETIC, synthetic_tree) == []


@pytest.mark.parametrize(
    ("piece", "broken", "named"),
    [
        ("recorded payloads", {}, "recorded payloads: none"),
        ("declared entities", {"entities": ("model", "endpoint")}, "entities: declares ['endpoint', 'model']"),
        ("web archive", {"web_archive": WebArchive()}, "web archive: declare either"),
        ("web archive origin", {"web_archive": WebArchive((ArchivedUrl("https://other.example/v1/models"),))},
         "web archive: https://other.example/v1/models is not a URL this source serves"),
        ("gone", {"payload_kinds": (PayloadKind("models", r"/v1/models", _synthetic_parse, gone=lambda u: Parsed()),)},
         "gone: https://feed.example/v1/models: a 404/410 proves nothing"),
        ("identity rank", {"identity": IdentityRole(rank=1)}, "identity: rank 1 is another source's"),
        ("precedence rank", {"field_precedence": {"name": 1}}, "field precedence: name rank 1 is another source's"),
        ("precedence field", {"field_precedence": {"colour": 9}}, "field precedence: ['colour'] are not fields"),
        ("API key variable", {"requires_api_key": True, "api_key_variable": None},
         "API key: required, but no api_key_variable"),
        ("upstream docs", {"upstream_docs": ""}, "docs: no upstream_docs"),
        ("a parser that breaks", {"payload_kinds": (PayloadKind("models", r"/v1/models", lambda b: 1 / 0),)},
         "parse: https://feed.example/v1/models: ZeroDivisionError"),
    ],
)  # fmt: skip
def test_a_throwaway_source_missing_a_piece_fails_naming_it(
    piece: str, broken: dict[str, object], named: str, synthetic_tree: tuple[Path, Path]
) -> None:
    if piece == "recorded payloads":
        (synthetic_tree[0] / "synthetic_feed" / RECORDED).unlink()
    failures = _failures(replace(SYNTHETIC, **broken), synthetic_tree)  # type: ignore[arg-type]
    assert any(f.startswith(f"synthetic_feed: {named}") for f in failures), failures


def test_a_throwaway_source_without_its_doc_page_fails_naming_the_page(synthetic_tree: tuple[Path, Path]) -> None:
    (synthetic_tree[1] / "sources" / "synthetic_feed.md").unlink()
    assert _failures(SYNTHETIC, synthetic_tree) == ["synthetic_feed: docs: no page docs/sources/synthetic_feed.md"]


def test_a_doc_page_that_does_not_name_the_key_variable_fails(synthetic_tree: tuple[Path, Path]) -> None:
    page = synthetic_tree[1] / "sources" / "synthetic_feed.md"
    page.write_text(page.read_text(encoding="utf-8").replace("SYNTHETIC_FEED_API_KEY", "a key"), encoding="utf-8")
    assert _failures(SYNTHETIC, synthetic_tree) == [
        "synthetic_feed: docs: docs/sources/synthetic_feed.md does not name SYNTHETIC_FEED_API_KEY"
    ]


def test_the_migrations_hold_the_field_precedence_the_sources_declare(tmp_path: Path) -> None:
    # so a migrated warehouse's `models` reads the same before and after its next load rewrites the
    # table; a source added after the migrations were written gets its rows at its first load
    con = open_for_write(tmp_path / "modelsync.duckdb", datetime(2026, 8, 23, tzinfo=UTC))
    held = con.execute("SELECT field, source, rank FROM field_precedence ORDER BY ALL").fetchall()
    con.close()
    migrated = {source for _, source, _ in held}
    assert migrated <= set(REGISTERED)
    assert held == sorted(row for row in field_precedence() if row[1] in migrated)
