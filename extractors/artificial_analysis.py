"""Artificial Analysis: benchmark scores, prices and measured speed of every model it evaluates.

Upstream: ``GET https://artificialanalysis.ai/api/v2/data/llms/models`` with the key in header
``x-api-key`` (free API; https://artificialanalysis.ai/documentation). Envelope
``{"status": 200, "prompt_options": {...}, "data": [model, ...]}``; a model has ``id``, ``name``,
``slug`` (our key), ``model_creator{id,name,slug}``, ``evaluations{...}``, ``pricing{...}`` and the
medians of its measured speed. Feeds: ``model``, ``benchmark`` (versioned) and ``speed`` (time series).

Quirks handled here:
- evaluations are 0-1 fractions while the indices (``artificial_analysis_*_index``) are published
  on 0-100: fractions are scaled by 100, indices kept; both rounded to 4 decimals. A fraction
  outside [0, 1] is a ParseError, because it means AA changed the scale;
- AA re-scores old models when an index version changes and publishes no version field, so a
  changed score is simply a new version of that benchmark;
- null evaluations and null speed medians (not measured) are skipped, not stored as NULL;
- prices are already USD per million tokens; ``price_1m_blended_3_to_1`` is derived, not stored;
- evaluation keys not in ``transforms.benchmarks.AA_EVALUATIONS`` get ``benchmark_id(key)``; an
  unknown key ending in ``_index`` is treated as an index (AA adds indices over time);
- the payload lists every model and, per model, every benchmark it has a score for;
- unknown fields are ignored; ``data`` missing or not a list, or a model without ``slug``, is a ParseError.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from extractors.spec import PayloadKind, SourceSpec, WebArchive
from transforms.benchmarks import AA_EVALUATIONS, benchmark_id, is_index
from transforms.drift import KnownFields
from transforms.records import Listing, Parsed, ParseError, Record, json_object, required
from transforms.roles import IdentityRole
from transforms.units import UnitError, calendar_date, price_per_mtok

ORIGIN = "https://artificialanalysis.ai"
MODELS_URL = f"{ORIGIN}/api/v2/data/llms/models"
PER_MILLION = 1_000_000
SPEED_METRICS = (
    ("output_tokens_per_s", "median_output_tokens_per_second"),
    ("time_to_first_token_s", "median_time_to_first_token_seconds"),
    ("time_to_first_answer_token_s", "median_time_to_first_answer_token"),
)
"""Speed metric -> the AA field holding its median."""


def parse_models(body: bytes) -> Parsed:
    """Model, benchmark and speed records; a full listing of models and of each model's benchmarks."""
    document = json_object(body, "a JSON object with a 'data' list of models")
    data = document.get("data")
    if not isinstance(data, list):
        raise ParseError("expected a 'data' list of models")
    models: list[Record] = []
    benchmarks: list[Record] = []
    speeds: list[Record] = []
    listings: list[Listing] = []
    seen: set[str] = set()
    for n, item in enumerate(data):
        where = f"data[{n}]"
        if not isinstance(item, Mapping):
            raise ParseError(f"{where} is not an object")
        slug = str(required(item, "slug", where))
        where = f"{where} (model {slug!r})"
        if slug in seen:
            raise ParseError(f"{where}: slug listed twice")
        seen.add(slug)
        scores = _benchmark_records(slug, item, where)
        models.append(_model_record(slug, item, where))
        benchmarks.extend(scores)
        speeds.extend(_speed_records(slug, item, where))
        listings.append(Listing("benchmark", slug, len(scores)))
    return Parsed(
        records={"model": models, "benchmark": benchmarks, "speed": speeds},
        listings=(Listing("model", "", len(models)), *listings),
    )


MODELS_FIELDS = KnownFields(
    expected=("data[].slug", "data[].name", "data[].model_creator.name", "data[].evaluations", "data[].pricing"),
    optional=(
        "data[].id", "data[].release_date", "data[].evaluations.*", "data[].pricing.price_1m_input_tokens",
        "data[].pricing.price_1m_output_tokens", *(f"data[].{name}" for _, name in SPEED_METRICS),
        # known, not read: the envelope, the creator's id and slug, and the blended price (derived)
        "status", "prompt_options", "data[].model_creator.id", "data[].model_creator.slug",
        "data[].pricing.price_1m_blended_3_to_1",
    ),
)  # fmt: skip
"""What ``parse_models`` reads or knowingly ignores (every evaluation key is read: ``*``; ``transforms.drift``)."""


