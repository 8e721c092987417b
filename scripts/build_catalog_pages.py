#!/usr/bin/env python3
"""Rebuild tests/fixtures/catalog/: synthetic catalog pages built from the seed text of one real page.

Stdlib only and deterministic: running it twice gives byte-identical output.

    python3 scripts/build_catalog_pages.py [--seed FILE] [--out DIR]

Input (read only): the visible text of https://www.mindstudio.ai/models/llama-4-scout-17b-16e-instruct-groq,
``shared/seeds/catalog-page-llama-4-scout.txt``. No HTML of the real page exists, so the same text is laid out
in several markups a product site could use (definition lists, tables, div soup, Next.js JSON, flat
paragraphs); every page carries the seed's noise (community threads, FAQ) plus invented site chrome (header,
nav, footer, analytics scripts, an Organization JSON-LD). ``labels_stripped`` is the ``dl`` page without its
label texts. ``maverick`` is a shorter page with invented, plausible Llama 4 Maverick figures.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SEED = Path("/work/shared/seeds/catalog-page-llama-4-scout.txt")
DEFAULT_OUT = REPO / "tests" / "fixtures" / "catalog"
SCOUT_SLUG = "llama-4-scout-17b-16e-instruct-groq"
MAVERICK_SLUG = "llama-4-maverick-17b-128e-instruct-fp8-deepinfra"


@dataclass(frozen=True)
class Seed:
    """The seed text cut into the page's parts, in page order."""

    badge: str
    name: str
    hero: str
    hero_facts: list[str]
    overview_heading: tuple[str, str]
    overview: list[tuple[str, str, str]]  # label, explanatory sentence, value
    what_is: tuple[str, str, list[str]]  # heading, subtitle, paragraphs
    capabilities: tuple[str, str, list[tuple[str, str, str]]]  # heading, subtitle, (icon, title, description)
    pricing: list[str]
    api_access: tuple[str, str, list[str]]
    endpoints: tuple[str, str, list[tuple[str, str]]]  # heading, subtitle, (provider, line)
    performance: tuple[str, str, list[tuple[str, str, str]]]  # heading, subtitle, (name, description, score)
    resources: tuple[str, str]
    community: list[str]
    faq: tuple[str, str, list[tuple[str, str]]]
    more_models: list[str]


def read_seed(path: Path) -> Seed:
    """Cut the seed text at its visible section headings."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def cut(start: str, end: str) -> list[str]:
        return lines[lines.index(start) : lines.index(end)]

    overview = cut("Model Overview", "What is Llama 4 Scout")
    what_is = cut("What is Llama 4 Scout", "Capabilities")
    capabilities = cut("Capabilities", "Pricing for Llama 4 Scout")
    api = cut("API Access & Providers", "Provider Endpoints")
    endpoints = cut("Provider Endpoints", "Model Performance")
    performance = cut("Model Performance", "Resources & Documentation")
    faq = cut("FAQ", "More models from Meta")
    resources = cut("Resources & Documentation", "Community discussion")
    facts = re.findall(r"[A-Z][a-z]{2} \d{1,2}, \d{4}|[\d,]+ context|[\d,]+ tokens output", lines[3])
    return Seed(
        badge=lines[0],
        name=lines[1],
        hero=lines[2],
        hero_facts=facts,
        overview_heading=(overview[0], overview[1]),
        overview=[(overview[i], overview[i + 1], overview[i + 2]) for i in range(2, len(overview), 3)],
        what_is=(what_is[0], what_is[1], what_is[2:]),
        capabilities=(
            capabilities[0],
            capabilities[1],
            [(capabilities[i], capabilities[i + 1], capabilities[i + 2]) for i in range(2, len(capabilities), 3)],
        ),
        pricing=cut("Pricing for Llama 4 Scout", "API Access & Providers"),
        api_access=(api[0], api[1], split_providers(api[2])),
        endpoints=(endpoints[0], endpoints[1], [(endpoints[i], endpoints[i + 1]) for i in range(2, len(endpoints), 2)]),
        performance=(
            performance[0],
            performance[1],
            [(performance[i], performance[i + 1], performance[i + 2]) for i in range(3, len(performance), 3)],
        ),
        resources=(resources[0], resources[1]),
        community=cut("Community discussion", "FAQ"),
        faq=(faq[0], faq[1], [(faq[i], faq[i + 1]) for i in range(2, len(faq), 2)]),
        more_models=lines[lines.index("More models from Meta") :],
    )


def split_providers(line: str) -> list[str]:
    """ "Hugging Face DeepInfra Groq Novita Google" -> the five names (the overview value spells them out)."""
    return ["Hugging Face", *line.removeprefix("Hugging Face ").split(" ")]


# ---------------------------------------------------------------- shared chrome and noise

HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="generator" content="modelsync scripts/build_catalog_pages.py (synthetic page, not a capture)">
<title>{title} | MindStudio</title>
<style>.x9f{{display:flex;gap:8px}} .hero h1{{font-size:40px}} dt small{{display:block;color:#666}}</style>
<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments)}}gtag('js',new Date());
var trap = "Provider: OpenAI Input Context Window: 1 tokens";</script>
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"Organization","name":"MindStudio",
"url":"https://www.mindstudio.ai","logo":"https://www.mindstudio.ai/logo.png"}}</script>
</head>
<body>
<header class="site-header"><a href="/">MindStudio</a>
<nav><a href="/models">Models</a><a href="/agents">Agents</a><a href="/providers">Providers</a>
<a href="/pricing">Pricing</a><a href="/docs">Docs</a></nav>
<a href="/login">Log in</a> <a href="/signup">Get started</a></header>
"""

