"""The raw archive: every payload, stored before it is parsed.

Layout (readable without modelsync)::

    <root>/index.jsonl                 one JSON object per fetch, append-only
    <root>/objects/<sha[:2]>/<sha>.gz  body, gzip-compressed, once per distinct sha256

A body is fully written (a temp file under ``<root>/tmp/``, synced, then renamed into
``objects/``, one sync a batch) before its index line is appended, so a crash never leaves half a body
where a reader looks; temp files of dead writers are swept on the next write. Index
appends hold an exclusive ``flock`` on ``index.jsonl``, so two processes archiving
at once interleave whole lines; a torn last line (a writer killed mid-append) is
ignored on read and cut before the next append. A ``304`` line carries the sha256 of
the body it confirmed, so replaying the index re-observes that body. Every object path
comes from a sha256 checked to be 64 hex digits, so no URL, slug or index line can
point a read or write outside ``<root>``.
"""

from __future__ import annotations

import fcntl
import functools
import gzip
import hashlib
import json
import os
import re
import socket
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

TORN_TAIL_SCAN = 1 << 20  # index lines are a few hundred bytes
STALE_TMP_S = 24 * 3600  # a temp file this old is a leftover even if its pid now names another process
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class ArchivedPayload:
    """One line of ``index.jsonl`` (slotted: a backfill plans hundreds of thousands of them)."""

    source: str
    url: str
    fetched_at: datetime
    status: int
    sha256: str
    bytes: int
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    origin: str = "live"
    run_id: str | None = None  # the run that archived it: a run that died before its load is recovered by this
    repository: str | None = None  # origin `git`: the repository the body was read from
    commit: str | None = None  # origin `git`: the commit it was read at

    def index_line(self) -> str:
        """The JSON line this payload has in the index (``repository`` and ``commit`` only when set)."""
        record = {name: getattr(self, name) for name in _INDEX_FIELDS}
        record["fetched_at"] = rfc3339(self.fetched_at)
        for name in _GIT_FIELDS:
            if record[name] is None:
                del record[name]
        return json.dumps(record, separators=(",", ":"))


_INDEX_FIELDS = tuple(f.name for f in fields(ArchivedPayload))
"""An index line's names, in order (``dataclasses.asdict`` deep-copies every value: slow for a day of lines)."""
_GIT_FIELDS = ("repository", "commit")  # written only by backfill --git: other lines stay as they were


class ArchiveError(Exception):
    """The archive cannot be read or written; the message names the file."""


def sha256_hex(body: bytes) -> str:
    """Hex sha256 of a body."""
    return hashlib.sha256(body).hexdigest()


def rfc3339(ts: datetime) -> str:
    """``2026-08-25T10:26:01Z`` (UTC, second or finer precision)."""
    if ts.tzinfo is None:
        raise ValueError(f"timestamp {ts!r} has no time zone")
    text = ts.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


def parse_rfc3339(text: str) -> datetime:
    """A timezone-aware UTC datetime from an RFC 3339 string."""
    ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if ts.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no time zone")
    return ts.astimezone(UTC)


def object_path(root: Path, sha256: str) -> Path:
    """Where the body with this sha256 lives under ``root`` (never outside it: the sha256 must be 64 hex digits)."""
    try:
        checked = checked_sha256(sha256)
    except ValueError as e:
        raise ArchiveError(f"{e}: no object path for it") from None
    return root.joinpath("objects", checked[:2], f"{checked}.gz")


def checked_sha256(value: object) -> str:
    """``value`` as a lowercase hex sha256; a ValueError unless it is 64 hex digits (any case)."""
    text = str(value).lower()
    if not SHA256_HEX.fullmatch(text):
        raise ValueError(f"sha256 {str(value)[:80]!r} is not 64 hex digits")
    return text


