"""Backfill from a git-scraped history: every first-parent commit that changed a path, as archived payloads.

Projects that commit a source's payload every hour or day ("git scraping") hold years of dated
history. A commit is evidence of what the file said at its committer time, not of when
upstream changed it. The branch's first-parent history is what was published: side-branch
commits carry dates that run ahead of their merge.

I/O is the ``git`` command (any clone, bare repository, bundle or URL it can read);
``commits_of`` parses its output (pure).
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

KNOWN_PATHS: Mapping[str, str] = {
    "model_prices_and_context_window.json":
        "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json",
}  # fmt: skip
"""The upstream URL a known history's file mirrors, by its path in the repository (``--as`` overrides it)."""
_RAW = re.compile(r":(\d{6}) (\d{6}) ([0-9a-f]{40}) ([0-9a-f]{40}) ([ACDMTU])")


class GitHistoryError(Exception):
    """The repository cannot be read, or the path names nothing in it; the message names which."""


@dataclass(frozen=True)
class Change:
    """One path a commit added, modified or deleted, with the blob it holds after (all zeros when deleted)."""

    path: str
    blob: str
    status: str  # A, M, D, T
    mode: str = "100644"  # after the change: 120000 is a symlink

    @property
    def deleted(self) -> bool:
        return self.status == "D"


@dataclass(frozen=True)
class Commit:
    """A first-parent commit that changed the path: its id, committer time in UTC, and its changes."""

    sha: str
    committed_at: datetime
    changes: tuple[Change, ...]


def commits_of(log: bytes) -> list[Commit]:
    """Parse ``git log --raw -z --no-abbrev --format=%x01%H%x00%cI`` output, commits in its order."""
    commits = []
    for record in log.split(b"\x01")[1:]:
        fields = record.split(b"\x00")
        sha, when = fields[0].decode(), fields[1].decode()
        changes = []
        rest = [f for f in fields[2:] if f.strip()]
        for meta, path in zip(rest[0::2], rest[1::2], strict=False):
            match = _RAW.fullmatch(meta.strip().decode())
            if match is None:
                raise GitHistoryError(f"commit {sha}: unexpected line in git's output: {meta[:80]!r}")
            path_text = path.decode("utf-8", "surrogateescape")
            changes.append(Change(path_text, match.group(4), match.group(5), match.group(2)))
        committed_at = datetime.fromisoformat(when).astimezone(UTC)
        commits.append(Commit(sha, committed_at, tuple(changes)))
    return commits


def matches(pattern: str, path: str) -> bool:
    """Whether ``path`` is ``pattern``, lies under it (a directory), or matches it (a glob)."""
    folder = pattern.rstrip("/")
    return path == folder or path.startswith(folder + "/") or fnmatch.fnmatchcase(path, pattern)


def default_url(path: str) -> str | None:
    """The upstream URL of a file of a known history, or None."""
    return KNOWN_PATHS.get(path) or KNOWN_PATHS.get(path.rsplit("/", 1)[-1])


# I/O: the git command.


def _git(git_dir: Path | None, *args: str, what: str) -> bytes:
    command = ["git", *(["--git-dir", str(git_dir)] if git_dir else []), *args]
    try:
        done = subprocess.run(command, capture_output=True, check=False)
    except FileNotFoundError:
        raise GitHistoryError("the git command is not installed: backfill --git needs it") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitHistoryError(f"{what}: {message[-1] if message else f'git exited {done.returncode}'}")
    return done.stdout


def local_repository(repo: str) -> Path | None:
    """The git directory of a local clone or bare repository at ``repo``; None for anything else."""
    path = Path(repo)
    if not path.is_dir():
        return None
    try:
        found = _git(None, "-C", str(path), "rev-parse", "--absolute-git-dir", what=repo).decode().strip()
    except GitHistoryError:
        return None
    return Path(found)


