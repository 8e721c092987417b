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

from extractors.catalog.identity import identity_names
from extractors.catalog.labels import ENDPOINT_LABELS, MODEL_LABELS, REQUIRED
from extractors.catalog.records import gone_page, parse_page
from extractors.catalog.sitemap import parse_sitemap
from extractors.catalog.urls import ORIGIN, PAGE_PATH, SITEMAP_PATH, SITEMAP_URL, SOURCE_ID, page_url
from extractors.policy import HostPolicy
from extractors.spec import ArchivedUrl, PayloadKind, SourceSpec, WebArchive
from transforms.roles import IdentityRole

SOURCE = SourceSpec(
    id=SOURCE_ID,
    origin=ORIGIN,
    entities=("model", "endpoint", "uptime", "benchmark"),
    payload_kinds=(
        PayloadKind("sitemap", SITEMAP_PATH, parse_sitemap, yields_links=True, media="xml"),
        PayloadKind("page", PAGE_PATH, parse_page, gone_page, needs_url=True, media="html"),
    ),
    # Its slugs join a model only by a name another source's key shares; a slug that is another key's name as it
    # is keeps only that name.
    identity=IdentityRole(rank=4, names=identity_names, exact_name_only=True),
    web_archive=WebArchive(lookups=(ArchivedUrl(SITEMAP_URL), ArchivedUrl(f"{ORIGIN}/models/", prefix=True))),
    seeds=(SITEMAP_URL,),
    policy=HostPolicy(rate_per_s=1.0, concurrency=2, obey_robots=True),  # a product site's HTML: 1 request/s
    field_precedence={
        "name": 2,
        "creator": 2,
        "context_window": 2,
        "max_output_tokens": 2,
        "release_date": 4,
        "open_weights": 4,
        "knowledge_cutoff": 4,
        "input_modalities": 4,
        "output_modalities": 4,
    },
    upstream_docs="https://www.mindstudio.ai/models",
)

__all__ = [
    "ENDPOINT_LABELS",
    "MODEL_LABELS",
    "ORIGIN",
    "PAGE_PATH",
    "REQUIRED",
    "SITEMAP_PATH",
    "SITEMAP_URL",
    "SOURCE",
    "gone_page",
    "page_url",
    "parse_page",
    "parse_sitemap",
]
