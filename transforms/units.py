"""Units and formats, normalized once: exact prices per million tokens, token counts, sorted sets."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

PER_MILLION = Decimal(1_000_000)


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


def price_per_mtok(value: object, per_tokens: int = 1) -> Decimal | None:
    """USD per million tokens from a price quoted per ``per_tokens`` tokens, exactly."""
    number = exact_decimal(value)
    if number is None:
        return None
    return _plain(number * PER_MILLION / per_tokens)


def token_count(value: object) -> int | None:
    """A whole number of tokens, from an int, an integral float or a string like ``"130,000 tokens"``."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise UnitError(f"{value!r} is not a token count")
    if isinstance(value, int):
        return value
    text = str(value).lower().replace(",", "").replace("tokens", "").replace("token", "").strip()
    if not text:
        return None
    number = exact_decimal(text)
    if number is None or number != number.to_integral_value():
        raise UnitError(f"{value!r} is not a whole number of tokens")
    return int(number)


def sorted_set(values: Iterable[object] | None) -> list[str] | None:
    """Distinct trimmed strings in sorted order: set-like lists compare equal whatever their order."""
    if values is None:
        return None
    return sorted({str(v).strip() for v in values if v is not None and str(v).strip()})


def _plain(number: Decimal) -> Decimal:
    """Normalized without exponent: ``3E+0`` becomes ``3``, ``1.50`` becomes ``1.5``."""
    normal = number.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal
