"""Change feeds: Atom and JSON Feed beside the warehouse after a run that recorded changes, the webhook, the
``feed`` command's filters and the feeds served over HTTP; real imports, servers on loopback and DuckDB files."""

from __future__ import annotations

import hashlib
import http.client
import json
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from flows.doubles.mirror import Mirror, Reply
from flows.feeds.server import start_feed_server
from tests.conftest import ROOT, query, synthetic_endpoint, synthetic_endpoints, synthetic_models

A = "{http://www.w3.org/2005/Atom}"
SCOUT = "meta-llama/llama-4-scout"
SCOUT_URL = f"https://openrouter.ai/api/v1/models/{SCOUT}/endpoints"
SECRETS = ("synthetic-token-9d2f", "synthetic-key-77c1", "synthetic-user", "synthetic-pass")
WEBHOOK_PATH = f"/hooks/{SECRETS[0]}?key={SECRETS[1]}"


def synthetic_scout(tmp_path: Path, day: str, max_out: int, prompt: str) -> Path:
    """A synthetic endpoints payload of Scout on Groq and Cerebras; Groq's max output and input price vary."""
    path = tmp_path / f"synthetic_scout__{day}.json"
    endpoints = [synthetic_endpoint("groq", "Groq", max_out, prompt), synthetic_endpoint("cerebras", "Cerebras")]
    path.write_bytes(synthetic_endpoints(SCOUT, endpoints))
    return path


def import_day(run_cli, tmp_path: Path, day: str, max_out: int, prompt: str):  # type: ignore[no-untyped-def]
    """``modelsync import`` of the day's synthetic payload, fetched at 02:00 UTC."""
    path = synthetic_scout(tmp_path, day, max_out, prompt)
    return run_cli("import", str(path), "--url", SCOUT_URL, "--fetched-at", f"{day}T02:00:00Z")


