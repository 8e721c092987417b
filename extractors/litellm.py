"""LiteLLM: the price and context-window map LiteLLM ships, one JSON object keyed by model name.

Upstream: ``GET https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json``
(no key; served as ``text/plain``), documented at https://docs.litellm.ai/docs/completion/token_usage#3-model_cost
and by its own first entry, ``sample_spec``: ``{"<key>": {"litellm_provider", "mode", "max_input_tokens",
"max_output_tokens", "max_tokens", "input_cost_per_token", ..., "supports_vision": true, ...}}``.
Feeds: ``model`` and ``endpoint``, one of each per key, both keyed by the map key (a provider's deployment:
``groq/meta-llama/llama-4-scout-17b-16e-instruct``, ``gpt-4o``, ``meta.llama4-scout-17b-instruct-v1:0``).

Quirks handled here:
- not models, skipped: ``sample_spec``, ``fallback_generalizations`` (routing rules, since 2026-07), keys
  starting with ``_`` (notes added to our fixtures) and the string ``last_updated`` a git mirror of the file
  adds (RoCry/llm-api-price). Any other entry that is not an object, lacks ``litellm_provider`` or holds a
  value that does not read in its unit is one rejected row, never the payload;
- prices are USD per token as JSON numbers (``1.1e-07`` is ``Decimal("0.11")`` per million), stored as
  published even when upstream's unit is wrong (novita's Llama 4 Scout at ``0.0008`` a token, 2026-01-09 to -13);
- prices above a prompt size (``input_cost_per_token_above_200k_tokens``, and the output and cache ones) are
  the endpoint's ``price_tiers``; other special prices (``_batches``, ``_priority``, ``_above_1hr`` cache
  writes, per character, image or second) are not read: a malformed one rejects nothing;
- limits and prices are the deployment's, on the endpoint record only (as models.dev's);
- ``max_input_tokens`` is stored as the endpoint's ``context_length``; LiteLLM has no
  separate prompt cap, so ``max_prompt_tokens`` stays NULL. For a few models it is the input cap rather than
  the window (``gpt-5``: 272,000 of 400,000);
- ``max_tokens`` is legacy and means the output or the input limit: see ``max_output_tokens``;
- ``deprecation_date`` is the model's ``expiration_date`` (the model is retired once it is past; its endpoint
  stays current while the map keeps the key); two groq entries wrote it ``2025-1-6``;
- the ``supports_*`` flags that are true are the model's ``capabilities`` and the endpoint's ``supported_params``;
- the payload lists every key: a key removed from it retires its model and, through it, its endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from entities import TIERED_PRICES
from extractors.spec import ArchivedUrl, PayloadKind, SourceSpec, WebArchive
from transforms.drift import KnownFields
from transforms.records import Listing, Parsed, Record, RowError, json_object, name_set, optional_text
from transforms.roles import IdentityRole
from transforms.units import UnitError, calendar_date, price_per_mtok, token_count

ORIGIN = "https://raw.githubusercontent.com"
PRICES_URL = f"{ORIGIN}/BerriAI/litellm/main/model_prices_and_context_window.json"
NOT_MODELS = frozenset({"sample_spec", "fallback_generalizations"})
"""Top-level objects of the map that are not models: the schema's documentation, routing rules."""
MIRROR_STAMP = "last_updated"
"""The key a git mirror of the map adds, a timestamp string (upstream has no such key)."""
FLAG_PREFIX = "supports_"
TIER = re.compile(r"(?P<field>input_cost_per_token|output_cost_per_token|cache_read_input_token_cost"
                  r"|cache_creation_input_token_cost)_above_(?P<thousands>\d+)k_tokens")  # fmt: skip
"""A price that applies above a prompt size, in thousands of tokens."""
TIER_PRICES = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cache_read",
    "cache_creation_input_token_cost": "cache_write",
}


def parse_prices(body: bytes) -> Parsed:
    """A model and an endpoint record per key of the map, and a full listing of the ``model`` scope."""
    document = json_object(body, "a JSON object of models keyed by model name")
    models: list[Record] = []
    endpoints: list[Record] = []
    rejected: list[RowError] = []
    for key, entry in document.items():
        if key in NOT_MODELS or key.startswith("_") or (key == MIRROR_STAMP and isinstance(entry, str)):
            continue
        try:
            model, endpoint = _remembered_records(key, entry)
        except (UnitError, ValueError, TypeError) as e:  # one bad entry does not sink the other thousands
            rejected.append(RowError("model", key, f"model {key!r}: {e}"))
            continue
        models.append(model)
        endpoints.append(endpoint)
    return Parsed(
        records={"model": models, "endpoint": endpoints},
        listings=(Listing("model", "", len(models) + len(rejected)),),
        rejected=tuple(rejected),
    )