def cache_dir(cache_root: Path, repo: str) -> Path:
    """Where a bundle's or a URL's clone is kept: one bare repository per source, named after it."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", repo.rstrip("/").rsplit("/", 1)[-1]).strip("-") or "repo"
    digest = hashlib.sha256(repo.encode()).hexdigest()[:8]
    return cache_root / f"{name.removesuffix('.git')}-{digest}.git"


def repository(repo: str, cache_root: Path) -> Path:
    """A git directory holding ``repo``'s history: a local repository itself, else a bare clone in
    ``cache_root`` (cloned on first use, fetched again on the next)."""
    local = local_repository(repo)
    if local is not None:
        return local
    if not (Path(repo).is_file() or "://" in repo or re.match(r"^[\w.-]+@[\w.-]+:", repo)):
        raise GitHistoryError(f"{repo}: not a git repository, a bundle or a URL")
    cached = cache_dir(cache_root, repo)
    if (cached / "HEAD").is_file():
        _git(cached, "fetch", "--quiet", "--force", "--prune", repo, "+refs/heads/*:refs/heads/*", what=repo)
        return cached
    cache_root.mkdir(parents=True, exist_ok=True)
    partial = cached.with_name(cached.name + ".partial")
    _git(None, "clone", "--quiet", "--bare", repo, str(partial), what=repo)
    partial.rename(cached)
    return cached


def branch(git_dir: Path, repo: str) -> str:
    """What was published: HEAD, or where a bundle names no HEAD, its one branch (else main or master)."""
    try:
        _git(git_dir, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", what=repo)
        return "HEAD"
    except GitHistoryError:
        pass
    heads = _git(git_dir, "for-each-ref", "--format=%(refname)", "refs/heads/", what=repo).decode().split()
    for ref in heads if len(heads) == 1 else ["refs/heads/main", "refs/heads/master"]:
        if ref in heads:
            return ref
    raise GitHistoryError(f"{repo}: no HEAD, and no single branch, main or master to follow")


def first_parent_commits(git_dir: Path, path: str, repo: str, *more: str) -> list[Commit]:
    """The first-parent commits of the branch that changed ``path`` (a file, a directory or a glob) or any of
    ``more``, oldest first, with their changes under them."""
    paths = (path, *more)
    specs = [f":(glob){p}" if any(c in p for c in "*?[") else p for p in paths]
    log = _git(git_dir, "log", "--first-parent", "--reverse", "--root", "--no-renames", "--raw", "--no-abbrev",
               "-z", "--format=%x01%H%x00%cI", branch(git_dir, repo), "--", *specs,
               what=f"{repo}: git log -- {' '.join(paths)}")  # fmt: skip
    commits = [c for c in commits_of(log) if c.changes]
    return [
        Commit(c.sha, at, tuple(ch for ch in c.changes if any(matches(p, ch.path) for p in paths)))
        for c, at in zip(commits, published_times([c.committed_at for c in commits]), strict=True)
    ]


def published_times(times: Sequence[datetime]) -> list[datetime]:
    """Each commit's time, made strictly increasing along the branch: a commit whose committer time
    equals or precedes its predecessor's is taken a microsecond after it. Two commits are two instants,
    in the order they were published, so history never has to choose between them."""
    out: list[datetime] = []
    for at in times:
        out.append(at if not out or at > out[-1] else out[-1] + timedelta(microseconds=1))
    return out


class BlobReader:
    """Blobs read one at a time through one ``git cat-file --batch`` (use it as a context manager)."""

    def __init__(self, git_dir: Path, repo: str) -> None:
        self.repo = repo
        self.process = subprocess.Popen(
            ["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )

    def read(self, blob: str) -> bytes:
        """The bytes of the blob ``blob``."""
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None
        assert stdout is not None
        stdin.write(f"{blob}\n".encode())
        stdin.flush()
        header = stdout.readline().split()
        if len(header) != 3 or header[1] != b"blob":
            raise GitHistoryError(f"{self.repo}: git has no blob {blob}")
        body = stdout.read(int(header[2]))
        stdout.read(1)  # the newline after the object
        return body

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *_: object) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def in_window(commits: Sequence[Commit], since: datetime | None, until: datetime | None) -> list[Commit]:
    """The commits with ``since <= committed_at < until``."""
    return [
        c for c in commits if (since is None or c.committed_at >= since) and (until is None or c.committed_at < until)
    ]
