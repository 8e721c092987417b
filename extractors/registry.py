"""The registry: every source modelsync knows, one line each, and which one serves a URL.

A source is its module or package under ``extractors/``, named by its id, with a ``SOURCE``
declaration (``extractors.spec.SourceSpec``). This module stays cheap to import: the ids are
plain strings, and a source's module is imported the first time its declaration is asked for.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from extractors.policy import origin_of

if TYPE_CHECKING:
    from extractors.spec import PayloadKind, SourceSpec
    from transforms.roles import IdentityRole

REGISTERED = (
    "openrouter",
    "models_dev",
    "litellm",
    "artificial_analysis",
    "catalog",
)
"""Every source's id, which names its module or package under ``extractors/``; a sync fetches them in this order."""


class UnknownURL(ValueError):
    """No source serves this URL."""


@functools.cache
def source_specs() -> Mapping[str, SourceSpec]:
    """Every registered source's declaration, by id (imports the sources' modules once)."""
    specs = {}
    for source_id in REGISTERED:
        spec: SourceSpec = importlib.import_module(f"extractors.{source_id}").SOURCE
        if spec.id != source_id:
            raise ValueError(f"extractors/{source_id} declares id {spec.id!r}; a source's id is its module's name")
        specs[source_id] = spec
    return specs


@functools.lru_cache(maxsize=1 << 16)  # asked several times for each payload of a run
def payload_kind_for(url: str) -> tuple[SourceSpec, PayloadKind]:
    """The source and payload kind behind a real URL (query strings are ignored)."""
    origin = origin_of(url)
    path = urlsplit(url).path.rstrip("/") or "/"
    for spec in source_specs().values():
        for kind in spec.payload_kinds:
            if (kind.origin or spec.origin) == origin and re.fullmatch(kind.path_pattern, path):
                return spec, kind
    known = ", ".join(f"{s.origin} ({s.id})" for s in source_specs().values())
    raise UnknownURL(f"no source serves {url}; known sources: {known}")


def source_origins() -> list[dict[str, str]]:
    """Each source's id and real origin (the form ``warehouse.queries.STATUS`` takes them in)."""
    return [{"source": spec.id, "origin": spec.origin} for spec in source_specs().values()]


def identity_roles() -> Mapping[str, IdentityRole]:
    """How each source's keys take part in identity (``transforms.identity.crosswalk``'s ``roles``)."""
    return {spec.id: spec.identity for spec in source_specs().values()}


def field_precedence() -> list[tuple[str, str, int]]:
    """``(field, source, rank)`` rows of the ``field_precedence`` table, from every source's declaration."""
    return sorted(
        (field, spec.id, rank) for spec in source_specs().values() for field, rank in spec.field_precedence.items()
    )


def follows_link(spec: SourceSpec, url: str) -> bool:
    """Whether a link a payload of ``spec`` names may be fetched: a URL of that source on its own origin.

    Dot segments are refused too: HTTP clients resolve ``..`` before sending, so the path
    asked for would not be the one archived.
    """
    if origin_of(url) != spec.origin:
        return False
    if any(segment in (".", "..") for segment in urlsplit(url).path.split("/")):
        return False
    try:
        return payload_kind_for(url)[0].id == spec.id
    except UnknownURL:
        return False
