"""What ``modelsync import`` loads: FILE arguments with --url/--fetched-at, or a manifest of JSON lines."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click


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
    items = [(f, u, _timestamp(t, "--fetched-at")) for f, u, t in zip(files, urls, times, strict=True)]
    for _, url, _ in items:
        _source_of(url)
    return items


def _manifest_items(manifest: Path) -> list[tuple[Path, str, datetime]]:
    items = []
    try:
        text = manifest.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.UsageError(f"{manifest} is not UTF-8 text") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{manifest}, line {number}"
        try:
            entry = json.loads(line)
            path, url, fetched_at = entry["path"], entry["url"], entry["fetched_at"]
            if not all(isinstance(value, str) for value in (path, url, fetched_at)):
                raise TypeError("path, url and fetched_at must be strings")
        except (ValueError, KeyError, TypeError) as e:
            raise click.UsageError(f"{where}: expected a JSON object with path, url, fetched_at ({e})") from None
        file = manifest.parent / path
        if not file.is_file():
            raise click.UsageError(f"{where}: no file {file}")
        _source_of(url)
        items.append((file, url, _timestamp(fetched_at, where)))
    if not items:
        raise click.UsageError(f"{manifest} lists no payloads")
    return items


def _source_of(url: str) -> str:
    from extractors.registry import UnknownURL, payload_kind_for

    try:
        return payload_kind_for(url)[0].id
    except UnknownURL as e:
        raise click.UsageError(str(e)) from None


def _timestamp(text: str, where: str) -> datetime:
    from warehouse.archive import parse_rfc3339

    try:
        return parse_rfc3339(text)
    except (ValueError, OverflowError):
        raise click.UsageError(
            f"{where}: {text!r} is not an RFC 3339 timestamp with a zone (e.g. 2026-08-25T10:26:01Z)"
        ) from None
