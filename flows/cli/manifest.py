"""What ``modelsync import`` loads: FILE arguments with --url/--fetched-at, or a manifest of JSON lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

CLOCK_SKEW = timedelta(minutes=5)  # how far ahead of this clock a fetch time may be (another machine's clock)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # a fetch time before this is a typo
MANIFEST_LINE = '{"path": "...", "url": "https://...", "fetched_at": "2026-08-25T10:26:01Z"}'


def _import_items(
    files: tuple[Path, ...], urls: tuple[str, ...], times: tuple[str, ...], manifest: Path | None
) -> list[tuple[Path, str, datetime]]:
    if manifest and (files or urls or times):
        raise click.UsageError("use either FILE... with --url/--fetched-at, or --manifest, not both")
    if manifest:
        return _manifest_items(manifest)
    if not files:
        raise click.UsageError("name at least one FILE, or --manifest")
    if len(urls) != len(files) or len(times) != len(files):
        raise click.UsageError(
            f"give one --url and one --fetched-at per FILE ({len(files)} files, {len(urls)} --url, "
            f"{len(times)} --fetched-at)"
        )
    items = [(f, u, _timestamp(t, f"{f}: --fetched-at")) for f, u, t in zip(files, urls, times, strict=True)]
    for _, url, _ in items:
        _source_of(url)
    return items


def _manifest_items(manifest: Path) -> list[tuple[Path, str, datetime]]:
    items = []
    try:
        text = manifest.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.UsageError(f"{manifest} is not UTF-8 text") from None
    folder = manifest.parent.resolve()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{manifest}, line {number}"
        path, url, fetched_at = _manifest_entry(line, where)
        file = _inside(folder, path, where)
        _source_of(url)
        items.append((file, url, _timestamp(fetched_at, where)))
    if not items:
        raise click.UsageError(f"{manifest} lists no payloads")
    return items


def _manifest_entry(line: str, where: str) -> tuple[str, str, str]:
    """A manifest line's path, url and fetched_at; a UsageError saying what is wrong with it otherwise."""
    try:
        entry = json.loads(line)
    except ValueError as e:
        raise click.UsageError(f"{where}: not JSON ({e}); expected {MANIFEST_LINE}") from None
    if not isinstance(entry, dict):
        raise click.UsageError(f"{where}: a JSON {type(entry).__name__}, not an object; expected {MANIFEST_LINE}")
    missing = [key for key in ("path", "url", "fetched_at") if key not in entry]
    if missing:
        raise click.UsageError(f"{where}: no {' or '.join(missing)}; expected {MANIFEST_LINE}")
    wrong = [key for key in ("path", "url", "fetched_at") if not isinstance(entry[key], str)]
    if wrong:
        raise click.UsageError(f"{where}: {' and '.join(wrong)} must be text; expected {MANIFEST_LINE}")
    return entry["path"], entry["url"], entry["fetched_at"]


def _inside(folder: Path, path: str, where: str) -> Path:
    """``path`` under the manifest's (resolved) ``folder``, links resolved; refused outside it or when no file."""
    file = (folder / path).resolve()
    if not file.is_relative_to(folder):
        raise click.UsageError(f"{where}: {path} leads outside the manifest's folder {folder}; refused")
    if not file.is_file():
        raise click.UsageError(f"{where}: no file {file}")
    return file


def _source_of(url: str) -> str:
    from extractors.registry import UnknownURL, payload_kind_for

    try:
        return payload_kind_for(url)[0].id
    except UnknownURL as e:
        raise click.UsageError(str(e)) from None


def _timestamp(text: str, where: str) -> datetime:
    """A fetch time: RFC 3339 with a zone, not ahead of the clock (beyond ``CLOCK_SKEW``) nor before ``EARLIEST``.

    Observations are immutable: a time in the future would make its values current for good.
    """
    from warehouse.archive import parse_rfc3339

    try:
        when = parse_rfc3339(text)
    except (ValueError, OverflowError):
        raise click.UsageError(
            f"{where}: {text!r} is not an RFC 3339 timestamp with a zone (e.g. 2026-08-25T10:26:01Z)"
        ) from None
    now = datetime.now(UTC)
    if when > now + CLOCK_SKEW:
        raise click.UsageError(f"{where}: fetched at {text}, which is in the future (now {now:%Y-%m-%dT%H:%M:%SZ}); "
                               "a fetch time is when the payload was fetched")  # fmt: skip
    if when < EARLIEST:
        raise click.UsageError(f"{where}: fetched at {text}, before {EARLIEST:%Y-%m-%d}: no source existed then")
    return when
