"""The real LiteLLM price-map history (a git bundle of RoCry/llm-api-price) replayed by backfill --git."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import FIXTURES, query

BUNDLE = FIXTURES / "git" / "llm-api-price.bundle"
FILE = "model_prices_and_context_window.json"
DAYS = (
    "2026-01-12",
    "2026-01-13",
)  # five commits; novita's Scout is repriced from per-million to per-token on the 13th
NOT_MODELS = {"sample_spec", "fallback_generalizations", "last_updated"}
HISTORY = ("endpoint_versions", "model_versions")
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone of the bundle, to read each version of the file with git, apart from modelsync."""
    where = tmp_path_factory.mktemp("llm-api-price")
    subprocess.run(["git", "clone", "-q", "--bare", str(BUNDLE), str(where / "repo.git")], check=True)
    return where / "repo.git"


def commits(clone: Path) -> list[tuple[str, datetime]]:
    """The first-parent commits of DAYS that changed the file, with their committer times."""
    log = subprocess.run(["git", "--git-dir", str(clone), "log", "--first-parent", "--format=%H %cI",
                          f"--since={DAYS[0]}T00:00:00Z", f"--until={DAYS[-1]}T23:59:59Z", "HEAD", "--", FILE],
                         capture_output=True, text=True, check=True).stdout.split("\n")  # fmt: skip
    return [(sha, datetime.fromisoformat(when)) for sha, when in (line.split() for line in log if line)]


def expected_endpoints(clone: Path, sha: str) -> set[tuple[object, ...]]:
    """Every entry of the file at ``sha``, read with json alone: key, context, max output, input and output price."""
    document = json.loads(subprocess.run(["git", "--git-dir", str(clone), "show", f"{sha}:{FILE}"],
                                         capture_output=True, check=True).stdout)  # fmt: skip
    rows = set()
    for key, entry in document.items():
        if key in NOT_MODELS or key.startswith("_"):
            continue
        context = _count(entry.get("max_input_tokens"))
        output = _count(entry.get("max_output_tokens"))
        legacy = _count(entry.get("max_tokens"))
        if output is None and legacy is not None and context is not None and legacy < context:
            output = legacy
        rows.add((key, context, output, _per_million(entry.get("input_cost_per_token")),
                  _per_million(entry.get("output_cost_per_token"))))  # fmt: skip
    return rows


def _count(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def _per_million(value: object) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(repr(value)) * 1_000_000).quantize(Decimal("1E-12")).normalize()


def backfill(run_cli, *windows: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    for since, until in windows:
        result = run_cli("backfill", "--git", str(BUNDLE), "--path", FILE, "--from", since, "--to", until)
        assert result.code == 0, result.err


def test_at_every_commit_the_endpoints_are_the_file_s_entries_with_their_limits_and_prices(
    warehouse: Path, run_cli, clone: Path
) -> None:
    backfill(run_cli, (DAYS[0], DAYS[-1]))

    for sha, at in commits(clone):
        sql = ("SELECT endpoint_key, context_length, max_output_tokens, input_price_per_mtok, output_price_per_mtok "
               "FROM endpoints_as_of(?) WHERE source = 'litellm'")  # fmt: skip
        held = query(warehouse, sql, [at])
        got = {(k, c, o, None if i is None else i.normalize(), None if p is None else p.normalize())
               for k, c, o, i, p in held}  # fmt: skip
        assert got == expected_endpoints(clone, sha), sha


def test_the_days_loaded_in_reverse_order_give_the_same_history_as_in_one_go(
    warehouse: Path, run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backfill(run_cli, (DAYS[0], DAYS[-1]))
    other = tmp_path / "other" / "modelsync.duckdb"
    monkeypatch.setenv("MODELSYNC_WAREHOUSE", str(other))
    monkeypatch.setenv("MODELSYNC_RAW_DIR", str(other.parent / "raw"))
    backfill(run_cli, (DAYS[-1], DAYS[-1]), (DAYS[0], DAYS[0]))

    for table in HISTORY:
        current = f"SELECT * EXCLUDE (recorded_at, superseded_at) FROM {table} WHERE superseded_at IS NULL ORDER BY ALL"
        assert query(other, current) == query(warehouse, current), table


def test_the_novita_unit_fix_is_one_change_of_its_endpoint_at_the_commit_that_made_it(warehouse: Path, run_cli) -> None:
    backfill(run_cli, (DAYS[0], DAYS[-1]))

    sql = ("SELECT field, old_value, new_value, changed_at FROM changes WHERE source = 'litellm' "
           "AND endpoint_key = 'novita/meta-llama/llama-4-scout-17b-16e-instruct' ORDER BY field")  # fmt: skip
    rows = query(warehouse, sql)
    assert [(f, old, new) for f, old, new, _ in rows] == [
        ("input_price_per_mtok", "800.000000", "0.180000"),
        ("output_price_per_mtok", "4000.000000", "0.590000"),
    ]
    assert {str(at) for *_, at in rows} == {"2026-01-13 22:08:35+00:00"}  # c58c1dfab111
