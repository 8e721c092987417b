"""The llm-prices export (``export --format llm-prices``): the endpoint versions it reads, and the document, in the
shape of simonw/llm-prices' ``historical-v1.json``, that they become (pure; no pandas)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

ENDPOINT_PRICE_VERSIONS = """
WITH chosen AS (
    SELECT *, coalesce(provider_id, lower(provider)) AS vendor,
        source_model_key(source, source_key, endpoint_key, provider) AS model_key
    FROM price_periods WHERE source = $source
),
shared AS (  -- a provider serving one model through several endpoints (OpenRouter's `fireworks`, `fireworks/fast`)
    SELECT vendor, model_key FROM chosen GROUP BY ALL HAVING count(DISTINCT endpoint_key) > 1
)
SELECT c.vendor,
    CASE WHEN s.vendor IS NULL THEN c.model_key ELSE c.model_key || '@' || c.endpoint_key END AS id,
    coalesce(m.name, c.model_key) || CASE WHEN s.vendor IS NULL THEN '' ELSE ' (' || c.endpoint_key || ')' END
        AS name,
    false AS is_deleted, c.input_price_per_mtok, c.output_price_per_mtok, c.cache_read_price_per_mtok,
    utc_day(c.effective_by) AS from_date, utc_day(c.next_effective_by) AS to_date
FROM chosen c
LEFT JOIN shared s ON s.vendor = c.vendor AND s.model_key = c.model_key
LEFT JOIN models m ON m.model_id = c.model_id
ORDER BY c.vendor, id, c.effective_by
"""
"""Every price period of source ``$source`` (``price_periods``) as an llm-prices entry (vendor, id, name) and the
UTC days it held; ordered by entry, then time. A retirement is a gap between periods."""


class PriceVersion(NamedTuple):
    """One row of ``ENDPOINT_PRICE_VERSIONS``."""

    vendor: str
    id: str
    name: str
    is_deleted: bool
    input: Decimal | None
    output: Decimal | None
    input_cached: Decimal | None
    from_date: date
    to_date: date | None


def llm_prices_document(versions: Iterable[PriceVersion]) -> dict[str, Any]:
    """``{"prices": [...]}``: one record per price period of each (vendor, id), the current one first, then newest.

    Consecutive versions with equal input, output and cached input prices are one period; a retirement, a missing
    input or output price and OpenRouter's routed-price sentinel (negative) are gaps. A version that did not outlive
    its first UTC day gives that day to the next one.
    """
    entries: dict[tuple[str, str], list[PriceVersion]] = {}
    for version in versions:
        entries.setdefault((version.vendor, version.id), []).append(version)
    prices = []
    for (vendor, model_id), found in sorted(entries.items()):
        name = found[-1].name
        for prices_of, start, end in reversed(_periods(found)):
            prices.append({
                "id": model_id, "vendor": vendor, "name": name, "input": _number(prices_of[0]),
                "output": _number(prices_of[1]), "input_cached": _number(prices_of[2]),
                "from_date": start.isoformat(), "to_date": end.isoformat() if end else None,
            })  # fmt: skip
    return {"prices": prices}


def _periods(versions: list[PriceVersion]) -> list[tuple[tuple[Decimal, Decimal, Decimal | None], date, date | None]]:
    """One entry's priced periods, oldest first: (input, output, cached input), from_date, to_date (None: current)."""
    runs: list[tuple[tuple[Decimal, Decimal, Decimal | None] | None, date, date | None]] = []
    for v in versions:
        if v.to_date is not None and v.to_date <= v.from_date:
            continue  # superseded the day it began: the day is the next version's
        state = None
        if not v.is_deleted and v.input is not None and v.output is not None and min(v.input, v.output) >= 0:
            state = (v.input, v.output, v.input_cached)
        if runs and runs[-1][0] == state and runs[-1][2] == v.from_date:
            runs[-1] = (state, runs[-1][1], v.to_date)
        else:
            runs.append((state, v.from_date, v.to_date))
    periods = []
    for state, start, end in runs:
        if state is not None:
            periods.append((state, start, end))
    return periods


def _number(price: Decimal | None) -> int | float | None:
    """A price as a JSON number: whole prices as integers; else the double nearest, which prints as the decimal."""
    if price is None:
        return None
    return int(price) if price == price.to_integral_value() else float(price)
