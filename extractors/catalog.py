"""MindStudio's model catalog: one HTML page per model, enumerated from the sitemap.

Upstream: ``GET https://www.mindstudio.ai/sitemap.xml`` (a ``<urlset>``, or a ``<sitemapindex>`` of further
sitemaps) lists pages ``https://www.mindstudio.ai/models/<slug>``; the page's slug (e.g.
``llama-4-scout-17b-16e-instruct-groq``) is the model key. No API and no sample of the HTML exist; the visible
text of one page is ``shared/seeds/catalog-page-llama-4-scout.txt``.
Feeds: ``model`` (the "Model Overview" labels, name, description, capabilities), ``endpoint`` and ``uptime``
(the "Provider Endpoints" lines, 1d uptime only) and ``benchmark`` (the "Model Performance" table).

A page is read by what a reader sees, never by CSS classes or ids (they change with every redeploy):
1. embedded JSON first (Next.js ``__NEXT_DATA__``, JSON-LD), but only the page's own model object: one that
   carries at least two model keys and whose slug is the URL's (or the URL's without its last, provider,
   segment) or whose name is the h1's or the title's, compared by letters and digits. A "More models" card
   never stands in for the page's model, however many keys it has; with no such object, or two different ones
   equally matched, the JSON is not used at all. Keys are matched by normalized name (``contextWindow`` ~
   ``context_window``); nested objects (``specs: {...}``) count unless they name another model, and endpoints
   and benchmarks come only from the object itself or its direct children. JSON scores and uptimes are read on
   one scale per page: all of them <= 1 (one > 0) are fractions, scaled by 100; 0-1 mixed with > 1 is a
   ParseError; a string with "%" is a percentage as printed;
2. then the visible text for whatever the JSON lacks: a label (matched case- and punctuation-insensitively,
   "Knowledge Cut-off Date" ~ "Knowledge cutoff date") and its value in the next sibling element (``dt``/``dd``,
   ``th``/``td``, sibling ``div``s) or the next text block, skipping the label's explanatory sentence;
   "Label: value" on one line works too;
3. endpoints and benchmarks from tables read by their header names, else from the visible runs
   (a provider name, then "Max output: ... 1d uptime: ... Supported params: ... Implicit caching: ...";
   a benchmark name, its one-line description, then "28.3%").

Quirks, stored as the page prints them (``conflicts`` shows them against other sources): the seed page says
"Release Date: Apr 11, 2022" and "Open Source: No" for an open-weights model released 2025-04-05; it prints
"8,192 tokens tokens"; dates carry a relative suffix ("4 years ago"); "Unknown" means no value.
A page without the Provider, Input Context Window, Maximum Output Tokens or Release Date label, or without a
name, is a ParseError (a layout change), and so is a value that does not read in its unit, and so is one of
those four without a value (JSON ``null``, an empty or "Unknown" label); only the Release Date may say
"Unknown" (a JSON ``null`` is read from the visible label when there is one). A page lists its
endpoints (benchmarks) in full only when it shows at least one readable row, or embedded JSON gives the list:
an endpoints section this parser cannot read must not retire every endpoint. A 404/410 retires them all.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PageElement, Tag

from extractors.policy import HostPolicy
from extractors.spec import PayloadKind, SourceSpec
from transforms.benchmarks import benchmark_id
from transforms.records import MODEL_FIELDS, Listing, Parsed, ParseError, Record
from transforms.units import (
    UNKNOWN,
    UnitError,
    calendar_date,
    exact_decimal,
    percent,
    slug,
    sorted_set,
    token_count,
    yes_no,
)

ORIGIN = "https://www.mindstudio.ai"
SITEMAP_URL = f"{ORIGIN}/sitemap.xml"
SITEMAP_PATH = r"/(?:[\w.-]+/)*[\w.-]*sitemap[\w.-]*\.xml"
PAGE_PATH = r"/models/[^/]+"


def page_url(model_slug: str) -> str:
    """The catalog page of a model slug such as ``llama-4-scout-17b-16e-instruct-groq``."""
    return f"{ORIGIN}/models/{model_slug}"


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


def parse_page(body: bytes, url: str) -> Parsed:
    """The model, endpoint, uptime and benchmark records of one catalog page, and what it lists in full."""
    model_id = _page_slug(url)
    page = _Page(body)
    facts, json_keys = _json_facts(page.json_documents, model_id, page.names())
    model = _model_record(model_id, page, facts, json_keys)
    endpoint_rows = _endpoint_rows(page, facts)
    benchmark_rows = _benchmark_rows(page, facts)
    endpoints = _endpoint_records(model_id, endpoint_rows or [])
    uptime = [
        {
            "source": SOURCE.id,
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
    model_id = _page_slug(url)
    evidence = "catalog page answered 404/410"
    gone = {**dict.fromkeys(MODEL_FIELDS), "source": "catalog", "model_id": model_id, "status": "gone"}
    return Parsed(
        records={"model": [gone]},
        listings=(
            Listing("endpoint", model_id, 0, evidence=evidence),
            Listing("benchmark", model_id, 0, evidence=evidence),
        ),
    )


SOURCE = SourceSpec(
    id="catalog",
    origin=ORIGIN,
    entities=("model", "endpoint", "uptime", "benchmark"),
    payload_kinds=(
        PayloadKind("sitemap", SITEMAP_PATH, parse_sitemap, yields_links=True, media="xml"),
        PayloadKind("page", PAGE_PATH, parse_page, gone_page, needs_url=True, media="html"),
    ),
    seeds=(SITEMAP_URL,),
    policy=HostPolicy(rate_per_s=1.0, concurrency=2, obey_robots=True),  # a product site's HTML: 1 request/s
    docs="https://www.mindstudio.ai/models",
)

# --- labels -----------------------------------------------------------------------------------------------

MODEL_LABELS: dict[str, tuple[str, ...]] = {
    "creator": ("Provider", "Creator", "Developer", "Model Provider"),
    "context_window": ("Input Context Window", "Context Window", "Context Length", "Input Context Length"),
    "max_output_tokens": ("Maximum Output Tokens", "Max Output Tokens", "Maximum Output"),
    "open_weights": ("Open Source", "Open Weights"),
    "release_date": ("Release Date",),
    "knowledge_cutoff": ("Knowledge Cut-off Date", "Knowledge Cutoff", "Training Data Cutoff"),
    "api_providers": ("API Providers", "Available Providers"),
    "input_modalities": ("Modalities", "Input Modalities", "Input Types"),
}
"""Model field -> the labels a page may show it under (the first is the seed's)."""

REQUIRED = ("name", "creator", "context_window", "max_output_tokens", "release_date")
"""Without these a page has changed layout: a ParseError, never a record full of None."""

ENDPOINT_LABELS = {
    "max_output": "Max output",
    "uptime": "1d uptime",
    "params": "Supported params",
    "caching": "Implicit caching",
}

_NOTES = frozenset(
    re.sub(r"[^a-z0-9]", "", note.lower())
    for note in (
        "The entity that provides this model.",
        "The number of tokens supported by the input context window.",
        "The number of tokens that can be generated by the model in a single request.",
        "Whether the model's code is available for public use.",
        "When the model was first released.",
        "When the model's knowledge was last updated.",
        "The providers that offer this model. This is not an exhaustive list.",
        "Types of data this model can process.",
    )
)
"""The explanatory sentence each seed label carries; never a value."""

_CELL_ROLES = ("columnheader", "rowheader", "cell", "gridcell")
_MODALITIES = {"text", "image", "audio", "video", "file", "pdf", "document", "speech"}
_DROP_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "nav", "footer", "head")
_RUN_TAGS = ("b", "strong", "em", "i", "u", "mark", "abbr", "q", "cite")  # merged into the text around them
_SECTION_ENDS = (
    "modeloverview", "whatis", "pricing", "apiaccess", "providerendpoints", "modelperformance",
    "resources", "communitydiscussion", "faq", "moremodels",
)  # fmt: skip
_ENDPOINT_HEADINGS = {"providerendpoints", "endpoints"}
_BENCHMARK_HEADINGS = {"modelperformance", "benchmarks", "benchmarkscores"}
_BENCHMARK_HEADER = {"benchmark", "score", "benchmarkscore", "benchmarks", "scores"}
_RELATIVE = re.compile(r"\s*\(?\b(?:\d+|an?|one)\s+(?:second|minute|hour|day|week|month|year)s?\s+ago\)?\s*$", re.I)
_ENDPOINT_FIELD = re.compile(
    r"(max(?:imum)?\.?\s*output(?:\s*tokens)?|(?:1d|24h)\s*uptime|uptime\s*\(?(?:1d|24h)\)?"
    r"|supported\s*param(?:eter)?s|implicit\s*caching)\s*[:：]?",
    re.I,
)
_SCORE = re.compile(r"(?P<name>.*?)\s*(?P<score>\d{1,3}(?:\.\d+)?)\s*%")
_ONE_LINE = re.compile(r"(?P<label>[^:：]{2,40}?)\s*[:：]\s*(?P<value>.+)")


