"""The records a load reads and returns (no SQL runs here); entities and series are declared in ``entities``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd

from entities import SERIES, SuspectRules

MEASUREMENTS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    name: (spec.table, (*spec.key, "observed_at")) for name, spec in SERIES.items()
}
"""Append-only series: entity -> (table, key), from their declarations (``entities``)."""

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
    drift: pd.DataFrame | None = None  # schema drift rows (``drift_observations``), derived from the payloads
    resolve_identity: Resolver | None = None  # when set, the crosswalk is re-resolved in the same transaction
    resolve_providers: Resolver | None = None  # likewise for providers: (source, provider_key) -> provider_id
    identity_rules_version: str = ""  # when set, an unchanged crosswalk is not re-resolved (see refresh_crosswalk)
    field_precedence: tuple[tuple[str, str, int], ...] = ()  # (field, source, rank) declared; () keeps the table
    retire_after: timedelta = timedelta(0)  # absent from complete listings this long: retired at the first absence
    suspect_rules: SuspectRules = field(default_factory=SuspectRules)  # changes held until confirmed or decided


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
    held: int = 0  # suspect changes this load holds (see the suspect_changes view)
