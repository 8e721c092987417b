"""Settings read from the environment: the only module that reads ``os.environ``."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from extractors.policy import HostPolicy

SOURCES = ("openrouter",)
"""Source ids this build can fetch, in sync order."""

API_KEY_VARIABLES = {"openrouter": "OPENROUTER_API_KEY"}
"""The environment variable that holds each source's optional API key."""


@dataclass(frozen=True)
class Settings:
    """Where the warehouse and archive live, and how each source is reached."""

    warehouse: Path
    raw_dir: Path
    base_urls: Mapping[str, str] = field(default_factory=dict)
    policies: Mapping[str, HostPolicy] = field(default_factory=dict)
    api_keys: Mapping[str, str] = field(default_factory=dict)  # never logged, archived or stored
    max_quarantined_fraction: float = 0.1


def settings_from_env(overrides: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``MODELSYNC_*`` variables (``overrides`` win), with documented defaults."""
    env = {**os.environ, **(overrides or {})}
    warehouse = Path(env.get("MODELSYNC_WAREHOUSE") or "modelsync.duckdb")
    raw_dir = Path(env.get("MODELSYNC_RAW_DIR") or warehouse.parent / "raw")
    base_urls: dict[str, str] = {}
    policies: dict[str, HostPolicy] = {}
    for source in SOURCES:
        prefix = f"MODELSYNC_{source.upper()}"
        if env.get(f"{prefix}_BASE_URL"):
            base_urls[source] = env[f"{prefix}_BASE_URL"].rstrip("/")
        default = HostPolicy()
        policies[source] = HostPolicy(
            rate_per_s=_number(env, f"{prefix}_RATE", default.rate_per_s),
            concurrency=_whole(env, f"{prefix}_CONCURRENCY", default.concurrency),
            max_attempts=_whole(env, "MODELSYNC_RETRY_ATTEMPTS", default.max_attempts),
            max_retry_wait_s=_number(env, "MODELSYNC_RETRY_WAIT_S", default.max_retry_wait_s),
            max_bytes=_whole(env, "MODELSYNC_MAX_BYTES", default.max_bytes),
        )
    return Settings(
        warehouse=warehouse,
        raw_dir=raw_dir,
        base_urls=base_urls,
        policies=policies,
        api_keys={source: env[name] for source, name in API_KEY_VARIABLES.items() if env.get(name)},
        max_quarantined_fraction=_fraction(env, "MODELSYNC_MAX_QUARANTINED_FRACTION", 0.1),
    )


class SettingError(ValueError):
    """An environment variable holds a value modelsync cannot use."""


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingError(f"{name}={raw!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise SettingError(f"{name}={raw!r} must be a positive number")
    return value


def _whole(env: Mapping[str, str], name: str, default: int) -> int:
    value = _number(env, name, default)
    if value != int(value):
        raise SettingError(f"{name}={env[name]!r} must be a whole number")
    return int(value)


def _fraction(env: Mapping[str, str], name: str, default: float) -> float:
    value = _number(env, name, default)
    if value > 1:
        raise SettingError(f"{name}={env[name]!r} must be a fraction between 0 and 1")
    return value
