"""All history SQL: append observations, derive versions, check invariants.

Transaction scope: ``load_batch`` runs one transaction per run. Payload records,
quarantined rows, observations, snapshots, measurements, re-derived versions and
the run's row land together, or (on any error, invariant failures included) none.

Versions are *derived*, never updated in place: for every scope a load touches,
the versions of its keys are recomputed from all their observations plus the
complete snapshots of that scope. So any load order, and any duplicate load,
gives the same versions.

Frames are read by their Python name (DuckDB's replacement scan of the calling function's
locals: ``FROM frame``), never through ``con.register``: a view registered inside a
transaction keeps its frame alive until the commit even once unregistered
(duckdb/duckdb-python#469), so a run loaded a batch at a time would hold every batch.
"""

from __future__ import annotations

from entities import BENCHMARK, ENDPOINT, ENTITIES, MODEL, EntitySpec

from .completeness import INCOMPLETE_LISTINGS, SEED_LOOKBACK, SHORT_LISTING, too_short
from .crosswalk import FACTS_FINGERPRINT, IDENTITY_FACTS, PROVIDER_KEYS, UNMATCHED_KEYS, refresh_crosswalk
from .derive import rederive_stated_retirements
from .entities import (
    MEASUREMENTS,
    KeyChanges,
    LoadBatch,
    LoadCounts,
    Resolver,
    RunRecord,
)
from .invariants import EPOCH, InvariantError, invariant_violations
from .load import _insert_new as _insert_new  # load_batch calls these through here: tests wrap them
from .load import _load as _load
from .load import load_batch
from .rehash import Hasher, rehash_attributes
from .review import DECISIONS, Decided, UnknownSuspect, decide
from .runs import INTERRUPTED_RUNS, close_interrupted, record_load_time, record_run_end, record_run_start

__all__ = [
    "BENCHMARK",
    "DECISIONS",
    "ENDPOINT",
    "ENTITIES",
    "EPOCH",
    "FACTS_FINGERPRINT",
    "IDENTITY_FACTS",
    "INCOMPLETE_LISTINGS",
    "INTERRUPTED_RUNS",
    "MEASUREMENTS",
    "MODEL",
    "PROVIDER_KEYS",
    "SEED_LOOKBACK",
    "SHORT_LISTING",
    "UNMATCHED_KEYS",
    "Decided",
    "EntitySpec",
    "Hasher",
    "InvariantError",
    "KeyChanges",
    "LoadBatch",
    "LoadCounts",
    "Resolver",
    "RunRecord",
    "UnknownSuspect",
    "close_interrupted",
    "decide",
    "invariant_violations",
    "load_batch",
    "record_load_time",
    "record_run_end",
    "record_run_start",
    "rederive_stated_retirements",
    "refresh_crosswalk",
    "rehash_attributes",
    "too_short",
]
