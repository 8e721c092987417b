"""models.dev's TOML tree (a real excerpt of anomalyco/models.dev) replayed by backfill --git --path providers/."""

from __future__ import annotations

import itertools
import json
import posixpath
import random
import shutil
import subprocess
import tomllib
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, query

from extractors.models_dev.api import parse_api
from extractors.models_dev.tree import ModelsDevTree, deep_merge
from extractors.spec import TreeFile
from transforms.records import Parsed

BUNDLE = FIXTURES / "git" / "models.dev-excerpt.bundle"
HISTORY = ("endpoint_versions", "model_versions")
REMOVED_AND_BACK = "vercel/inception/mercury-coder-small"
TREE = FIXTURES / "models_dev" / "tree"
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone of the bundle, to read the tree at each commit with git, apart from modelsync."""
    where = tmp_path_factory.mktemp("models.dev") / "repo.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(BUNDLE), str(where)], check=True)
    return where


def git(clone: Path, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", str(clone), *args], capture_output=True, text=True, check=True).stdout


def commits(clone: Path) -> list[tuple[str, datetime]]:
    log = git(clone, "log", "--first-parent", "--reverse", "--format=%H %cI", "HEAD", "--", "providers", "models")
    return [(sha, datetime.fromisoformat(when)) for sha, when in (line.split() for line in log.splitlines())]


def expected_endpoints(clone: Path, sha: str) -> dict[str, tuple[object, ...]]:
    """Every served model of the tree at ``sha``, read with tomllib alone: key -> provider, limits, prices."""
    files: dict[str, tuple[str, str]] = {}  # path -> (mode, blob)
    for line in git(clone, "ls-tree", "-r", sha, "providers", "models").splitlines():
        meta, path = line.split("\t")
        mode, _, blob = meta.split()
        if path.endswith(".toml"):
            files[path] = (mode, blob)

    def table(path: str) -> dict[str, Any]:
        mode, blob = files[path]
        text = git(clone, "cat-file", "blob", blob)
        if mode == "120000":
            return table(posixpath.normpath(posixpath.join(posixpath.dirname(path), text.strip())))
        item = tomllib.loads(text)
        base = item.get("base_model")
        if base is not None:
            inherited = {k: v for k, v in tomllib.loads(git(clone, "cat-file", "blob", files[f"models/{base}.toml"][1]))
                         .items() if k not in ("benchmarks", "license", "links", "weights")}  # fmt: skip
            item = deep_merge(inherited, item)
        return item

    rows = {}
    for path in files:
        parts = path.removesuffix(".toml").split("/")
        if parts[0] != "providers" or len(parts) < 4 or parts[2] != "models":
            continue
        if f"providers/{parts[1]}/provider.toml" not in files:
            continue
        try:
            item = table(path)
        except (KeyError, tomllib.TOMLDecodeError):  # a broken symlink or base is not served
            continue
        if item.get("status") == "deprecated":
            continue
        limit, cost = item.get("limit", {}), item.get("cost", {})
        rows[f"{parts[1]}/{'/'.join(parts[3:])}"] = (
            parts[1], limit.get("context"), limit.get("output"), _price(cost.get("input")), _price(cost.get("output"))
        )  # fmt: skip
    return rows


def _price(value: object) -> Decimal | None:
    return None if value is None else Decimal(repr(value)).quantize(Decimal("1E-12")).normalize()


def backfill(run_cli, *windows: tuple[str | None, str | None]) -> None:  # type: ignore[no-untyped-def]
    for since, until in windows:
        bounds = [*(["--from", since] if since else []), *(["--to", until] if until else [])]
        result = run_cli("backfill", "--git", str(BUNDLE), "--path", "providers/", *bounds)
        assert result.code in (0, 3), result.err  # 3: the real tree has files that do not parse (quarantined)


def quarantined(warehouse: Path) -> set[str]:
    return {k for (k,) in query(warehouse, "SELECT DISTINCT row_key FROM quarantine WHERE row_key IS NOT NULL")}


def test_at_every_sampled_commit_the_endpoints_are_the_tree_s_models_with_their_limits_and_prices(
    warehouse: Path, run_cli, clone: Path
) -> None:
    backfill(run_cli, (None, None))

    every = commits(clone)
    broken = quarantined(warehouse)
    sql = ("SELECT source_key, endpoint_key, context_length, max_output_tokens, input_price_per_mtok, "
           "output_price_per_mtok FROM endpoints_as_of(?) WHERE source = 'models_dev'")  # fmt: skip
    for sha, at in [*every[:: max(1, len(every) // 8)], every[-1]]:
        held = query(warehouse, sql, [at])
        got = {m: (e, c, o, None if i is None else i.normalize(), None if p is None else p.normalize())
               for m, e, c, o, i, p in held if m not in broken}  # fmt: skip
        expected = {k: v for k, v in expected_endpoints(clone, sha).items() if k not in broken}
        assert got == expected, sha


def test_a_file_deleted_and_added_again_is_retired_then_back_at_the_commits_that_did_it(
    warehouse: Path, run_cli, clone: Path
) -> None:
    backfill(run_cli, (None, None))

    log = git(clone, "log", "--first-parent", "--reverse", "--format=%cI", "--diff-filter=AD", "--name-status",
              "HEAD", "--", "providers/vercel/models/inception/mercury-coder-small.toml")  # fmt: skip
    lines = [line for line in log.splitlines() if line]
    moves = [(lines[i + 1][0], datetime.fromisoformat(lines[i])) for i in range(0, len(lines), 2)]
    versions = query(warehouse, "SELECT valid_from, is_deleted FROM endpoint_versions WHERE model_id = ? "
                     "AND superseded_at IS NULL ORDER BY valid_from", [REMOVED_AND_BACK])  # fmt: skip
    assert [(deleted, at) for at, deleted in versions] == [(status == "D", at) for status, at in moves]
    assert [status for status, _ in moves] == ["A", "D", "A", "D", "A", "D", "A"]


def test_the_history_loaded_in_shuffled_chunks_is_the_history_loaded_in_one_go(
    warehouse: Path, run_cli, clone: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backfill(run_cli, (None, None))
    other = tmp_path / "other" / "modelsync.duckdb"
    monkeypatch.setenv("MODELSYNC_WAREHOUSE", str(other))
    monkeypatch.setenv("MODELSYNC_RAW_DIR", str(other.parent / "raw"))
    bounds = [None, "2025-09-01", "2026-01-01", "2026-04-01", "2026-06-01", None]
    chunks = list(itertools.pairwise(bounds))
    random.Random(19).shuffle(chunks)
    backfill(run_cli, *chunks)

    for table in HISTORY:
        current = (f"SELECT * EXCLUDE (recorded_at, superseded_at) FROM {table} "
                   "WHERE superseded_at IS NULL ORDER BY ALL")  # fmt: skip
        assert query(other, current) == query(warehouse, current), table


def _file(path: str) -> TreeFile:
    return TreeFile((TREE / path).read_bytes(), symlink=path.startswith("providers/vercel/models/"))


def _keys(parsed: list[tuple[str, Parsed]]) -> dict[str, set[str]]:
    """The endpoint keys observed, by the changed path that caused them."""
    keys: dict[str, set[str]] = {}
    for cause, part in parsed:
        keys.setdefault(cause, set()).update(r["model_id"] for r in part.records.get("endpoint", []))
    return keys


def test_a_changed_base_model_or_provider_file_touches_the_models_that_read_it() -> None:
    tree = ModelsDevTree()
    paths = [str(p.relative_to(TREE)) for p in sorted(TREE.rglob("*.toml"))]
    first = tree.apply({path: _file(path) for path in paths})
    assert set().union(*_keys(first).values()) == {
        "cloudflare-workers-ai/@cf/meta/llama-4-scout-17b-16e-instruct",
        "deepinfra/meta-llama/Llama-4-Scout-17B-16E-Instruct",
        "groq/meta-llama/llama-4-scout-17b-16e-instruct",
        "llama/llama-4-scout-17b-16e-instruct-fp8",
        "vercel/meta/llama-4-scout",
    }

    base = "models/meta/llama-4-scout-17b-instruct.toml"
    changed = TreeFile(_file(base).body.replace(b"output = 16_384", b"output = 32_768"))
    assert _keys(tree.apply({base: changed})) == {
        base: {"cloudflare-workers-ai/@cf/meta/llama-4-scout-17b-16e-instruct"}
    }
    target = "providers/llama/models/llama-4-scout-17b-16e-instruct-fp8.toml"
    assert _keys(tree.apply({target: TreeFile(_file(target).body + b"\n")})) == {
        target: {"llama/llama-4-scout-17b-16e-instruct-fp8", "vercel/meta/llama-4-scout"}
    }
    provider = "providers/groq/provider.toml"
    assert _keys(tree.apply({provider: TreeFile(b'name = "GroqCloud"\n')})) == {
        provider: {"groq/meta-llama/llama-4-scout-17b-16e-instruct"}
    }


def test_a_model_whose_provider_file_goes_is_gone_with_its_endpoint() -> None:
    tree = ModelsDevTree()
    paths = [str(p.relative_to(TREE)) for p in sorted(TREE.rglob("*.toml"))]
    tree.apply({path: _file(path) for path in paths})

    [(cause, parsed)] = tree.apply({"providers/groq/provider.toml": None})
    assert cause == "providers/groq/provider.toml"
    assert [(m["model_id"], m["status"]) for m in parsed.records["model"]] == [
        ("groq/meta-llama/llama-4-scout-17b-16e-instruct", "gone")
    ]
    assert [(listing.entity, listing.scope, listing.key_count) for listing in parsed.listings] == [
        ("endpoint", "groq/meta-llama/llama-4-scout-17b-16e-instruct", 0)
    ]


OPUS_302AI = b"""name = "Claude Opus 4.7"
[cost]
input = 5.000
output = 25.000
cache_read = 0.500
cache_write = 6.250

