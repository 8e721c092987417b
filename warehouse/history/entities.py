"""Versioned entities and the records a load reads and returns (no SQL runs here)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd


@dataclass(frozen=True)
class EntitySpec:
    """A versioned entity: key, listing scope, versioned attributes, volatile fields and retirement rules."""

    name: str
    key: tuple[str, ...]
    scope: tuple[str, ...]  # a listing of one scope value lists every key in it
    attributes: tuple[str, ...]  # versioned: hashed, a change starts a new version
    volatile: tuple[str, ...] = ()  # stored and shown (latest value of the version), never hashed
    parent: str | None = None  # an entity keyed by this one's scope: its complete listings retire children too
    retired_when: str | None = None  # SQL over an observation: positive evidence that the key is retired
    complete_fraction: float = 0.5  # a listing under this fraction of the recent median is incomplete
    median_window: int = 7  # how many recent complete listings make the median

    @property
    def observations(self) -> str:
        return f"{self.name}_observations"

    @property
    def versions(self) -> str:
        return f"{self.name}_versions"

    @property
    def scope_expr(self) -> str:
        """SQL for the snapshot scope string of a row aliased ``t`` (all scope columns after ``source``)."""
        rest = self.scope[1:]
        return "''" if not rest else " || '|' || ".join(f"t.{c}" for c in rest)


MODEL = EntitySpec(
    name="model",
    key=("source", "model_id"),
    scope=("source",),
    attributes=(
        "name", "creator", "canonical_slug", "hugging_face_id", "base_model", "context_window", "max_output_tokens",
        "input_price_per_mtok", "output_price_per_mtok", "release_date", "knowledge_cutoff",
        "expiration_date", "last_updated", "open_weights", "status", "input_modalities", "output_modalities",
        "supported_params", "api_providers", "capabilities",
    ),
    volatile=("description",),  # edited often, rarely meaningful: shown, not versioned
    # OpenRouter lists a model with an expiration date until it goes: past that date it is retired;
    # models.dev marks a model `deprecated` before it drops it; a catalog page that answers 404/410
    # is observed with status `gone`.
    retired_when="(expiration_date IS NOT NULL AND expiration_date <= CAST(observed_at AS DATE))"
    " OR status IN ('deprecated', 'gone')",
)  # fmt: skip

ENDPOINT = EntitySpec(
    name="endpoint",
    key=("source", "model_id", "endpoint_key"),
    scope=("source", "model_id"),
    attributes=(
        "provider", "context_length", "max_output_tokens", "max_prompt_tokens",
        "input_price_per_mtok", "output_price_per_mtok", "cache_read_price_per_mtok", "cache_write_price_per_mtok",
        "quantization", "supported_params", "supported_params_count", "implicit_caching", "status",
    ),
    parent="model",  # a model missing from a complete model list has no endpoints left
)  # fmt: skip

BENCHMARK = EntitySpec(
    name="benchmark",
    key=("source", "model_id", "benchmark"),
    scope=("source", "model_id"),
    attributes=("score",),  # a re-score is a new version
    parent="model",
)

ENTITIES: Mapping[str, EntitySpec] = {spec.name: spec for spec in (MODEL, ENDPOINT, BENCHMARK)}
"""Every versioned entity, parents before children (a child's derivation reads its parent's listings)."""

MEASUREMENTS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "uptime": ("uptime_measurements", ("source", "model_id", "endpoint_key", "period", "observed_at")),
    "speed": ("speed_measurements", ("source", "model_id", "metric", "observed_at")),
}
"""Append-only series: entity -> (table, key)."""

Resolver = Callable[[pd.DataFrame], pd.DataFrame]
"""Identity facts (one row per source key) -> the crosswalk (source, source_key, model_id, rule)."""


@dataclass(frozen=True)
class RunRecord:
    """A run as ``runs`` shows it once it has finished."""

    run_id: str
    kind: str
    started_at: datetime
    sources: tuple[str, ...] = ()
    status: str = "running"
    finished_at: datetime | None = None
    failed_urls: tuple[tuple[str, str], ...] = ()
    fetch_s: float | None = None
    archive_s: float | None = None
    parse_s: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class LoadBatch:
    """Everything one run loads, as frames shaped like their tables."""

    run: RunRecord
    recorded_at: datetime
    payloads: pd.DataFrame
    observations: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    snapshots: pd.DataFrame | None = None
    measurements: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    quarantine: pd.DataFrame | None = None
    resolve_identity: Resolver | None = None  # when set, the crosswalk is re-resolved in the same transaction
    resolve_providers: Resolver | None = None  # likewise for providers: (source, provider_key) -> provider_id
    identity_rules_version: str = ""  # when set, an unchanged crosswalk is not re-resolved (see refresh_crosswalk)


@dataclass(frozen=True)
class KeyChanges:
    """How the keys of the scopes a load touched moved: new, changed, retired or unchanged."""

    new: int = 0
    changed: int = 0
    retired: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class LoadCounts:
    """What a load added."""

    payloads: int = 0
    observations: int = 0
    new_versions: int = 0
    measurements: int = 0
    quarantined: int = 0
    keys: Mapping[str, KeyChanges] = field(default_factory=dict)
    unmatched: tuple[tuple[str, str], ...] = ()  # (source, source key) the crosswalk could not match
    incomplete: tuple[tuple[str, str, str, str], ...] = ()  # (entity, source, scope, why) of this run's short lists