FOOT = """<footer><div><a href="/">MindStudio</a><p>Build and deploy AI agents.</p></div>
<div><a href="/models">All models</a><a href="/blog">Blog</a><a href="/privacy">Privacy Policy</a>
<a href="/terms">Terms</a></div><p>© 2026 MindStudio</p></footer>
<script>(function(){var s=document.createElement('script');s.src='/_next/static/chunks/main.js';
document.body.appendChild(s)})();</script>
</body>
</html>
"""


def community_html(seed: Seed, tables: bool) -> str:
    """The community threads, one paragraph per seed line; markdown tables as <table> when ``tables``."""
    out = ["<section>"]
    rows: list[str] = []

    def flush() -> None:
        if rows:
            cells = [[c.strip() for c in r.strip("|").split("|")] for r in rows if not re.fullmatch(r"[|:\- ]+", r)]
            head = "".join(f"<th>{escape(c)}</th>" for c in cells[0])
            body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in cells[1:])
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
            rows.clear()

    for n, line in enumerate(seed.community):
        if tables and line.startswith("|"):
            rows.append(line)
            continue
        flush()
        if n == 0:
            out.append(f"<h2>{escape(line)}</h2>")
        elif line in ("Open Reddit thread", "View more discussions →"):
            out.append(f'<a href="https://www.reddit.com/r/LocalLLaMA/">{escape(line)}</a>')
        else:
            out.append(f"<p>{escape(line)}</p>")
    flush()
    out.append("</section>")
    return "\n".join(out)


def faq_html(seed: Seed, style: str) -> str:
    heading, subtitle, pairs = seed.faq
    if style == "dl":
        items = "".join(f"<dt>{escape(q)}</dt><dd>{escape(a)}</dd>" for q, a in pairs)
        return f"<section><h2>{escape(heading)}</h2><p>{escape(subtitle)}</p><dl>{items}</dl></section>"
    if style == "divs":
        items = "".join(f"<div><div>{escape(q)}</div><div>{escape(a)}</div></div>" for q, a in pairs)
        return f"<div><div>{escape(heading)}</div><div>{escape(subtitle)}</div><div>{items}</div></div>"
    items = "".join(f"<details><summary>{escape(q)}</summary><p>{escape(a)}</p></details>" for q, a in pairs)
    return f"<section><h2>{escape(heading)}</h2><p>{escape(subtitle)}</p>{items}</section>"


def more_models_html(seed: Seed) -> str:
    heading, subtitle, back = seed.more_models
    cards = (
        '<a href="/models/llama-4-maverick-17b-128e-instruct-fp8-deepinfra"><h3>Llama 4 Maverick</h3>'
        "<span>Meta</span><span>1,048,576 context</span></a>"
        '<a href="/models/llama-3-3-70b-instruct"><h3>Llama 3.3 70B Instruct</h3><span>Meta</span>'
        "<span>131,072 context</span></a>"
    )
    return (
        f"<section><h2>{escape(heading)}</h2><p>{escape(subtitle)}</p><div>{cards}</div>"
        f'<a href="/models">{escape(back)}</a></section>'
    )


