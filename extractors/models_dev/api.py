"""models.dev's ``api.json``: every provider's models in one JSON document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from transforms.records import Listing, Parsed, ParseError, Record, RowError, json_object
from transforms.units import UnitError

from .records import endpoint_record, model_record


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
                model = model_record(key, item)
                endpoint = endpoint_record(key, provider_id, provider, item)
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
