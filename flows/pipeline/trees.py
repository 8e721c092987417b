"""Parse the files of a git tree (models.dev's TOML), commit by commit, with the tree they sit in.

A file of such a tree means nothing alone: a model reads its provider's file and its base.
The payloads of one tree in a run are taken commit by commit (their ``fetched_at``, then the
commit id), each commit's changed files applied to the source's ``TreeState`` as it stood
before. That state is rebuilt from the archive (each path's latest payload before the run's
first commit: a body, or a 404 for a file deleted) or, when the previous run of this process
ended where this one starts, carried over. A commit's files cost what they changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from extractors.registry import payload_kind_for
from extractors.spec import GitTree, SourceSpec, TreeFile, TreeState
from transforms.records import Parsed
from warehouse.archive import ArchivedPayload, read_body, read_index

SYMLINK = "inode/symlink"
"""The content type a git symlink's payload is archived with (its body is its target path)."""
GONE = (404, 410)
Point = tuple[datetime, str]  # (fetched_at, commit): a commit's place in the replay's order


@dataclass
class _Held:
    """A tree's state after the last commit a run of this process applied."""

    point: Point
    state: TreeState


_INDEX: dict[tuple[str, int, int], list[ArchivedPayload]] = {}
"""The archive index's git and tree payloads as last read, under the (path, size, mtime) of the file."""
_HELD: dict[tuple[str, str], _Held] = {}
"""(source, URL base) -> the state the last run left, reused when the next run starts right after it."""


def tree_base(url: str) -> str:
    """The URL base of a raw git file's URL: origin, owner, repository and branch (``.../models.dev/dev/``)."""
    head, _, rest = url.partition("://")
    parts = rest.split("/", 4)
    return f"{head}://{'/'.join(parts[:4])}/"


def point(payload: ArchivedPayload) -> Point:
    return payload.fetched_at, payload.commit or ""


def parse_tree_payloads(
    raw_dir: Path,
    payloads: Sequence[ArchivedPayload],
    bodies: dict[str, bytes],
    add: Callable[[ArchivedPayload, Parsed], None],
    refuse: Callable[[ArchivedPayload, str], None],
) -> None:
    """Apply the payloads of each tree commit by commit; ``add`` gets what each changed file makes observed.

    A commit's listing (its paths, ``<mode> <path>`` lines) is checked against the tree: a
    mismatch means the archive lacks some of its files, and the listing is refused.
    """
    groups: dict[tuple[str, str], list[ArchivedPayload]] = {}
    for payload in payloads:
        groups.setdefault((payload.source, tree_base(payload.url)), []).append(payload)
    for (source, base), members in groups.items():
        spec = payload_kind_for(members[0].url)[0]
        tree = _tree_of(spec)
        members.sort(key=lambda p: (point(p), p.url))
        state = _state_before(raw_dir, spec, tree, base, point(members[0]))
        commits: dict[Point, list[ArchivedPayload]] = {}
        for payload in members:
            commits.setdefault(point(payload), []).append(payload)
        for at, files in commits.items():
            changes: dict[str, TreeFile | None] = {}
            by_path: dict[str, ArchivedPayload] = {}
            listings = []
            for payload in files:
                path = payload.url.removeprefix(base)
                if not path.endswith(tree.suffix):
                    listings.append(payload)
                    continue
                body = _body(raw_dir, payload, bodies)
                changes[path] = None if body is None else TreeFile(body, payload.content_type == SYMLINK)
                by_path[path] = payload
            listed = {listing: _listed(_body(raw_dir, listing, bodies) or b"", tree) for listing in listings}
            for listing, paths in listed.items():  # a complete listing: what it lacks is gone, whatever came before
                for path in state.paths() - paths - changes.keys():
                    changes[path], by_path[path] = None, listing
            for path, parsed in state.apply(changes) if changes else []:
                add(by_path[path], parsed)
            for listing, paths in listed.items():
                lacking = sorted(paths - state.paths())
                if lacking:
                    refuse(listing, f"{source}: the archive lacks {len(lacking)} files the tree held at "
                                    f"commit {listing.commit} (e.g. {lacking[0]}); backfill --git again")  # fmt: skip
            _HELD[(source, base)] = _Held(at, state)