def hero_html(seed: Seed, heading_tag: str = "h1") -> str:
    facts = "".join(f"<li>{escape(f)}</li>" for f in seed.hero_facts)
    pills = "".join(f"<li>{escape(title)}</li>" for _, title, _ in seed.capabilities[2])
    return (
        f'<header><a href="/models?provider=meta">{escape(seed.badge)}</a>'
        f"<{heading_tag}>{escape(seed.name)}</{heading_tag}><p>{escape(seed.hero)}</p>"
        f"<ul>{facts}</ul><ul>{pills}</ul></header>"
    )


def what_is_html(seed: Seed) -> str:
    heading, subtitle, paragraphs = seed.what_is
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"<section><h2>{escape(heading)}</h2><p>{escape(subtitle)}</p>{body}</section>"


def pricing_html(seed: Seed) -> str:
    heading, subtitle, compare, compare_sub, *rows = seed.pricing
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in (r.split(" ", 1) for r in rows))
    return (
        f"<section><h2>{escape(heading)}</h2><p>{escape(subtitle)}</p><h3>{escape(compare)}</h3>"
        f"<p>{escape(compare_sub)}</p><dl>{items}</dl></section>"
    )


def api_access_html(seed: Seed) -> str:
    heading, subtitle, names = seed.api_access
    items = "".join(f"<li>{escape(n)}</li>" for n in names)
    return f"<section><h2>{escape(heading)}</h2><p>{escape(subtitle)}</p><ul>{items}</ul></section>"


def resources_html(seed: Seed) -> str:
    heading, subtitle = seed.resources
    return f"<section><h2>{escape(heading)}</h2><p>{escape(subtitle)}</p></section>"


def page(title: str, main: str) -> str:
    return HEAD.format(title=escape(title)) + f"<main>\n{main}\n</main>\n" + FOOT


ENDPOINT_LABELS = ("Max output", "1d uptime", "Supported params", "Implicit caching")


def endpoint_fields(line: str) -> list[tuple[str, str]]:
    """ "Max output: 16,384 1d uptime: 100.0% ..." -> [("Max output", "16,384"), ...]."""
    found = re.findall(r"(Max output|1d uptime|Supported params|Implicit caching): (\S+)", line)
    return [(label, value) for label, value in found]


# ---------------------------------------------------------------- markups


def dl_page(seed: Seed, labels: bool = True) -> str:
    """Definition lists: overview, endpoints (label and value split into spans), benchmarks, FAQ."""
    heading, subtitle = seed.overview_heading
    rows = "".join(
        f"<div><dt>{escape(label) if labels else ''} <small>{escape(note)}</small></dt><dd>{escape(value)}</dd></div>"
        for label, note, value in seed.overview
    )
    overview = f"<section><h2>{escape(heading)}</h2><p>{escape(subtitle)}</p><dl>{rows}</dl></section>"
    cap_heading, cap_sub, items = seed.capabilities
    caps = "".join(
        f'<div><span aria-hidden="true">{escape(icon)}</span><dt>{escape(t)}</dt><dd>{escape(d)}</dd></div>'
        for icon, t, d in items
    )
    capabilities = f"<section><h2>{escape(cap_heading)}</h2><p>{escape(cap_sub)}</p><dl>{caps}</dl></section>"
    ep_heading, ep_sub, lines = seed.endpoints
    eps = "".join(
        f"<dt>{escape(provider)}</dt><dd>"
        + " ".join(
            (f"<span>{escape(label)}:</span> " if labels else "") + f"<span>{escape(value)}</span>"
            for label, value in endpoint_fields(line)
        )
        + "</dd>"
        for provider, line in lines
    )
    endpoints = f"<section><h2>{escape(ep_heading)}</h2><p>{escape(ep_sub)}</p><dl>{eps}</dl></section>"
    perf_heading, perf_sub, bench = seed.performance
    rows = "".join(
        f"<div><dt>{escape(n)}<small>{escape(d)}</small></dt><dd>{escape(s)}</dd></div>" for n, d, s in bench
    )
    performance = (
        f"<section><h2>{escape(perf_heading)}</h2><p>{escape(perf_sub)}</p>"
        f"<div><span>Benchmark</span><span>Score</span></div><dl>{rows}</dl></section>"
    )
    return page(
        seed.name,
        "<article>\n"
        + "\n".join(
            [
                hero_html(seed),
                overview,
                what_is_html(seed),
                capabilities,
                pricing_html(seed),
                api_access_html(seed),
                endpoints,
                performance,
                resources_html(seed),
                community_html(seed, tables=False),
                faq_html(seed, "dl"),
                more_models_html(seed),
            ]
        )
        + "\n</article>",
    )


