"""models.dev: one JSON catalogue of every provider's models, limits and costs.

Upstream: ``GET https://models.dev/api.json`` (no key), built from the TOML files of
https://github.com/anomalyco/models.dev (formerly ``sst/models.dev``):
``{"<provider id>": {"id", "name", "env", "npm", "api", "doc", "models": {"<model id>": {...}}}}``.
Feeds: ``model`` (what the model is: name, dates, open weights, modalities, status) and
``endpoint`` (what one provider serves: limits and costs), both keyed
``<provider id>/<model id>`` (``groq/meta-llama/llama-4-scout-17b-16e-instruct``). Each such key has
exactly one endpoint, keyed by the provider id.

Quirks handled here:
- costs are USD per million tokens already (``0.11`` stays ``Decimal("0.11")``); limits are tokens;
- limits and costs belong to the provider, so they go to the endpoint record, not the model record;
- ``knowledge`` may be ``YYYY-MM`` (stored as the first of the month) or ``YYYY-MM-DD``;
- a provider model may inherit from a provider-agnostic ``models/<lab>/<id>.toml`` through
  ``base_model``; api.json serves the merged result and keeps ``base_model``, which we record;
- the schema changes over time: the names in ``RENAMES`` are all read, ``models`` may be an
  object keyed by id or a list of objects with ``id``, ``modalities`` may be missing;
- the payload is the whole catalogue, so it lists every model key;
- unknown fields are ignored; a provider without ``models``, a model that is not an object or a
  value in the wrong unit is a ParseError naming the provider and model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from extractors.spec import ArchivedUrl, PayloadKind, SourceSpec, WebArchive
from transforms.records import Listing, Parsed, ParseError, Record, RowError, json_object, name_set, optional_text
from transforms.roles import IdentityRole, Key
from transforms.units import UnitError, calendar_date, price_per_mtok, token_count, yes_no

ORIGIN = "https://models.dev"
API_URL = f"{ORIGIN}/api.json"
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


def parse_api(body: bytes) -> Parsed:
    """A model and an endpoint record per (provider, model), and a full listing of the ``model`` scope."""
    document = json_object(body, "a JSON object of providers keyed by provider id")
    models: list[Record] = []
    endpoints: list[Record] = []
    rejected: list[RowError] = []
    for provider_id, provider in document.items():
        if not isinstance(provider, Mapping):
            raise ParseError(f"provider {provider_id!r} is not an object")
        for model_id, item in _provider_models(provider_id, provider):
            where = f"provider {provider_id!r} model {model_id!r}"
            key = f"{provider_id}/{model_id}"
            try:
                model = _model_record(key, item)
                endpoint = _endpoint_record(key, provider_id, provider, item)
            except (UnitError, ValueError, TypeError) as e:  # one bad model does not sink the other thousands
                rejected.append(RowError("model", key, f"{where}: {e}"))
                continue
            models.append(model)
            # A deprecated model is retired (positive evidence): its endpoint goes with it.
            if model["status"] != "deprecated":
                endpoints.append(endpoint)
    return Parsed(
        records={"model": models, "endpoint": endpoints},
        listings=(Listing("model", "", len(models) + len(rejected)),),
        rejected=tuple(rejected),
    )


def identity_names(key: str, facts: Mapping[str, Any]) -> list[tuple[object, str]]:
    """A ``<provider>/<model id>`` key is known by its model id and its ``base_model``."""
    return [
        (key.split("/", 1)[1] if "/" in key else key, "normalized slug"),
        (facts.get("base_model"), "models.dev base_model"),
    ]


def canonical_id(candidates: list[Key], facts: Mapping[Key, Mapping[str, Any]]) -> tuple[str, Key]:
    """Its ``openrouter`` entry's id (an OpenRouter model id), else its ``base_model``, else its most common id."""
    for key in candidates:
        if key[1].startswith("openrouter/"):
            return key[1].removeprefix("openrouter/"), key
    bases = sorted((str(facts[k]["base_model"]), k) for k in candidates if isinstance(facts[k].get("base_model"), str))
    if bases:
        return bases[0]
    ids: dict[str, list[Key]] = {}
    for key in candidates:
        model = key[1].split("/", 1)[1] if "/" in key[1] else key[1]
        ids.setdefault(re.sub(r"^@[^/]+/", "", model).lower(), []).append(key)  # a `@cf/`-style prefix dropped
    best = min(ids, key=lambda m: (-len(ids[m]), m))
    return best, ids[best][0]


