"""What a source's ``parse`` returns: plain records per entity, and which scopes it lists in full."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from entities import MODEL

Record = dict[str, Any]

MODEL_FIELDS = tuple(MODEL.columns)
"""Every key of a ``model`` record, in schema order (as ``entities`` declares it)."""


class ParseError(ValueError):
    """A payload that does not have the shape its source promises (layout change, missing field)."""


@dataclass(frozen=True)
class Listing:
    """The payload lists every key of ``entity`` in ``scope`` (so absent keys may be retired)."""

    entity: str
    scope: str
    key_count: int
    evidence: str | None = None  # set when the listing is positive evidence (a 404): complete whatever its size


@dataclass(frozen=True)
class RowError:
    """One row of a payload that does not parse; the rest of the payload does (the row is quarantined)."""

    entity: str
    row_key: str
    reason: str


@dataclass(frozen=True)
class Parsed:
    """Records per entity (``endpoint``, ``model``, ``uptime``), full listings, and URLs to fetch next."""

    records: Mapping[str, list[Record]] = field(default_factory=dict)
    listings: tuple[Listing, ...] = ()
    links: tuple[str, ...] = ()
    rejected: tuple[RowError, ...] = ()  # rows refused while parsing: quarantined, their listing incomplete


def json_object(body: bytes, expected: str = "a JSON object") -> Mapping[str, Any]:
    """The JSON object a payload holds; a ParseError saying what was ``expected`` otherwise."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ParseError(f"not valid JSON ({e})") from None
    if not isinstance(document, Mapping):
        raise ParseError(f"expected {expected}")
    return document


def optional_text(record: Mapping[str, Any], name: str) -> str | None:
    """``record[name]`` when it is text or absent; a ValueError naming the field otherwise."""
    value = record.get(name)
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"'{name}' is {value!r}, not text")


def name_set(record: Mapping[str, Any], name: str, field: str | None = None) -> list[str] | None:
    """The list ``record[name]`` as sorted distinct lower-case names (modalities); a ValueError naming
    ``field`` (default ``name``) when it is not a list."""
    values = record.get(name)
    if values is None:
        return None
    if not isinstance(values, list):
        raise ValueError(f"'{field or name}' is {values!r}, not a list")
    return sorted({text for v in values if v is not None and (text := str(v).strip().lower())})


def required(record: Mapping[str, Any], name: str, where: str) -> Any:
    """``record[name]``, or a ParseError naming the field and where it was expected."""
    value = record.get(name) if isinstance(record, Mapping) else None
    if value is None:
        raise ParseError(f"missing required field '{name}' in {where}")
    return value
