"""Values as the page prints them (or embedded JSON holds them), read in their units."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from extractors.catalog.embedded import json_name
from extractors.catalog.labels import collapse
from transforms import units
from transforms.records import ParseError

_MODALITIES = {"text", "image", "audio", "video", "file", "pdf", "document", "speech"}
_RELATIVE = re.compile(r"\s*\(?\b(?:\d+|an?|one)\s+(?:second|minute|hour|day|week|month|year)s?\s+ago\)?\s*$", re.I)


def converted(convert: Callable[[Any], Any], value: Any, label: str) -> Any:
    """``convert(value)``; a value that does not read in its unit is a ParseError naming ``label``."""
    try:
        return convert(value)
    except (units.UnitError, ValueError, TypeError) as e:
        shown = " ".join(value) if isinstance(value, list) and all(isinstance(v, str) for v in value) else value
        raise ParseError(f"catalog page: {label} value {shown!r} does not parse ({e})") from None


def _scalar(value: Any) -> Any:
    """Value pieces joined by spaces; anything else as it is."""
    return " ".join(str(v) for v in value) if isinstance(value, list) else value


def text(value: Any) -> str | None:
    """A collapsed text (or an object's display name); None for "Unknown" and the like."""
    name = json_name(value) if isinstance(value, Mapping) else _scalar(value)
    if name is None:
        return None
    text = collapse(str(name))
    return None if text.lower() in units.UNKNOWN else text


def tokens(value: Any) -> int | None:
    """A token count: "8,192 tokens tokens" -> 8192."""
    return units.token_count(_scalar(value))


def count(value: Any) -> int | None:
    """A plain count ("1,024" -> 1024); None for "Unknown" and the like."""
    value = _scalar(value)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    text = str(value).replace(",", "").strip()
    if text.lower() in units.UNKNOWN:
        return None
    if not text.isdigit():
        raise units.UnitError(f"{value!r} is not a count")
    return int(text)


def flag(value: Any) -> bool | None:
    """Yes/no as a bool; None for "Unknown" and the like."""
    return units.yes_no(_scalar(value))


def percent(value: Any) -> float | None:
    """A percentage as printed ("28.3%" -> 28.3); NaN and Infinity are refused."""
    value = _scalar(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise units.UnitError(f"{value!r} is not a finite percentage")
    return units.percent(value)


def one_scale(values: list[Any], field: str) -> list[Any]:
    """One page's JSON percentages on the 0-100 scale: bare numbers all <= 1 (one > 0) are fractions, scaled by
    100; bare numbers in (0, 1] beside ones > 1 are two scales, a ParseError. "58.7%" strings stay as printed."""
    bare = [float(v) for v in values if _bare_number(v)]
    if not any(b > 0 for b in bare):
        return values
    if all(b <= 1 for b in bare):
        return [_scaled(v) if _bare_number(v) else v for v in values]
    if any(0 < b <= 1 for b in bare):
        shown = ", ".join(str(v) for v in values if _bare_number(v))
        raise ParseError(f"catalog page: embedded {field} values {shown} are on mixed 0-1 and 0-100 scales")
    return values


def _bare_number(value: Any) -> bool:
    """A JSON number, or a string of one without "%" (finite: NaN and Infinity are left to fail as values)."""
    if isinstance(value, str):
        return re.fullmatch(r"\s*-?\d+(?:\.\d+)?\s*", value) is not None
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _scaled(value: Any) -> float:
    """A fraction as a percentage, exactly."""
    return float(round((units.exact_decimal(value) or Decimal(0)) * 100, 4))  # exact: 0.587 -> 58.7, not 58.699999...


def says_unknown(value: Any) -> bool:
    """Whether the page prints "Unknown" (or "N/A", ...) for a value, rather than leaving it out or empty."""
    text = _scalar(value)
    return isinstance(text, str) and collapse(text).lower() in units.UNKNOWN - {""}


def date(value: Any) -> Any:
    """A date as printed, without its relative part: "Apr 11, 2022 4 years ago" -> 2022-04-11."""
    value = _scalar(value)
    return units.calendar_date(_RELATIVE.sub("", value) if isinstance(value, str) else value)


def names(value: Any) -> list[str] | None:
    """Display names from a list (of strings or ``{"name": ...}``) or a comma-separated string."""
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        name = json_name(item)
        if name is None:
            raise units.UnitError(f"{item!r} is not a name")
        names.extend(n for n in re.split(r"\s*[,;·|]\s*", name) if n)
    if len(names) == 1 and names[0].lower() in units.UNKNOWN:
        return None
    return units.sorted_set(names)


def modalities(value: Any) -> list[str] | None:
    """Lower-case modality words from "Text Image", "text, image" or ["Text", "Image"]."""
    if value is None:
        return None
    texts = value if isinstance(value, list) else [value]
    split = r"[\s,/&+;·|]+|\band\b"
    words = [w for v in texts for w in re.split(split, str(json_name(v) or v).lower()) if w]
    if len(words) == 1 and words[0] in units.UNKNOWN:
        return None
    read = [w[:-1] if w.endswith("s") and w[:-1] in _MODALITIES else w for w in words]
    unknown = [w for w in read if w not in _MODALITIES] or ([] if read else ["(nothing)"])
    if unknown:
        raise units.UnitError(f"{', '.join(unknown)} is not a modality ({', '.join(sorted(_MODALITIES))})")
    return units.sorted_set(read)