[[cost.tiers]]
tier = { size = 200_000 }
input = 10.000
output = 37.500
cache_read = 1.000
cache_write = 12.500
"""  # providers/302ai/models/claude-opus-4-7.toml at f3fc69229967, cost only


def test_a_model_s_cost_tiers_are_its_endpoint_s_price_tiers_as_api_json_serves_them() -> None:
    tree = ModelsDevTree()
    [(_, parsed)] = tree.apply({
        "providers/302ai/provider.toml": TreeFile(b'name = "302.AI"\n'),
        "providers/302ai/models/claude-opus-4-7.toml": TreeFile(OPUS_302AI),
    })  # fmt: skip
    [endpoint] = parsed.records["endpoint"]
    assert endpoint["price_tiers"] == [
        {"price": price, "above_tokens": 200_000, "price_per_mtok": Decimal(value)}
        for price, value in (("input", "10"), ("output", "37.5"), ("cache_read", "1"), ("cache_write", "12.5"))
    ]
    served = tomllib.loads(OPUS_302AI.decode())  # api.json adds the legacy context_over_200k beside one tier
    served["cost"]["context_over_200k"] = {k: v for k, v in served["cost"]["tiers"][0].items() if k != "tier"}
    api = parse_api(json.dumps({"302ai": {"name": "302.AI", "models": {"claude-opus-4-7": served}}}).encode())
    assert api.records["endpoint"][0]["price_tiers"] == endpoint["price_tiers"]
