"""Every fault of ``flows.doubles.faults`` injected into a real sync: retried, refused, quarantined or held incomplete.

Each test syncs once cleanly (the history a fault must not damage), injects one fault
on one URL of the loopback mirror, syncs again through the real Prefect flow, and
checks the exit code, the run row, the archive and the views.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from flows.doubles.faults import FAULTS, GARBAGE, HARMLESS, PERMANENT, SHORT_LIST, TRANSIENT, Fault, Target
from flows.doubles.mirror import Mirror, Reply, read_manifest
from tests.conftest import DEMO, query, synthetic_endpoint, synthetic_endpoints, synthetic_models

pytestmark = pytest.mark.usefixtures("prefect_server")

MODEL_IDS = [f"synthetic/model-{n}" for n in range(6)]
MODELS = "/api/v1/models"
FIRST = f"/api/v1/models/{MODEL_IDS[0]}/endpoints"
FIRST_URL = "https://openrouter.ai" + FIRST
READ_TIMEOUT_S, RESPONSE_TIMEOUT_S, MAX_BYTES = 1.0, 2.5, 50_000  # short, yet long for loopback


def names(kind: str) -> list[str]:
    return [name for name, fault in FAULTS.items() if fault.kind == kind]


@pytest.fixture
def six_models(mirror: Mirror, monkeypatch: pytest.MonkeyPatch) -> Mirror:
    """The mirror serving six synthetic OpenRouter models with two endpoints each, with short timeouts."""
    monkeypatch.setenv("MODELSYNC_READ_TIMEOUT_S", str(READ_TIMEOUT_S))
    monkeypatch.setenv("MODELSYNC_RESPONSE_TIMEOUT_S", str(RESPONSE_TIMEOUT_S))
    monkeypatch.setenv("MODELSYNC_MAX_BYTES", str(MAX_BYTES))
    monkeypatch.setenv("MODELSYNC_RETRY_BACKOFF_S", "0.05")  # the retries, not their waits, are under test
    mirror.script(MODELS, Reply(200, synthetic_models(MODEL_IDS)))
    for model_id in MODEL_IDS:
        mirror.script(f"/api/v1/models/{model_id}/endpoints", Reply(200, endpoints_body(model_id)))
    return mirror


def endpoints_body(model_id: str, max_out: int = 8192) -> bytes:
    return synthetic_endpoints(model_id, [synthetic_endpoint("groq", "Groq", max_out),
                                          synthetic_endpoint("deepinfra/fp8", "DeepInfra", max_out)])  # fmt: skip


def target(body: bytes, foreign: Mirror, content_type: str = "application/json") -> Target:
    return Target(body, content_type, foreign.base_url, MAX_BYTES, READ_TIMEOUT_S, RESPONSE_TIMEOUT_S)


def inject(mirror: Mirror, path: str, fault: Fault, at: Target) -> None:
    assert fault.applies(at), f"{fault.name} does not apply to {path}"
    mirror.script(path, *fault.replies(at))


def current(warehouse: Path) -> list[tuple[object, ...]]:
    return query(warehouse, "SELECT model_id, endpoint_key, max_output_tokens FROM endpoints ORDER BY ALL")


def retired(warehouse: Path) -> list[tuple[object, ...]]:
    return query(warehouse, "SELECT source_key, endpoint_key FROM endpoint_history WHERE is_deleted ORDER BY ALL")


def fetches_of(warehouse: Path, url: str) -> list[tuple[object, ...]]:
    return query(warehouse, f"SELECT status, sha256 FROM raw_fetches WHERE url = '{url}' ORDER BY fetched_at")


def sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


EVERY_ENDPOINT = sorted((m, key, 8192) for m in MODEL_IDS for key in ("deepinfra/fp8", "groq"))


def sync_with_fault_on_first(mirror: Mirror, foreign: Mirror, run_cli, name: str):  # type: ignore[no-untyped-def]
    """Sync once with fault ``name`` on the first model's endpoints (which now say 4096); returns body and result."""
    good = endpoints_body(MODEL_IDS[0], max_out=4096)
    inject(mirror, FIRST, FAULTS[name], target(good, foreign))
    return good, run_cli("sync")


@pytest.mark.parametrize("name", names(TRANSIENT))
def test_a_transient_fault_is_retried_and_the_sync_loads_the_good_body(
    warehouse: Path, six_models: Mirror, foreign: Mirror, run_cli, name: str
) -> None:
    good, result = sync_with_fault_on_first(six_models, foreign, run_cli, name)

    assert result.code == 0, result.err
    assert query(warehouse, "SELECT status, failed_urls FROM runs") == [("ok", [])]
    assert [p for p, _ in six_models.requests].count(FIRST) >= 2  # it failed first, then was retried
    assert fetches_of(warehouse, FIRST_URL) == [(200, sha(good))]  # only the good body was archived
    expected = sorted([*(row for row in EVERY_ENDPOINT if row[0] != MODEL_IDS[0]),
                       (MODEL_IDS[0], "deepinfra/fp8", 4096), (MODEL_IDS[0], "groq", 4096)])  # fmt: skip
    assert current(warehouse) == expected