def archive_payloads(root: Path, items: Sequence[tuple[ArchivedPayload, bytes | None]]) -> list[ArchivedPayload]:
    """Store bodies (``None`` for one already stored) then append their index lines; returns the lines."""
    root.mkdir(parents=True, exist_ok=True)
    pending = {p.sha256: body for p, body in items if body is not None}
    missing = [(sha, body) for sha, body in pending.items() if not object_path(root, sha).exists()]
    if missing:
        _sweep_stale_tmp(root / "tmp")
        # Threads overlap gzip and the writes. Then one sync for the batch, not one per file:
        # every body is durable whole under tmp/ before it is renamed into objects/, and the
        # renames are durable before the index names them (two syncfs calls a batch on Linux).
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda item: _write_object(root, *item), missing))
        temps = [temp_path(root, sha) for sha, _ in missing]
        _durable(root, files=temps)
        for (sha, _), tmp in zip(missing, temps, strict=True):
            os.replace(tmp, object_path(root, sha))
        _durable(root, folders={object_path(root, sha).parent for sha, _ in missing})
    for payload, body in items:
        if body is None and not object_path(root, payload.sha256).exists():
            raise ArchiveError(f"{object_path(root, payload.sha256)}: body for {payload.url} is not in the archive")
    _append_index(root / "index.jsonl", [p.index_line() for p, _ in items])
    return [p for p, _ in items]


def read_index(root: Path, *, skip_bad: bool = False) -> Iterator[ArchivedPayload]:
    """Every payload the index names, in file order; a torn last line is skipped.

    A bad line elsewhere raises ArchiveError naming the file and line, unless ``skip_bad``.
    """
    return (payload for _, payload in index_entries(root, skip_bad=skip_bad))


def index_entries(root: Path, *, skip_bad: bool = False) -> Iterator[tuple[int, ArchivedPayload]]:
    """``read_index`` with the byte offset of each payload's line, to read it again with ``read_index_at``."""
    index = root / "index.jsonl"
    if not index.exists():
        raise ArchiveError(f"{index}: no archive index here")
    offset = 0
    with index.open("rb") as lines:  # streamed: a year's index is hundreds of MB as text
        for number, line in enumerate(lines, start=1):
            at, offset = offset, offset + len(line)
            if not line.strip():
                continue
            try:
                yield at, _payload_from_record(json.loads(line))
            except (ValueError, KeyError, TypeError) as e:
                if not line.endswith(b"\n"):  # torn last line: the write that made it never finished
                    return
                if skip_bad:
                    continue
                raise ArchiveError(f"{index}, line {number}: {e}") from None


def read_index_at(root: Path, offsets: Iterable[int]) -> list[ArchivedPayload]:
    """The payloads of the index lines at these byte offsets (from ``index_entries``), in their order.

    The index is append-only, so an offset read once names the same line for good.
    """
    index = root / "index.jsonl"
    payloads = []
    with index.open("rb") as lines:
        for offset in offsets:
            lines.seek(offset)
            line = lines.readline()
            try:
                payloads.append(_payload_from_record(json.loads(line)))
            except (ValueError, KeyError, TypeError) as e:
                raise ArchiveError(f"{index}, byte {offset}: {e}") from None
    return payloads


def read_body(root: Path, sha256: str) -> bytes:
    """The uncompressed body with this sha256."""
    path = object_path(root, sha256)
    try:
        body = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise ArchiveError(f"{path}: cannot read archived body ({e})") from None
    if sha256_hex(body) != sha256:
        raise ArchiveError(f"{path}: body does not match its sha256")
    return body


def _payload_from_record(record: object) -> ArchivedPayload:
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    known = {name: record.get(name) for name in ArchivedPayload.__dataclass_fields__}
    # Sources, URLs and run ids repeat across a long index: one string object each.
    return ArchivedPayload(
        source=sys.intern(str(known["source"])),
        url=sys.intern(str(known["url"])),
        fetched_at=_instant(str(known["fetched_at"])),
        status=int(str(known["status"])),
        sha256=checked_sha256(known["sha256"]),
        bytes=int(str(known["bytes"])),
        content_type=_optional_str(known["content_type"]),
        etag=_optional_str(known["etag"]),
        last_modified=_optional_str(known["last_modified"]),
        origin=sys.intern(str(known["origin"] or "live")),
        run_id=_optional_str(known["run_id"]),
        repository=_optional_str(known["repository"]),
        commit=_optional_str(known["commit"]),
    )


