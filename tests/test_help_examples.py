"""Every example a ``--help`` shows parses, and runs offline: in a copy of a workspace ``modelsync demo`` made, with
every source and the Internet Archive served from loopback mirrors of the demo's recorded payloads.

A new example is parsed and run by default. One that cannot run here is listed in ``NOT_RUN`` by its exact text,
with the reason; one that names files a demo workspace lacks is listed in ``NEEDS`` with how to make them. An
edited example leaves a stale key behind, which fails until someone looks at it.
"""

from __future__ import annotations

import copy
import io
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

import click
import duckdb
import pytest

from flows.cli import cli, main
from flows.demo import DEMO_ENV, DEMO_MANIFEST, USAGE_NAME, WAREHOUSE_NAME
from flows.doubles.mirror import Mirror, WaybackMirror, read_manifest
from flows.settings import SOURCES, default_raw_dir
from tests.conftest import DEMO, KIMI_FILE, CliResult

# --- the examples, as the helps show them ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """One command of a help's example line: ``VAR=value`` prefixes, a program and its arguments."""

    help: str  # the command whose --help shows it, e.g. "modelsync sync" ("modelsync" for the group)
    line: int  # which example line of that help; the commands of an ``&&`` chain share it
    text: str  # as shown: continuations joined, the comment dropped, one command of an ``&&`` chain

    @property
    def words(self) -> list[str]:
        return shlex.split(self.text)

    @property
    def env(self) -> dict[str, str]:
        return dict(word.split("=", 1) for word in self.words[: self._prefixes()])

    @property
    def argv(self) -> list[str]:
        return self.words[self._prefixes() :]

    def _prefixes(self) -> int:
        words = self.words
        n = 0
        while n < len(words) and re.match(r"[A-Za-z_]\w*=", words[n]):
            n += 1
        return n


def help_text(command: click.Command) -> str:
    """``modelsync [COMMAND] --help`` as printed (as tests/test_docs.py renders it)."""
    group = click.Context(cli, info_name="modelsync")
    if command is cli:
        with group:
            return cli.get_help(group)
    with click.Context(command, info_name=command.name, parent=group) as ctx:
        return command.get_help(ctx)


def example_lines(text: str) -> list[str]:
    """The lines of a help's ``Examples:`` (or ``Example:``) block, each continuation joined to its line."""
    lines = text.splitlines()
    found: list[str] = []
    for start in (n for n, line in enumerate(lines) if line.strip() in ("Examples:", "Example:")):
        indent = len(lines[start]) - len(lines[start].lstrip())
        for line in lines[start + 1 :]:
            if not line.strip() or len(line) - len(line.lstrip()) <= indent:
                break
            if found and found[-1].endswith("\\"):
                found[-1] = f"{found[-1][:-1].rstrip()} {line.strip()}"
            else:
                found.append(line.strip())
    return found


def commands_of(line: str) -> list[str]:
    """The commands of an example line: its ``# comment`` dropped, split at each ``&&`` outside quotes."""
    commands, start, quote = [], 0, ""
    for n, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (n == 0 or line[n - 1].isspace()):
            line = line[:n]
            break
        elif line.startswith("&&", n):
            commands.append(line[start:n])
            start = n + 2
    return [command.strip() for command in [*commands, line[start:]] if command.strip()]


HELPS: dict[str, click.Command] = {"modelsync": cli, **{f"modelsync {n}": c for n, c in cli.commands.items()}}
EXAMPLES = [
    Example(name, line, text)
    for name, command in HELPS.items()
    for line, shown in enumerate(example_lines(help_text(command)))
    for text in commands_of(shown)
]


# --- what cannot run here, and what the examples name that a demo workspace lacks ------------------------------------

