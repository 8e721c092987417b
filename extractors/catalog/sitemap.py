"""The sitemap: links to every model page, or to the further sitemaps of a sitemap index."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import urlsplit

from extractors.catalog.urls import ORIGIN, SITEMAP_PATH, page_url
from transforms.records import Parsed, ParseError


def parse_sitemap(body: bytes) -> Parsed:
    """Links to every model page a sitemap lists, or to the further sitemaps a sitemap index lists."""
    if b"<!ENTITY" in body:
        raise ParseError("sitemap declares XML entities; refused")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        raise ParseError(f"sitemap is not well-formed XML ({e})") from None
    kind = _local_name(root.tag)
    if kind == "sitemapindex":
        links = [url for url in map(_own_sitemap_url, _locs(root, "sitemap")) if url]
    elif kind == "urlset":
        links = [page_url(s) for s in map(_model_slug_of, _locs(root, "url")) if s]
    else:
        raise ParseError(f"sitemap root is <{kind}>, not <urlset> or <sitemapindex>")
    return Parsed(links=tuple(dict.fromkeys(links)))


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _locs(root: ET.Element, entry: str) -> Iterator[str]:
    for item in root:
        if _local_name(item.tag) == entry:
            for child in item:
                if _local_name(child.tag) == "loc" and child.text and child.text.strip():
                    yield child.text.strip()


def _model_slug_of(loc: str) -> str | None:
    parts = urlsplit(loc)
    if parts.hostname not in ("www.mindstudio.ai", "mindstudio.ai"):
        return None
    match = re.fullmatch(r"/models/([^/]+)/?", parts.path)
    return match[1] if match else None


def _own_sitemap_url(loc: str) -> str | None:
    """A nested sitemap on this origin, as a URL the registry routes here (``.xml.gz`` is not read)."""
    parts = urlsplit(loc)
    if parts.hostname not in ("www.mindstudio.ai", "mindstudio.ai") or not re.fullmatch(SITEMAP_PATH, parts.path):
        return None
    return f"{ORIGIN}{parts.path}"
