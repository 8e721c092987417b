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
import mimetypes
import re
import subprocess
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from warehouse.archive import ArchivedPayload, archive_payloads, read_index, sha256_hex

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


def blobs(git_dir: Path, ids: Iterable[str], repo: str) -> Iterator[tuple[str, bytes]]:
    """``(id, bytes)`` of each blob, read by one ``git cat-file --batch``."""
    with BlobReader(git_dir, repo) as reader:
        for blob in ids:
            yield blob, reader.read(blob)


def in_window(commits: Sequence[Commit], since: datetime | None, until: datetime | None) -> list[Commit]:
    """The commits with ``since <= committed_at < until``."""
    return [
        c for c in commits if (since is None or c.committed_at >= since) and (until is None or c.committed_at < until)
    ]


# Planning and archiving: what a backfill --git adds to the archive.

SYMLINK = "inode/symlink"
"""The content type a symlink's payload is archived with: its bytes are its target path, as git holds them."""
LISTING = "text/plain"
GONE = 404
"""A file a commit deleted is archived as what its URL answered then: 404, no body."""


@dataclass(frozen=True)
class Tree:
    """A git tree a source reads (models.dev's TOML): its folders, the files it reads, where they are served."""

    folders: tuple[str, ...]  # each ending in "/"
    suffix: str  # only files whose name ends so are read
    url_base: str  # the URL a path of the repository is appended to

    def reads(self, path: str) -> bool:
        return path.endswith(self.suffix) and any(path.startswith(f) for f in self.folders)


@dataclass(frozen=True)
class GitPayload:
    """A file's bytes at a commit (or a tree's listing, or a file deleted), to archive as fetched from ``url``."""

    source: str
    url: str
    fetched_at: datetime
    commit: str
    blob: str  # "" for a listing or a file deleted
    status: int = 200
    content_type: str | None = None  # None: guessed from the URL
    listing: bool = False  # the tree's paths at the commit, one ``<mode> <path>`` line each


@dataclass(frozen=True)
class GitPlan:
    """What a backfill --git archives: the payloads not archived yet, and how many commits it read."""

    repo: str
    git_dir: Path
    path: str
    source: str  # the source whose URL the path mirrors
    url: str  # the file's URL, or the tree's listing
    commits: int  # first-parent commits that changed the path, in the window
    payloads: tuple[GitPayload, ...]  # not in the archive yet, in commit order
    archived: int  # in the window and in the archive already
    tree: Tree | None = None  # when the path is a tree's folder
    history: tuple[Commit, ...] = ()  # a tree's commits from the first: its listings are rebuilt from them


