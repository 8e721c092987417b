"""models.dev's model and endpoint records from one model object (api.json's, or a TOML file merged with its base)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from entities import TIERED_PRICES
from transforms.records import Record, name_set, optional_text
from transforms.units import calendar_date, price_per_mtok, token_count, yes_no

SOURCE_ID = "models_dev"
PER_MILLION = 1_000_000

RENAMES: Mapping[str, tuple[str, ...]] = {
    # model fields
    "knowledge": ("knowledge", "knowledge_cutoff"),
    "release_date": ("release_date", "released"),
    "open_weights": ("open_weights", "open_source"),
    # inside ``cost``
    "cost.input": ("input",),
    "cost.output": ("output",),
    "cost.cache_read": ("cache_read", "input_cache_read", "cached_input"),
    "cost.cache_write": ("cache_write", "input_cache_write"),
    # inside ``limit``
    "limit.context": ("context",),
    "limit.output": ("output", "max_output", "max_tokens"),
    "limit.input": ("input", "max_input"),
}
"""Field -> the names models.dev has used for it, current name first. The first one present
(not null) wins, so a payload of any vintage parses to the same records."""


def model_record(key: str, item: Mapping[str, Any]) -> Record:
    modalities = sub_object(item, "modalities")
    return {
        "source": SOURCE_ID,
        "model_id": key,
        "name": optional_text(item, "name"),
        "creator": None,
        "canonical_slug": None,
        "hugging_face_id": None,
        "base_model": optional_text(item, "base_model"),
        # Limits and prices are per provider: they are on the endpoint record.
        "context_window": None,
        "max_output_tokens": None,
        "input_price_per_mtok": None,
        "output_price_per_mtok": None,
        "release_date": calendar_date(first(item, "release_date")),
        "knowledge_cutoff": calendar_date(first(item, "knowledge")),
        "expiration_date": None,
        "last_updated": calendar_date(item.get("last_updated")),
        "open_weights": yes_no(first(item, "open_weights")),
        "status": optional_text(item, "status"),
        "input_modalities": name_set(modalities, "input", "modalities.input"),
        "output_modalities": name_set(modalities, "output", "modalities.output"),
        "supported_params": None,
        "api_providers": None,
        "capabilities": None,
        "mode": None,
        "description": None,
    }


def endpoint_record(key: str, provider_id: str, provider: Mapping[str, Any], item: Mapping[str, Any]) -> Record:
    cost = sub_object(item, "cost")
    limit = sub_object(item, "limit")
    return {
        "source": SOURCE_ID,
        "model_id": key,
        "endpoint_key": provider_id,
        "provider": optional_text(provider, "name"),
        "context_length": token_count(first(limit, "limit.context")),
        "max_output_tokens": token_count(first(limit, "limit.output")),
        "max_prompt_tokens": token_count(first(limit, "limit.input")),
        "input_price_per_mtok": price_per_mtok(first(cost, "cost.input"), PER_MILLION, "cost.input"),
        "output_price_per_mtok": price_per_mtok(first(cost, "cost.output"), PER_MILLION, "cost.output"),
        "cache_read_price_per_mtok": price_per_mtok(first(cost, "cost.cache_read"), PER_MILLION, "cost.cache_read"),
        "cache_write_price_per_mtok": price_per_mtok(first(cost, "cost.cache_write"), PER_MILLION, "cost.cache_write"),
        "price_tiers": price_tiers(cost),
        "quantization": None,
        "supported_params": None,
        "supported_params_count": None,
        "implicit_caching": None,
        "status": None,
    }


def price_tiers(cost: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """Prices above a prompt size: ``cost.tiers`` (``tier = { type = "context", size = 200_000 }``), else the
    legacy ``cost.context_over_200k``; sorted by price, then size. None when there is none."""
    tiers = cost.get("tiers")
    if tiers is None and isinstance(cost.get("context_over_200k"), Mapping):
        tiers = [{**cost["context_over_200k"], "tier": {"size": 200_000}}]
    if tiers is None:
        return None
    if not isinstance(tiers, list):
        raise ValueError(f"'cost.tiers' is {tiers!r}, not a list")
    out = []
    for tier in tiers:
        rule = tier.get("tier") if isinstance(tier, Mapping) else None
        if not isinstance(rule, Mapping) or rule.get("type", "context") != "context":
            continue  # only tiers by prompt size
        size = token_count(rule.get("size"))
        for price in TIERED_PRICES:
            name = f"cost.tiers.{price}"
            value = price_per_mtok(first(tier, f"cost.{price}"), PER_MILLION, name)
            if value is not None and size:
                out.append({"price": price, "above_tokens": size, "price_per_mtok": value})
    out.sort(key=lambda t: (TIERED_PRICES.index(t["price"]), t["above_tokens"]))
    return out or None


def first(obj: Mapping[str, Any], field: str) -> Any:
    """The value of ``field`` under the first of its ``RENAMES`` names that is present and not null."""
    for name in RENAMES.get(field, (field,)):
        if obj.get(name) is not None:
            return obj[name]
    return None


def sub_object(item: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = item.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"'{name}' is {value!r}, not an object")
    return value