def whole_commits(raw_dir: Path, payloads: Sequence[ArchivedPayload]) -> list[ArchivedPayload]:
    """``payloads`` with every archived payload of the same tree commits: a commit is parsed whole.

    Only an ``import`` of a tree's files one by one splits a commit between runs; a backfill never does.
    """
    points = {(p.source, tree_base(p.url), point(p)) for p in payloads if in_tree(p.url)}
    if not points:
        return list(payloads)
    held = {(p.url, p.fetched_at, p.sha256, p.status) for p in payloads}
    extra = [
        p for p in _archived(raw_dir)
        if (p.source, tree_base(p.url), point(p)) in points and (p.url, p.fetched_at, p.sha256, p.status) not in held
    ]  # fmt: skip
    return [*payloads, *extra]


def _archived(raw_dir: Path) -> list[ArchivedPayload]:
    """Every payload of the archive's index, read once per version of the index file."""
    index = raw_dir / "index.jsonl"
    stat = index.stat()
    stamp = (str(index.resolve()), stat.st_size, stat.st_mtime_ns)
    if stamp not in _INDEX:
        _INDEX.clear()
        _INDEX[stamp] = [p for p in read_index(raw_dir) if p.commit is not None or in_tree(p.url)]
    return _INDEX[stamp]


def in_tree(url: str) -> bool:
    """Whether a URL is a file (or the listing) of its source's git tree."""
    try:
        return payload_kind_for(url)[1].in_tree
    except ValueError:
        return False


def _tree_of(spec: SourceSpec) -> GitTree:
    if spec.tree is None:
        raise ValueError(f"{spec.id}: a payload kind in a git tree, but the source declares no tree")
    return spec.tree


def _body(raw_dir: Path, payload: ArchivedPayload, bodies: dict[str, bytes]) -> bytes | None:
    """A payload's body (None for a file deleted: its URL answered 404)."""
    if payload.status in GONE:
        return None
    if payload.sha256 not in bodies:
        bodies[payload.sha256] = read_body(raw_dir, payload.sha256)
    return bodies[payload.sha256]


def _state_before(raw_dir: Path, spec: SourceSpec, tree: GitTree, base: str, first: Point) -> TreeState:
    """The tree as the archive holds it just before ``first``: each path's latest payload before it."""
    held = _HELD.pop((spec.id, base), None)
    latest: dict[str, ArchivedPayload] = {}
    for payload in _archived(raw_dir):
        if payload.source != spec.id or not payload.url.startswith(base) or point(payload) >= first:
            continue
        path = payload.url.removeprefix(base)
        if not path.endswith(tree.suffix) or payload.status not in (200, *GONE):
            continue
        if path not in latest or point(payload) > point(latest[path]):
            latest[path] = payload
    last = max((point(p) for p in latest.values()), default=None)
    if held is not None and held.point == last:
        return held.state  # the previous run ended where this one starts: nothing to rebuild
    state = tree.state()
    files = {path: p for path, p in latest.items() if p.status not in GONE}
    if files:
        bodies: dict[str, bytes] = {}
        state.apply({path: TreeFile(_body(raw_dir, p, bodies) or b"", p.content_type == SYMLINK)
                     for path, p in files.items()})  # fmt: skip
    return state


def _listed(body: bytes, tree: GitTree) -> set[str]:
    """The paths a listing names (``<mode> <path>`` lines) that the tree reads."""
    paths = (line.split(" ", 1)[-1] for line in body.decode("utf-8", "surrogateescape").splitlines() if line)
    return {p for p in paths if p.endswith(tree.suffix)}
