"""Every SQL example in the README and docs, and every demo command the README and the demo suggest,
returns rows on the demo's warehouse."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import duckdb
import pytest

from flows.demo import NEXT_STEPS, USAGE_NAME, WAREHOUSE_NAME, run_demo
from tests.conftest import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def sql_examples() -> list[tuple[str, str]]:
    """(page, statement) for every statement in every ```sql block of the README and docs."""
    examples = []
    for page in PAGES:
        for block in re.findall(r"```sql\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.DOTALL):
            text = "\n".join(line for line in block.splitlines() if not line.strip().startswith("--"))
            examples += [(page.relative_to(ROOT).as_posix(), s.strip()) for s in text.split(";") if s.strip()]
    return examples


SQL = sql_examples()
EMPTY_ON_THE_DEMO = {
    "SELECT * FROM unmatched_keys": "every model key of the demo's four sources matches (its report is empty)",
    "SELECT source, kind, path, first_seen, last_seen, example FROM schema_drift ORDER BY first_seen DESC": (
        "the parsers know every field of the demo's captures (tests/test_schema_drift.py: its report is empty)"
    ),
    "SELECT entity, model_id, provider, takes_effect_at, announced_at, evidence FROM announced": (
        "no demo model is dated to retire after today (tests/test_future_dated.py fills it)"
    ),
}
"""Examples that rightly return nothing on the demo, with why."""


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory the real demo ran in (its warehouse, archive and report path)."""
    where = tmp_path_factory.mktemp("demo")
    assert run_demo(where, lambda line: None) == 0
    return where


@pytest.mark.parametrize(("page", "statement"), SQL, ids=[f"{page}: {s[:60]}" for page, s in SQL])
def test_every_documented_sql_example_returns_rows_on_the_demo(demo_dir: Path, page: str, statement: str) -> None:
    con = duckdb.connect(str(demo_dir / WAREHOUSE_NAME), read_only=True)
    try:
        rows = con.execute(statement).fetchall()
    finally:
        con.close()
    assert bool(rows) != (statement in EMPTY_ON_THE_DEMO), f"{page}: no rows on the demo: {statement}"


def demo_commands() -> list[str]:
    """The modelsync commands the demo's "Try next" and the README's quick start run on the demo warehouse."""
    lines = [line.strip() for line in NEXT_STEPS.splitlines() if line.strip().startswith("uv run modelsync")]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    prefix = "MODELSYNC_WAREHOUSE=modelsync-demo.duckdb "
    lines += [line.split("#")[0].strip().removeprefix(prefix)
              for line in readme.splitlines() if line.startswith(prefix + "uv run")]  # fmt: skip
    return lines


COMMANDS = demo_commands()


@pytest.mark.parametrize("command", COMMANDS)
def test_every_suggested_command_works_on_the_demo_warehouse(
    demo_dir: Path, command: str, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    # what `export MODELSYNC_WAREHOUSE=modelsync-demo.duckdb` leaves: no MODELSYNC_RAW_DIR, the archive beside it
    monkeypatch.setenv("MODELSYNC_WAREHOUSE", str(demo_dir / WAREHOUSE_NAME))
    monkeypatch.delenv("MODELSYNC_RAW_DIR", raising=False)
    monkeypatch.chdir(demo_dir)
    args = shlex.split(
        command.split("  #", maxsplit=1)[0].format(
            warehouse=demo_dir / WAREHOUSE_NAME, report="report.html", usage=demo_dir / USAGE_NAME
        )
    )

    result = run_cli(*args[3:])  # past "uv run modelsync"

    assert result.code == 0, f"{command}: {result.err}"
    assert result.out.strip(), command
    assert "no changes since" not in result.out


def test_the_demo_archive_is_where_the_warehouse_says_so_backfill_finds_it(
    demo_dir: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MODELSYNC_WAREHOUSE", str(demo_dir / WAREHOUSE_NAME))
    monkeypatch.delenv("MODELSYNC_RAW_DIR", raising=False)

    result = run_cli("backfill", "--dry-run")

    assert result.code == 0, result.err
    assert f"from {demo_dir / 'modelsync-demo-raw'}" in result.out
