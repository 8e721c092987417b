"""Where the catalog lives: its source id, origin, URL paths, and a model page's URL and slug."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from transforms.records import ParseError

SOURCE_ID = "catalog"
ORIGIN = "https://www.mindstudio.ai"
SITEMAP_URL = f"{ORIGIN}/sitemap.xml"
SITEMAP_PATH = r"/(?:[\w.-]+/)*[\w.-]*sitemap[\w.-]*\.xml"
PAGE_PATH = r"/models/[^/]+"


def page_url(model_slug: str) -> str:
    """The catalog page of a model slug such as ``llama-4-scout-17b-16e-instruct-groq``."""
    return f"{ORIGIN}/models/{model_slug}"


def page_slug(url: str) -> str:
    """The model slug of a catalog page URL (``/models/<slug>``); a ParseError for any other URL."""
    match = re.fullmatch(r"/models/([^/]+)/?", urlsplit(url).path)
    if not match:
        raise ParseError(f"{url} is not a catalog page (/models/<slug>)")
    return match[1]
