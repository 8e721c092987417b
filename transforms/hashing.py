"""Canonical row hashes: equal facts hash alike whatever their spelling."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

import pandas as pd

# Non-empty strings that are their own canonical form and sort as their JSON text does:
# printable ASCII above '"' (so no space to strip), without '\\' (so nothing escaped).
_SORTS_AS_JSON = re.compile(r"[#-\[\]-~]+")
_ROW_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
"""What ``json.dumps(..., sort_keys=True, separators=(",", ":"))`` does, without a new encoder a call."""


def canonical_value(value: object) -> object:
    """A JSON-ready value in which ``"0.00003"``, ``3e-05`` and ``Decimal("3.0E-5")`` agree.

    The common cases (a string, a list of plain names) by exact type first: the answers of
    ``defined_canonical_value``, sooner.
    """
    kind = type(value)
    if kind is str:
        text = value.strip()  # type: ignore[attr-defined]
        return text or None
    if kind is list and all(type(v) is str and _SORTS_AS_JSON.fullmatch(v) for v in value):  # type: ignore[attr-defined]
        return sorted(value)  # type: ignore[call-overload]
    return defined_canonical_value(value)


def defined_canonical_value(value: object) -> object:
    """The canonical form, every case spelled out: what every stored hash was made with."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, int | float | Decimal):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        return format(number.normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        return text or None
    if isinstance(value, Mapping):  # a price tier: its fields by name, NULLs left out as a row's are
        fields = ((str(k), defined_canonical_value(v)) for k, v in sorted(value.items()))
        return {k: v for k, v in fields if v is not None}
    if isinstance(value, list | tuple | set) or hasattr(value, "tolist"):
        items: list[object] = value.tolist() if hasattr(value, "tolist") else list(value)  # type: ignore[call-overload]
        return sorted((defined_canonical_value(v) for v in items), key=json.dumps)
    if hasattr(value, "item"):  # numpy scalar
        return defined_canonical_value(value.item())
    return str(value)


def row_hash(values: Mapping[str, object]) -> str:
    """Hex digest (32 chars) of the canonical form of one row's versioned values, by column name.

    NULLs are left out, so adding a column (NULL in old rows) never changes an existing hash.
    """
    canonical = {name: canonical_value(v) for name, v in values.items()}
    text = _ROW_JSON.encode({k: v for k, v in canonical.items() if v is not None})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def row_hashes(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """``row_hash`` of ``columns`` for every row of ``frame``.

    Each column's ``"name":value`` JSON text is made once per distinct value (a night repeats
    most of them: providers, limits, prices), then joined per row in sorted name order: the
    text ``row_hash`` dumps, without building a dict a row.
    """
    if frame.empty:
        return pd.Series([], index=frame.index, dtype="object")
    names = sorted(columns)
    fragments = [_json_fragments(name, frame[name]) for name in names]
    hashes = []
    for parts in zip(*fragments, strict=True):
        text = "{" + ",".join(part for part in parts if part is not None) + "}"
        hashes.append(hashlib.sha256(text.encode("utf-8")).hexdigest()[:32])
    return pd.Series(hashes, index=frame.index, dtype="object")


def _json_fragments(name: str, column: pd.Series) -> list[str | None]:
    """``"name":<canonical JSON>`` of every value of a column (None where it is NULL), made once per distinct value.

    Values are told apart by type and ``repr``, not ``==``: 1, 1.0 and True are equal, as
    are 0.0 and -0.0 and lists of them, yet their canonical forms differ.
    """
    label = json.dumps(name) + ":"
    seen: dict[tuple[type, str], str | None] = {}
    out = []
    for value in column.astype(object):
        kind = type(value)
        key = (kind, value if kind is str else repr(value.tolist() if hasattr(value, "tolist") else value))
        if key not in seen:
            canonical = canonical_value(value)
            seen[key] = None if canonical is None else label + _ROW_JSON.encode(canonical)
        out.append(seen[key])
    return out
