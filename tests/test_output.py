"""Output a person and a script can trust: nothing hidden silently, one CSV dialect, the view's own names."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from flows.cli import _in_words
from tests.conftest import DEMO, ROOT, query


@pytest.fixture
def demo_data(warehouse: Path, run_cli) -> Path:  # type: ignore[no-untyped-def]
    """The demo's captures imported into this test's warehouse."""
    result = run_cli("import", "--manifest", str(DEMO / "manifest.jsonl"))
    assert result.code in (0, 3), result.err
    return warehouse


def test_a_piped_table_is_never_cut_in_rows(warehouse: Path, demo_data: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("sql", "SELECT range AS n FROM range(200000)")

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[-1] == "  200,000 rows, 1 column"
    assert lines[3] == "│ 0      │"
    assert lines[-2 - 1] == "│ 199999 │"
    assert result.err == ""


def test_a_piped_table_is_never_cut_in_width(demo_data: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "80")

    result = run_cli("changes", "--since", "2026-08-01")

    header = result.out.splitlines()[1]
    names = [cell.strip() for cell in header.strip("│").split("│")]
    assert names == ["changed_at", "entity", "model_id", "provider", "endpoint_key", "field", "old_value",
                     "new_value", "added", "removed", "source"]  # fmt: skip
    assert "…" not in result.out
    assert result.err == ""


def run_on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[str, str]:
    """``modelsync ARGS`` with stdout on a pseudo-terminal 80 columns wide: (what the terminal showed, stderr)."""
    leader, follower = pty.openpty()
    import fcntl
    import struct
    import termios

    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 80, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "flows.cli", *args], stdout=follower, stderr=subprocess.PIPE,
                               env={**env, "COLUMNS": "80"}, cwd=ROOT, text=True)  # fmt: skip
    os.close(follower)
    shown = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    _, err = process.communicate(timeout=60)
    os.close(leader)
    return shown.decode(), err


def test_on_a_terminal_what_is_cut_to_fit_is_said_on_stderr(demo_data: Path) -> None:
    narrow, narrow_err = run_on_a_terminal(["sql", "SELECT model_id, endpoint_key, supported_params FROM endpoints"],
                                           dict(os.environ))  # fmt: skip
    wide, wide_err = run_on_a_terminal(["changes", "--since", "2026-08-01"], dict(os.environ))

    assert all(len(line) <= 80 for line in narrow.splitlines())
    assert "│ model_id" in narrow
    assert "…" in narrow
    cut = "values of model_id, endpoint_key, supported_params cut to fit 80 columns (marked …); "
    assert narrow_err.startswith(cut)
    # 11 columns cannot stand side by side in 80: one field a line, every column still there
    assert all(len(line) <= 80 for line in wide.splitlines())
    assert "old_value    │ " in wide
    assert wide_err.startswith("11 columns do not fit side by side in 80 columns: one field a line")


def test_every_reading_command_speaks_table_csv_and_json(demo_data: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    commands = {"field": ["changes", "--since", "2026-08-01"], "source": ["status"],
                "key": ["sql", "SELECT * FROM changes ORDER BY ALL"]}  # fmt: skip
    for text_column, command in commands.items():
        as_table = run_cli(*command)
        as_csv = run_cli(*command, "--format", "csv")
        as_json = run_cli(*command, "--format", "json")

        assert (as_table.code, as_csv.code, as_json.code) == (0, 0, 0), command
        rows = list(csv.DictReader(io.StringIO(as_csv.out)))
        records = json.loads(as_json.out)
        header = [cell.strip() for cell in as_table.out.splitlines()[1].strip("│").split("│")]
        assert list(rows[0]) == list(records[0]) == header, command  # the same columns, in the same order
        assert [r[text_column] for r in rows] == [r[text_column] for r in records], command  # the same rows


def test_sql_and_export_write_the_same_csv_dialect(demo_data: Path, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    exported = run_cli("export", "--format", "csv", "--out", str(tmp_path / "out"), "--view", "endpoints")
    printed = run_cli("sql", "SELECT * FROM endpoints", "--format", "csv")

    assert (exported.code, printed.code) == (0, 0)
    written = (tmp_path / "out" / "endpoints.csv").read_text(encoding="utf-8")
    assert sorted(printed.out.splitlines()) == sorted(written.splitlines())  # the view has no order of its own
    assert "True" not in printed.out  # DuckDB writes true, not Python's True
    assert "['" not in printed.out  # nor Python's list reprs


def test_the_changes_command_prints_the_views_columns_and_the_view_has_typed_companions(
    demo_data: Path, run_cli
) -> None:  # type: ignore[no-untyped-def]
    printed = json.loads(run_cli("changes", "--since", "2026-08-01", "--format", "json").out)
    typed = query(demo_data, "SELECT old_value, new_value, old_number, new_number FROM changes "
                             "WHERE field = 'max_output_tokens' ORDER BY changed_at LIMIT 1")  # fmt: skip
    lists = query(demo_data, "SELECT old_value, new_value, added, removed FROM changes "
                             "WHERE field = 'supported_params' ORDER BY changed_at LIMIT 1")  # fmt: skip

    view_columns = {row[0] for row in query(demo_data, "SELECT column_name FROM (DESCRIBE changes)")}
    assert set(printed[0]) <= view_columns
    old, new, old_number, new_number = typed[0]
    assert (old_number, new_number) == (int(old), int(new))
    old, new, added, removed = lists[0]
    assert set(new.split(",")) == (set(old.split(",")) | set(added)) - set(removed)
    assert added or removed


def test_sql_runs_every_statement_and_refuses_an_empty_one(demo_data: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    both = run_cli("sql", "SELECT 1 AS one; SELECT 2 AS two")
    empty = run_cli("sql", "  ")
    as_csv = run_cli("sql", "SELECT 1; SELECT 2", "--format", "csv")

    assert both.code == 0
    assert "│ one │" in both.out
    assert "│ two │" in both.out
    assert empty.code == 2
    assert "no SQL given" in empty.err
    assert as_csv.code == 2
    assert "2 statements: --format csv prints one result" in as_csv.err


def test_a_reader_that_closes_the_pipe_ends_the_command_quietly(demo_data: Path) -> None:
    shell = f"{sys.executable} -m flows.cli sql 'SELECT * FROM range(300000)' | head -n 2"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", shell], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=120)  # fmt: skip

    assert done.stderr == ""
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 2


def test_counts_are_in_the_right_number(demo_data: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import KIMI_FILE, KIMI_URL

    result = run_cli("import", str(KIMI_FILE), "--url", KIMI_URL, "--fetched-at", "2026-08-29T10:26:01Z")

    assert "; 1 payload, " in result.out
    assert "1 payloads" not in result.out


def test_an_unexpected_error_is_said_in_words() -> None:
    missing = FileNotFoundError(2, "No such file or directory", "/data/modelsync.duckdb")

    assert _in_words(missing) == "unexpected error: cannot use /data/modelsync.duckdb: No such file or directory"
    assert _in_words(KeyError("price")) == "unexpected error (KeyError): 'price'"
