"""Change feeds as documents, pure: Atom 1.0 (RFC 4287) and JSON Feed 1.1, and the webhook's body.

Every entry is one changed field (a row of ``changes``). Its id is a digest of what identifies the change, so
the same change keeps its id in every feed written after every run, and a reader never shows it twice.
"""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from warehouse.feed_queries import ChangeFilter

ATOM_NS = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
ID_PREFIX = "urn:modelsync:change:"
FEED_ID_PREFIX = "urn:modelsync:feed:"


@dataclass(frozen=True)
class Change:
    """One row of ``warehouse.feed_queries.FEED_CHANGES``: a changed field and when the warehouse learned it."""

    entity: str
    key: str
    model_id: str
    provider: str | None
    field: str
    old_value: str | None
    new_value: str | None
    changed_at: datetime
    recorded_at: datetime
    source: str
    source_key: str
    endpoint_key: str | None
    old_number: Decimal | None
    new_number: Decimal | None
    added: tuple[str, ...] | None
    removed: tuple[str, ...] | None


@dataclass(frozen=True)
class FeedMeta:
    """What a feed says of itself: its title and id, and its ``updated`` when it has no entry (else the newest's)."""

    title: str
    feed_id: str
    updated_if_empty: datetime


def change_from_row(row: Sequence[Any]) -> Change:
    """A ``Change`` from a ``FEED_CHANGES`` row (times in UTC, lists as tuples)."""
    values = list(row)
    values[7], values[8] = values[7].astimezone(UTC), values[8].astimezone(UTC)
    values[14] = tuple(values[14]) if values[14] is not None else None
    values[15] = tuple(values[15]) if values[15] is not None else None
    return Change(*values)


def feed_meta(name: str, only: ChangeFilter, updated_if_empty: datetime) -> FeedMeta:
    """The title and id of the feed of warehouse ``name`` (its file's stem) kept to ``only``."""
    kept = [f"{what}={value}" for what, value in (("model", only.model), ("provider", only.provider),
                                                 ("field", only.field)) if value]  # fmt: skip
    title = f"modelsync changes: {name}" + (f" ({', '.join(kept)})" if kept else "")
    # The filters are part of the id: a filtered feed is another feed. RFC 8141 allows a ?= query part.
    digest = hashlib.sha256(json.dumps(kept).encode()).hexdigest()[:16]
    return FeedMeta(title, f"{FEED_ID_PREFIX}{name}" + (f"?=filter-{digest}" if kept else ""), updated_if_empty)


def change_id(change: Change) -> str:
    """The change's stable id: a digest of its entity, source, key, field, time and new value."""
    # `key` (not source_key and endpoint_key) names a benchmark too: two benchmarks retired at once differ.
    parts = [change.entity, change.source, change.key, change.field, change.changed_at.isoformat(), change.new_value]
    return ID_PREFIX + hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def change_title(change: Change) -> str:
    """``groq · meta-llama/llama-4-scout: max_output_tokens 8192 -> 4096``, or ``...: retired`` / ``...: back``."""
    who = change.provider or change.source
    if change.field == "deleted":
        return f"{who} · {change.model_id}: {'retired' if change.new_value == 'true' else 'back'}"
    if change.added is not None:
        items = [*(f"+{a}" for a in change.added), *(f"-{r}" for r in change.removed or ())]
        return f"{who} · {change.model_id}: {change.field} {' '.join(items) or 'reordered'}"
    return f"{who} · {change.model_id}: {change.field} {_shown(change.old_value)} -> {_shown(change.new_value)}"


def relative_change(change: Change) -> str | None:
    """A number's change relative to its old value, ``-50%`` or ``+12.5%``; None when either is not a number or
    the old one is zero."""
    if change.old_number is None or change.new_number is None or change.old_number == 0:
        return None
    percent = (change.new_number - change.old_number) / abs(change.old_number) * 100
    return f"{float(percent):+.4g}%"


