"""backfill --git: a git-scraped history replayed as archived payloads, first-parent commits only (real git)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import query, synthetic_models

from flows.git_history import commits_of, matches

MODELS_URL = "https://openrouter.ai/api/v1/models"
PATH = "snapshots/models.json"
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str, when: str | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "scraper", "GIT_AUTHOR_EMAIL": "s@example.invalid",
           "GIT_COMMITTER_NAME": "scraper", "GIT_COMMITTER_EMAIL": "s@example.invalid"}  # fmt: skip
    if when:
        env |= {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    done = subprocess.run(["git", "-C", str(repo), *args], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def commit_models(repo: Path, models: list[str], when: str, message: str) -> str:
    (repo / PATH).parent.mkdir(parents=True, exist_ok=True)
    (repo / PATH).write_bytes(synthetic_models(models))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, when=when)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def scraped(tmp_path: Path) -> dict[str, str]:
    """A synthetic scraper's repository: main commits, and a side branch whose commit is dated after its merge."""
    repo = tmp_path / "synthetic_scraper"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    ids = {"repo": str(repo)}
    ids["first"] = commit_models(repo, ["synthetic/a", "synthetic/b"], "2026-01-01T10:00:00+02:00", "first")
    git(repo, "checkout", "-q", "-b", "side")
    ids["side"] = commit_models(repo, ["synthetic/a", "synthetic/b", "synthetic/x"], "2026-01-05T00:00:00Z", "side")
    git(repo, "checkout", "-q", "main")
    (repo / "README.md").write_text("a scraper\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "readme", when="2026-01-02T00:30:00-05:00")
    git(repo, "merge", "-q", "--no-ff", "side", "-m", "merge side", when="2026-01-03T12:00:00Z")
    ids["merge"] = git(repo, "rev-parse", "HEAD")
    ids["last"] = commit_models(repo, ["synthetic/a", "synthetic/x"], "2026-01-04T08:00:00+00:00", "drop b")
    return ids


def index_lines(warehouse: Path) -> list[dict[str, object]]:
    lines = (warehouse.parent / "raw" / "index.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_every_first_parent_commit_that_changed_the_file_is_archived_at_its_committer_time(
    warehouse: Path, run_cli, scraped: dict[str, str]
) -> None:
    result = run_cli("backfill", "--git", scraped["repo"], "--path", PATH, "--as", MODELS_URL)

    assert result.code == 0, result.err
    lines = index_lines(warehouse)
    assert [(line["commit"], line["fetched_at"]) for line in lines] == [
        (scraped["first"], "2026-01-01T08:00:00Z"),  # +02:00 in UTC
        (scraped["merge"], "2026-01-03T12:00:00Z"),  # the side commit's own later date is not what was published
        (scraped["last"], "2026-01-04T08:00:00Z"),
    ]
    assert {(line["origin"], line["url"], line["source"], line["repository"]) for line in lines} == {
        ("git", MODELS_URL, "openrouter", scraped["repo"])
    }


def test_a_model_added_by_a_merge_starts_at_the_merge_and_one_dropped_later_is_retired(
    warehouse: Path, run_cli, scraped: dict[str, str]
) -> None:
    run_cli("backfill", "--git", scraped["repo"], "--path", PATH, "--as", MODELS_URL)

    rows = query(warehouse, "SELECT source_key, valid_from, valid_to, is_deleted FROM model_history "
                            "WHERE source = 'openrouter' ORDER BY source_key, valid_from")  # fmt: skip
    at = {day: datetime.fromisoformat(day).replace(tzinfo=UTC) for day in ("2026-01-01T08:00", "2026-01-03T12:00",
                                                                            "2026-01-04T08:00")}  # fmt: skip
    assert [(m, f, t, d) for m, f, t, d in rows] == [
        ("synthetic/a", at["2026-01-01T08:00"], None, False),
        ("synthetic/b", at["2026-01-01T08:00"], at["2026-01-04T08:00"], False),
        ("synthetic/b", at["2026-01-04T08:00"], None, True),
        ("synthetic/x", at["2026-01-03T12:00"], None, False),
    ]


def test_a_second_backfill_of_the_same_history_archives_and_loads_nothing(
    warehouse: Path, run_cli, scraped: dict[str, str]
) -> None:
    run_cli("backfill", "--git", scraped["repo"], "--path", PATH, "--as", MODELS_URL)
    lines, runs = len(index_lines(warehouse)), query(warehouse, "SELECT count(*) FROM runs")

    again = run_cli("backfill", "--git", scraped["repo"], "--path", PATH, "--as", MODELS_URL)

    assert again.code == 0, again.err
    assert "0 to archive, 3 archived before" in again.err
    assert len(index_lines(warehouse)) == lines
    assert query(warehouse, "SELECT count(*) FROM runs") == runs


def test_a_window_archives_only_the_commits_inside_it(warehouse: Path, run_cli, scraped: dict[str, str]) -> None:
    result = run_cli("backfill", "--git", scraped["repo"], "--path", PATH, "--as", MODELS_URL, "--from", "2026-01-02")

    assert result.code == 0, result.err
    assert [line["commit"] for line in index_lines(warehouse)] == [scraped["merge"], scraped["last"]]


def test_a_dry_run_counts_the_commits_and_writes_nothing(warehouse: Path, run_cli, scraped: dict[str, str]) -> None:
    result = run_cli("backfill", "--git", scraped["repo"], "--path", PATH, "--as", MODELS_URL, "--dry-run")

    assert result.code == 0, result.err
    assert "dry run: 3 commits of snapshots/models.json would be archived" in result.out
    assert not warehouse.exists()
    assert not (warehouse.parent / "raw" / "index.jsonl").exists()


def test_source_names_the_url_a_file_of_no_known_path_mirrors(
    warehouse: Path, run_cli, scraped: dict[str, str]
) -> None:
    result = run_cli("backfill", "--git", scraped["repo"], "--path", PATH, "--source", "openrouter", "--dry-run")

    assert result.code == 0, result.err
    assert f"dry run: 3 commits of snapshots/models.json would be archived as {MODELS_URL} (openrouter)" in result.out


def test_a_bundle_is_cloned_beside_the_archive_and_fetched_again_next_time(
    warehouse: Path, run_cli, scraped: dict[str, str], tmp_path: Path
) -> None:
    bundle = tmp_path / "synthetic_scraper.bundle"
    git(Path(scraped["repo"]), "bundle", "create", "-q", str(bundle), "main")
    first = run_cli("backfill", "--git", str(bundle), "--path", PATH, "--as", MODELS_URL)
    later = commit_models(Path(scraped["repo"]), ["synthetic/x"], "2026-01-06T00:00:00Z", "drop a")
    git(Path(scraped["repo"]), "bundle", "create", "-q", str(bundle), "main")

    second = run_cli("backfill", "--git", str(bundle), "--path", PATH, "--as", MODELS_URL)

    assert (first.code, second.code) == (0, 0), second.err
    assert [line["commit"] for line in index_lines(warehouse)][-1] == later
    assert len(list((warehouse.parent / "raw-git").glob("*.git"))) == 1


@pytest.fixture
def git_daemon(scraped: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """The scraper's repository served by ``git daemon`` on 127.0.0.1: its URL."""
    served = tmp_path / "served"
    served.mkdir()
    subprocess.run(["git", "clone", "-q", "--bare", scraped["repo"], str(served / "scraper.git")], check=True)
    with socket.socket() as probe:  # git daemon takes no port 0: a free port, asked of the kernel
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    daemon = subprocess.Popen(["git", "daemon", "--reuseaddr", "--export-all", f"--base-path={served}",
                               "--listen=127.0.0.1", f"--port={port}", str(served)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"git://127.0.0.1:{port}/scraper.git"
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


def test_a_remote_repository_is_cloned_from_its_url(
    warehouse: Path, run_cli, scraped: dict[str, str], git_daemon: str
) -> None:
    result = run_cli("backfill", "--git", git_daemon, "--path", PATH, "--as", MODELS_URL)

    assert result.code == 0, result.err
    assert [line["commit"] for line in index_lines(warehouse)] == [scraped["first"], scraped["merge"], scraped["last"]]
    assert {line["repository"] for line in index_lines(warehouse)} == {git_daemon}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--git", "REPO", "--as", MODELS_URL], "--git needs --path"),
        (["--path", PATH], "--path and --as go with --git REPO"),
        (["--git", "REPO", "--path", "nowhere.json", "--as", MODELS_URL], "no first-parent commit of HEAD changed"),
        (["--git", "REPO", "--path", PATH, "--as", "https://example.invalid/m.json"], "no source serves"),
        (["--git", "REPO", "--path", PATH], "pass --as URL"),
        (["--git", "REPO", "--path", PATH, "--as", MODELS_URL, "--wayback"], "cannot be combined"),
        (
            ["--git", "REPO", "--path", PATH, "--as", MODELS_URL, "--source", "litellm"],
            f"{MODELS_URL} is served by openrouter, not --source litellm",
        ),
        (["--git", "REPO", "--path", PATH, "--source", "openrouter", "--source", "litellm"], "one --source"),
    ],
)
def test_a_bad_git_backfill_argument_is_one_usage_error_naming_it(
    warehouse: Path, run_cli, scraped: dict[str, str], args: list[str], message: str
) -> None:
    result = run_cli("backfill", *[scraped["repo"] if a == "REPO" else a for a in args])

    assert result.code == 2
    assert message in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_a_path_that_is_not_a_repository_is_refused(warehouse: Path, run_cli, tmp_path: Path) -> None:
    result = run_cli("backfill", "--git", str(tmp_path), "--path", PATH, "--as", MODELS_URL)

    assert result.code == 2
    assert f"{tmp_path}: not a git repository, a bundle or a URL" in result.err


def test_git_log_output_parses_to_commits_with_their_changes_in_utc() -> None:
    log = (b"\x01" + b"a" * 40 + b"\x002026-01-01T10:00:00+02:00\x00\n:000000 100644 " + b"0" * 40 + b" " + b"b" * 40
           + b" A\x00snapshots/models.json\x00")  # fmt: skip

    (commit,) = commits_of(log)

    assert commit.committed_at == datetime(2026, 1, 1, 8, tzinfo=UTC)
    assert [(c.path, c.blob, c.status) for c in commit.changes] == [("snapshots/models.json", "b" * 40, "A")]


def test_a_path_matches_itself_what_lies_under_it_and_its_glob() -> None:
    assert matches("providers/", "providers/groq/models/x.toml")
    assert matches("providers/*/provider.toml", "providers/groq/provider.toml")
    assert matches("snapshots/models.json", "snapshots/models.json")
    assert not matches("providers", "providers-old/x.toml")