PERMANENT_REASONS = {
    "5xx_forever": "HTTP 503 (gave up after 2 attempts)",
    "429_forever": "HTTP 429 (gave up after 2 attempts)",
    "timeout_forever": "timeout (ReadTimeout) (gave up after 2 attempts)",
    "reset_forever": "connection error (ReadError: [Errno 104] Connection reset by peer) (gave up after 2 attempts)",
    "truncated_forever": "connection error (RemoteProtocolError: peer closed connection without sending complete "
    "message body",
    "oversized": f"bytes is over the {MAX_BYTES:,}-byte cap",
    "oversized_undeclared": f"response is over the {MAX_BYTES:,}-byte cap",
    "foreign_redirect": "redirect to another origin refused: http://127.0.0.1:",
}


@pytest.mark.parametrize("name", names(PERMANENT))
def test_a_permanent_fault_gives_a_partial_run_naming_the_url_and_retires_nothing_in_its_scope(
    warehouse: Path, six_models: Mirror, foreign: Mirror, run_cli, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    assert run_cli("sync").code == 0
    monkeypatch.setenv("MODELSYNC_RETRY_ATTEMPTS", "2")
    # The faulted model now lists one endpoint (a complete listing would retire the other); another
    # model changes, to show the rest of the run lands.
    shrunk = synthetic_endpoints(MODEL_IDS[0], [synthetic_endpoint("groq", "Groq")])
    inject(six_models, FIRST, FAULTS[name], target(shrunk, foreign))
    six_models.script(f"/api/v1/models/{MODEL_IDS[1]}/endpoints", Reply(200, endpoints_body(MODEL_IDS[1], 2048)))

    result = run_cli("sync")

    assert result.code == 3, result.err
    [failed] = [line for line in result.err.splitlines() if line.startswith("  failed: ")]
    assert failed.startswith(f"  failed: {FIRST_URL}: ")
    assert PERMANENT_REASONS[name] in failed
    assert result.err.splitlines()[-1] == "modelsync: partial run: 1 URL failed or was quarantined"
    runs = query(warehouse, "SELECT status, failed_urls[1].url FROM runs ORDER BY started_at")
    assert runs == [("ok", None), ("partial", FIRST_URL)]
    assert retired(warehouse) == []
    assert current(warehouse) == sorted(
        [row for row in EVERY_ENDPOINT if row[0] != MODEL_IDS[1]]
        + [(MODEL_IDS[1], "deepinfra/fp8", 2048), (MODEL_IDS[1], "groq", 2048)]
    )
    assert fetches_of(warehouse, FIRST_URL) == [(200, sha(endpoints_body(MODEL_IDS[0])))]  # nothing more archived
    assert foreign.requests == []


GARBAGE_REASONS = {
    "invalid_json": "openrouter payload does not parse: not valid JSON (",
    "html_instead_of_json": "(served as text/html; charset=utf-8, not json)",
    "layout_changed": "openrouter payload does not parse: expected a 'data' object with the model's endpoints",
}


@pytest.mark.parametrize("name", names(GARBAGE))
def test_a_garbage_payload_is_archived_and_quarantined_never_loaded_as_nulls(
    warehouse: Path, six_models: Mirror, foreign: Mirror, run_cli, name: str
) -> None:
    assert run_cli("sync").code == 0
    shrunk = synthetic_endpoints(MODEL_IDS[0], [synthetic_endpoint("groq", "Groq")])
    [garbage] = FAULTS[name].replies(target(shrunk, foreign))
    six_models.script(FIRST, garbage)

    result = run_cli("sync")

    assert result.code == 3, result.err
    assert GARBAGE_REASONS[name] in result.err
    # Archived as served, so a fixed parser can replay it:
    assert fetches_of(warehouse, FIRST_URL) == [(200, sha(endpoints_body(MODEL_IDS[0]))), (200, sha(garbage.body))]
    path = query(warehouse, f"SELECT path FROM raw_fetches WHERE sha256 = '{sha(garbage.body)}'")[0][0]
    assert gzip.decompress(Path(str(path)).read_bytes()) == garbage.body
    # ... but quarantined, and nothing of it loaded:
    quarantined = query(warehouse, "SELECT url, sha256, entity, reason FROM quarantine")
    assert [(url, digest, entity) for url, digest, entity, _ in quarantined] == [(FIRST_URL, sha(garbage.body), None)]
    assert GARBAGE_REASONS[name] in str(quarantined[0][3])
    assert query(warehouse, f"SELECT count(*) FROM endpoint_observations WHERE payload_sha256 = '{sha(garbage.body)}'"
                 ) == [(0,)]  # fmt: skip
    assert query(warehouse, "SELECT count(*) FROM endpoint_attributes WHERE provider IS NULL") == [(0,)]
    assert retired(warehouse) == []
    assert current(warehouse) == EVERY_ENDPOINT


def test_a_catalog_page_with_a_changed_layout_is_archived_and_quarantined(
    warehouse: Path, mirror: Mirror, foreign: Mirror, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELSYNC_SOURCES", "catalog")
    monkeypatch.setenv("MODELSYNC_CATALOG_RATE", "50")
    mirror.captures = read_manifest(DEMO / "manifest.jsonl")
    mirror.serve_day("2026-08-23T02:00:00Z")
    assert run_cli("sync").code == 0
    page = next(p for p in mirror.day_paths if p.startswith("/models/") and "scout" in p)
    before = query(warehouse, "SELECT source_key, endpoint_key, max_output_tokens FROM endpoints ORDER BY ALL")
    body, content_type = mirror.day_payload(page) or (b"", "")
    [changed] = FAULTS["layout_changed"].replies(target(body, foreign, content_type))
    mirror.script(page, changed)

    result = run_cli("sync")

    assert result.code == 3, result.err
    assert "catalog page lacks the labels: Provider, Input Context Window, Maximum Output Tokens, Release Date" in (
        result.err
    )
    url = "https://www.mindstudio.ai" + page
    assert query(warehouse, f"SELECT count(*) FROM raw_fetches WHERE url = '{url}' AND sha256 = '{sha(changed.body)}'"
                 ) == [(1,)]  # fmt: skip
    assert query(warehouse, "SELECT url FROM quarantine") == [(url,)]
    after = query(warehouse, "SELECT source_key, endpoint_key, max_output_tokens FROM endpoints ORDER BY ALL")
    assert after == before
    assert query(warehouse, "SELECT count(*) FROM model_history WHERE is_deleted OR name IS NULL") == [(0,)]


@pytest.mark.parametrize(("name", "listed"), [("empty_list", 0), ("half_list", 3)])
def test_a_short_model_list_is_incomplete_and_retires_nothing(
    warehouse: Path, six_models: Mirror, foreign: Mirror, run_cli, name: str, listed: int
) -> None:
    assert run_cli("sync").code == 0
    assert FAULTS[name].kind == SHORT_LIST
    inject(six_models, MODELS, FAULTS[name], target(synthetic_models(MODEL_IDS), foreign))

    result = run_cli("sync")

    assert result.code == 0, result.err
    assert (
        f"  incomplete listing: openrouter models lists {listed} keys, at most half the recent median 6: "
        "nothing retired for being absent from it\n"
    ) in result.out
    assert query(warehouse, "SELECT key_count, complete FROM snapshots WHERE entity = 'model' ORDER BY observed_at"
                 ) == [(6, True), (listed, False)]  # fmt: skip
    assert query(warehouse, "SELECT count(*) FROM models") == [(6,)]
    assert query(warehouse, "SELECT count(*) FROM model_history WHERE is_deleted") == [(0,)]
    assert retired(warehouse) == []
    assert current(warehouse) == EVERY_ENDPOINT


@pytest.mark.parametrize("name", names(HARMLESS))
def test_json_labelled_as_text_loads_as_usual_and_its_content_type_is_recorded(
    warehouse: Path, six_models: Mirror, foreign: Mirror, run_cli, name: str
) -> None:
    _, result = sync_with_fault_on_first(six_models, foreign, run_cli, name)

    assert result.code == 0, result.err
    assert query(warehouse, f"SELECT content_type FROM raw_fetches WHERE url = '{FIRST_URL}'") == [
        ("text/plain; charset=utf-8",)
    ]
    assert (MODEL_IDS[0], "groq", 4096) in current(warehouse)


def test_every_fault_has_a_class_and_says_what_modelsync_does() -> None:
    kinds = {TRANSIENT, PERMANENT, GARBAGE, SHORT_LIST, HARMLESS}
    assert all(fault.kind in kinds and fault.does for fault in FAULTS.values())
    covered = {*names(TRANSIENT), *PERMANENT_REASONS, *GARBAGE_REASONS, "empty_list", "half_list", *names(HARMLESS)}
    assert covered == set(FAULTS)


def test_a_short_list_fault_keeps_the_documents_shape() -> None:
    body = json.dumps({"data": [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}]}).encode()
    at = Target(body, "application/json", "http://127.0.0.1:9", MAX_BYTES, READ_TIMEOUT_S, RESPONSE_TIMEOUT_S)

    [half] = FAULTS["half_list"].replies(at)
    [empty] = FAULTS["empty_list"].replies(at)

    assert json.loads(half.body) == {"data": [{"id": "a"}, {"id": "b"}]}
    assert json.loads(empty.body) == {"data": []}
