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
PRICE_TIERS = Kind("price tiers", "STRUCT(price VARCHAR, above_tokens BIGINT, price_per_mtok DECIMAL(38,12))[]")
"""Prices that apply above a prompt size: ``{"price": "input", "above_tokens": 200000, "price_per_mtok": Decimal}``
objects, sorted by price then size; ``price`` names the column it replaces (input, output, cache_read, cache_write)."""
TIERED_PRICES = ("input", "output", "cache_read", "cache_write")
PERCENTAGE = Kind("percentage", "DOUBLE", required=True, at_least=0.0, at_most=100.0)  # uptimes, benchmark scores
NON_NEGATIVE = Kind("non-negative number", "DOUBLE", required=True, at_least=0.0)


def choice(*values: str) -> Kind:
    """A required text that is one of ``values``."""
    return Kind("choice", "VARCHAR", required=True, choices=values)


UPTIME_PERIODS = ("5m", "30m", "1d")
SPEED_METRICS = ("output_tokens_per_s", "time_to_first_token_s", "time_to_first_answer_token_s")