def plan_git(
    repo: str,
    path: str,
    as_url: str | None,
    *,
    cache_root: Path,
    archived: set[tuple[str, str]],
    source_of: Callable[[str], str],
    trees: Mapping[str, Tree] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> GitPlan:
    """The payloads a backfill --git of ``path`` would archive: one per first-parent commit that changed it.

    ``archived`` holds the ``(url, commit)`` pairs the archive names already: they are not
    read again, so a second run plans nothing. ``source_of`` names the source of a URL (and
    raises for one no source serves). ``trees`` are the folders a source reads as a tree
    (``providers/``): such a path plans the tree (``plan_tree``).
    """
    if any(c in path for c in "*?[") or path.endswith("/") or (trees and path.rstrip("/") + "/" in trees):
        return plan_tree(repo, path, as_url, cache_root=cache_root, archived=archived, source_of=source_of,
                         trees=trees or {}, since=since, until=until)  # fmt: skip
    url = as_url or default_url(path)
    if url is None:
        known = ", ".join(sorted(KNOWN_PATHS))
        raise GitHistoryError(f"{path}: which URL does it mirror? pass --as URL (known paths: {known})")
    source = source_of(url)
    git_dir = repository(repo, cache_root)
    every = first_parent_commits(git_dir, path, repo)
    if not every:
        raise GitHistoryError(f"{repo}: no first-parent commit of HEAD changed {path}")
    window = in_window(every, since, until)
    payloads = []
    held = 0
    for commit in window:
        for change in commit.changes:
            if change.deleted:
                continue  # a deleted file says nothing of its source's content (a tree's listing will)
            if (url, commit.sha) in archived:
                held += 1
                continue
            payloads.append(GitPayload(source, url, commit.committed_at, commit.sha, change.blob))
    return GitPlan(repo, git_dir, path, source, url, len(window), tuple(payloads), held)


def plan_tree(
    repo: str,
    path: str,
    as_url: str | None,
    *,
    cache_root: Path,
    archived: set[tuple[str, str]],
    source_of: Callable[[str], str],
    trees: Mapping[str, Tree],
    since: datetime | None = None,
    until: datetime | None = None,
) -> GitPlan:
    """A tree's payloads: per first-parent commit that changed it, each file it added or changed (bytes
    as git holds them), a 404 for each file it deleted, and its listing.

    When the window starts after the first commit, its first commit archives every file present then,
    so the archive alone rebuilds the tree from there.
    """
    folder = path.rstrip("/") + "/"
    tree = trees.get(folder)
    if tree is None:
        known = ", ".join(sorted(trees)) or "none"
        raise GitHistoryError(f"{path}: no source reads a tree of files at {folder} (known trees: {known})")
    if as_url is not None:
        tree = Tree(tree.folders, tree.suffix, as_url.rstrip("/") + "/")
    listing_url = tree.url_base + folder
    source = source_of(listing_url)
    git_dir = repository(repo, cache_root)
    every = [c for c in first_parent_commits(git_dir, tree.folders[0], repo, *tree.folders[1:])
             if any(tree.reads(ch.path) for ch in c.changes)]  # fmt: skip
    if not every:
        raise GitHistoryError(f"{repo}: no first-parent commit of HEAD changed {folder}")
    window = {c.sha for c in in_window(every, since, until)}
    present: dict[str, Change] = {}
    payloads: list[GitPayload] = []
    held = 0
    first = True
    for commit in every:
        changes = [ch for ch in commit.changes if tree.reads(ch.path)]
        for change in changes:
            if change.deleted:
                present.pop(change.path, None)
            else:
                present[change.path] = change
        if commit.sha not in window:
            continue
        # The window's first commit, after earlier ones, holds every file present (the archive lacks them).
        snapshot = first and commit is not every[0]
        files = [*(present[p] for p in sorted(present)), *(c for c in changes if c.deleted)] if snapshot else changes
        first = False
        planned = [_tree_payload(source, tree, commit, change) for change in files]
        planned.append(GitPayload(source, listing_url, commit.committed_at, commit.sha, "", content_type=LISTING,
                                  listing=True))  # fmt: skip
        for payload in planned:
            if (payload.url, commit.sha) in archived:
                held += 1
            else:
                payloads.append(payload)
    return GitPlan(repo, git_dir, folder, source, listing_url, len(window), tuple(payloads), held, tree, tuple(every))


def _tree_payload(source: str, tree: Tree, commit: Commit, change: Change) -> GitPayload:
    url = tree.url_base + change.path
    if change.deleted:
        return GitPayload(source, url, commit.committed_at, commit.sha, "", status=GONE)
    content_type = SYMLINK if change.mode == "120000" else None
    return GitPayload(source, url, commit.committed_at, commit.sha, change.blob, content_type=content_type)


def archived_commits(raw_dir: Path) -> set[tuple[str, str]]:
    """``(url, commit)`` of every payload the archive holds from git."""
    if not (raw_dir / "index.jsonl").is_file():
        return set()
    return {(p.url, p.commit) for p in read_index(raw_dir) if p.commit is not None}


def archive_git(
    raw_dir: Path, plan: GitPlan, run_id: str | None, advance: Callable[[int], None], batch_bytes: int
) -> list[ArchivedPayload]:
    """Archive the plan's payloads (bodies read from git), ``batch_bytes`` of bodies at a time; returns them."""
    stored: list[ArchivedPayload] = []
    batch: list[tuple[ArchivedPayload, bytes | None]] = []
    size = 0
    written: set[str] = set()  # bodies archived by this run: written once
    with BlobReader(plan.git_dir, plan.repo) as reader:
        for payload, body in _bodies(plan, reader):
            sha = sha256_hex(body)
            content_type = payload.content_type or mimetypes.guess_type(payload.url)[0] or "application/octet-stream"
            line = ArchivedPayload(payload.source, payload.url, payload.fetched_at, payload.status, sha, len(body),
                                   content_type, origin="git", run_id=run_id, repository=plan.repo,
                                   commit=payload.commit)  # fmt: skip
            batch.append((line, None if sha in written else body))
            written.add(sha)
            size += len(body)
            if size >= batch_bytes:
                stored += archive_payloads(raw_dir, batch)
                advance(len(batch))
                batch, size = [], 0
    if batch:
        stored += archive_payloads(raw_dir, batch)
        advance(len(batch))
    return stored


def _bodies(plan: GitPlan, reader: BlobReader) -> Iterator[tuple[GitPayload, bytes]]:
    """Each payload of the plan with its bytes: a blob's, a listing's (the tree rebuilt up to its commit), or none."""
    present: dict[str, str] = {}  # path -> mode
    commits = iter(plan.history)
    blob_bodies: dict[str, bytes] = {}
    for payload in plan.payloads:
        if payload.listing:
            for commit in commits:  # the tree up to the listing's commit
                for change in commit.changes:
                    if plan.tree is None or not plan.tree.reads(change.path):
                        continue
                    if change.deleted:
                        present.pop(change.path, None)
                    else:
                        present[change.path] = change.mode
                if commit.sha == payload.commit:
                    break
            yield payload, "".join(f"{present[p]} {p}\n" for p in sorted(present)).encode()
        elif payload.status == GONE:
            yield payload, b""
        else:
            if payload.blob not in blob_bodies:
                blob_bodies = {payload.blob: reader.read(payload.blob)}  # the last one: a run repeats it in a row
            yield payload, blob_bodies[payload.blob]
