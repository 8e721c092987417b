"""Input that could spoil history or crash a command: refused in one line, nothing stored changed."""

from __future__ import annotations

import itertools
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.lock import warehouse_lock
from flows.report.charts import TimeAxis
from tests.conftest import KIMI_AT, KIMI_FILE, KIMI_URL

MODELS_DEV_FILE = Path(__file__).parent / "fixtures" / "models_dev" / "synthetic_api.json"


def test_a_fetch_time_in_the_future_is_refused_naming_the_file(warehouse: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("import", str(MODELS_DEV_FILE), "--url", "https://models.dev/api.json",
                     "--fetched-at", "2099-01-01T00:00:00Z")  # fmt: skip

    assert result.code == 2
    assert f"{MODELS_DEV_FILE}: --fetched-at: fetched at 2099-01-01T00:00:00Z, which is in the future" in result.err
    assert result.err.count("\n") == 1
    assert not warehouse.exists()  # nothing recorded, nothing archived
    assert not (warehouse.parent / "raw").exists()


def test_a_fetch_time_a_minute_ahead_of_the_clock_is_another_machines_clock_and_loads(warehouse: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    soon = (datetime.now(UTC) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    result = run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", soon)

    assert result.code == 0, result.err


def test_an_absurdly_old_fetch_time_in_a_manifest_is_refused_naming_its_line(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    manifest = tmp_path / "manifest.jsonl"
    lines = [{"path": "payload.json", "url": KIMI_URL, "fetched_at": KIMI_AT},
             {"path": "payload.json", "url": KIMI_URL, "fetched_at": "1970-01-01T00:00:00Z"}]  # fmt: skip
    manifest.write_text("".join(json.dumps(line) + "\n" for line in lines))
    (tmp_path / "payload.json").write_bytes(KIMI_FILE.read_bytes())

    result = run_cli("import", "--manifest", str(manifest))

    assert result.code == 2
    assert f"{manifest}, line 2: fetched at 1970-01-01T00:00:00Z, before 2000-01-01" in result.err
    assert not warehouse.exists()


def test_a_manifest_path_that_leaves_its_folder_is_refused_before_anything_is_read(
    warehouse: Path, run_cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "captures"
    folder.mkdir()
    (folder / "linked.json").symlink_to(KIMI_FILE)  # a link out of the folder: refused as well
    for path in ("../../../etc/passwd", "/etc/passwd", "linked.json"):
        manifest = folder / "manifest.jsonl"
        manifest.write_text(json.dumps({"path": path, "url": KIMI_URL, "fetched_at": KIMI_AT}) + "\n")

        result = run_cli("import", "--manifest", str(manifest))

        assert result.code == 2, path
        assert f"line 1: {path} leads outside the manifest's folder {folder}; refused" in result.err
    assert not (warehouse.parent / "raw").exists()


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ('{"path": "x.json", "url": "u"}', 'line 1: no fetched_at; expected {"path"'),
        ('{"path": "x.json"}', "line 1: no url or fetched_at; expected"),
        ('["x.json", "u", "t"]', "line 1: a JSON list, not an object; expected"),
        ('{"path": 5, "url": "u", "fetched_at": 7}', "line 1: path and fetched_at must be text; expected"),
        ("not json", "line 1: not JSON (Expecting value: line 1 column 1 (char 0)); expected"),
    ],
)
def test_a_bad_manifest_line_says_what_is_wrong_with_it_in_words(
    warehouse: Path, run_cli, tmp_path: Path, line: str, complaint: str
) -> None:  # type: ignore[no-untyped-def]
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text(line + "\n")

    result = run_cli("import", "--manifest", str(manifest))

    assert result.code == 2
    assert complaint in result.err
    assert "('" not in result.err
    assert "list indices" not in result.err


def test_status_does_not_count_a_payload_refused_whole_as_fresh_data(warehouse: Path, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    challenge = tmp_path / "challenge.json"
    challenge.write_text('{"data": [ {"id": "x", ')  # what a source serving a challenge page sends
    assert run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", "2026-08-27T02:00:00Z").code == 0
    assert run_cli("import", str(challenge), "--url", KIMI_URL, "--fetched-at", "2026-08-28T02:00:00Z").code == 1

    result = run_cli("status")

    row = next(line for line in result.out.splitlines() if "openrouter" in line)
    assert "2026-08-27 02:00" in row
    assert "2026-08-28" not in row.split("│")[8]  # newest_data


@pytest.mark.parametrize(
    ("start", "end"),
    [("1970-01-01", "2062-01-01"), ("2000-01-01", "2099-12-31"), ("2026-08-01", "2026-08-01"),
     ("2025-12-30", "2026-01-02"), ("1900-01-01", "9000-01-01")],
)  # fmt: skip
def test_every_time_axis_has_ticks_with_years_however_long(start: str, end: str) -> None:
    axis = TimeAxis.covering(datetime.fromisoformat(start).replace(tzinfo=UTC),
                             datetime.fromisoformat(end).replace(tzinfo=UTC))  # fmt: skip

    ticks = axis.ticks()

    assert 1 <= len(ticks) <= 12
    assert ticks[0][1][:4].isdigit()  # the first tick names its year
    for (before, _), (t, label) in itertools.pairwise(ticks):
        assert label.startswith(f"{t.year}-") == (t.year != before.year), label  # and wherever the year turns


def test_a_second_demo_in_the_same_directory_exits_busy_and_leaves_the_first_ones_files(
    tmp_path: Path, run_cli
) -> None:  # type: ignore[no-untyped-def]
    warehouse = tmp_path / "modelsync-demo.duckdb"
    warehouse.write_bytes(b"the first demo's warehouse")
    with warehouse_lock(warehouse, "demo", datetime.now(UTC)):
        result = run_cli("demo", "--dir", str(tmp_path))

    assert result.code == 4
    assert result.err.startswith(f"modelsync: {warehouse} is busy: 'modelsync demo' (pid ")
    assert result.err.count("\n") == 1
    assert warehouse.read_bytes() == b"the first demo's warehouse"


def test_a_demo_directory_that_cannot_be_created_is_a_usage_error_at_once(run_cli) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    result = run_cli("demo", "--dir", "/proc/modelsync-demo")

    assert result.code == 2
    assert "cannot create /proc/modelsync-demo" in result.err
    assert "Traceback" not in result.err
    assert time.monotonic() - started < 5
