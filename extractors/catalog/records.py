"""A catalog page's records: the model, its endpoints and their 1d uptime, its benchmarks."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from extractors.catalog import sections
from extractors.catalog.embedded import json_facts, json_name
from extractors.catalog.labels import ENDPOINT_LABELS, MODEL_LABELS, REQUIRED
from extractors.catalog.urls import SOURCE_ID, page_slug
from extractors.catalog.values import (
    converted,
    count,
    date,
    flag,
    modalities,
    names,
    percent,
    says_unknown,
    text,
    tokens,
)
from transforms.benchmarks import benchmark_id
from transforms.records import MODEL_FIELDS, Listing, Parsed, ParseError, Record
from transforms.units import slug, sorted_set

if TYPE_CHECKING:
    from extractors.catalog.page import Page


def parse_page(body: bytes, url: str) -> Parsed:
    """The model, endpoint, uptime and benchmark records of one catalog page, and what it lists in full."""
    from extractors.catalog.page import Page  # bs4 and lxml: imported with the first page, not with the source

    model_id = page_slug(url)
    page = Page(body)
    facts, json_keys = json_facts(page.json_documents, model_id, page.names())
    model = _model_record(model_id, page, facts, json_keys)
    endpoint_rows = sections.endpoint_rows(page, facts)
    benchmark_rows = sections.benchmark_rows(page, facts)
    endpoints = _endpoint_records(model_id, endpoint_rows or [])
    uptime = [
        {
            "source": SOURCE_ID,
            "model_id": model_id,
            "endpoint_key": endpoint["endpoint_key"],
            "provider": endpoint["provider"],
            "period": "1d",
            "uptime_pct": pct,
        }
        for endpoint, pct in endpoints
        if pct is not None
    ]
    benchmarks = _benchmark_records(model_id, benchmark_rows or [])
    listings = []
    if endpoint_rows is not None:  # the page's endpoint section lists them all
        listings.append(Listing("endpoint", model_id, len(endpoints)))
    if benchmark_rows is not None:
        listings.append(Listing("benchmark", model_id, len(benchmarks)))
    return Parsed(
        records={
            "model": [model],
            "endpoint": [endpoint for endpoint, _ in endpoints],
            "uptime": uptime,
            "benchmark": benchmarks,
        },
        listings=tuple(listings),
    )


def gone_page(url: str) -> Parsed:
    """A 404/410 on a catalog page: positive evidence that its model, endpoints and benchmarks are gone.

    The model is observed with status ``gone`` (a retirement, see ``MODEL.retired_when``): the
    sitemap is no complete listing, so only the page itself can retire its model.
    """
    model_id = page_slug(url)
    evidence = "catalog page answered 404/410"
    gone = {**dict.fromkeys(MODEL_FIELDS), "source": "catalog", "model_id": model_id, "status": "gone"}
    return Parsed(
        records={"model": [gone]},
        listings=(
            Listing("endpoint", model_id, 0, evidence=evidence),
            Listing("benchmark", model_id, 0, evidence=evidence),
        ),
    )


def _model_record(model_id: str, page: Page, facts: Mapping[str, Any], json_keys: Mapping[str, str]) -> Record:
    values: dict[str, Any] = {}
    printed: dict[str, str] = {}  # field -> label as the page printed it, for error messages
    shown: dict[str, str] = {}  # field -> where its value was read, for the "no value" error
    missing: list[str] = []
    name = json_name(facts.get("name")) or page.name()
    if not name:
        missing.append("Name (h1)")
    for field, labels in MODEL_LABELS.items():
        printed[field] = labels[0]
        if facts.get(field) is not None:
            values[field] = facts[field]
            shown[field] = f"embedded JSON {json_keys[field]!r} is {json.dumps(facts[field])}"
            continue
        found = page.labelled(field)
        if found is not None:
            printed[field], values[field] = found
            pieces = values[field]
            shown[field] = f"shown as {' '.join(pieces)!r}" if pieces else "shown empty"
        elif field in facts:  # JSON null and no label: the value is missing, not the layout
            values[field] = None
            shown[field] = f"embedded JSON {json_keys[field]!r} is null"
        elif field in REQUIRED:
            missing.append(labels[0])
    if missing:
        raise ParseError(f"catalog page lacks the labels: {', '.join(missing)} (layout change?)")
    converters: dict[str, Callable[[Any], Any]] = {
        "creator": text,
        "context_window": tokens,
        "max_output_tokens": tokens,
        "open_weights": flag,
        "release_date": date,
        "knowledge_cutoff": date,
        "api_providers": names,
        "input_modalities": modalities,
    }
    read = {field: converted(converters[field], value, printed[field]) for field, value in values.items()}
    empty = [
        f"{printed[field]} ({shown[field]})"
        for field in MODEL_LABELS
        if field in REQUIRED
        and read.get(field) is None
        and not (field == "release_date" and says_unknown(values[field]))
    ]
    if empty:
        raise ParseError(f"catalog page gives no value for the required fields: {'; '.join(empty)}")
    capabilities = facts["capabilities"] if "capabilities" in facts else sections.capabilities(page)
    return {
        "source": SOURCE_ID,
        "model_id": model_id,
        "name": name,
        "creator": read.get("creator"),
        "canonical_slug": None,
        "hugging_face_id": None,
        "base_model": None,
        "context_window": read.get("context_window"),
        "max_output_tokens": read.get("max_output_tokens"),
        "input_price_per_mtok": None,
        "output_price_per_mtok": None,
        "release_date": read.get("release_date"),
        "knowledge_cutoff": read.get("knowledge_cutoff"),
        "expiration_date": None,
        "last_updated": None,
        "open_weights": read.get("open_weights"),
        "status": None,
        "input_modalities": read.get("input_modalities"),
        "output_modalities": None,  # the page's "Modalities" are the "types of data this model can process"
        "supported_params": None,
        "api_providers": read.get("api_providers"),
        "capabilities": converted(names, capabilities, "Capabilities"),
        "mode": None,
        "description": text(facts.get("description")) or sections.description(page, name or ""),
    }


def _endpoint_records(model_id: str, rows: list[dict[str, Any]]) -> list[tuple[Record, float | None]]:
    """Endpoint records, each with its 1d uptime (None when the page shows none)."""
    out: list[tuple[Record, float | None]] = []
    keys: set[str] = set()
    for row in rows:
        provider = json_name(row.get("provider"))
        if not provider:
            raise ParseError(f"catalog page: an endpoint has no provider name ({row})")
        key = slug(provider)
        while key in keys:  # one provider listed twice: keep both, keyed apart
            key = f"{key}-{len(keys)}"
        keys.add(key)
        where = f"endpoint {provider!r} "
        params = row.get("params")
        params_list = sorted_set(str(p) for p in params) if isinstance(params, list) else None
        record = {
            "source": SOURCE_ID,
            "model_id": model_id,
            "endpoint_key": key,
            "provider": provider,
            "context_length": None,
            "max_output_tokens": converted(tokens, row.get("max_output"), where + ENDPOINT_LABELS["max_output"]),
            "max_prompt_tokens": None,
            "input_price_per_mtok": None,
            "output_price_per_mtok": None,
            "cache_read_price_per_mtok": None,
            "cache_write_price_per_mtok": None,
            "price_tiers": None,
            "quantization": None,
            "supported_params": params_list,
            "supported_params_count": (
                len(params_list) if params_list is not None else converted(count, params, where + "Supported params")
            ),
            "implicit_caching": converted(flag, row.get("caching"), where + ENDPOINT_LABELS["caching"]),
            "status": None,
        }
        out.append((record, converted(percent, row.get("uptime"), where + ENDPOINT_LABELS["uptime"])))
    return out


def _benchmark_records(model_id: str, rows: list[tuple[str, Any]]) -> list[Record]:
    records: list[Record] = []
    for name, score in rows:
        value = converted(percent, score, f"benchmark {name!r} Score")
        if value is None:
            continue  # the page shows the benchmark without a score ("—"): nothing to record
        records.append(
            {"source": SOURCE_ID, "model_id": model_id, "benchmark": benchmark_id(name), "score": round(value, 4)}
        )
    return records