def _norm(text: str) -> str:
    """Labels compare by letters and digits only: "Knowledge Cut-off Date:" ~ "knowledge cutoff date"."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


_FIELD_OF_LABEL = {_norm(label): f for f, labels in MODEL_LABELS.items() for label in labels}
_ALL_LABELS = frozenset(_FIELD_OF_LABEL) | {_norm(label) for label in ENDPOINT_LABELS.values()}


def _is_note(text: str) -> bool:
    """An explanatory sentence under a label: a known one, or any sentence of four words or more."""
    return _norm(text) in _NOTES or (text.endswith(".") and len(text.split()) >= 4)


# --- the page as a reader sees it ---------------------------------------------------------------------------


class _Page:
    """A page's embedded JSON, title and visible text blocks (one per text node, in document order)."""

    def __init__(self, body: bytes) -> None:
        soup = BeautifulSoup(body, "lxml")
        self.json_documents = [doc for s in soup.find_all("script") if (doc := _script_json(s)) is not None]
        title = soup.find("title")
        self.title = _collapse(title.get_text(" ")) if isinstance(title, Tag) else ""
        for tag in soup.find_all(list(_DROP_TAGS)):
            if not tag.decomposed:
                tag.decompose()
        for tag in soup.find_all(list(_RUN_TAGS)):
            tag.unwrap()
        soup.smooth()
        self.soup = soup
        self.strings = [s for s in soup.descendants if type(s) is NavigableString and s.strip()]
        self.blocks = [_collapse(s) for s in self.strings]

    def name(self) -> str | None:
        """The page's h1, else the first part of its <title>."""
        h1 = self.soup.find("h1")
        text = _collapse(h1.get_text(" ")) if isinstance(h1, Tag) else ""
        if not text and self.title:
            text = re.split(r"\s+[|–—-]\s+", self.title)[0]
        return text or None

    def names(self) -> frozenset[str]:
        """The model names a reader sees (the h1's and the title's first part), normalized."""
        h1 = self.soup.find("h1")
        shown = [_collapse(h1.get_text(" ")) if isinstance(h1, Tag) else ""]
        if self.title:
            shown.append(re.split(r"\s+[|–—-]\s+", self.title)[0])
        return frozenset(n for n in map(_norm, shown) if n)

    def heading_index(self) -> int | None:
        """The block index of the h1's first text."""
        h1 = self.soup.find("h1")
        if isinstance(h1, Tag):
            for i, string in enumerate(self.strings):
                if h1 in string.parents:
                    return i
        return None

    def index_of(self, names: set[str], start: int = 0) -> Iterator[int]:
        """Indices of the blocks that read as one of ``names`` (normalized), from ``start``."""
        return (i for i in range(start, len(self.blocks)) if _norm(self.blocks[i]) in names)

    def labelled(self, field: str) -> tuple[str, list[str] | None] | None:
        """(label as printed, value pieces) of the first label of ``field`` that has a value; (label, None) when
        none has one (the page shows it empty); None when the page does not show the label at all."""
        empty: tuple[str, list[str] | None] | None = None
        for i, text in enumerate(self.blocks):
            if _FIELD_OF_LABEL.get(_norm(text)) == field:
                value = self._value_after(i)
                if value is not None:
                    return text.rstrip(" :："), value
                empty = empty or (text.rstrip(" :："), None)  # e.g. "Provider" heading a column of a table
            one_line = _ONE_LINE.fullmatch(text)
            if one_line and _FIELD_OF_LABEL.get(_norm(one_line["label"])) == field:
                return one_line["label"], [one_line["value"].strip()]
        return empty

    def _value_after(self, i: int) -> list[str] | None:
        """The value pieces after the label block ``i``: its next sibling element, else the next text block."""
        label = _norm(self.blocks[i])
        node: PageElement = self.strings[i]
        for _ in range(5):
            for sibling in node.next_siblings:
                pieces = _pieces(sibling)
                if not pieces:
                    continue
                if _norm(pieces[0]) in _ALL_LABELS:
                    return None
                value = _until_label([p for p in pieces if not _is_note(p)])
                if value:
                    return value
            parent = node.parent
            if parent is None or any(_norm(p) != label and not _is_note(p) for p in _pieces(parent)):
                break  # the parent holds more than the label and its note: its siblings are not this value
            node = parent
        for text in self.blocks[i + 1 : i + 5]:
            if _norm(text) in _ALL_LABELS:
                return None
            if not _is_note(text):
                return [text]
        return None

    def paragraph_at(self, i: int) -> str:
        """The whole paragraph block ``i`` belongs to (links and spans inside it included)."""
        for parent in self.strings[i].parents:
            if parent.name == "p":
                return _collapse(parent.get_text())
        return self.blocks[i]

    def tables(self) -> Iterator[tuple[list[str], list[list[list[str]]]]]:
        """(normalized header cells, rows of cell pieces) of every <table> and ARIA table or grid."""
        for table in self.soup.find_all(True):
            if not isinstance(table, Tag):
                continue
            if table.name == "table":
                rows = [[_pieces(c) for c in r.find_all(["th", "td"])] for r in table.find_all("tr")]
            elif table.get("role") in ("table", "grid"):
                rows = [
                    [_pieces(c) for c in r.find_all(lambda t: t.get("role") in _CELL_ROLES)]
                    for r in table.find_all(lambda t: t.get("role") == "row")
                ]
            else:
                continue
            rows = [row for row in rows if any(row)]
            if len(rows) >= 2:
                yield [_norm(cell[0]) if cell else "" for cell in rows[0]], rows[1:]


