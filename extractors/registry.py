"""Every source modelsync knows, and which one serves a URL."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from extractors import artificial_analysis, catalog, models_dev, openrouter
from extractors.http import origin_of
from extractors.spec import PayloadKind, SourceSpec

SOURCES: Mapping[str, SourceSpec] = {
    spec.id: spec for spec in (openrouter.SOURCE, models_dev.SOURCE, artificial_analysis.SOURCE, catalog.SOURCE)
}


class UnknownURL(ValueError):
    """No source serves this URL."""


def payload_kind_for(url: str) -> tuple[SourceSpec, PayloadKind]:
    """The source and payload kind behind a real URL (query strings are ignored)."""
    origin = origin_of(url)
    path = urlsplit(url).path.rstrip("/") or "/"
    for spec in SOURCES.values():
        if spec.origin != origin:
            continue
        for kind in spec.payload_kinds:
            if re.fullmatch(kind.path_pattern, path):
                return spec, kind
    known = ", ".join(f"{s.origin} ({s.id})" for s in SOURCES.values())
    raise UnknownURL(f"no source serves {url}; known sources: {known}")


def source_origins() -> list[dict[str, str]]:
    """Each source's id and real origin (the form ``warehouse.queries.STATUS`` takes them in)."""
    return [{"source": spec.id, "origin": spec.origin} for spec in SOURCES.values()]


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