SERVES_FOREVER = "serve runs its schedule until stopped (tests/test_serve.py runs it, with a server of its own)"
NOT_RUN: dict[str, str] = {
    "modelsync sync --task-runner dask": (
        "starts a local Dask cluster for the run: 14 s on two cores, a third of this module's budget "
        "(tests/test_dask.py runs the CLI on a cluster of its own)"
    ),
    "modelsync sync --task-runner dask --dask-address tcp://10.0.0.5:8786": (
        "names a Dask scheduler on another machine (tests/test_dask.py runs one on loopback)"
    ),
    "modelsync import a.json b.json --url URL_A --fetched-at TS_A --url URL_B --fetched-at TS_B": (
        "URL_A, TS_A, URL_B and TS_B are placeholders, not URLs and times"
    ),
    "modelsync backfill --git https://github.com/RoCry/llm-api-price --path model_prices_and_context_window.json "
    "--from 2026-01-01 --dry-run": (
        "names a repository on GitHub, and this machine has no network (tests/test_git_backfill.py clones one "
        "that git daemon serves on loopback)"
    ),
    "modelsync backfill --git https://github.com/anomalyco/models.dev --path providers/": (
        "names a repository on GitHub, and this machine has no network (tests/test_git_models_dev.py replays "
        "a real excerpt of it)"
    ),
    "modelsync review accept 3f9c2a1b7d4e --by alice": "an id of a held change; the demo holds none "
    "(tests/test_suspects.py accepts and rejects real ones)",
    "modelsync review reject 3f9c2a1b7d4e": "an id of a held change; the demo holds none (tests/test_suspects.py)",
    "modelsync serve": SERVES_FOREVER,
    "modelsync serve --cron '30 4 * * *'": SERVES_FOREVER,
    "modelsync serve --feed-port 8787": SERVES_FOREVER,
    "PREFECT_API_URL=http://127.0.0.1:4200/api modelsync serve": SERVES_FOREVER,
}
"""Examples parsed but not run, by exact text: why each cannot run offline here."""


@dataclass(frozen=True)
class Needs:
    """What an example names that a demo workspace lacks: files to make there, and text that stands for another."""

    make: Callable[[Path], object]
    instead: dict[str, str] = field(default_factory=dict)


NEEDS: dict[str, Needs] = {
    "modelsync import endpoints.json --url https://openrouter.ai/api/v1/models/moonshotai/kimi-k3/endpoints "
    "--fetched-at 2026-08-25T10:26:01Z": Needs(lambda ws: shutil.copyfile(KIMI_FILE, ws / "endpoints.json")),
    "modelsync cost --usage usage.csv": Needs(
        lambda ws: shutil.copyfile(ws / USAGE_NAME, ws / "usage.csv")  # the synthetic usage the demo wrote
    ),
    "modelsync import --manifest captures/manifest.jsonl": Needs(lambda ws: shutil.copytree(DEMO, ws / "captures")),
    "MODELSYNC_WAREHOUSE=demo/modelsync.duckdb modelsync status": Needs(
        lambda ws: shutil.copyfile(ws / WAREHOUSE_NAME, _parent_made(ws / "demo" / "modelsync.duckdb"))
    ),
    "modelsync backfill --git llm-api-price.bundle --path model_prices_and_context_window.json": Needs(
        lambda ws: _litellm_bundle(ws / "llm-api-price.bundle")
    ),
    "modelsync backfill --git snapshots.git --path data/models.json --source openrouter": Needs(
        lambda ws: _git_history(ws / "snapshots.git", "data/models.json", sorted(DEMO.glob("*api_v1_models__*.json")))
    ),
    "modelsync backfill --raw-dir /mnt/old-machine/raw": Needs(
        lambda ws: shutil.copytree(default_raw_dir(ws / WAREHOUSE_NAME), ws / "old-machine" / "raw"),
        {"/mnt/old-machine/raw": "old-machine/raw"},  # another machine's archive: a copy of the demo's
    ),
}
"""Examples by exact text: what to put in the workspace before they run."""

EXIT_CODES: dict[str, int] = {}
"""Examples by exact text that exit with a documented code other than 0 (e.g. 3, partial)."""

MADE_THE_WORKSPACE = "modelsync demo"
"""The example whose run made the workspace the others run in: run once, its exit code checked by every help."""


def _litellm_bundle(bundle: Path) -> None:
    """A bundle of a synthetic price-map history: the demo's two LiteLLM captures, committed a day after each."""
    repo = bundle.with_suffix(".repo")
    captures = sorted(DEMO.glob("synthetic_litellm_prices__*.json"))
    env = _git_history(repo, "model_prices_and_context_window.json", captures)
    subprocess.run(["git", "-C", str(repo), "bundle", "create", "-q", str(bundle), "main"], check=True, env=env)


