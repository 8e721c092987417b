"""Units and formats, normalized once: exact prices per million tokens, token counts, sorted sets,
dates, percentages and yes/no flags as pages print them ("130,000 tokens", "Apr 11, 2022", "100.0%").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation

PER_MILLION = Decimal(1_000_000)
PRICE_SCALE = 12
"""Decimals kept of a price in USD per million tokens (1e-18 USD per token): finer digits are float noise."""
PRICE_STEP = Decimal(1).scaleb(-PRICE_SCALE)
PERCENT_NOISE = 1e-9
TOKEN_COUNT_MAX = 2**63 - 1
_WIDE = Context(prec=60)  # room to quantize a price of up to 48 integer digits (far past any validation passes)
UNKNOWN = frozenset({"", "unknown", "n/a", "na", "none", "-", "—", "null", "not specified"})
"""How pages spell "no value"."""
_DATE_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y", "%b %Y", "%B %Y")


class UnitError(ValueError):
    """A value that cannot be read in the unit it claims."""


def exact_decimal(value: object) -> Decimal | None:
    """``value`` as an exact Decimal (floats through their shortest repr); None for empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise UnitError(f"{value!r} is not a number")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except InvalidOperation:
        raise UnitError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise UnitError(f"{value!r} is not a finite number")
    return number


def price_per_mtok(value: object, per_tokens: int = 1, field: str = "price") -> Decimal | None:
    """USD per million tokens from a price quoted per ``per_tokens`` tokens, rounded half even to ``PRICE_SCALE``.

    ``"0.00000017992692"`` per token is ``0.17992692`` to its last digit; ``"0.0000006000000000000001"``
    (float noise upstream) is ``0.6``, so the two hash alike and make one version. Negative and absurdly
    large numbers come back as they are, for validation to refuse; what is not a number is a UnitError
    naming ``field``.
    """
    try:
        number = exact_decimal(value)
    except UnitError as e:
        raise UnitError(f"{field}: {e}, not a price") from None
    if number is None:
        return None
    try:
        scaled = _WIDE.divide(_WIDE.multiply(number, PER_MILLION), Decimal(per_tokens))
    except ArithmeticError:
        raise UnitError(f"{field}: {value!r} is beyond any price") from None
    if scaled.adjusted() >= _WIDE.prec - PRICE_SCALE:  # too many digits to round: validation refuses it as too large
        return scaled
    return _plain(scaled.quantize(PRICE_STEP, rounding=ROUND_HALF_EVEN, context=_WIDE))


def token_count(value: object) -> int | None:
    """A whole number of tokens, from an int, an integral float or a string like ``"130,000 tokens"``."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise UnitError(f"{value!r} is not a token count")
    if isinstance(value, int):
        return _int64(value)
    text = str(value).lower().replace(",", "").replace("tokens", "").replace("token", "").strip()
    if text in UNKNOWN:
        return None
    number = exact_decimal(text)
    if number is None or number != number.to_integral_value():
        raise UnitError(f"{value!r} is not a whole number of tokens")
    return _int64(int(number))


def _int64(count: int) -> int:
    if abs(count) > TOKEN_COUNT_MAX:
        raise UnitError(f"{count!r} is beyond any token count (a BIGINT holds up to {TOKEN_COUNT_MAX:,})")
    return count


def sorted_set(values: Iterable[object] | None) -> list[str] | None:
    """Distinct trimmed strings in sorted order: set-like lists compare equal whatever their order."""
    if values is None:
        return None
    return sorted({str(v).strip() for v in values if v is not None and str(v).strip()})


def _plain(number: Decimal) -> Decimal:
    """Normalized without exponent: ``3E+0`` becomes ``3``, ``1.50`` becomes ``1.5``, ``-0`` becomes ``0``."""
    if number.is_zero():
        return Decimal(0)
    normal = number.normalize(_WIDE)
    return normal.quantize(Decimal(1), context=_WIDE) if normal == normal.to_integral_value() else normal


def calendar_date(value: object) -> date | None:
    """A date from ``2025-04-05``, ``2025-04-05T00:00:00Z``, ``2024-08`` (first of the month) or ``Apr 11, 2022``."""
    if value is None or isinstance(value, date):
        return value if not isinstance(value, datetime) else value.date()
    text = str(value).strip()
    if text.lower() in UNKNOWN:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ].*)?", text):
        return date.fromisoformat(text[:10])
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return date.fromisoformat(f"{text}-01")
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise UnitError(f"{value!r} is not a date")


def percent(value: object) -> float | None:
    """A percentage as a number: ``"99.7%"`` -> 99.7; numbers pass through."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise UnitError(f"{value!r} is not a percentage")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().rstrip("%").strip()
    if text.lower() in UNKNOWN:
        return None
    number = exact_decimal(text)
    return None if number is None else float(number)


def percentage(value: float) -> float:
    """A 0-100 percentage with float noise at its bounds (``100.00000000000001``) snapped onto them."""
    for bound in (0.0, 100.0):
        if abs(value - bound) <= PERCENT_NOISE:
            return bound
    return value


def yes_no(value: object) -> bool | None:
    """``Yes``/``No``/``true``/``false`` as a flag; ``Unknown`` as None."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in UNKNOWN:
        return None
    if text in {"yes", "true", "y", "1"}:
        return True
    if text in {"no", "false", "n", "0"}:
        return False
    raise UnitError(f"{value!r} is not yes or no")


def slug(name: str) -> str:
    """A lower-case key from a display name: ``"Hugging Face"`` -> ``hugging-face``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
