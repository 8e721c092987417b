"""Every entity and series, declared once: key, listing scope, columns and their kinds, retirement rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

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
    UPTIME_PERIODS,
    Kind,
    choice,
)


def _frozen_columns(name: str, key: tuple[str, ...], columns: Mapping[str, Kind]) -> Mapping[str, Kind]:
    """``columns``, read-only; a ValueError unless the key opens with ``source`` and names columns of the record."""
    if key[:1] != ("source",) or not set(key) <= set(columns):
        raise ValueError(f"{name}: the key {key} must open with 'source' and name columns of the record")
    return MappingProxyType(dict(columns))


@dataclass(frozen=True)
class EntitySpec:
    """A versioned entity: key, listing scope, record columns, versioned attributes, volatile fields, retirement."""

    name: str
    key: tuple[str, ...]
    scope: tuple[str, ...]  # a listing of one scope value lists every key in it
    columns: Mapping[str, Kind] = field(hash=False, repr=False)  # every column of a record, in order
    attributes: tuple[str, ...] = field(init=False)  # the columns neither key nor volatile: hashed, versioned
    volatile: tuple[str, ...] = ()  # stored and shown (latest value of the version), never hashed
    parent: str | None = None  # an entity keyed by this one's scope: its complete listings retire children too
    retired_when: str | None = None  # SQL over an observation: positive evidence that the key is retired
    retires_on: str | None = None  # a DATE attribute stating the day the key retires: a tombstone at its UTC midnight
    complete_fraction: float = 0.5  # a listing under this fraction of the recent median is incomplete
    median_window: int = 7  # how many recent complete listings make the median
    watched_prices: tuple[str, ...] = ()  # prices whose implausible moves are held (SuspectRules)
    watched_limits: tuple[str, ...] = ()  # limits whose implausible shrinking is held

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", _frozen_columns(self.name, self.key, self.columns))
        non_key = set(self.columns).difference(self.key)
        if self.key[: len(self.scope)] != self.scope or not set(self.volatile) <= non_key:
            raise ValueError(f"{self.name}: the scope must open the key, and volatile fields be non-key columns")
        attributes = tuple(c for c in self.columns if c not in self.key and c not in self.volatile)
        object.__setattr__(self, "attributes", attributes)
        if self.retires_on is not None and (self.retires_on not in attributes or self.retired_when is None):
            raise ValueError(f"{self.name}: retires_on names an attribute, and comes with retired_when")

    @property
    def observations(self) -> str:
        return f"{self.name}_observations"

    @property
    def attribute_table(self) -> str:
        """The table holding the attributes once per distinct (key, ``attr_hash``); observations are narrow."""
        return f"{self.name}_attributes"

    @property
    def versions(self) -> str:
        return f"{self.name}_versions"

    @property
    def scope_expr(self) -> str:
        """SQL for the snapshot scope string of a row aliased ``t`` (all scope columns after ``source``)."""
        rest = self.scope[1:]
        return "''" if not rest else " || '|' || ".join(f"t.{c}" for c in rest)


@dataclass(frozen=True)
class SeriesSpec:
    """An append-only series: every measurement is kept (one per key and ``observed_at``), none versioned."""

    name: str
    key: tuple[str, ...]
    columns: Mapping[str, Kind] = field(hash=False, repr=False)  # every column of a record, in order

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", _frozen_columns(self.name, self.key, self.columns))

    @property
    def table(self) -> str:
        return f"{self.name}_measurements"


MODEL = EntitySpec(
    name="model",
    key=("source", "model_id"),
    scope=("source",),
    columns={
        "source": KEY_TEXT, "model_id": KEY_TEXT,
        "name": TEXT, "creator": TEXT, "canonical_slug": TEXT, "hugging_face_id": TEXT, "base_model": TEXT,
        "context_window": COUNT, "max_output_tokens": COUNT,
        "input_price_per_mtok": PRICE, "output_price_per_mtok": PRICE,
        "release_date": DATE, "knowledge_cutoff": DATE, "expiration_date": DATE, "last_updated": DATE,
        "open_weights": FLAG, "status": TEXT,
        "input_modalities": STRING_SET, "output_modalities": STRING_SET, "supported_params": STRING_SET,
        "api_providers": STRING_SET, "capabilities": STRING_SET, "mode": TEXT,
        "description": TEXT,
    },
    volatile=("description",),  # edited often, rarely meaningful: shown, not versioned
    # OpenRouter lists a model with an expiration date until it goes: from that date it is retired (a
    # date still in the future when observed retires it at that UTC midnight unless a fetch before restates it);
    # models.dev marks a model `deprecated` before it drops it; a catalog page that answers 404/410
    # is observed with status `gone`.
    watched_prices=("input_price_per_mtok", "output_price_per_mtok"),
    watched_limits=("context_window", "max_output_tokens"),
    retired_when="(expiration_date IS NOT NULL AND expiration_date <= CAST(observed_at AS DATE))"
    " OR status IN ('deprecated', 'gone')",
    retires_on="expiration_date",  # a future expiration date retires the model on that day, unless restated
)  # fmt: skip

ENDPOINT = EntitySpec(
    name="endpoint",
    key=("source", "model_id", "endpoint_key"),
    scope=("source", "model_id"),
    columns={
        "source": KEY_TEXT, "model_id": KEY_TEXT, "endpoint_key": KEY_TEXT,
        "provider": TEXT, "context_length": COUNT, "max_output_tokens": COUNT, "max_prompt_tokens": COUNT,
        "input_price_per_mtok": PRICE, "output_price_per_mtok": PRICE,
        "cache_read_price_per_mtok": PRICE, "cache_write_price_per_mtok": PRICE, "price_tiers": PRICE_TIERS,
        "quantization": TEXT, "supported_params": STRING_SET, "supported_params_count": SMALL_COUNT,
        "implicit_caching": FLAG, "status": CODE,
    },
    parent="model",  # a model missing from a complete model list has no endpoints left
    watched_prices=("input_price_per_mtok", "output_price_per_mtok", "cache_read_price_per_mtok",
                    "cache_write_price_per_mtok"),
    watched_limits=("context_length", "max_output_tokens"),
)  # fmt: skip

BENCHMARK = EntitySpec(
    name="benchmark",
    key=("source", "model_id", "benchmark"),
    scope=("source", "model_id"),
    # a re-score is a new version
    columns={"source": KEY_TEXT, "model_id": KEY_TEXT, "benchmark": KEY_TEXT, "score": PERCENTAGE},
    parent="model",
)

UPTIME = SeriesSpec(
    name="uptime",
    key=("source", "model_id", "endpoint_key", "period"),
    columns={
        "source": KEY_TEXT, "model_id": KEY_TEXT, "endpoint_key": KEY_TEXT, "provider": TEXT,
        "period": choice(*UPTIME_PERIODS), "uptime_pct": PERCENTAGE,
    },
)  # fmt: skip

SPEED = SeriesSpec(
    name="speed",
    key=("source", "model_id", "metric"),
    columns={"source": KEY_TEXT, "model_id": KEY_TEXT, "metric": choice(*SPEED_METRICS), "value": NON_NEGATIVE},
)

ENTITIES: Mapping[str, EntitySpec] = {spec.name: spec for spec in (MODEL, ENDPOINT, BENCHMARK)}
"""Every versioned entity, parents before children (a child's derivation reads its parent's listings)."""

SERIES: Mapping[str, SeriesSpec] = {spec.name: spec for spec in (UPTIME, SPEED)}
"""Every append-only series."""

DECLARATIONS: Mapping[str, EntitySpec | SeriesSpec] = {**ENTITIES, **SERIES}
"""Every kind of record a source's parse returns, by entity name."""


@dataclass(frozen=True)
class SuspectRules:
    """When a change of a watched price or limit is suspect, and how many later fetches confirm it (0: rule off)."""

    price_factor: float = 0.0  # a price moving more than this many times either way, or to or from zero (10)
    limit_shrink: float = 0.0  # a limit falling below this fraction of itself (0.5)
    confirmations: int = 1  # later fetches of the same value that make a suspect change current

    def params(self) -> dict[str, float | int]:
        return {"factor": self.price_factor, "shrink": self.limit_shrink, "confirmations": self.confirmations}