def entry_id(field_name: str, day: str, new_value: str) -> str:
    """The id a Groq endpoint change of Scout has: the digest of what identifies it."""
    parts = ["endpoint", "openrouter", f"{SCOUT} groq", field_name, f"{day}T02:00:00+00:00", new_value]
    return "urn:modelsync:change:" + hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def atom_entries(path: Path) -> list[dict[str, str]]:
    """Each entry of an Atom file as its id, title, updated, published and category."""
    root = ET.parse(path).getroot()
    return [
        {
            "id": entry.findtext(f"{A}id", ""),
            "title": entry.findtext(f"{A}title", ""),
            "updated": entry.findtext(f"{A}updated", ""),
            "published": entry.findtext(f"{A}published", ""),
            "category": entry.find(f"{A}category").get("term", ""),  # type: ignore[union-attr]
        }
        for entry in root.findall(f"{A}entry")
    ]


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: records every POST and answers with ``status``."""

    status: int = 204
    posts: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on a free loopback port, in a thread, for the webhook's POSTs."""
    got = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.posts.append((self.path, dict(self.headers), body))
            self.send_response(got.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    got.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield got
    finally:
        server.shutdown()
        server.server_close()


def test_the_feed_is_atom_and_an_entry_is_not_repeated_across_two_runs(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:
    first = import_day(run_cli, tmp_path, "2026-08-01", 8192, "0.0000001")
    atom = warehouse.with_name("modelsync.atom")
    assert first.code == 0, first.err
    assert not atom.exists()  # a first version is not a change: nothing to tell yet

    second = import_day(run_cli, tmp_path, "2026-08-02", 8192, "0.0000002")
    after_second = atom_entries(atom)
    third = import_day(run_cli, tmp_path, "2026-08-03", 4096, "0.0000002")
    after_third = atom_entries(atom)

    assert (second.code, third.code) == (0, 0), second.err + third.err
    learned = {day: query(warehouse, "SELECT strftime(min(recorded_at), '%Y-%m-%dT%H:%M:%S.%fZ') FROM "
                      "endpoint_versions WHERE valid_from = ?", [f"{day}T02:00:00Z"])[0][0]
               for day in ("2026-08-02", "2026-08-03")}  # fmt: skip
    price = {
        "id": entry_id("input_price_per_mtok", "2026-08-02", "0.200000"),
        "title": f"Groq · {SCOUT}: input_price_per_mtok 0.100000 -> 0.200000",
        "updated": learned["2026-08-02"],
        "published": "2026-08-02T02:00:00Z",
        "category": "input_price_per_mtok",
    }
    max_out = {
        "id": entry_id("max_output_tokens", "2026-08-03", "4096"),
        "title": f"Groq · {SCOUT}: max_output_tokens 8192 -> 4096",
        "updated": learned["2026-08-03"],
        "published": "2026-08-03T02:00:00Z",
        "category": "max_output_tokens",
    }
    assert after_second == [price]
    assert after_third == [max_out, price]
    root = ET.parse(atom).getroot()
    assert root.tag == f"{A}feed"
    assert (root.findtext(f"{A}id"), root.findtext(f"{A}title"), root.findtext(f"{A}updated")) == (
        "urn:modelsync:feed:modelsync", "modelsync changes: modelsync", learned["2026-08-03"]
    )  # fmt: skip
    assert root.findtext(f"{A}author/{A}name") == "modelsync"
    content = root.find(f"{A}entry/{A}content")
    assert content is not None
    assert (content.get("type"), content.text) == ("text", "\n".join([
        "max_output_tokens: 8192 -> 4096",
        "relative change: -50%",
        f"model: {SCOUT}",
        "provider: Groq (endpoint groq)",
        f"source: openrouter (endpoint {SCOUT} groq)",
        f"changed at: 2026-08-03T02:00:00Z (learned {learned['2026-08-03']})",
    ]))  # fmt: skip


def test_the_json_feed_holds_the_same_entries_with_each_change_whole(warehouse: Path, run_cli, tmp_path: Path) -> None:
    import_day(run_cli, tmp_path, "2026-08-01", 8192, "0.0000001")
    import_day(run_cli, tmp_path, "2026-08-02", 8192, "0.0000002")

    document = json.loads(warehouse.with_name("modelsync.feed.json").read_text())

    item = document["items"][0]
    learned = item["date_modified"]
    assert document == {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "modelsync changes: modelsync",
        "_modelsync": {"feed_id": "urn:modelsync:feed:modelsync", "updated": learned},
        "items": [{
            "id": entry_id("input_price_per_mtok", "2026-08-02", "0.200000"),
            "title": f"Groq · {SCOUT}: input_price_per_mtok 0.100000 -> 0.200000",
            "content_text": item["content_text"],
            "date_published": "2026-08-02T02:00:00Z",
            "date_modified": learned,
            "tags": ["input_price_per_mtok"],
            "_modelsync": synthetic_price_change(learned),
        }],
    }  # fmt: skip
    assert item["content_text"].startswith("input_price_per_mtok: 0.100000 -> 0.200000\nrelative change: +100%\n")


def synthetic_price_change(learned: str) -> dict[str, object]:
    """The change of Groq's input price on 2026-08-02, as the feeds and the webhook carry it."""
    return {
        "id": entry_id("input_price_per_mtok", "2026-08-02", "0.200000"),
        "entity": "endpoint",
        "key": f"{SCOUT} groq",
        "model_id": SCOUT,
        "provider": "Groq",
        "field": "input_price_per_mtok",
        "old_value": "0.100000",
        "new_value": "0.200000",
        "changed_at": "2026-08-02T02:00:00Z",
        "recorded_at": learned,
        "source": "openrouter",
        "source_key": SCOUT,
        "endpoint_key": "groq",
        "old_number": 0.1,
        "new_number": 0.2,
        "relative_change": "+100%",
        "added": None,
        "removed": None,
    }


def test_a_webhook_gets_the_changes_the_run_recorded(
    warehouse: Path, run_cli, tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELSYNC_WEBHOOK_URL", receiver.url + WEBHOOK_PATH)
    import_day(run_cli, tmp_path, "2026-08-01", 8192, "0.0000001")
    assert receiver.posts == []  # nothing changed yet: nothing to tell

    result = import_day(run_cli, tmp_path, "2026-08-02", 8192, "0.0000002")

    assert result.code == 0, result.err
    [(path, headers, body)] = receiver.posts
    run_id = query(warehouse, "SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1")[0][0]
    document = json.loads(body)
    assert path == WEBHOOK_PATH
    assert headers["Content-Type"] == "application/json"
    assert document == {
        "run_id": run_id,
        "status": "ok",
        "changes_total": 1,
        "changes": [synthetic_price_change(document["changes"][0]["recorded_at"])],
    }


def test_a_webhook_is_not_told_an_earlier_runs_change_again(
    warehouse: Path, run_cli, tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELSYNC_WEBHOOK_URL", receiver.url + "/hook")
    import_day(run_cli, tmp_path, "2026-08-01", 8192, "0.0000001")
    import_day(run_cli, tmp_path, "2026-08-02", 8192, "0.0000002")
    # The price's version is closed now (its valid_to set, the row recorded anew): still not news.
    import_day(run_cli, tmp_path, "2026-08-03", 4096, "0.0000002")

    told = [[(c["field"], c["changed_at"]) for c in json.loads(body)["changes"]] for _, _, body in receiver.posts]
    assert told == [
        [("input_price_per_mtok", "2026-08-02T02:00:00Z")],
        [("max_output_tokens", "2026-08-03T02:00:00Z")],
    ]


def test_the_webhook_filters_keep_only_the_changes_asked_for(
    warehouse: Path, run_cli, tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELSYNC_WEBHOOK_URL", receiver.url + "/hook")
    monkeypatch.setenv("MODELSYNC_WEBHOOK_FIELD", "max_output_tokens")
    import_day(run_cli, tmp_path, "2026-08-01", 8192, "0.0000001")
    import_day(run_cli, tmp_path, "2026-08-02", 8192, "0.0000002")  # a price change only: not asked for
    import_day(run_cli, tmp_path, "2026-08-03", 4096, "0.0000002")

    [(_, _, body)] = receiver.posts
    assert [(c["field"], c["old_value"], c["new_value"]) for c in json.loads(body)["changes"]] == [
        ("max_output_tokens", "8192", "4096")
    ]


def test_a_webhook_answering_500_does_not_fail_the_run_and_its_warning_keeps_the_secret(
    warehouse: Path, run_cli, tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver.status = 500
    host = receiver.url.removeprefix("http://")
    monkeypatch.setenv("MODELSYNC_WEBHOOK_URL", f"http://{SECRETS[2]}:{SECRETS[3]}@{host}{WEBHOOK_PATH}")
    monkeypatch.setenv("MODELSYNC_WEBHOOK_ATTEMPTS", "2")
    monkeypatch.setenv("MODELSYNC_WEBHOOK_BACKOFF_S", "0.01")
    import_day(run_cli, tmp_path, "2026-08-01", 8192, "0.0000001")

    result = import_day(run_cli, tmp_path, "2026-08-02", 8192, "0.0000002")

    assert result.code == 0
    assert len(receiver.posts) == 2  # tried again once, then given up
    assert result.err.splitlines() == [
        f"webhook: http://{host}/…: not delivered: HTTP 500 (gave up after 2 attempts); the changes are in the feeds"
    ]
    assert query(warehouse, "SELECT field, old_value, new_value FROM changes") == [
        ("input_price_per_mtok", "0.100000", "0.200000")
    ]
    stored = [p.read_bytes() for p in warehouse.parent.rglob("*") if p.is_file()]
    assert [s for s in SECRETS if any(s.encode() in data for data in stored) or s in result.out + result.err] == []


def test_a_filtered_feed_keeps_only_matching_entries(warehouse: Path, run_cli, tmp_path: Path) -> None:
    import_day(run_cli, tmp_path, "2026-08-01", 8192, "0.0000001")
    import_day(run_cli, tmp_path, "2026-08-02", 8192, "0.0000002")
    import_day(run_cli, tmp_path, "2026-08-03", 4096, "0.0000002")

    by_field = run_cli("feed", "--format", "json", "--field", "max_output_tokens")
    by_model = run_cli("feed", "--model", "LLAMA-4", "--provider", "gro", "--out", str(tmp_path / "scout.atom"))
    elsewhere = run_cli("feed", "--provider", "cerebras")

    assert (by_field.code, by_model.code, elsewhere.code) == (0, 0, 0)
    assert [item["title"] for item in json.loads(by_field.out)["items"]] == [
        f"Groq · {SCOUT}: max_output_tokens 8192 -> 4096"
    ]
    assert by_model.out == f"feed: 2 changes -> {tmp_path / 'scout.atom'}\n"
    assert [e["category"] for e in atom_entries(tmp_path / "scout.atom")] == [
        "max_output_tokens", "input_price_per_mtok"
    ]  # fmt: skip
    assert ET.fromstring(elsewhere.out.encode()).findall(f"{A}entry") == []


def get(url: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One GET with http.client: status, headers, body."""
    host, port = url.removeprefix("http://").split(":")
    con = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        con.request("GET", path, headers=headers or {})
        response = con.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        con.close()


def test_the_served_feed_answers_304_to_a_matching_etag_or_date(warehouse: Path, run_cli, tmp_path: Path) -> None:
    import_day(run_cli, tmp_path, "2026-08-01", 8192, "0.0000001")
    import_day(run_cli, tmp_path, "2026-08-02", 8192, "0.0000002")
    server = start_feed_server(warehouse, 0)
    try:
        status, headers, body = get(server.url, "/feed.atom")
        again = get(server.url, "/feed.atom", {"If-None-Match": headers["ETag"]})
        by_date = get(server.url, "/feed.json", {"If-Modified-Since": headers["Last-Modified"]})
        stale = get(server.url, "/feed.atom", {"If-None-Match": '"another"'})
        filtered = get(server.url, "/feed.json?field=max_output_tokens")
        unknown = get(server.url, "/feed.atom?modle=scout")
    finally:
        server.stop()

    assert (status, headers["Content-Type"], body) == (
        200, "application/atom+xml; charset=utf-8", warehouse.with_name("modelsync.atom").read_bytes()
    )  # fmt: skip
    assert (again[0], again[2], again[1]["ETag"]) == (304, b"", headers["ETag"])
    assert (by_date[0], by_date[2]) == (304, b"")
    assert (stale[0], stale[2]) == (200, body)
    assert (filtered[0], json.loads(filtered[2])["items"]) == (200, [])
    assert (unknown[0], unknown[2]) == (400, b"unknown parameter modle: use model, provider or field\n")


def test_the_feed_command_imports_no_orchestrator_or_http_client(warehouse: Path, run_cli, tmp_path: Path) -> None:
    import_day(run_cli, tmp_path, "2026-08-01", 8192, "0.0000001")
    script = (
        "import sys; from flows.cli import main; code = main(['feed', '--out', 'x.atom']); "
        "print(code, sorted({m.split('.')[0] for m in sys.modules} & {'prefect', 'httpx', 'tenacity', 'rich'}))"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False,
                          env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})  # fmt: skip

    assert done.stdout.strip().endswith("0 []"), done.stdout + done.stderr


def test_an_old_dated_change_learned_last_comes_first(warehouse: Path, run_cli, tmp_path: Path) -> None:
    import_day(run_cli, tmp_path, "2026-08-02", 8192, "0.0000001")
    import_day(run_cli, tmp_path, "2026-08-03", 4096, "0.0000001")
    # An older capture, loaded later (as a backfill loads one): Groq's max output was 16384 before 08-02.
    late = import_day(run_cli, tmp_path, "2026-08-01", 16384, "0.0000001")

    assert late.code == 0, late.err
    assert [(e["title"], e["published"]) for e in atom_entries(warehouse.with_name("modelsync.atom"))] == [
        (f"Groq · {SCOUT}: max_output_tokens 16384 -> 8192", "2026-08-02T02:00:00Z"),
        (f"Groq · {SCOUT}: max_output_tokens 8192 -> 4096", "2026-08-03T02:00:00Z"),
    ]


def test_a_sync_that_changed_a_price_writes_the_feeds_and_calls_the_webhook(
    warehouse: Path, mirror: Mirror, run_cli, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELSYNC_WEBHOOK_URL", receiver.url + "/hook")
    mirror.script("/api/v1/models", Reply(200, synthetic_models([SCOUT])))
    path = f"/api/v1/models/{SCOUT}/endpoints"
    for prompt in ("0.0000001", "0.0000002"):
        mirror.script(path, Reply(200, synthetic_endpoints(SCOUT, [synthetic_endpoint("groq", "Groq", prompt=prompt)])))
        result = run_cli("sync")
        assert result.code == 0, result.err

    run_id = query(warehouse, "SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1")[0][0]
    [(_, _, body)] = receiver.posts
    assert [(c["field"], c["new_value"]) for c in json.loads(body)["changes"]] == [("input_price_per_mtok", "0.200000")]
    assert json.loads(body)["run_id"] == run_id
    assert [e["title"] for e in atom_entries(warehouse.with_name("modelsync.atom"))] == [
        f"Groq · {SCOUT}: input_price_per_mtok 0.100000 -> 0.200000"
    ]