def max_output_tokens(entry: Mapping[str, Any], max_input: int | None) -> int | None:
    """``max_output_tokens``; else the legacy ``max_tokens`` only when it is below ``max_input_tokens``.

    ``sample_spec`` says ``max_tokens`` is the output limit when the provider gives one, else the input
    limit. In the 640 versions of the map from 2025-02 to 2026-07, every entry without ``max_output_tokens``
    but with ``max_input_tokens`` has ``max_tokens`` equal to it (embeddings, image models, some chat), and
    entries with neither hold the context window there (``openrouter/anthropic/claude-3-haiku``: 200,000).
    So it is read as the output limit only where it cannot be the input limit. Next to
    ``max_output_tokens`` it is ignored (41 entries disagree, e.g. 128,000 against 4,028).
    """
    stated = token_count(entry.get("max_output_tokens"))
    if stated is not None:
        return stated
    legacy = token_count(entry.get("max_tokens"))
    return legacy if legacy is not None and max_input is not None and legacy < max_input else None


def identity_names(key: str, facts: Mapping[str, Any]) -> list[tuple[object, str]]:
    """A key is known by itself without its first path segment (the OpenRouter id after ``openrouter/``), and as is.

    Names compare by their last path segment (``transforms.roles.normalized``), so both are one name, that of
    the endpoint's ``source_model_key`` too (the SQL macro: the key without its provider prefix).
    """
    how = "litellm openrouter/ entry" if key.startswith("openrouter/") else "normalized slug"
    unprefixed = [(key.split("/", 1)[1], how)] if "/" in key else []
    return [*unprefixed, (key, "normalized slug")]


PRICES_FIELDS = KnownFields(
    expected=("*.litellm_provider", "*.mode", "*.max_input_tokens", "*.max_output_tokens", "*.input_cost_per_token",
              "*.output_cost_per_token"),
    optional=(
        "*.max_tokens", "*.cache_read_input_token_cost", "*.cache_creation_input_token_cost", "*.deprecation_date",
        "*.supported_modalities", "*.supported_output_modalities", f"*.{FLAG_PREFIX}*",
        *(f"*.{name}_above_*_tokens" for name in TIER_PRICES),
        # not models (skipped by the parser): routing rules, the mirror's stamp, our fixtures' notes
        *NOT_MODELS, MIRROR_STAMP, "_*",
        # known, not read: prices of batches, priority, long cache writes, tools, audio, reasoning and
        # per-unit services; regions, the entry's source and metadata
        "*.*_batches", "*.*_priority", "*.*_above_1hr", "*.input_cost_per_audio_token",
        "*.output_cost_per_reasoning_token", "*.input_dbu_cost_per_token", "*.output_dbu_cost_per_token",
        "*.search_context_cost_per_query", "*.code_interpreter_cost_per_session", "*.computer_use_*",
        "*.file_search_*", "*.vector_store_cost_per_gb_per_day", "*.supported_regions", "*.source", "*.metadata",
    ),
)  # fmt: skip
"""What ``parse_prices`` reads or knowingly ignores in the map, keyed by model name (``*``; ``transforms.drift``)."""


SOURCE = SourceSpec(
    id="litellm",
    origin=ORIGIN,
    entities=("model", "endpoint"),
    payload_kinds=(
        PayloadKind(
            "prices", r"/BerriAI/litellm/main/model_prices_and_context_window\.json", parse_prices, fields=PRICES_FIELDS
        ),
    ),
    # Its keys join a model only by a name another source's key shares; it never names one.
    identity=IdentityRole(rank=5, names=identity_names),
    web_archive=WebArchive(lookups=(ArchivedUrl(PRICES_URL),)),
    seeds=(PRICES_URL,),
    # What a model accepts and returns; limits and prices are per deployment: the endpoints'.
    field_precedence={"input_modalities": 5, "output_modalities": 5},
    upstream_docs="https://docs.litellm.ai/docs/completion/token_usage#3-model_cost",
)


_REMEMBERED: dict[tuple[object, ...], tuple[Record, Record]] = {}
_REMEMBER_AT_MOST = 50_000  # entries (about 3 MB a thousand): forgotten all at once past it


def _remembered_records(key: str, entry: object) -> tuple[Record, Record]:
    """``_records``, remembered by the entry's value: a history's versions repeat 99% of the map's entries.

    The value is told apart by each field's type too (``1`` is not ``True`` nor ``1.0`` here). An entry
    holding a nested object is not remembered. The records are shared: callers copy, never change them.
    """
    if not isinstance(entry, Mapping):
        return _records(key, entry)
    try:  # most entries hold scalars only: their items and the types of their values, read in C
        remembered: tuple[object, ...] = (key, tuple(entry.items()), tuple(map(type, entry.values())))
        found = _REMEMBERED.get(remembered)
    except TypeError:  # a list among them (supported regions, modalities)
        try:
            remembered = (key, _frozen(entry))
            found = _REMEMBERED.get(remembered)
        except TypeError:
            return _records(key, entry)
    if found is None:
        found = _records(key, entry)
        if len(_REMEMBERED) >= _REMEMBER_AT_MOST:
            _REMEMBERED.clear()
        _REMEMBERED[remembered] = found
    return found