def _script_json(script: Any) -> Any:
    if not isinstance(script, Tag) or str(script.get("type") or "").lower() not in (
        "application/json",
        "application/ld+json",
    ):
        return None
    try:
        return json.loads(script.get_text())
    except ValueError:
        return None


def _pieces(node: PageElement) -> list[str]:
    """The visible text pieces of an element (or a text node), collapsed."""
    if isinstance(node, NavigableString):
        return [_collapse(node)] if type(node) is NavigableString and node.strip() else []
    if isinstance(node, Tag):
        return [_collapse(s) for s in node.descendants if type(s) is NavigableString and s.strip()]
    return []


def _until_label(pieces: list[str]) -> list[str]:
    """``pieces`` up to the next label (a value element that runs on into the next row)."""
    for n, piece in enumerate(pieces):
        if _norm(piece) in _ALL_LABELS:
            return pieces[:n]
    return pieces


def _collapse(text: str) -> str:
    return " ".join(text.split())


# --- embedded JSON ------------------------------------------------------------------------------------------

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


def _json_facts(
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
            by_key = {_norm(k): (str(k), v) for k, v in layer.items()}
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
    by_key = {_norm(k): v for k, v in obj.items()}
    slugs = {_norm(_last_segment(by_key[k])) for k in _SLUG_KEYS if isinstance(by_key.get(k), str)} - {""}
    if _norm(page_slug) in slugs:
        return 0
    if "-" in page_slug and _norm(page_slug.rsplit("-", 1)[0]) in slugs:
        return 1
    names = {_norm(by_key[k]) for k in _NAME_KEYS if isinstance(by_key.get(k), str)}
    return 2 if names & page_names else None


def _names_another(obj: Mapping[str, Any], page_slug: str, page_names: frozenset[str]) -> bool:
    """Whether ``obj`` carries a name or slug of its own that is not the page's model (a provider, a card)."""
    named = any(isinstance(v, str) and _norm(k) in _NAME_KEYS + _SLUG_KEYS[:3] for k, v in obj.items())
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


def _json_name(value: Any) -> str | None:
    """A display name from a string or an object such as ``{"name": "Meta"}``."""
    if isinstance(value, Mapping):
        by_key = {_norm(k): v for k, v in value.items()}
        value = next((by_key[k] for k in ("name", "displayname", "title", "label") if k in by_key), None)
    return _collapse(value) if isinstance(value, str) and value.strip() else None


def _json_field(item: Mapping[str, Any], *names: str) -> tuple[bool, Any]:
    by_key = {_norm(k): v for k, v in item.items()}
    for name in names:
        if name in by_key:
            return True, by_key[name]
    return False, None


# --- records ------------------------------------------------------------------------------------------------


def _model_record(model_id: str, page: _Page, facts: Mapping[str, Any], json_keys: Mapping[str, str]) -> Record:
    values: dict[str, Any] = {}
    printed: dict[str, str] = {}  # field -> label as the page printed it, for error messages
    shown: dict[str, str] = {}  # field -> where its value was read, for the "no value" error
    missing: list[str] = []
    name = _json_name(facts.get("name")) or page.name()
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
        "creator": _text,
        "context_window": _tokens,
        "max_output_tokens": _tokens,
        "open_weights": _flag,
        "release_date": _date,
        "knowledge_cutoff": _date,
        "api_providers": _names,
        "input_modalities": _modalities,
    }
    read = {field: _converted(converters[field], value, printed[field]) for field, value in values.items()}
    empty = [
        f"{printed[field]} ({shown[field]})"
        for field in MODEL_LABELS
        if field in REQUIRED
        and read.get(field) is None
        and not (field == "release_date" and _says_unknown(values[field]))
    ]
    if empty:
        raise ParseError(f"catalog page gives no value for the required fields: {'; '.join(empty)}")
    capabilities = facts["capabilities"] if "capabilities" in facts else _capabilities(page)
    return {
        "source": SOURCE.id,
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
        "capabilities": _converted(_names, capabilities, "Capabilities"),
        "description": _text(facts.get("description")) or _description(page, name or ""),
    }