def table_page(seed: Seed) -> str:
    """Tables: the overview as two columns, endpoints and benchmarks with header rows."""
    heading, subtitle = seed.overview_heading
    rows = "".join(
        f'<tr><th scope="row">{escape(label)}<br><span>{escape(note)}</span></th><td>{escape(value)}</td></tr>'
        for label, note, value in seed.overview
    )
    overview = (
        f"<section><h2>{escape(heading)}</h2><p>{escape(subtitle)}</p><table><tbody>{rows}</tbody></table></section>"
    )
    cap_heading, cap_sub, items = seed.capabilities
    caps = "".join(f"<li><span>{escape(i)}</span><h3>{escape(t)}</h3><p>{escape(d)}</p></li>" for i, t, d in items)
    capabilities = f"<section><h2>{escape(cap_heading)}</h2><p>{escape(cap_sub)}</p><ul>{caps}</ul></section>"
    ep_heading, ep_sub, lines = seed.endpoints
    head = "".join(
        f"<th>{h}</th>" for h in ("Provider", "Max output", "1d uptime", "Supported params", "Implicit caching")
    )
    body = "".join(
        f"<tr><td>{escape(p)}</td>" + "".join(f"<td>{escape(v)}</td>" for _, v in endpoint_fields(line)) + "</tr>"
        for p, line in lines
    )
    endpoints = (
        f"<section><h2>{escape(ep_heading)}</h2><p>{escape(ep_sub)}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></section>"
    )
    perf_heading, perf_sub, bench = seed.performance
    body = "".join(f"<tr><td>{escape(n)}<div>{escape(d)}</div></td><td>{escape(s)}</td></tr>" for n, d, s in bench)
    performance = (
        f"<section><h2>{escape(perf_heading)}</h2><p>{escape(perf_sub)}</p><table><thead><tr><th>Benchmark</th>"
        f"<th>Score</th></tr></thead><tbody>{body}</tbody></table></section>"
    )
    return page(
        seed.name,
        "\n".join(
            [
                hero_html(seed),
                overview,
                what_is_html(seed),
                capabilities,
                pricing_html(seed),
                api_access_html(seed),
                endpoints,
                performance,
                resources_html(seed),
                community_html(seed, tables=True),
                faq_html(seed, "details"),
                more_models_html(seed),
            ]
        ),
    )