def _git_history(repo: Path, path: str, captures: list[Path]) -> dict[str, str]:
    """A repository whose ``path`` holds each capture in turn, committed on its date (``<name>__<date>.json``)."""
    env = {"GIT_AUTHOR_NAME": "scraper", "GIT_AUTHOR_EMAIL": "s@example.invalid", "GIT_COMMITTER_NAME": "scraper",
           "GIT_COMMITTER_EMAIL": "s@example.invalid", "PATH": os.environ.get("PATH", "")}  # fmt: skip
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=env)
    for capture in captures:
        day = capture.stem.rsplit("__", 1)[1]
        _parent_made(repo / path)
        shutil.copyfile(capture, repo / path)
        when = {"GIT_AUTHOR_DATE": f"{day}T03:00:00Z", "GIT_COMMITTER_DATE": f"{day}T03:00:00Z"}
        subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env)
        subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", day], check=True, env={**env, **when})
    return env


def _parent_made(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _duckdb(args: list[str]) -> CliResult:
    """``duckdb -c SQL`` in the workspace, on DuckDB's Python engine (the duckdb CLI is not installed here)."""
    if len(args) != 2 or args[0] != "-c":
        return CliResult(2, "", f"this test runs only duckdb -c SQL, not duckdb {shlex.join(args)}")
    con = duckdb.connect()
    try:
        return CliResult(0, repr(con.execute(args[1]).fetchall()), "")
    except duckdb.Error as e:
        return CliResult(1, "", str(e))
    finally:
        con.close()


OTHER_PROGRAMS: dict[str, Callable[[list[str]], CliResult]] = {"duckdb": _duckdb}
"""Programs other than modelsync that examples run, and how this test runs them."""


# --- parsing ---------------------------------------------------------------------------------------------------------


def test_every_command_help_shows_examples() -> None:
    """The group's help and every command's have an ``Examples:`` block with at least one command."""
    shown = {example.help for example in EXAMPLES}
    assert [name for name in HELPS if name not in shown] == []


def test_every_table_names_only_examples_the_helps_show() -> None:
    """A key left behind by an edited example fails here: look at the new one, then update the table."""
    texts = {example.text for example in EXAMPLES}
    stale = [key for table in (NOT_RUN, NEEDS, EXIT_CODES) for key in table if key not in texts]
    assert [*stale, *([MADE_THE_WORKSPACE] if MADE_THE_WORKSPACE not in texts else [])] == []


def _lenient_cli() -> click.Group:
    """A copy of the CLI whose path arguments need not exist: examples name files on the reader's machine."""
    lenient = copy.deepcopy(cli)
    for command in [lenient, *lenient.commands.values()]:
        for param in command.params:
            if isinstance(param.type, click.Path):
                param.type.exists = False
    return lenient


LENIENT = _lenient_cli()


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"{e.help} --help: {e.text}" for e in EXAMPLES])
def test_every_help_example_parses(example: Example) -> None:
    """Click accepts each modelsync example's command and options; any other program is one this test can run."""
    program, *args = example.argv
    if program != "modelsync":
        assert program in OTHER_PROGRAMS, f"{example.text!r}: runs {program}, which this test cannot run"
        return
    try:
        group = LENIENT.make_context("modelsync", list(args))
        name, command, rest = LENIENT.resolve_command(group, args[len(args) - len(group.args) - 1 :])
        assert command is not None
        assert name is not None
        command.make_context(name, rest, parent=group)
    except click.UsageError as e:
        pytest.fail(f"{example.text!r} (in {example.help} --help): {e.format_message()}")


# --- running ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workspace:
    """A directory ``modelsync demo`` ran in, then synced today; and what the demo printed and returned."""

    path: Path
    made_by: CliResult


@pytest.fixture(scope="module")
def mirrors() -> Iterator[tuple[Mirror, WaybackMirror]]:
    """Loopback stand-ins for every source (serving the demo's newest date) and for the Internet Archive."""
    captures = read_manifest(DEMO_MANIFEST)
    archive = WaybackMirror(captures)
    with Mirror(captures) as sources, archive:
        sources.serve_day(max(c.fetched_at for c in captures))
        yield sources, archive


@pytest.fixture(scope="module")
def demo_workspace(
    tmp_path_factory: pytest.TempPathFactory, prefect_server: None, mirrors: tuple[Mirror, WaybackMirror]
) -> Workspace:
    """A directory in which ``modelsync demo`` ran, once for the module, then ``modelsync sync`` from the mirror.

    The demo's captures are dated 2026-08; the sync makes the warehouse's newest data today's, as a warehouse in
    use has, so that examples reaching back a duration (``--since 30d``) find data in it.
    """
    path = tmp_path_factory.mktemp("demo")
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as env, redirect_stdout(out), redirect_stderr(err):
        env.chdir(path)
        made = CliResult(main(shlex.split(MADE_THE_WORKSPACE)[1:]), out.getvalue(), err.getvalue())
        go_offline(env, path, *mirrors)
        synced = main(["sync"])
    if made.code == 0 and synced != 0:
        pytest.fail(f"the workspace's sync today exited {synced}:\n{err.getvalue()}")
    return Workspace(path, made)


