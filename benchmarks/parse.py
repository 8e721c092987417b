"""Parse costs per payload, as medians and ratios to a reference run in the same process.

- OpenRouter: ms per endpoints payload (the generator's, real schema, 5 endpoints), against
  ``json.loads`` of the same body;
- catalog pages: ms per page for each recorded markup and a generated page, and the share
  of that spent building the tree (the reference: ``BeautifulSoup(body, "lxml")`` alone, the
  backend ``parse_page`` uses; ``html.parser``, the one it used before, beside it);
- models.dev: ms for the fixture's api.json, against ``json.loads`` of the same body;
- identity: ms to resolve a crosswalk of N synthetic keys (OpenRouter, three models.dev
  providers and Artificial Analysis per model), re-run on every load.

    uv run python benchmarks/parse.py [--repeat 20] [--models 1000]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
from bs4 import BeautifulSoup
from common import median_ms, parsed_today
from generator import Market

from extractors.catalog import page_url, parse_page
from extractors.models_dev import parse_api
from extractors.openrouter import parse_endpoints
from extractors.registry import identity_roles
from flows.settings import settings_from_env
from transforms.identity import FACT_COLUMNS, crosswalk

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
MARKUPS = ("dl", "table", "divs", "flat", "nextdata")


def synthetic_keys(models: int) -> pd.DataFrame:
    rows = []
    for i in range(models):
        lab = f"lab{i % 50}"
        rows.append(
            {"source": "openrouter", "source_key": f"{lab}/model-{i}", "canonical_slug": f"{lab}/model-{i}-2025"}
        )
        rows += [
            {"source": "models_dev", "source_key": f"{p}/{lab}/model-{i}-2025"}
            for p in ("groq", "deepinfra", "together")
        ]
        rows.append({"source": "artificial_analysis", "source_key": f"model-{i}"})
    return pd.DataFrame([{c: row.get(c) for c in FACT_COLUMNS} for row in rows], columns=list(FACT_COLUMNS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--models", type=int, default=1000)
    args = parser.parse_args()
    market = Market(models=1000, per_model=5)
    settings = settings_from_env({"MODELSYNC_WAREHOUSE": "unused.duckdb"})
    body = market.endpoints_body(0)
    ours = median_ms(lambda: parse_endpoints(body), args.repeat * 10)
    floor = median_ms(lambda: json.loads(body), args.repeat * 10)
    print(f"openrouter endpoints   {ours:6.2f} ms/payload  json.loads alone {floor:5.2f} ms  ratio {ours / floor:.1f}x")
    parse_day = lambda: parsed_today(settings, market, endpoints_only=True)  # noqa: E731
    whole = median_ms(parse_day, max(3, args.repeat // 5)) / len(market.models)
    print(f"openrouter endpoints   {whole:6.2f} ms/payload  through parse_archived (records, validated frames)")
    url = page_url("llama-4-scout-17b-16e-instruct-groq")
    pages = {m: (FIXTURES / "catalog" / f"synthetic_catalog_page__{m}.html").read_bytes() for m in MARKUPS}
    pages["generated"] = market.catalog_page(0)
    for markup, body in pages.items():
        ours = median_ms(lambda body=body: parse_page(body, url), args.repeat)  # type: ignore[misc]
        tree = median_ms(lambda body=body: BeautifulSoup(body, "lxml"), args.repeat)  # type: ignore[misc]
        stdlib = median_ms(lambda body=body: BeautifulSoup(body, "html.parser"), args.repeat)  # type: ignore[misc]
        print(f"catalog {markup:9} {ours:6.1f} ms/page  tree alone {tree:5.1f} ms (html.parser {stdlib:5.1f} ms)"
              f"  ratio {ours / tree:4.1f}x")  # fmt: skip
    body = (FIXTURES / "models_dev" / "synthetic_api.json").read_bytes()
    ours = median_ms(lambda: parse_api(body), args.repeat)
    floor = median_ms(lambda: json.loads(body), args.repeat)
    print(f"models.dev api.json   {ours:6.2f} ms  json.loads alone {floor:5.2f} ms  ratio {ours / floor:4.1f}x")
    facts = synthetic_keys(args.models)
    took = median_ms(lambda: crosswalk(facts, identity_roles()), max(3, args.repeat // 5))
    print(f"crosswalk of {len(facts):,} keys  {took:6.0f} ms ({took / len(facts) * 1000:.0f} us per key)")


if __name__ == "__main__":
    main()
