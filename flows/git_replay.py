"""What a backfill --git adds to the archive: the plan (a file's versions, or a tree's files, deletions and
listings per commit) and the archiving of its payloads, bodies read from git."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flows.git_history import (
    KNOWN_PATHS,
    BlobReader,
    Change,
    Commit,
    GitHistoryError,
    default_url,
    first_parent_commits,
    in_window,
    repository,
)
from flows.pipeline.trees import SYMLINK
from warehouse.archive import ArchivedPayload, archive_payloads, read_index, sha256_hex

# Planning and archiving: what a backfill --git adds to the archive.

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
        raise GitHistoryError(
            f"{path}: which URL does it mirror? pass --as URL, or --source ID for its source's (known paths: {known})"
        )
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