SOURCE = SourceSpec(
    id="artificial_analysis",
    origin=ORIGIN,
    entities=("model", "benchmark", "speed"),
    payload_kinds=(PayloadKind("models", r"/api/v2/data/llms/models", parse_models, fields=MODELS_FIELDS),),
    identity=IdentityRole(rank=3),  # its slugs join a model only by a name another source's key shares
    web_archive=WebArchive(not_archived="its API needs a key, so the Internet Archive holds no captures of it"),
    seeds=(MODELS_URL,),
    api_key_variable="ARTIFICIAL_ANALYSIS_API_KEY",
    api_key_header="x-api-key",
    api_key_prefix="",
    requires_api_key=True,  # the API has no anonymous access: without a key the source is skipped
    field_precedence={
        "name": 1,
        "creator": 1,
        "input_price_per_mtok": 2,
        "output_price_per_mtok": 2,
        "release_date": 3,
        "open_weights": 3,
        "knowledge_cutoff": 3,
        "input_modalities": 3,
        "output_modalities": 3,
    },
    upstream_docs="https://artificialanalysis.ai/documentation",
)


def _model_record(slug: str, item: Mapping[str, Any], where: str) -> Record:
    creator = _object(item, "model_creator", where)
    pricing = _object(item, "pricing", where)
    try:
        return {
            "source": SOURCE.id,
            "model_id": slug,
            "name": item.get("name"),
            "creator": creator.get("name"),
            "canonical_slug": None,
            "hugging_face_id": None,
            "base_model": None,
            "context_window": None,
            "max_output_tokens": None,
            "input_price_per_mtok": _price(pricing, "price_1m_input_tokens"),
            "output_price_per_mtok": _price(pricing, "price_1m_output_tokens"),
            "release_date": calendar_date(item.get("release_date")),
            "knowledge_cutoff": None,
            "expiration_date": None,
            "last_updated": None,
            "open_weights": None,
            "status": None,
            "input_modalities": None,
            "output_modalities": None,
            "supported_params": None,
            "api_providers": None,
            "capabilities": None,
            "mode": None,
            "description": None,
        }
    except UnitError as e:
        raise ParseError(f"{where}: {e}") from None


def _price(pricing: Mapping[str, Any], name: str) -> Decimal | None:
    return price_per_mtok(pricing.get(name), PER_MILLION, f"pricing.{name}")


def _benchmark_records(slug: str, item: Mapping[str, Any], where: str) -> list[Record]:
    records: list[Record] = []
    seen: set[str] = set()
    for key, value in _object(item, "evaluations", where).items():
        if value is None:
            continue
        score = _number(value, f"{where} evaluations.{key}")
        benchmark = AA_EVALUATIONS.get(key) or benchmark_id(key)
        if benchmark in seen:
            raise ParseError(f"{where} evaluations.{key}: a second score for benchmark {benchmark!r}")
        seen.add(benchmark)
        if not (is_index(benchmark) or key.endswith("_index")):
            score = round(score * 100, 4)  # checked after rounding: 1.0000000000000002 is 100, not a new scale
            if not 0 <= score <= 100:
                raise ParseError(f"{where} evaluations.{key} is {value!r}, not a 0-1 fraction: has the scale changed?")
        records.append({"source": SOURCE.id, "model_id": slug, "benchmark": benchmark, "score": round(score, 4)})
    return records


def _speed_records(slug: str, item: Mapping[str, Any], where: str) -> list[Record]:
    return [
        {"source": SOURCE.id, "model_id": slug, "metric": metric, "value": _number(item[name], f"{where}.{name}")}
        for metric, name in SPEED_METRICS
        if item.get(name) is not None
    ]


def _object(item: Mapping[str, Any], name: str, where: str) -> Mapping[str, Any]:
    value = item.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ParseError(f"{where}.{name} is {value!r}, not an object")
    return value


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParseError(f"{where} is {value!r}, not a number")
    return float(value)
