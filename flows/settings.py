"""Settings read from the environment: the only module that reads ``os.environ``."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from entities import SuspectRules
from extractors.policy import HostPolicy
from extractors.registry import REGISTERED
from warehouse import DEFAULT_WAREHOUSE, WAREHOUSE_VARIABLE
from warehouse.feed_queries import ChangeFilter

SOURCES = REGISTERED
"""Source ids this build can fetch, in sync order (the registry's)."""

API_KEY_SUFFIX = "_API_KEY"
"""Variables ending so may hold a source's API key (each source names its own: ``SourceSpec.api_key_variable``)."""

WAYBACK_CDX, WAYBACK_CAPTURES = "wayback_cdx", "wayback_captures"
"""Policy names of the Internet Archive's CDX queries and capture fetches (``Settings.policy``)."""


DEFAULT_CRON = "0 2 * * *"
"""`serve` syncs nightly at 02:00 UTC unless MODELSYNC_CRON or --cron says otherwise."""


WEBHOOK_POLICY = HostPolicy(max_attempts=3, max_retry_wait_s=10.0, connect_timeout_s=10.0, read_timeout_s=10.0,
                            backoff_s=0.5)  # fmt: skip
"""A webhook is tried 3 times, 0.5 s then about 1 s apart, 10 s at most per attempt: a run does not wait long."""


@dataclass(frozen=True)
class Webhook:
    """Where changes are POSTed after a run, which of them, and how hard to try. The URL may hold a secret."""

    url: str = field(repr=False)
    only: ChangeFilter = field(default_factory=ChangeFilter)  # MODELSYNC_WEBHOOK_MODEL, _PROVIDER, _FIELD
    policy: HostPolicy = field(default_factory=lambda: WEBHOOK_POLICY)


@dataclass(frozen=True)
class Settings:
    """Where the warehouse and archive live, and how each source is reached."""

    warehouse: Path
    raw_dir: Path
    base_urls: Mapping[str, str] = field(default_factory=dict)
    policy_overrides: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # source -> HostPolicy fields
    api_keys: Mapping[str, str] = field(default_factory=dict, repr=False)  # variable -> key; never logged or stored
    sources: tuple[str, ...] = SOURCES  # what `sync` fetches when no --source is named
    max_quarantined_fraction: float = 0.1
    load_batch_mb: float = 32.0  # an import or a backfill run parses and loads this many MB of payloads at a time
    backfill_run_mb: float = 0.0  # consecutive dates of a backfill share a run up to this many MB (0: a run a date)
    cron: str = DEFAULT_CRON  # when `serve` syncs (UTC)
    wayback_base_url: str | None = None  # a mirror standing in for https://web.archive.org
    webhook: Webhook | None = field(default=None, repr=False)  # POST each run's changes (MODELSYNC_WEBHOOK_URL)
    retire_after: timedelta = timedelta(0)  # how long a key must stay absent from complete listings to be retired
    suspect_rules: SuspectRules = field(default_factory=SuspectRules)  # which changes are held for confirmation

    def policy(self, source: str, default: HostPolicy) -> HostPolicy:
        """A source's politeness: its declared policy with the environment's overrides applied."""
        whole = ("concurrency", "max_attempts", "max_bytes")
        fields: dict[str, Any] = {
            name: int(value) if name in whole else value
            for name, value in self.policy_overrides.get(source, {}).items()
        }
        return replace(default, **fields)


def default_raw_dir(warehouse: Path) -> Path:
    """The archive beside a warehouse: ``raw/`` for ``modelsync.duckdb``, ``<name>-raw/`` for any other name.

    So two warehouses in one folder (``modelsync.duckdb`` and the demo's ``modelsync-demo.duckdb``)
    never share an archive, and the default one keeps the ``raw/`` it always had.
    """
    if warehouse.name == Path(DEFAULT_WAREHOUSE).name:
        return warehouse.parent / "raw"
    return warehouse.parent / f"{warehouse.name.removesuffix('.duckdb')}-raw"


def settings_from_env(overrides: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``MODELSYNC_*`` variables (``overrides`` win), with documented defaults."""
    env = {**os.environ, **(overrides or {})}
    warehouse = Path(env.get(WAREHOUSE_VARIABLE) or DEFAULT_WAREHOUSE)
    raw_dir = Path(env.get("MODELSYNC_RAW_DIR") or default_raw_dir(warehouse))
    base_urls: dict[str, str] = {}
    policy_overrides: dict[str, dict[str, float]] = {}
    for source in SOURCES:
        prefix = f"MODELSYNC_{source.upper()}"
        if env.get(f"{prefix}_BASE_URL"):
            base_urls[source] = env[f"{prefix}_BASE_URL"].rstrip("/")
        # Only what the environment sets; the rest comes from the source's declared policy.
        named = {
            "rate_per_s": (f"{prefix}_RATE", _number),
            "concurrency": (f"{prefix}_CONCURRENCY", _whole),
            "max_attempts": ("MODELSYNC_RETRY_ATTEMPTS", _whole),
            "max_retry_wait_s": ("MODELSYNC_RETRY_WAIT_S", _number),
            "backoff_s": ("MODELSYNC_RETRY_BACKOFF_S", _number),
            "max_bytes": ("MODELSYNC_MAX_BYTES", _whole),
            "read_timeout_s": ("MODELSYNC_READ_TIMEOUT_S", _number),
            "response_timeout_s": ("MODELSYNC_RESPONSE_TIMEOUT_S", _number),
        }
        policy_overrides[source] = {
            name: float(read(env, variable, 0)) for name, (variable, read) in named.items() if env.get(variable)
        }
    if env.get("MODELSYNC_WAYBACK_BASE_URL"):
        wayback_base_url: str | None = env["MODELSYNC_WAYBACK_BASE_URL"].rstrip("/")
    else:
        wayback_base_url = None
    # The Internet Archive's CDX queries and capture fetches have policies of their own (extractors/wayback.py).
    shared = {
        **_set(env, "max_attempts", "MODELSYNC_RETRY_ATTEMPTS", _whole),
        **_set(env, "max_retry_wait_s", "MODELSYNC_RETRY_WAIT_S", _number),
        **_set(env, "backoff_s", "MODELSYNC_RETRY_BACKOFF_S", _number),
        **_set(env, "max_bytes", "MODELSYNC_MAX_BYTES", _whole),
        **_set(env, "read_timeout_s", "MODELSYNC_READ_TIMEOUT_S", _number),
        **_set(env, "response_timeout_s", "MODELSYNC_RESPONSE_TIMEOUT_S", _number),
    }
    policy_overrides[WAYBACK_CDX] = {**shared, **_set(env, "rate_per_s", "MODELSYNC_WAYBACK_RATE", _number)}
    policy_overrides[WAYBACK_CAPTURES] = {
        **shared,
        **_set(env, "rate_per_s", "MODELSYNC_WAYBACK_CAPTURE_RATE", _number),
        **_set(env, "concurrency", "MODELSYNC_WAYBACK_CONCURRENCY", _whole),
    }
    enabled = tuple(s.strip() for s in (env.get("MODELSYNC_SOURCES") or ",".join(SOURCES)).split(",") if s.strip())
    unknown = [s for s in enabled if s not in SOURCES]
    if unknown or not enabled:
        given = env.get("MODELSYNC_SOURCES")
        raise SettingError(f"MODELSYNC_SOURCES={given!r}: known sources are {', '.join(SOURCES)}")
    return Settings(
        sources=enabled,
        warehouse=warehouse,
        raw_dir=raw_dir,
        base_urls=base_urls,
        policy_overrides=policy_overrides,
        api_keys={name: value for name, value in env.items() if name.endswith(API_KEY_SUFFIX) and value},
        max_quarantined_fraction=_fraction(env, "MODELSYNC_MAX_QUARANTINED_FRACTION", 0.1),
        load_batch_mb=_number(env, "MODELSYNC_LOAD_BATCH_MB", 32.0),
        backfill_run_mb=_number(env, "MODELSYNC_BACKFILL_RUN_MB", 0.0),
        cron=(env.get("MODELSYNC_CRON") or DEFAULT_CRON).strip(),
        wayback_base_url=wayback_base_url,
        webhook=_webhook(env),
        retire_after=_duration(env, "MODELSYNC_RETIRE_AFTER"),
        suspect_rules=SuspectRules(
            price_factor=_off_or_number(env, "MODELSYNC_SUSPECT_PRICE_FACTOR", 0.0),
            limit_shrink=_off_or_number(env, "MODELSYNC_SUSPECT_LIMIT_SHRINK", 0.0),
            confirmations=_whole(env, "MODELSYNC_SUSPECT_CONFIRMATIONS", 1),
        ),
    )


def _webhook(env: Mapping[str, str]) -> Webhook | None:
    """The webhook ``MODELSYNC_WEBHOOK_*`` describe, or None when ``MODELSYNC_WEBHOOK_URL`` is unset or empty."""
    url = (env.get("MODELSYNC_WEBHOOK_URL") or "").strip()
    if not url:
        return None
    if not url.lower().startswith(("http://", "https://")):  # the value itself is never repeated: it may be a secret
        raise SettingError("MODELSYNC_WEBHOOK_URL must be an http:// or https:// URL")
    default = WEBHOOK_POLICY
    policy = replace(
        default,
        max_attempts=_whole(env, "MODELSYNC_WEBHOOK_ATTEMPTS", default.max_attempts),
        backoff_s=_number(env, "MODELSYNC_WEBHOOK_BACKOFF_S", default.backoff_s),
        read_timeout_s=_number(env, "MODELSYNC_WEBHOOK_TIMEOUT_S", default.read_timeout_s),
        connect_timeout_s=_number(env, "MODELSYNC_WEBHOOK_TIMEOUT_S", default.connect_timeout_s),
    )
    return Webhook(
        url,
        only=ChangeFilter(
            model=env.get("MODELSYNC_WEBHOOK_MODEL") or None,
            provider=env.get("MODELSYNC_WEBHOOK_PROVIDER") or None,
            field=env.get("MODELSYNC_WEBHOOK_FIELD") or None,
        ),
        policy=policy,
    )


class SettingError(ValueError):
    """An environment variable holds a value modelsync cannot use."""


def _set(env: Mapping[str, str], field_name: str, variable: str, read: Any) -> dict[str, float]:
    """``{field_name: value}`` when the environment sets ``variable``, else nothing."""
    return {field_name: float(read(env, variable, 0))} if env.get(variable) else {}


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


DURATION_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _duration(env: Mapping[str, str], name: str) -> timedelta:
    """A duration such as ``36h`` or ``2d`` (``0`` or unset: none)."""
    raw = (env.get(name) or "0").strip()
    if raw == "0":
        return timedelta(0)
    if len(raw) > 1 and raw[:-1].isdigit() and raw[-1] in DURATION_UNITS:
        return timedelta(**{DURATION_UNITS[raw[-1]]: int(raw[:-1])})
    raise SettingError(f"{name}={raw!r} must be a duration such as 36h or 2d (0 for none)")


def _off_or_number(env: Mapping[str, str], name: str, default: float) -> float:
    """A positive number, or ``0``: the rule it sets is off."""
    return 0.0 if (env.get(name) or "").strip() in ("0", "0.0") else _number(env, name, default)


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