def _frozen(entry: object) -> object:
    if not isinstance(entry, Mapping):
        raise TypeError("not an object")
    return tuple((k, type(v), tuple(v) if isinstance(v, list) else v) for k, v in entry.items())


def _records(key: str, entry: object) -> tuple[Record, Record]:
    """The model and the endpoint record of one entry; a ValueError or UnitError when it does not read."""
    if not isinstance(entry, Mapping):
        raise ValueError(f"is {type(entry).__name__}, not an object")
    provider = entry.get("litellm_provider")
    if not isinstance(provider, str) or not provider.strip():
        raise ValueError(f"'litellm_provider' is {provider!r}, not a provider")
    context = token_count(entry.get("max_input_tokens"))
    output = max_output_tokens(entry, context)
    input_price = _price(entry, "input_cost_per_token")
    output_price = _price(entry, "output_cost_per_token")
    flags = _flags(entry)
    model: Record = {
        "source": SOURCE.id,
        "model_id": key,
        "name": None,
        "creator": None,
        "canonical_slug": None,
        "hugging_face_id": None,
        "base_model": None,
        # Limits and prices are the deployment's: on the endpoint record only, as models.dev's are.
        "context_window": None,
        "max_output_tokens": None,
        "input_price_per_mtok": None,
        "output_price_per_mtok": None,
        "release_date": None,
        "knowledge_cutoff": None,
        "expiration_date": _date(entry.get("deprecation_date")),
        "last_updated": None,
        "open_weights": None,
        "status": None,
        "input_modalities": name_set(entry, "supported_modalities"),
        "output_modalities": name_set(entry, "supported_output_modalities"),
        "supported_params": None,
        "api_providers": None,
        "capabilities": flags,
        "mode": optional_text(entry, "mode"),
        "description": None,
    }
    endpoint: Record = {
        "source": SOURCE.id,
        "model_id": key,
        "endpoint_key": key,
        "provider": provider,
        "context_length": context,
        "max_output_tokens": output,
        "max_prompt_tokens": None,
        "input_price_per_mtok": input_price,
        "output_price_per_mtok": output_price,
        "cache_read_price_per_mtok": _price(entry, "cache_read_input_token_cost"),
        "cache_write_price_per_mtok": _price(entry, "cache_creation_input_token_cost"),
        "price_tiers": price_tiers(entry),
        "quantization": None,
        "supported_params": flags,
        "supported_params_count": None if flags is None else len(flags),
        "implicit_caching": None,
        "status": None,
    }
    return model, endpoint


def _price(entry: Mapping[str, Any], name: str) -> Decimal | None:
    """USD per million tokens from the USD per token ``name``."""
    return price_per_mtok(entry.get(name), 1, name)


def price_tiers(entry: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The per-token prices above a prompt size (``input_cost_per_token_above_200k_tokens``), sorted; None if none.

    Only token prices by prompt size: ``_priority`` prices, cache writes ``_above_1hr`` (a duration) and
    prices per character, image or second are not tiers of the endpoint's prices.
    """
    tiers = []
    for name, value in entry.items():
        if value is None or "_above_" not in name or (match := TIER.fullmatch(name)) is None:
            continue
        price = TIER_PRICES[match["field"]]
        tiers.append({"price": price, "above_tokens": int(match["thousands"]) * 1000,
                      "price_per_mtok": price_per_mtok(value, 1, name)})  # fmt: skip
    tiers.sort(key=lambda t: (TIERED_PRICES.index(t["price"]), t["above_tokens"]))
    return tiers or None


def _flags(entry: Mapping[str, Any]) -> list[str] | None:
    """The names of the ``supports_*`` flags that are true, without the prefix; None when it has no such flag."""
    flags = {name: value for name, value in entry.items() if name.startswith(FLAG_PREFIX)}
    for name, value in flags.items():
        if value is not None and not isinstance(value, bool):
            raise ValueError(f"'{name}' is {value!r}, not true or false")
    if not flags:
        return None
    return sorted(name.removeprefix(FLAG_PREFIX) for name, value in flags.items() if value is True)


def _date(value: object) -> date | None:
    """A date, also from ``2025-1-6`` (month and day without their leading zero)."""
    if isinstance(value, str) and (parts := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value.strip())):
        value = f"{parts[1]}-{int(parts[2]):02d}-{int(parts[3]):02d}"
    return calendar_date(value)
