"""The shape of every entity and series, declared once as data (stdlib only; imports nothing of modelsync).

Built from it: record fields (``transforms.records``), pandera schemas (``transforms.frames``), the history
engine (``warehouse.history``). Checked against it: tables and views (tests/test_entities.py). Every layer
may import this package.
"""

from __future__ import annotations

from .declared import (
    BENCHMARK,
    DECLARATIONS,
    ENDPOINT,
    ENTITIES,
    MODEL,
    SERIES,
    SPEED,
    UPTIME,
    EntitySpec,
    SeriesSpec,
    SuspectRules,
)
from .kinds import (
    CODE,
    COUNT,
    DATE,
    FLAG,
    KEY_TEXT,
    NON_NEGATIVE,
    PERCENTAGE,
    PRICE,
    PRICE_TIERS,
    SMALL_COUNT,
    SPEED_METRICS,
    STRING_SET,
    TEXT,
    TIER_FIELDS,
    TIERED_PRICES,
    UPTIME_PERIODS,
    WEEKDAYS,
    Kind,
    choice,
)

__all__ = [
    "BENCHMARK",
    "CODE",
    "COUNT",
    "DATE",
    "DECLARATIONS",
    "ENDPOINT",
    "ENTITIES",
    "FLAG",
    "KEY_TEXT",
    "MODEL",
    "NON_NEGATIVE",
    "PERCENTAGE",
    "PRICE",
    "PRICE_TIERS",
    "SERIES",
    "SMALL_COUNT",
    "SPEED",
    "SPEED_METRICS",
    "STRING_SET",
    "TEXT",
    "TIERED_PRICES",
    "TIER_FIELDS",
    "UPTIME",
    "UPTIME_PERIODS",
    "WEEKDAYS",
    "EntitySpec",
    "Kind",
    "SeriesSpec",
    "SuspectRules",
    "choice",
]