def divs_page(seed: Seed) -> str:
    """Div soup, no h1 (the name is a styled div; the <title> names the model): label and value in sibling
    divs, list values as pills, the release date split into two spans, each endpoint line one text run."""

    def value_html(label: str, value: str) -> str:
        if label == "API Providers":
            return "".join(f"<span>{escape(v)}</span>" for v in value.split(", "))
        if label == "Modalities":
            return "".join(f"<span>{escape(v)}</span>" for v in value.split(" "))
        if label == "Release Date":
            date, relative = re.fullmatch(r"(.+?, \d{4}) (.+)", value).groups()  # type: ignore[union-attr]
            return f"<span>{escape(date)}</span><span>{escape(relative)}</span>"
        return f"<div>{escape(value)}</div>"

    def section(heading: str, subtitle: str, body: str) -> str:
        return f"<div><div><div>{escape(heading)}</div><div>{escape(subtitle)}</div></div><div>{body}</div></div>"

    facts = "".join(f"<span>{escape(f)}</span>" for f in seed.hero_facts)
    pills = "".join(f"<span>{escape(t)}</span>" for _, t, _ in seed.capabilities[2])
    hero = (
        f"<div><div><a href='/models?provider=meta'>{escape(seed.badge)}</a></div><div><div>{escape(seed.name)}</div>"
        f"</div><div>{escape(seed.hero)}</div><div>{facts}</div><div>{pills}</div></div>"
    )
    rows = "".join(
        f"<div><div><div><span>{escape(label)}</span></div><div><span>{escape(note)}</span></div></div>"
        f"<div>{value_html(label, value)}</div></div>"
        for label, note, value in seed.overview
    )
    heading, subtitle, paragraphs = seed.what_is
    what_is = section(heading, subtitle, "".join(f"<div>{escape(p)}</div>" for p in paragraphs))
    cap_heading, cap_sub, items = seed.capabilities
    caps = "".join(
        f"<div><div>{escape(i)}</div><div><div>{escape(t)}</div><div>{escape(d)}</div></div></div>" for i, t, d in items
    )
    ep_heading, ep_sub, lines = seed.endpoints
    eps = "".join(f"<div><div>{escape(p)}</div><div>{escape(line)}</div></div>" for p, line in lines)
    perf_heading, perf_sub, bench = seed.performance
    rows_b = "".join(
        f"<div><div><div>{escape(n)}</div><div>{escape(d)}</div></div><div>{escape(s)}</div></div>" for n, d, s in bench
    )
    pricing = "".join(f"<div>{escape(line)}</div>" for line in seed.pricing)
    api_heading, api_sub, names = seed.api_access
    community = "".join(f"<div>{escape(line)}</div>" for line in seed.community)
    return page(
        seed.name,
        "<div><div>"
        + "\n".join(
            [
                hero,
                section(*seed.overview_heading, rows),
                what_is,
                section(cap_heading, cap_sub, caps),
                f"<div>{pricing}</div>",
                section(api_heading, api_sub, "".join(f"<span>{escape(n)}</span>" for n in names)),
                section(ep_heading, ep_sub, eps),
                section(perf_heading, perf_sub, f"<div><span>Benchmark</span><span>Score</span></div>{rows_b}"),
                section(*seed.resources, ""),
                f"<div>{community}</div>",
                faq_html(seed, "divs"),
                "".join(f"<div>{escape(line)}</div>" for line in seed.more_models),
            ]
        )
        + "</div></div>",
    )


def nextdata_page(seed: Seed) -> str:
    """A Next.js page: the facts in __NEXT_DATA__ JSON, a minimal visible body."""
    overview = {label: value for label, _, value in seed.overview}
    model = {
        "slug": SCOUT_SLUG,
        "name": seed.name,
        "provider": {"name": overview["Provider"], "slug": "meta"},
        "description": seed.hero,
        "summary": seed.what_is[2],
        "contextWindow": int(overview["Input Context Window"].split(" ")[0].replace(",", "")),
        "maxOutputTokens": int(overview["Maximum Output Tokens"].split(" ")[0].replace(",", "")),
        "openSource": overview["Open Source"] == "Yes",
        "releaseDate": "2022-04-11T00:00:00.000Z",  # the seed's "Apr 11, 2022 4 years ago"
        "knowledgeCutoff": None,  # the seed's "Unknown"
        "apiProviders": overview["API Providers"].split(", "),
        "modalities": overview["Modalities"].split(" "),
        "capabilities": [{"icon": i, "title": t, "description": d} for i, t, d in seed.capabilities[2]],
        "endpoints": [
            {
                "provider": provider,
                "maxOutput": int(fields["Max output"].replace(",", "")),
                "uptime1d": float(fields["1d uptime"].rstrip("%")),
                "supportedParams": int(fields["Supported params"]),
                "implicitCaching": fields["Implicit caching"] == "Yes",
            }
            for provider, line in seed.endpoints[2]
            for fields in [dict(endpoint_fields(line))]
        ],
        "benchmarks": [{"name": n, "description": d, "score": float(s.rstrip("%"))} for n, d, s in seed.performance[2]],
    }
    data = {
        "props": {
            "pageProps": {
                "model": model,
                "moreModels": [
                    {"name": "Llama 4 Maverick", "slug": MAVERICK_SLUG, "provider": "Meta", "contextWindow": 1048576}
                ],
                "faq": [{"question": q, "answer": a} for q, a in seed.faq[2]],
                "discussions": {"summary": seed.community[2], "threads": seed.community[4:8]},
            },
            "__N_SSG": True,
        },
        "page": "/models/[slug]",
        "query": {"slug": SCOUT_SLUG},
        "buildId": "synthetic-build",
        "isFallback": False,
    }
    blob = json.dumps(data, ensure_ascii=False, indent=None).replace("</", "<\\/")
    main = (
        f'<div id="__next"><h1>{escape(seed.name)}</h1><div>Loading model details…</div>'
        f'<div><a href="/models">← All AI Models</a></div></div>\n'
        f'<script id="__NEXT_DATA__" type="application/json">{blob}</script>'
    )
    return page(seed.name, main)