def _endpoint_records(model_id: str, rows: list[dict[str, Any]]) -> list[tuple[Record, float | None]]:
    """Endpoint records, each with its 1d uptime (None when the page shows none)."""
    out: list[tuple[Record, float | None]] = []
    keys: set[str] = set()
    for row in rows:
        provider = _json_name(row.get("provider"))
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
            "source": SOURCE.id,
            "model_id": model_id,
            "endpoint_key": key,
            "provider": provider,
            "context_length": None,
            "max_output_tokens": _converted(_tokens, row.get("max_output"), where + ENDPOINT_LABELS["max_output"]),
            "max_prompt_tokens": None,
            "input_price_per_mtok": None,
            "output_price_per_mtok": None,
            "cache_read_price_per_mtok": None,
            "cache_write_price_per_mtok": None,
            "quantization": None,
            "supported_params": params_list,
            "supported_params_count": (
                len(params_list) if params_list is not None else _converted(_count, params, where + "Supported params")
            ),
            "implicit_caching": _converted(_flag, row.get("caching"), where + ENDPOINT_LABELS["caching"]),
            "status": None,
        }
        out.append((record, _converted(_percent, row.get("uptime"), where + ENDPOINT_LABELS["uptime"])))
    return out


def _benchmark_records(model_id: str, rows: list[tuple[str, Any]]) -> list[Record]:
    records: list[Record] = []
    for name, score in rows:
        value = _converted(_percent, score, f"benchmark {name!r} Score")
        if value is None:
            continue  # the page shows the benchmark without a score ("—"): nothing to record
        records.append(
            {"source": SOURCE.id, "model_id": model_id, "benchmark": benchmark_id(name), "score": round(value, 4)}
        )
    return records


