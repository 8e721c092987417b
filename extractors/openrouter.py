"""OpenRouter: the model list, then each model's provider endpoints.

Upstream: ``GET https://openrouter.ai/api/v1/models`` and
``GET https://openrouter.ai/api/v1/models/{author}/{slug}/endpoints``
(schema: components ``Model`` and ``PublicEndpoint`` of OpenRouter's OpenAPI spec).
Feeds: ``model`` (the list), ``endpoint`` and ``uptime`` (the endpoints pages).

Quirks handled here:
- prices are decimal strings in USD per token, some with 14 significant digits
  (``"0.00000017992692"``) or float noise (``"0.0000006000000000000001"``); we store USD per
  million tokens rounded half even to 12 decimals (``transforms.units.price_per_mtok``);
- the router models (``openrouter/auto``) price every token at ``"-1"``: not a price but "billed at
  the routed model's price" (a client that took it literally showed negative costs,
  https://github.com/earendil-works/pi/issues/8020). Stored as published (-1,000,000 per million
  tokens), the one negative price validation lets through (``transforms.frames.ROUTED_PRICE``);
- ``tag``, not ``provider_name``, is the unique endpoint key (one provider can serve
  several endpoints of a model, e.g. ``fireworks`` and ``fireworks/fast``);
- ``uptime_last_1d`` and ``uptime_last_5m`` are missing from older payloads and may be null;
- ``max_completion_tokens`` may be null; ``supports_implicit_caching`` is absent from
  older payloads (stored as NULL, not as false);
- ``expiration_date`` ``2098-12-31`` is OpenRouter's "no expiration" placeholder, not a date: stored as
  NULL, so the model is not retired in 2098;
- an endpoint's ``pricing.overrides`` (prices that replace the base ones for a prompt above
  ``min_prompt_tokens`` tokens, inside a daily UTC window ``utc_start``..``utc_end`` given as HHMM clock
  numbers (``2200`` is 22:00; the window wraps midnight when start > end), on ``utc_days``) are its
  ``price_tiers``: one tier a price key of an entry (``prompt``, ``completion``, ``input_cache_read``,
  ``input_cache_write``; other keys such as ``audio`` are not prices of ours and are skipped), its
  conditions kept, ``entry`` its place in the list (a later applicable entry wins, per price key);
  ``min_prompt_tokens`` 0 is no condition (every prompt is longer). A malformed entry (a price that is
  not a number, a clock that is not HHMM, an unknown weekday) fails the payload naming it, as a
  malformed base price does. The model list's ``pricing`` may carry overrides too: not read (a model
  has no tiers; its endpoints' do);
- unknown extra fields are ignored, and named in the ``schema_drift`` view (``MODELS_FIELDS``,
  ``ENDPOINTS_FIELDS``); a missing required field is a ParseError.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote, unquote

from entities import TIERED_PRICES, WEEKDAYS
from extractors.spec import ArchivedUrl, PayloadKind, SourceSpec, WebArchive
from transforms.drift import KnownFields
from transforms.records import Listing, Parsed, ParseError, Record, json_object, required
from transforms.roles import IdentityRole
from transforms.units import (
    UnitError,
    calendar_date,
    exact_decimal,
    percentage,
    price_per_mtok,
    sorted_set,
    token_count,
)

ORIGIN = "https://openrouter.ai"
MODELS_URL = f"{ORIGIN}/api/v1/models"
NO_EXPIRATION = date(2098, 12, 31)
"""What OpenRouter puts in ``expiration_date`` for a model with none."""
UPTIME_FIELDS = (("5m", "uptime_last_5m"), ("30m", "uptime_last_30m"), ("1d", "uptime_last_1d"))
OVERRIDE_PRICES = {"prompt": "input", "completion": "output", "input_cache_read": "cache_read",
                   "input_cache_write": "cache_write"}  # fmt: skip
"""The price keys of ``pricing.overrides`` entries that are tiers, and the price each replaces."""


def endpoints_url(model_id: str) -> str:
    """The endpoints URL of a model id such as ``meta-llama/llama-4-scout`` (``?``, ``#``, spaces percent-encoded)."""
    return f"{ORIGIN}/api/v1/models/{quote(model_id, safe='/:@+~')}/endpoints"


def parse_models(body: bytes) -> Parsed:
    """Model records, a full listing of the ``model`` scope, and each model's endpoints URL."""
    data = json_object(body).get("data")
    if not isinstance(data, list):
        raise ParseError("expected a 'data' list of models")
    models = [_model_record(item, f"model #{n}") for n, item in enumerate(data)]
    return Parsed(
        records={"model": models},
        listings=(Listing("model", "", len(models)),),
        links=tuple(endpoints_url(m["model_id"]) for m in models),
    )


def parse_endpoints(body: bytes) -> Parsed:
    """Endpoint and uptime records of one model, and a full listing of its endpoints."""
    data = json_object(body).get("data")
    if not isinstance(data, Mapping):
        raise ParseError("expected a 'data' object with the model's endpoints")
    model_id = str(required(data, "id", "data"))
    items = required(data, "endpoints", "data")
    if not isinstance(items, list):
        raise ParseError("'data.endpoints' is not a list")
    endpoints: list[Record] = []
    uptime: list[Record] = []
    for n, item in enumerate(items):
        where = f"data.endpoints[{n}]"
        record = _endpoint_record(model_id, item, where)
        endpoints.append(record)
        for period, name in UPTIME_FIELDS:
            value = item.get(name)
            if value is not None:
                uptime.append(
                    {
                        "source": SOURCE.id,
                        "model_id": model_id,
                        "endpoint_key": record["endpoint_key"],
                        "provider": record["provider"],
                        "period": period,
                        "uptime_pct": percentage(_number(value, f"{where}.{name}")),
                    }
                )
    return Parsed(
        records={"endpoint": endpoints, "uptime": uptime},
        listings=(Listing("endpoint", model_id, len(endpoints)),),
    )


def gone_endpoints(url: str) -> Parsed:
    """A 404/410 on a model's endpoints page: positive evidence that it has no endpoints left."""
    model_id = unquote(url.split("/api/v1/models/", 1)[1].rsplit("/endpoints", 1)[0])  # as endpoints_url quoted it
    return Parsed(listings=(Listing("endpoint", model_id, 0, evidence="endpoints page answered 404/410"),))


def identity_names(key: str, facts: Mapping[str, Any]) -> list[tuple[object, str]]:
    """A model is known by its id, its ``canonical_slug`` and its ``hugging_face_id`` (OpenRouter says they are one)."""
    return [
        (key, "normalized slug"),
        (facts.get("canonical_slug"), "openrouter canonical_slug"),
        (facts.get("hugging_face_id"), "openrouter hugging_face_id"),
    ]


def archived_endpoints_url(model_key: str) -> str | None:
    """The endpoints URL the Internet Archive may hold for a model ``id`` or ``canonical_slug`` (``author/slug``)."""
    if model_key.count("/") != 1 or model_key.startswith("/"):
        return None
    return endpoints_url(model_key)


PRICES = ("prompt", "completion", "request", "image", "image_output", "audio", "input_audio_cache", "web_search",
          "internal_reasoning", "input_cache_read", "input_cache_write", "discount")  # fmt: skip
"""The ``pricing`` fields of OpenRouter's schema: ``prompt``, ``completion`` and the cache prices are read."""
ARCHITECTURE = ("modality", "input_modalities", "output_modalities", "tokenizer", "instruct_type")
MODELS_FIELDS = KnownFields(
    expected=("data[].id", "data[].name", "data[].context_length", "data[].pricing.prompt",
              "data[].pricing.completion", "data[].top_provider.max_completion_tokens", "data[].architecture"),
    optional=(
        "data[].canonical_slug", "data[].hugging_face_id", "data[].created", "data[].description",
        "data[].knowledge_cutoff", "data[].expiration_date", "data[].supported_parameters",
        *(f"data[].pricing.{name}" for name in PRICES), *(f"data[].architecture.{name}" for name in ARCHITECTURE),
        # known, not read: the top provider's own window and moderation, limits, defaults, voices, links,
        # and the benchmark scores OpenRouter shows (Artificial Analysis's own are read from its API)
        "data[].top_provider.context_length", "data[].top_provider.is_moderated", "data[].per_request_limits",
        "data[].default_parameters", "data[].supported_voices", "data[].links", "data[].benchmarks",
        "data[].pricing.overrides",  # known, not read: a model has no tiers, its endpoints' overrides are read
    ),
)  # fmt: skip
"""What ``parse_models`` reads or knowingly ignores in the model list (``transforms.drift``)."""
ENDPOINTS_FIELDS = KnownFields(
    expected=("data.id", "data.endpoints[].tag", "data.endpoints[].provider_name", "data.endpoints[].context_length",
              "data.endpoints[].pricing.prompt", "data.endpoints[].pricing.completion"),
    optional=(
        "data.endpoints[].max_completion_tokens", "data.endpoints[].max_prompt_tokens",
        "data.endpoints[].quantization", "data.endpoints[].supported_parameters",
        "data.endpoints[].supports_implicit_caching", "data.endpoints[].status",
        *(f"data.endpoints[].{name}" for _, name in UPTIME_FIELDS),
        *(f"data.endpoints[].pricing.{name}" for name in PRICES), "data.endpoints[].pricing.overrides",
        # known, not read: the model's own fields (the model list's are), names, latency and throughput percentiles
        "data.name", "data.created", "data.description", *(f"data.architecture.{name}" for name in ARCHITECTURE),
        "data.endpoints[].name", "data.endpoints[].model_id", "data.endpoints[].model_name",
        "data.endpoints[].supports_voice_cloning", "data.endpoints[].latency_last_30m",
        "data.endpoints[].throughput_last_30m",
    ),
)  # fmt: skip
"""What ``parse_endpoints`` reads or knowingly ignores in a model's endpoints page (``transforms.drift``)."""


SOURCE = SourceSpec(
    id="openrouter",
    origin=ORIGIN,
    entities=("model", "endpoint", "uptime"),
    payload_kinds=(
        PayloadKind("models", r"/api/v1/models", parse_models, yields_links=True, fields=MODELS_FIELDS),
        PayloadKind(
            "endpoints",
            r"/api/v1/models/[^/]+/[^/]+/endpoints",
            parse_endpoints,
            gone_endpoints,
            fields=ENDPOINTS_FIELDS,
        ),
    ),
    # Its model ids name the canonical model; two ids are one model only when their canonical_slug says so.
    identity=IdentityRole(
        rank=1, anchors=True, names=identity_names, anchor_rule="openrouter id", distinct_models=True
    ),
    # The model list, then each known model's endpoints under both its id and its canonical_slug.
    web_archive=WebArchive(lookups=(ArchivedUrl(MODELS_URL),), per_model=archived_endpoints_url),
    seeds=(MODELS_URL,),
    api_key_variable="OPENROUTER_API_KEY",
    api_key_header="Authorization",
    api_key_prefix="Bearer ",
    field_precedence={
        "context_window": 1,
        "max_output_tokens": 1,
        "input_price_per_mtok": 1,
        "output_price_per_mtok": 1,
        "release_date": 2,
        "open_weights": 2,
        "knowledge_cutoff": 2,
        "input_modalities": 2,
        "output_modalities": 2,
        "name": 3,
        "creator": 3,
    },
    upstream_docs="https://openrouter.ai/docs/api-reference/list-available-models",
)


def _model_record(item: Any, where: str) -> Record:
    if not isinstance(item, Mapping):
        raise ParseError(f"{where} is not an object")
    model_id = str(required(item, "id", where))
    name = item.get("name")
    pricing = item.get("pricing") or {}
    top = item.get("top_provider") or {}
    architecture = item.get("architecture") or {}
    hf_id = item.get("hugging_face_id") or None
    try:
        return {
            "source": SOURCE.id,
            "model_id": model_id,
            "name": name,
            "creator": _creator(model_id, name),
            "canonical_slug": item.get("canonical_slug"),
            "hugging_face_id": hf_id,
            "base_model": None,
            "context_window": token_count(item.get("context_length")),
            "max_output_tokens": token_count(top.get("max_completion_tokens")),
            "input_price_per_mtok": _price(pricing.get("prompt"), "prompt"),
            "output_price_per_mtok": _price(pricing.get("completion"), "completion"),
            # OpenRouter's `created` is when the model was listed there: the best release date it offers.
            "release_date": _date_from_epoch(item.get("created")),
            "knowledge_cutoff": _date(item.get("knowledge_cutoff")),
            "expiration_date": _expiration(item.get("expiration_date")),
            "last_updated": None,
            # A Hugging Face repository is published weights; its absence proves nothing.
            "open_weights": True if hf_id else None,
            "status": None,
            "input_modalities": sorted_set(architecture.get("input_modalities")),
            "output_modalities": sorted_set(architecture.get("output_modalities")),
            "supported_params": sorted_set(item.get("supported_parameters")),
            "api_providers": None,
            "capabilities": None,
            "mode": None,
            "description": item.get("description"),
        }
    except (UnitError, ValueError) as e:
        raise ParseError(f"{where} ({model_id}): {e}") from None


def _endpoint_record(model_id: str, item: Any, where: str) -> Record:
    if not isinstance(item, Mapping):
        raise ParseError(f"{where} is not an object")
    tag = str(required(item, "tag", where))
    where = f"{where} (tag {tag!r})"
    pricing = required(item, "pricing", where)
    params = sorted_set(item.get("supported_parameters"))
    try:
        return {
            "source": SOURCE.id,
            "model_id": model_id,
            "endpoint_key": tag,
            "provider": str(required(item, "provider_name", where)),
            "context_length": token_count(required(item, "context_length", where)),
            "max_output_tokens": token_count(item.get("max_completion_tokens")),
            "max_prompt_tokens": token_count(item.get("max_prompt_tokens")),
            "input_price_per_mtok": _price(required(pricing, "prompt", f"{where}.pricing"), "prompt"),
            "output_price_per_mtok": _price(required(pricing, "completion", f"{where}.pricing"), "completion"),
            "cache_read_price_per_mtok": _price(pricing.get("input_cache_read"), "input_cache_read"),
            "cache_write_price_per_mtok": _price(pricing.get("input_cache_write"), "input_cache_write"),
            "price_tiers": price_tiers(pricing),
            "quantization": item.get("quantization"),
            "supported_params": params,
            "supported_params_count": None if params is None else len(params),
            "implicit_caching": _bool(item.get("supports_implicit_caching"), f"{where}.supports_implicit_caching"),
            "status": None if item.get("status") is None else int(item["status"]),
        }
    except (UnitError, ValueError, TypeError) as e:
        raise ParseError(f"{where}: {e}") from None


def price_tiers(pricing: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """An endpoint's ``pricing.overrides`` as tiers: one a price key of each entry, with that entry's conditions
    and place (``entry``), sorted by price then entry; None when there is none. UnitError naming a malformed field.
    """
    overrides = pricing.get("overrides")
    if overrides is None:
        return None
    if not isinstance(overrides, list):
        raise UnitError(f"pricing.overrides is {overrides!r}, not a list")
    tiers = []
    for n, override in enumerate(overrides):
        where = f"pricing.overrides[{n}]"
        if not isinstance(override, Mapping):
            raise UnitError(f"{where} is {override!r}, not an object")
        conditions = _override_conditions(override, where)
        for key, price in OVERRIDE_PRICES.items():
            per_mtok = price_per_mtok(override.get(key), field=f"{where}.{key}")
            if per_mtok is not None:
                tiers.append({"price": price, "price_per_mtok": per_mtok, **conditions, "entry": n})
    tiers.sort(key=lambda t: (TIERED_PRICES.index(t["price"]), t["entry"]))
    return tiers or None


def _override_conditions(override: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The conditions of an override entry, by tier field; only those it states."""
    found: dict[str, Any] = {}
    above = token_count(override.get("min_prompt_tokens"))
    if above:
        found["above_tokens"] = above
    start, end = override.get("utc_start"), override.get("utc_end")
    if (start is None) != (end is None):
        raise UnitError(f"{where}: a window needs both utc_start and utc_end (got {start!r} and {end!r})")
    if start is not None:
        found["utc_start"] = _clock(start, f"{where}.utc_start", latest=2359)
        found["utc_end"] = _clock(end, f"{where}.utc_end", latest=2400)
    days = override.get("utc_days")
    if days is not None:
        if not isinstance(days, list) or not days or not all(isinstance(d, str) for d in days):
            raise UnitError(f"{where}.utc_days is {days!r}, not a list of weekdays")
        named = {d.strip().lower() for d in days}
        if not named <= set(WEEKDAYS):
            raise UnitError(f"{where}.utc_days: {sorted(named - set(WEEKDAYS))} are not weekdays")
        found["utc_days"] = sorted(named)
    return found


def _clock(value: object, where: str, latest: int) -> str:
    """``"HH:MM"`` from an HHMM clock number (``2200``, ``130``, ``2200.0``)."""
    number = None if isinstance(value, bool) else exact_decimal(value)
    if number is None or number != number.to_integral_value() or not 0 <= number <= latest or number % 100 >= 60:
        raise UnitError(f"{where}: {value!r} is not a UTC clock time HHMM")
    hours, minutes = divmod(int(number), 100)
    return f"{hours:02d}:{minutes:02d}"


def _price(value: object, name: str) -> Decimal | None:
    """USD per million tokens from the price per token ``pricing.<name>``."""
    return price_per_mtok(value, field=f"pricing.{name}")


def _creator(model_id: str, name: object) -> str:
    """``Meta`` from the name ``Meta: Llama 4 Scout``; else the author part of the id."""
    if isinstance(name, str) and ": " in name:
        return name.split(": ", 1)[0].strip()
    return model_id.split("/", 1)[0]


def _date(value: object) -> date | None:
    return calendar_date(value)


def _expiration(value: object) -> date | None:
    found = calendar_date(value)
    return None if found == NO_EXPIRATION else found


def _date_from_epoch(value: object) -> date | None:
    seconds = exact_decimal(value)  # a number by the spec: an int today, a float would be read as well
    if seconds is None:
        return None
    if seconds.adjusted() > 12:  # past the year 33,000: not a time (and int() of 1E+9999999 takes minutes)
        raise UnitError(f"created {value!r} is not a time")
    try:
        return datetime.fromtimestamp(int(seconds), UTC).date()
    except (OverflowError, OSError, ValueError):
        raise UnitError(f"created {value!r} is not a time") from None


def _bool(value: object, where: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ParseError(f"{where} is {value!r}, not true or false")


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParseError(f"{where} is {value!r}, not a number")
    return float(value)