@functools.lru_cache(maxsize=4096)
def _instant(text: str) -> datetime:
    return parse_rfc3339(text)


def _optional_str(value: object) -> str | None:
    return None if value is None else sys.intern(str(value))


def _write_object(root: Path, sha256: str, body: bytes) -> None:
    """The body, gzipped, as this process's temp file (whole, not yet synced nor in ``objects/``)."""
    object_path(root, sha256).parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(root, sha256)
    tmp.parent.mkdir(exist_ok=True)
    with tmp.open("wb") as f:
        f.write(gzip.compress(body, compresslevel=6, mtime=0))


def _durable(root: Path, *, files: Iterable[Path] = (), folders: Iterable[Path] = ()) -> None:
    """Make these files' data, or these folders' entries, durable: one ``syncfs`` of the archive's file
    system where there is one (Linux), else an fsync each."""
    if _syncfs(root):
        return
    for path in [*files, *folders]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _syncfs(root: Path) -> bool:
    """``syncfs(2)`` on ``root``'s file system: whether it was done (False where libc lacks it or it failed)."""
    call = _libc_syncfs()
    if call is None:
        return False
    fd = os.open(root, os.O_RDONLY)
    try:
        return bool(call(fd) == 0)
    finally:
        os.close(fd)


@functools.cache
def _libc_syncfs() -> Callable[[int], int] | None:
    import ctypes

    try:
        call: Callable[[int], int] = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    return call


def temp_path(root: Path, sha256: str) -> Path:
    """Where this process writes a body before renaming it into ``objects/``.

    Host and pid in the name: two processes (or machines sharing the archive) may write
    one body at once, and a sweep can tell a dead writer's file from a live one's.
    """
    return root / "tmp" / f"{sha256}.{socket.gethostname()}.{os.getpid()}.tmp"


def _sweep_stale_tmp(tmp_dir: Path) -> None:
    """Remove temp files of writers that died mid-write: on this host, a pid that is gone; any, a day old."""
    if not tmp_dir.is_dir():
        return
    now, host = time.time(), socket.gethostname()
    for tmp in tmp_dir.glob("*.tmp"):
        writer_host, _, pid = tmp.stem[65:].rpartition(".")
        try:
            dead = writer_host == host and pid.isdigit() and not process_alive(int(pid))
            if dead or now - tmp.stat().st_mtime > STALE_TMP_S:
                tmp.unlink()
        except FileNotFoundError:  # another writer swept or renamed it first
            continue


def process_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this host (someone else's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _drop_torn_tail(f: BinaryIO) -> None:
    """Cut a last line that has no newline: the write that began it never finished."""
    end = f.seek(0, os.SEEK_END)
    if end == 0:
        return
    start = max(0, end - TORN_TAIL_SCAN)
    f.seek(start)
    tail = f.read()
    if tail.endswith(b"\n"):
        return
    cut = tail.rfind(b"\n")
    if cut < 0 and start > 0:
        raise ArchiveError(f"{f.name!r}: last index line is over {TORN_TAIL_SCAN:,} bytes and has no newline")
    f.truncate(start + cut + 1)
    f.seek(0, os.SEEK_END)


def _append_index(index: Path, lines: Iterable[str]) -> None:
    text = "".join(f"{line}\n" for line in lines)
    if not text:
        return
    with index.open("ab+") as f:
        # Exclusive while cutting a torn tail and appending: another process's half-written
        # line is never taken for a torn one, and lines never interleave.
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        _drop_torn_tail(f)
        f.write(text.encode("utf-8"))
        f.flush()
        os.fsync(f.fileno())