def change_text(change: Change) -> str:
    """The entry's content: what changed, from what to what, and where it was seen, one fact a line."""
    lines = [f"{change.field}: {_shown(change.old_value)} -> {_shown(change.new_value)}"]
    if relative := relative_change(change):
        lines.append(f"relative change: {relative}")
    if change.added is not None:
        lines.append(f"added: {', '.join(change.added) or '-'}")
        lines.append(f"removed: {', '.join(change.removed or ()) or '-'}")
    lines.append(f"model: {change.model_id}")
    if change.provider or change.endpoint_key:
        lines.append(f"provider: {change.provider or '-'} (endpoint {change.endpoint_key or '-'})")
    lines.append(f"source: {change.source} ({change.entity} {change.key})")
    lines.append(f"changed at: {_rfc3339(change.changed_at)} (learned {_rfc3339(change.recorded_at)})")
    return "\n".join(lines)


def feed_updated(changes: Sequence[Change], meta: FeedMeta) -> datetime:
    """When the feed last changed: the newest entry's learning time."""
    return max((c.recorded_at for c in changes), default=meta.updated_if_empty)


def atom_feed(changes: Sequence[Change], meta: FeedMeta) -> bytes:
    """The changes as an Atom 1.0 document (UTF-8, with its XML declaration), newest first as given."""
    feed = ET.Element("feed", xmlns=ATOM_NS)  # children unprefixed: in Atom's namespace, the default
    _text(feed, "id", meta.feed_id)
    _text(feed, "title", meta.title)
    _text(feed, "updated", _rfc3339(feed_updated(changes, meta)))
    _text(ET.SubElement(feed, "author"), "name", "modelsync")
    _text(feed, "generator", "modelsync")
    for change in changes:
        entry = ET.SubElement(feed, "entry")
        _text(entry, "id", change_id(change))
        _text(entry, "title", change_title(change))
        _text(entry, "updated", _rfc3339(change.recorded_at))
        _text(entry, "published", _rfc3339(change.changed_at))
        ET.SubElement(entry, "category", term=change.field)
        _text(entry, "content", change_text(change)).set("type", "text")
    ET.indent(feed)
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def json_feed(changes: Sequence[Change], meta: FeedMeta) -> dict[str, Any]:
    """The changes as a JSON Feed 1.1 document; each item carries the whole row in ``_modelsync``."""
    return {
        "version": JSON_FEED_VERSION,
        "title": meta.title,
        "_modelsync": {"feed_id": meta.feed_id, "updated": _rfc3339(feed_updated(changes, meta))},
        "items": [
            {
                "id": change_id(change),
                "title": change_title(change),
                "content_text": change_text(change),
                "date_published": _rfc3339(change.changed_at),
                "date_modified": _rfc3339(change.recorded_at),
                "tags": [change.field],
                "_modelsync": change_document(change),
            }
            for change in changes
        ],
    }


def change_document(change: Change) -> dict[str, Any]:
    """A change as JSON: the ``changes`` row's columns, ``recorded_at``, its id and its relative change.

    ``old_value`` and ``new_value`` are exact text; ``old_number`` and ``new_number`` are JSON numbers for
    convenience (a price may lose digits there)."""
    return {
        "id": change_id(change),
        "entity": change.entity,
        "key": change.key,
        "model_id": change.model_id,
        "provider": change.provider,
        "field": change.field,
        "old_value": change.old_value,
        "new_value": change.new_value,
        "changed_at": _rfc3339(change.changed_at),
        "recorded_at": _rfc3339(change.recorded_at),
        "source": change.source,
        "source_key": change.source_key,
        "endpoint_key": change.endpoint_key,
        "old_number": _number(change.old_number),
        "new_number": _number(change.new_number),
        "relative_change": relative_change(change),
        "added": list(change.added) if change.added is not None else None,
        "removed": list(change.removed) if change.removed is not None else None,
    }


def webhook_body(run_id: str, status: str, changes: Sequence[Change], total: int) -> dict[str, Any]:
    """The webhook's JSON: the run, and its changes (the first ``len(changes)`` of ``total``)."""
    return {"run_id": run_id, "status": status, "changes_total": total,
            "changes": [change_document(c) for c in changes]}  # fmt: skip


def json_bytes(document: dict[str, Any]) -> bytes:
    """A JSON document as UTF-8 bytes, indented, ending with a newline."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _shown(value: str | None) -> str:
    return "(none)" if value is None else value


def _rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element
