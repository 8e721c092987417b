"""Embedded JSON: the model fields of the page's own model object, never another model's."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from extractors.catalog.labels import collapse, norm

_JSON_KEYS: dict[str, tuple[str, ...]] = {
    "name": ("name", "displayname", "modelname", "title"),
    "creator": ("creator", "author", "developer", "organization", "provider", "publisher", "brand"),
    "description": ("description", "shortdescription", "summary"),
    "context_window": ("contextwindow", "inputcontextwindow", "contextlength", "inputcontextlength", "maxcontext"),
    "max_output_tokens": ("maxoutputtokens", "maximumoutputtokens", "maxoutput", "maxcompletiontokens"),
    "open_weights": ("opensource", "isopensource", "openweights", "isopenweights"),
    "release_date": ("releasedate", "datepublished", "releasedat", "released"),
    "knowledge_cutoff": ("knowledgecutoff", "knowledgecutoffdate", "trainingcutoff", "trainingdatacutoff"),
    "api_providers": ("apiproviders", "availableproviders", "providers"),
    "input_modalities": ("modalities", "inputmodalities", "inputtypes"),
    "capabilities": ("capabilities",),
    "endpoints": ("endpoints", "providerendpoints"),
    "benchmarks": ("benchmarks", "benchmarkscores", "performance", "evaluations"),
}
"""Model field -> normalized JSON keys that may hold it, in order of preference."""

_IDENTITY = ("name", "creator", "description")  # keys too common to pick the model object by
_OWN_ONLY = ("endpoints", "benchmarks")  # another object's lists: only the model object's or its direct children's
_SLUG_KEYS = ("slug", "modelslug", "canonicalslug", "id", "modelid", "url", "href", "permalink")
"""Normalized keys that may hold a model's slug (or its page URL); the first three are never an opaque id."""
_NAME_KEYS = _JSON_KEYS["name"]


def json_facts(
    documents: list[Any], page_slug: str, page_names: frozenset[str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Model fields of the page's own model object in the embedded JSON, and the JSON key each came from.

    A candidate is an object with at least two model keys (its nested objects' included) whose slug or name
    matches the page (see ``_page_match``); the best-matched one wins. Nothing when none matches, or when two
    different objects match equally well: a wrong model's facts are worse than reading the labels.
    """
    best: list[Mapping[str, Any]] = []
    best_rank: int | None = None
    for obj in _json_objects(documents):
        rank = _page_match(obj, page_slug, page_names)
        if rank is None or (best_rank is not None and rank > best_rank):
            continue
        facts, _ = _object_facts(obj, page_slug, page_names)
        if sum(1 for f in facts if f not in _IDENTITY) < 2:
            continue
        if best_rank is None or rank < best_rank:
            best, best_rank = [obj], rank
        elif all(obj != other for other in best):
            best.append(obj)
    if len(best) != 1:
        return {}, {}
    return _object_facts(best[0], page_slug, page_names)


def _object_facts(
    obj: Mapping[str, Any], page_slug: str, page_names: frozenset[str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """(field -> value, field -> JSON key) from ``obj``, then from its nested objects two levels down."""
    facts: dict[str, Any] = {}
    keys: dict[str, str] = {}
    layers: list[Mapping[str, Any]] = [obj]
    for depth in range(3):  # the object itself, then nested objects such as ``specs: {...}``, two levels down
        for layer in layers:
            by_key = {norm(k): (str(k), v) for k, v in layer.items()}
            for field, names in _JSON_KEYS.items():
                if depth and field in _IDENTITY:
                    continue  # a nested object's name or description is its own (the provider's), not the model's
                if depth > 1 and field in _OWN_ONLY:
                    continue
                for name in names:
                    if field not in facts and name in by_key:
                        keys[field], facts[field] = by_key[name]
        layers = [
            v
            for layer in layers
            for v in layer.values()
            if isinstance(v, Mapping) and not _names_another(v, page_slug, page_names)
        ]
    return facts, keys


def _page_match(obj: Mapping[str, Any], page_slug: str, page_names: frozenset[str]) -> int | None:
    """How well ``obj`` names the page's model: 0 its slug is the URL's, 1 it is the URL's without the last
    (provider) segment, 2 its name is the page's h1 or title; None when it does not name the page's model."""
    by_key = {norm(k): v for k, v in obj.items()}
    slugs = {norm(_last_segment(by_key[k])) for k in _SLUG_KEYS if isinstance(by_key.get(k), str)} - {""}
    if norm(page_slug) in slugs:
        return 0
    if "-" in page_slug and norm(page_slug.rsplit("-", 1)[0]) in slugs:
        return 1
    names = {norm(by_key[k]) for k in _NAME_KEYS if isinstance(by_key.get(k), str)}
    return 2 if names & page_names else None


def _names_another(obj: Mapping[str, Any], page_slug: str, page_names: frozenset[str]) -> bool:
    """Whether ``obj`` carries a name or slug of its own that is not the page's model (a provider, a card)."""
    named = any(isinstance(v, str) and norm(k) in _NAME_KEYS + _SLUG_KEYS[:3] for k, v in obj.items())
    return named and _page_match(obj, page_slug, page_names) is None


def _last_segment(value: str) -> str:
    """A slug from a slug or a URL/path (``https://.../models/<slug>/`` -> ``<slug>``)."""
    return value.rstrip("/").rsplit("/", 1)[-1] if "/" in value else value


def _json_objects(node: Any) -> Iterator[Mapping[str, Any]]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            yield item
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def json_name(value: Any) -> str | None:
    """A display name from a string or an object such as ``{"name": "Meta"}``."""
    if isinstance(value, Mapping):
        by_key = {norm(k): v for k, v in value.items()}
        value = next((by_key[k] for k in ("name", "displayname", "title", "label") if k in by_key), None)
    return collapse(value) if isinstance(value, str) and value.strip() else None


def json_field(item: Mapping[str, Any], *names: str) -> tuple[bool, Any]:
    by_key = {norm(k): v for k, v in item.items()}
    for name in names:
        if name in by_key:
            return True, by_key[name]
    return False, None