def go_offline(env: pytest.MonkeyPatch, workspace: Path, sources: Mirror, archive: WaybackMirror) -> None:
    """Set the environment every example runs in, before its own ``VAR=value`` prefixes: no API key set."""
    for name in ("ARTIFICIAL_ANALYSIS_API_KEY", "OPENROUTER_API_KEY", "MODELSYNC_SOURCES"):
        env.delenv(name, raising=False)
    offline = {
        **{name: value for name, value in DEMO_ENV.items() if not name.endswith("_API_KEY")},
        "MODELSYNC_WAREHOUSE": str(workspace / WAREHOUSE_NAME),
        "MODELSYNC_RAW_DIR": str(default_raw_dir(workspace / WAREHOUSE_NAME)),
        **{f"MODELSYNC_{source.upper()}_BASE_URL": sources.base_url for source in SOURCES},
        "MODELSYNC_WAYBACK_BASE_URL": archive.base_url,
        "MODELSYNC_WAYBACK_RATE": "1000",
        "MODELSYNC_WAYBACK_CAPTURE_RATE": "1000",
    }
    for name, value in offline.items():
        env.setenv(name, value)


def offline_value(name: str, value: str, sources: Mirror, archive: WaybackMirror) -> str:
    """An example's loopback base URL (its port is the reader's) becomes this test's mirror."""
    loopback = re.fullmatch(r"https?://(127\.0\.0\.1|localhost)(:\d+)?/?", value)
    if loopback and re.fullmatch(r"MODELSYNC_\w+_BASE_URL", name):
        return archive.base_url if name == "MODELSYNC_WAYBACK_BASE_URL" else sources.base_url
    return value


@pytest.mark.parametrize("help_name", list(HELPS))
def test_every_help_example_runs_offline(
    help_name: str,
    demo_workspace: Workspace,
    mirrors: tuple[Mirror, WaybackMirror],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run_cli: Callable[..., CliResult],
) -> None:
    """A help's examples, run in order in one copy of the demo workspace, exit 0 (or their documented code)."""
    workspace = tmp_path / "workspace"
    shutil.copytree(demo_workspace.path, workspace)
    monkeypatch.chdir(workspace)
    go_offline(monkeypatch, workspace, *mirrors)

    failures: list[str] = []
    failed_lines: set[int] = set()
    for example in (e for e in EXAMPLES if e.help == help_name and e.text not in NOT_RUN):
        if example.line in failed_lines:  # `a && b`: b runs only when a succeeded
            failures.append(f"{example.text!r}: not run, an earlier command of its line failed")
            continue
        result = run_example(example, workspace, demo_workspace, mirrors, run_cli)
        expected = EXIT_CODES.get(example.text, 0)
        if result.code != expected:
            failed_lines.add(example.line)
            printed = "\n".join([*result.out.strip().splitlines()[-10:], result.err.strip()])
            failures.append(f"{example.text!r}: exit {result.code}, expected {expected}\n{printed}")
    assert failures == [], f"examples in {help_name} --help:\n" + "\n".join(failures)


def run_example(
    example: Example,
    workspace: Path,
    demo: Workspace,
    mirrors: tuple[Mirror, WaybackMirror],
    run_cli: Callable[..., CliResult],
) -> CliResult:
    """Run one command of an example in ``workspace`` (the current directory), in this process."""
    if example.text == MADE_THE_WORKSPACE:
        return demo.made_by
    needs = NEEDS.get(example.text)
    text = example.text
    if needs:
        needs.make(workspace)
        for shown, instead in needs.instead.items():
            text = text.replace(shown, instead)
    runnable = Example(example.help, example.line, text)
    program, *args = runnable.argv
    with pytest.MonkeyPatch.context() as env:
        for name, value in runnable.env.items():
            env.setenv(name, offline_value(name, value, *mirrors))
        if program != "modelsync":
            return OTHER_PROGRAMS[program](args)
        result: CliResult = run_cli(*args)
        return result
