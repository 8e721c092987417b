"""Column kinds: what a column of a record holds, and the DuckDB type it is stored as."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """What a column holds: its DuckDB type (as ``information_schema`` names it) and the values a record may give."""

    name: str
    duckdb_type: str
    required: bool = False  # a record must give a value: NULL is refused
    non_empty: bool = False  # a text of one character at least
    at_least: float | None = None
    at_most: float | None = None
    choices: tuple[str, ...] = ()  # when set, the only values allowed


KEY_TEXT = Kind("key text", "VARCHAR", required=True, non_empty=True)
TEXT = Kind("text", "VARCHAR")
COUNT = Kind("count", "BIGINT", at_least=0)
SMALL_COUNT = Kind("small count", "INTEGER", at_least=0)
CODE = Kind("code", "INTEGER")  # a status code as published: any integer
PRICE = Kind("price", "DECIMAL(38,12)")  # USD per million tokens, exact; its range rules: transforms/frames.py
DATE = Kind("date", "DATE")
FLAG = Kind("flag", "BOOLEAN")
STRING_SET = Kind("string set", "VARCHAR[]")  # sorted unique strings
PRICE_TIERS = Kind(
    "price tiers",
    "STRUCT(price VARCHAR, above_tokens BIGINT, price_per_mtok DECIMAL(38,12), utc_start VARCHAR, utc_end VARCHAR,"
    " utc_days VARCHAR[], entry INTEGER)[]",
)
"""Prices that replace an endpoint's price under conditions, one object a price: ``price`` names the column it
replaces (input, output, cache_read, cache_write) and ``price_per_mtok`` is the price. Its conditions, each NULL
when it has none: ``above_tokens`` (a prompt of more tokens), ``utc_start``/``utc_end`` (a daily UTC window
``"HH:MM"``, start inclusive, end exclusive, wrapping midnight when start > end) and ``utc_days`` (sorted
lowercase weekday names). ``entry`` is the position (0 first) of the upstream entry the tier comes from where
the source lists them in precedence order (OpenRouter's ``pricing.overrides``: a later entry wins); NULL where a
larger prompt-size tier wins (LiteLLM, models.dev). Sorted by price, entry, size. A record may leave out the
fields that are NULL (``TIER_FIELDS`` are all there are)."""
TIER_FIELDS = ("price", "above_tokens", "price_per_mtok", "utc_start", "utc_end", "utc_days", "entry")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TIERED_PRICES = ("input", "output", "cache_read", "cache_write")
PERCENTAGE = Kind("percentage", "DOUBLE", required=True, at_least=0.0, at_most=100.0)  # uptimes, benchmark scores
NON_NEGATIVE = Kind("non-negative number", "DOUBLE", required=True, at_least=0.0)


def choice(*values: str) -> Kind:
    """A required text that is one of ``values``."""
    return Kind("choice", "VARCHAR", required=True, choices=values)


UPTIME_PERIODS = ("5m", "30m", "1d")
SPEED_METRICS = ("output_tokens_per_s", "time_to_first_token_s", "time_to_first_answer_token_s")