SOURCE = SourceSpec(
    id="models_dev",
    origin=ORIGIN,
    entities=("model", "endpoint"),
    payload_kinds=(PayloadKind("api", r"/api\.json", parse_api),),
    identity=IdentityRole(
        rank=2, anchors=True, names=identity_names, anchor_rule="models.dev model id", canonical=canonical_id
    ),
    web_archive=WebArchive(lookups=(ArchivedUrl(API_URL),)),
    seeds=(API_URL,),
    field_precedence={
        "release_date": 1,
        "open_weights": 1,
        "knowledge_cutoff": 1,
        "input_modalities": 1,
        "output_modalities": 1,
        "name": 4,
        "creator": 4,
    },  # models.dev limits and prices are per provider: they are the endpoints', not the model's
    upstream_docs="https://github.com/anomalyco/models.dev#api",
)


def _provider_models(provider_id: str, provider: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(model id, model object) pairs, from ``models`` as an object keyed by id or as a list."""
    models = provider.get("models")
    if models is None:
        raise ParseError(f"provider {provider_id!r} has no 'models'")
    if isinstance(models, Mapping):
        pairs = list(models.items())
    elif isinstance(models, list):
        pairs = []
        for n, item in enumerate(models):
            if not isinstance(item, Mapping) or item.get("id") in (None, ""):
                raise ParseError(f"provider {provider_id!r} models[{n}] is not an object with an 'id'")
            pairs.append((item["id"], item))
    else:
        raise ParseError(f"provider {provider_id!r} 'models' is neither an object nor a list")
    seen: set[str] = set()
    for model_id, item in pairs:
        if not isinstance(item, Mapping):
            raise ParseError(f"provider {provider_id!r} model {model_id!r} is not an object")
        if str(model_id) in seen:
            raise ParseError(f"provider {provider_id!r} lists model {model_id!r} twice")
        seen.add(str(model_id))
    return [(str(model_id), item) for model_id, item in pairs]


def _model_record(key: str, item: Mapping[str, Any]) -> Record:
    modalities = _object(item, "modalities")
    return {
        "source": SOURCE.id,
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
        "release_date": calendar_date(_first(item, "release_date")),
        "knowledge_cutoff": calendar_date(_first(item, "knowledge")),
        "expiration_date": None,
        "last_updated": calendar_date(item.get("last_updated")),
        "open_weights": yes_no(_first(item, "open_weights")),
        "status": optional_text(item, "status"),
        "input_modalities": name_set(modalities, "input", "modalities.input"),
        "output_modalities": name_set(modalities, "output", "modalities.output"),
        "supported_params": None,
        "api_providers": None,
        "capabilities": None,
        "mode": None,
        "description": None,
    }


def _endpoint_record(key: str, provider_id: str, provider: Mapping[str, Any], item: Mapping[str, Any]) -> Record:
    cost = _object(item, "cost")
    limit = _object(item, "limit")
    return {
        "source": SOURCE.id,
        "model_id": key,
        "endpoint_key": provider_id,
        "provider": optional_text(provider, "name"),
        "context_length": token_count(_first(limit, "limit.context")),
        "max_output_tokens": token_count(_first(limit, "limit.output")),
        "max_prompt_tokens": token_count(_first(limit, "limit.input")),
        "input_price_per_mtok": price_per_mtok(_first(cost, "cost.input"), PER_MILLION, "cost.input"),
        "output_price_per_mtok": price_per_mtok(_first(cost, "cost.output"), PER_MILLION, "cost.output"),
        "cache_read_price_per_mtok": price_per_mtok(_first(cost, "cost.cache_read"), PER_MILLION, "cost.cache_read"),
        "cache_write_price_per_mtok": price_per_mtok(_first(cost, "cost.cache_write"), PER_MILLION, "cost.cache_write"),
        "quantization": None,
        "supported_params": None,
        "supported_params_count": None,
        "implicit_caching": None,
        "status": None,
    }


def _first(obj: Mapping[str, Any], field: str) -> Any:
    """The value of ``field`` under the first of its ``RENAMES`` names that is present and not null."""
    for name in RENAMES.get(field, (field,)):
        if obj.get(name) is not None:
            return obj[name]
    return None


def _object(item: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = item.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"'{name}' is {value!r}, not an object")
    return value
