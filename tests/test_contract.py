"""The contract every registered source keeps, checked over its recorded fixtures."""

from __future__ import annotations

import pytest

from extractors.registry import SOURCES, payload_kind_for
from tests.conftest import FIXTURES, KIMI_FILE, KIMI_URL, query
from transforms.frames import KEYS, entity_frame

FIXTURES_BY_SOURCE = {
    "openrouter": [
        (FIXTURES / "api_v1_models__subset__2026-05-15.json", "https://openrouter.ai/api/v1/models"),
        (KIMI_FILE, KIMI_URL),
    ],
    "models_dev": [(FIXTURES / "models_dev" / "synthetic_api.json", "https://models.dev/api.json")],
    "artificial_analysis": [
        (
            FIXTURES / "artificial_analysis" / "aa_v2_data_llms_models__official_doc_example.json",
            "https://artificialanalysis.ai/api/v2/data/llms/models",
        )
    ],
    "catalog": [
        (FIXTURES / "catalog" / "synthetic_sitemap.xml", "https://www.mindstudio.ai/sitemap.xml"),
        (
            FIXTURES / "catalog" / "synthetic_catalog_page__dl.html",
            "https://www.mindstudio.ai/models/llama-4-scout-17b-16e-instruct-groq",
        ),
    ],
}
"""Recorded payloads per source (a new source adds its own here)."""


def test_every_registered_source_has_fixtures() -> None:
    assert set(FIXTURES_BY_SOURCE) == set(SOURCES)
    for source, fixtures in FIXTURES_BY_SOURCE.items():
        for path, url in fixtures:
            assert path.is_file(), path
            assert payload_kind_for(url)[0].id == source


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_parse_is_non_empty_with_unique_keys_and_frames_that_pass_their_schemas(source: str) -> None:
    records = 0
    for path, url in FIXTURES_BY_SOURCE[source]:
        parsed = payload_kind_for(url)[1].parse_payload(path.read_bytes(), url)
        assert parsed.records or parsed.links, f"{path.name} parses to nothing"
        for entity, rows in parsed.records.items():
            records += len(rows)
            keys = [tuple(row[k] for k in ("source", *KEYS[entity])) for row in rows]
            assert all(all(part not in (None, "") for part in key) for key in keys), f"{entity}: a null key"
            assert len(set(keys)) == len(keys), f"{entity}: duplicate keys"
            assert {row["source"] for row in rows} == {source}
            meta = {"observed_at": "2026-08-23T02:00:00Z", "payload_sha256": "0" * 64}
            _, rejected = entity_frame(entity, [{**row, **meta} for row in rows])
            assert rejected == [], f"{entity}: {rejected[:2]}"
    assert records > 0


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_a_second_import_of_the_same_payloads_is_a_no_op(source: str, warehouse, run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    def import_all() -> None:
        for path, url in FIXTURES_BY_SOURCE[source]:
            result = run_cli("import", str(path), "--url", url, "--fetched-at", "2026-08-23T02:00:00Z")
            assert result.code == 0, result.err

    import_all()
    tables = ("model_versions", "endpoint_versions", "benchmark_versions", "uptime_measurements",
              "speed_measurements", "model_alias_log")  # fmt: skip
    before = {t: query(warehouse, f"SELECT * EXCLUDE (recorded_at) FROM {t} ORDER BY ALL") for t in tables}
    import_all()
    after = {t: query(warehouse, f"SELECT * EXCLUDE (recorded_at) FROM {t} ORDER BY ALL") for t in tables}
    assert after == before
    second = query(warehouse, "SELECT sum(observations), sum(new_versions), sum(measurements) FROM runs"
                              " WHERE started_at = (SELECT max(started_at) FROM runs)")  # fmt: skip
    assert second == [(0, 0, 0)]