def flat_page(seed: Seed, seed_path: Path) -> str:
    """Every seed line its own paragraph (the name an <h1>): the seed text as a reader sees it."""
    lines = [line.strip() for line in seed_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    body = "\n".join(f"<h1>{escape(line)}</h1>" if line == seed.name else f"<p>{escape(line)}</p>" for line in lines)
    return page(seed.name, body)


def maverick_page() -> str:
    """A shorter page, figures invented (plausible, not real): "Label: value" lines and list items."""
    return page(
        "Llama 4 Maverick",
        """<!-- SYNTHETIC: invented figures for a second sitemap entry; not copied from any page -->
<h1>Llama 4 Maverick</h1>
<p>Llama 4 Maverick is a synthetic test model: a larger Mixture of Experts sibling of Llama 4 Scout,
served here via DeepInfra in FP8.</p>
<h2>Model Overview</h2>
<ul>
<li><strong>Provider:</strong> Meta</li>
<li><strong>Input Context Window:</strong> 1,048,576 tokens</li>
<li><strong>Maximum Output Tokens:</strong> 16,384 tokens</li>
<li><strong>Open Source:</strong> Yes</li>
<li><strong>Release Date:</strong> Apr 5, 2025 (1 year ago)</li>
<li><strong>Knowledge Cut-off Date:</strong> Aug 2024</li>
<li><strong>API Providers:</strong> DeepInfra, Together, Groq</li>
<li><strong>Modalities:</strong> Text, Image</li>
</ul>
<h2>Capabilities</h2>
<h3>Multimodal Input</h3><p>Processes text and image inputs in one model.</p>
<h3>Mixture of Experts</h3><p>Activates 17 billion of 400 billion parameters per token.</p>
<h2>Provider Endpoints</h2>
<ul>
<li>DeepInfra — Max output: 16,384 · 1d uptime: 99.9% · Supported params: 14 · Implicit caching: No</li>
<li>Together — Max output: 1,048,576 · 1d uptime: 99.5% · Supported params: 11 · Implicit caching: Yes</li>
</ul>
<h2>Model Performance</h2>
<ol>
<li><span>MMLU-Pro</span> <span>80.9%</span></li>
<li>GPQA Diamond: 69.8%</li>
<li><span>LiveCodeBench</span> <span>43.4%</span></li>
</ol>
<h2>FAQ</h2>
<details><summary>What is the context window for Llama 4 Maverick?</summary>
<p>Input Context Window: 1,048,576 tokens in this synthetic page.</p></details>""",
    )


SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<!-- SYNTHETIC: the shape of https://www.mindstudio.ai/sitemap.xml, URLs chosen for the tests -->
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <url><loc>https://www.mindstudio.ai/</loc><lastmod>2026-05-01</lastmod></url>
  <url><loc>https://www.mindstudio.ai/models</loc></url>
  <url><loc>https://www.mindstudio.ai/models/llama-4-scout-17b-16e-instruct-groq</loc><lastmod>2026-05-14</lastmod></url>
  <url><loc>https://www.mindstudio.ai/blog/what-is-an-ai-agent</loc></url>
  <url><loc>https://www.mindstudio.ai/models/llama-4-maverick-17b-128e-instruct-fp8-deepinfra</loc></url>
  <url><loc>https://www.mindstudio.ai/models/meta/compare</loc></url>
  <url><loc>https://www.mindstudio.ai/models/llama-4-scout-17b-16e-instruct-groq/</loc></url>
  <url><loc>https://example.com/models/not-ours</loc></url>
</urlset>
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=Path, default=DEFAULT_SEED)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args()
    seed = read_seed(args.seed)
    pages = {
        "dl": dl_page(seed),
        "table": table_page(seed),
        "divs": divs_page(seed),
        "nextdata": nextdata_page(seed),
        "flat": flat_page(seed, args.seed),
        "labels_stripped": dl_page(seed, labels=False),
        "maverick": maverick_page(),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    for markup, text in pages.items():
        (args.out / f"synthetic_catalog_page__{markup}.html").write_text(text, encoding="utf-8")
    (args.out / "synthetic_sitemap.xml").write_text(SITEMAP, encoding="utf-8")
    print(f"wrote {len(pages) + 1} files to {args.out}")


if __name__ == "__main__":
    main()