def _converted(convert: Callable[[Any], Any], value: Any, label: str) -> Any:
    try:
        return convert(value)
    except (UnitError, ValueError, TypeError) as e:
        shown = " ".join(value) if isinstance(value, list) and all(isinstance(v, str) for v in value) else value
        raise ParseError(f"catalog page: {label} value {shown!r} does not parse ({e})") from None


# --- endpoints, benchmarks, capabilities, description ----------------------------------------------------


def _endpoint_rows(page: _Page, facts: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """Raw endpoint rows (provider, max_output, uptime, params, caching); None when the page shows none.

    An empty JSON list is a model without endpoints; a visible section without a readable row is not (it may
    be a layout this parser does not know), so it lists nothing rather than retiring every endpoint.
    """
    if "endpoints" in facts:
        items = facts["endpoints"]
        if not isinstance(items, list):
            raise ParseError(f"catalog page: embedded endpoints are {type(items).__name__}, not a list")
        found = [_json_endpoint(item, n) for n, item in enumerate(items)]
        uptimes = _one_scale([row.get("uptime") for row in found], "endpoint 1d uptime")
        return [{**row, "uptime": pct} if "uptime" in row else row for row, pct in zip(found, uptimes, strict=True)]
    for header, rows in page.tables():
        columns = {field: n for n, h in enumerate(header) if (field := _endpoint_column(h))}
        if "provider" in columns and len(columns) > 1:
            return [_table_endpoint(columns, row) for row in rows]
    for start in page.index_of(_ENDPOINT_HEADINGS):
        found = _endpoint_runs(page.blocks, start)
        if found:
            return found
    return None


def _table_endpoint(columns: Mapping[str, int], row: list[list[str]]) -> dict[str, Any]:
    cells = {field: row[n] for field, n in columns.items() if n < len(row) and row[n]}
    return {field: cell[0] if field == "provider" else " ".join(cell) for field, cell in cells.items()}


def _endpoint_column(header: str) -> str | None:
    if header in ("provider", "providername", "endpoint"):
        return "provider"
    if header.startswith(("maxoutput", "maximumoutput")):
        return "max_output"
    if header in ("1duptime", "uptime1d", "24huptime", "uptime24h"):
        return "uptime"
    if header in ("supportedparams", "supportedparameters"):
        return "params"
    if header == "implicitcaching":
        return "caching"
    return None


def _json_endpoint(item: Any, n: int) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise ParseError(f"catalog page: embedded endpoints[{n}] is not an object")
    names = {
        "provider": ("provider", "providername", "name"),
        "max_output": ("maxoutput", "maxoutputtokens", "maxcompletiontokens"),
        "uptime": ("uptime1d", "uptimelast1d", "1duptime", "uptime"),
        "params": ("supportedparams", "supportedparameters", "supportedparamscount"),
        "caching": ("implicitcaching", "supportsimplicitcaching"),
    }
    row: dict[str, Any] = {}
    for field, keys in names.items():
        found, value = _json_field(item, *keys)
        if found:
            row[field] = value
    return row


def _endpoint_runs(blocks: list[str], start: int) -> list[dict[str, Any]]:
    """Endpoint rows from the blocks after the heading at ``start``: a provider name, then labelled fields,
    on one line ("Max output: 16,384 1d uptime: 100.0% ...") or split into label and value blocks."""
    rows: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    pending: str | None = None  # a field whose label ended a block: its value is the next block
    intro = 0
    for j in range(start + 1, len(blocks)):
        parts = _ENDPOINT_FIELD.split(blocks[j])
        before = parts[0].strip(" :：·|,;–—-")
        fields = list(zip(parts[1::2], parts[2::2], strict=True))
        if before:
            if pending is not None and current is not None and not fields:
                current[pending], pending = before, None
                continue
            follows = j + 1 < len(blocks) and _ENDPOINT_FIELD.match(blocks[j + 1]) is not None
            if fields or follows:
                current, pending = {"provider": before}, None
                rows.append(current)
            elif not rows and intro < 3:
                intro += 1  # the section's subtitle
                continue
            else:
                break  # the next section
        if fields and current is None:
            raise ParseError(f"catalog page: endpoint line {blocks[j]!r} names no provider")
        for label, printed in fields:
            key = _endpoint_key(label)
            value = printed.strip(" ·|,;–—")
            if value and current is not None:
                current[key], pending = value, None
            else:
                pending = key
    return rows


def _endpoint_key(label: str) -> str:
    squashed = _norm(label)
    if squashed.startswith("max"):
        return "max_output"
    if "uptime" in squashed:
        return "uptime"
    return "params" if squashed.startswith("supported") else "caching"


def _benchmark_rows(page: _Page, facts: Mapping[str, Any]) -> list[tuple[str, Any]] | None:
    """(benchmark name, score as printed) rows; None when the page shows none (as for endpoints)."""
    if "benchmarks" in facts:
        named = _json_benchmarks(facts["benchmarks"])
        scores = _one_scale([score for _, score in named], "benchmark Score")
        return [(name, score) for (name, _), score in zip(named, scores, strict=True)]
    for header, rows in page.tables():
        name_col = next((n for n, h in enumerate(header) if h in ("benchmark", "evaluation")), None)
        score_col = next((n for n, h in enumerate(header) if h == "score"), None)
        if name_col is not None and score_col is not None:
            return [
                (row[name_col][0], " ".join(row[score_col]))
                for row in rows
                if len(row) > max(name_col, score_col) and row[name_col]
            ]
    for start in page.index_of(_BENCHMARK_HEADINGS):
        found = _benchmark_runs(page.blocks, start)
        if found:
            return found
    return None


def _json_benchmarks(items: Any) -> list[tuple[str, Any]]:
    if isinstance(items, Mapping):  # {"GPQA Diamond": 58.7, ...}
        return [(str(k), v) for k, v in items.items()]
    if not isinstance(items, list):
        raise ParseError(f"catalog page: embedded benchmarks are {type(items).__name__}, not a list")
    rows = []
    for n, item in enumerate(items):
        name = _json_name(item)
        if not isinstance(item, Mapping) or not name:
            raise ParseError(f"catalog page: embedded benchmarks[{n}] has no name")
        found, score = _json_field(item, "score", "value", "percent", "result")
        if not found:
            raise ParseError(f"catalog page: embedded benchmark {name!r} has no score")
        rows.append((name, score))
    return rows


def _benchmark_runs(blocks: list[str], start: int) -> list[tuple[str, Any]]:
    """Benchmark rows after the heading at ``start``: a name, up to two description lines, a score "28.3%"."""
    rows: list[tuple[str, Any]] = []
    row: list[str] = []
    for text in blocks[start + 1 :]:
        if not rows and not row and (_norm(text) in _BENCHMARK_HEADER or _is_note(text)):
            continue  # the subtitle and the "Benchmark | Score" header
        score = _SCORE.fullmatch(text)
        if score and (row or score["name"]):
            rows.append((row[0] if row else score["name"].rstrip(" :–—-"), score["score"]))
            row = []
        elif row and text.lower() in UNKNOWN:
            rows.append((row[0], None))
            row = []
        else:
            row.append(text)
            if len(row) > 3:
                break  # no score within a row's length: the next section
    return rows


def _capabilities(page: _Page) -> list[str] | None:
    """Capability names under "Capabilities": each a short title followed by its sentence (icons skipped)."""
    for start in page.index_of({"capabilities"}):
        names: list[str] = []
        blocks = page.blocks[start + 1 : start + 100]
        for n, text in enumerate(blocks):
            squashed = _norm(text)
            if squashed.startswith(_SECTION_ENDS) or squashed in _ALL_LABELS:
                break
            if text.endswith((".", "!", "?")) or len(text.split()) > 8:
                continue  # a capability's description, or the section's subtitle
            if len(text) <= 4 and (text.isupper() or not any(c.isalpha() for c in text)):
                continue  # an icon's letters ("MM", "CTX", "</>")
            if n + 1 < len(blocks) and blocks[n + 1].endswith(".") and len(blocks[n + 1].split()) >= 4:
                names.append(text)
            elif names:
                break
        if names:
            return names
    return None


def _description(page: _Page, name: str) -> str | None:
    """The paragraph under the name, else the first paragraph under "What is <name>"."""
    heading = page.heading_index()
    if heading is None:
        heading = next(page.index_of({_norm(name)}), None)
    if heading is not None:
        for j in range(heading + 1, min(heading + 5, len(page.blocks))):
            if len(page.blocks[j].split()) >= 12:
                return page.paragraph_at(j)
    for i, text in enumerate(page.blocks):
        if _norm(text).startswith("whatis"):
            for j in range(i + 1, min(i + 5, len(page.blocks))):
                block = page.blocks[j]
                if len(block.split()) >= 12 and not _norm(block).startswith("afullersummary"):
                    return page.paragraph_at(j)
    return None


# --- values -------------------------------------------------------------------------------------------------


def _scalar(value: Any) -> Any:
    return " ".join(str(v) for v in value) if isinstance(value, list) else value


def _text(value: Any) -> str | None:
    name = _json_name(value) if isinstance(value, Mapping) else _scalar(value)
    if name is None:
        return None
    text = _collapse(str(name))
    return None if text.lower() in UNKNOWN else text


def _tokens(value: Any) -> int | None:
    return token_count(_scalar(value))


def _count(value: Any) -> int | None:
    value = _scalar(value)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    text = str(value).replace(",", "").strip()
    if text.lower() in UNKNOWN:
        return None
    if not text.isdigit():
        raise UnitError(f"{value!r} is not a count")
    return int(text)


def _flag(value: Any) -> bool | None:
    return yes_no(_scalar(value))


def _percent(value: Any) -> float | None:
    value = _scalar(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise UnitError(f"{value!r} is not a finite percentage")
    return percent(value)


def _one_scale(values: list[Any], field: str) -> list[Any]:
    """One page's JSON percentages on the 0-100 scale: bare numbers all <= 1 (one > 0) are fractions, scaled by
    100; bare numbers in (0, 1] beside ones > 1 are two scales, a ParseError. "58.7%" strings stay as printed."""
    bare = [float(v) for v in values if _bare_number(v)]
    if not any(b > 0 for b in bare):
        return values
    if all(b <= 1 for b in bare):
        return [_scaled(v) if _bare_number(v) else v for v in values]
    if any(0 < b <= 1 for b in bare):
        shown = ", ".join(str(v) for v in values if _bare_number(v))
        raise ParseError(f"catalog page: embedded {field} values {shown} are on mixed 0-1 and 0-100 scales")
    return values


def _bare_number(value: Any) -> bool:
    """A JSON number, or a string of one without "%" (finite: NaN and Infinity are left to fail as values)."""
    if isinstance(value, str):
        return re.fullmatch(r"\s*-?\d+(?:\.\d+)?\s*", value) is not None
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _scaled(value: Any) -> float:
    return float(round((exact_decimal(value) or Decimal(0)) * 100, 4))  # exact: 0.587 -> 58.7, not 58.699999...


def _says_unknown(value: Any) -> bool:
    """Whether the page prints "Unknown" (or "N/A", ...) for a value, rather than leaving it out or empty."""
    text = _scalar(value)
    return isinstance(text, str) and _collapse(text).lower() in UNKNOWN - {""}


def _date(value: Any) -> Any:
    """A date as printed, without its relative part: "Apr 11, 2022 4 years ago" -> 2022-04-11."""
    value = _scalar(value)
    return calendar_date(_RELATIVE.sub("", value) if isinstance(value, str) else value)


def _names(value: Any) -> list[str] | None:
    """Display names from a list (of strings or ``{"name": ...}``) or a comma-separated string."""
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        name = _json_name(item)
        if name is None:
            raise UnitError(f"{item!r} is not a name")
        names.extend(n for n in re.split(r"\s*[,;·|]\s*", name) if n)
    if len(names) == 1 and names[0].lower() in UNKNOWN:
        return None
    return sorted_set(names)


def _modalities(value: Any) -> list[str] | None:
    """Lower-case modality words from "Text Image", "text, image" or ["Text", "Image"]."""
    if value is None:
        return None
    texts = value if isinstance(value, list) else [value]
    split = r"[\s,/&+;·|]+|\band\b"
    words = [w for v in texts for w in re.split(split, str(_json_name(v) or v).lower()) if w]
    if len(words) == 1 and words[0] in UNKNOWN:
        return None
    read = [w[:-1] if w.endswith("s") and w[:-1] in _MODALITIES else w for w in words]
    unknown = [w for w in read if w not in _MODALITIES] or ([] if read else ["(nothing)"])
    if unknown:
        raise UnitError(f"{', '.join(unknown)} is not a modality ({', '.join(sorted(_MODALITIES))})")
    return sorted_set(read)


# --- URLs ---------------------------------------------------------------------------------------------------


def _page_slug(url: str) -> str:
    match = re.fullmatch(r"/models/([^/]+)/?", urlsplit(url).path)
    if not match:
        raise ParseError(f"{url} is not a catalog page (/models/<slug>)")
    return match[1]


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
