#!/usr/bin/env python3
"""Rebuild flows/demo_captures/ (the payloads ``modelsync demo`` serves) from the real samples.

Stdlib only and deterministic: running it twice gives byte-identical output.

    python3 scripts/build_demo_captures.py [--sources DIR] [--out DIR]

Inputs (read only). In <sources>/openrouter/ (provenance in its README.md):
  api_v1_models__llama4__2026-08-01.json            real /api/v1/models entries (Llama 4 Maverick, Scout)
  api_v1_models_endpoints__kimi-k3__2026-08-25.json real /endpoints capture of moonshotai/kimi-k3
  frontend_stats_endpoint_catalogue__llama4scout.csv real endpoint rows (3 Scout + 1 Maverick)
  frontend_stats_uptime_recent__llama4scout_daily.csv real daily uptime of the Scout endpoints
In tests/fixtures/ (each folder's README.md gives how they were built from the real samples):
  models_dev/, artificial_analysis/, catalog/       models.dev, Artificial Analysis and catalog payloads
  litellm/                                          real versions of LiteLLM's price map (Llama 4 keys)

Outputs, all in <out>/: manifest.jsonl, README.md, the two real OpenRouter files copied
byte-for-byte, the fixtures copied as they are, and synthetic_*.json files (everything
invented or modified). Generated JSON is written with indent=1 and a trailing newline.

The outages the demo scripts (HTTP 503 on every attempt) are declared in flows/demo.py
(``OUTAGES``); OUTAGES below repeats them for the README, and tests/test_demo.py checks
that the two agree.
"""

from __future__ import annotations

import argparse
import copy
import csv
import hashlib
import json
import shutil
from decimal import Context, Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCES = Path("/work/shared/sources")
DEFAULT_OUT = REPO / "flows" / "demo_captures"
FIXTURES = REPO / "tests" / "fixtures"

API = "https://openrouter.ai/api/v1"
MODELS_URL = f"{API}/models"
MODELS_DEV_URL = "https://models.dev/api.json"
AA_URL = "https://artificialanalysis.ai/api/v2/data/llms/models"
CATALOG = "https://www.mindstudio.ai"
LITELLM_URL = "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"

D01, D23, D24, D25, D26, D27 = "2026-08-01", "2026-08-23", "2026-08-24", "2026-08-25", "2026-08-26", "2026-08-27"
DATES = (D01, D23, D24, D25, D26, D27)
FETCHED_AT = {
    D01: "2026-08-01T02:00:00Z",  # the real model list of that day (its time of day is not recorded)
    D23: "2026-08-23T02:00:00Z",
    D24: "2026-08-24T02:00:00Z",
    D25: "2026-08-25T10:26:01Z",  # the real Kimi capture (10:26:01.960Z), truncated to seconds
    D26: "2026-08-26T02:00:00Z",
    D27: "2026-08-27T02:00:00Z",
}
# What each date shows, for the README (the per-file table says which payload shows it).
STORY = {
    D01: "Baseline of all five sources. OpenRouter's model list is the **real** one of that day "
    "(Llama 4 Maverick and Scout only).",
    D23: "Kimi K3 is listed on OpenRouter: its model and 3 endpoints appear. LiteLLM REPRICES novita's Llama 4 "
    "Scout (input 800 -> 0.18, output 4,000 -> 0.59 per million tokens: upstream's unit error fixed).",
    D24: "**Outage**: models.dev's `api.json` and OpenRouter's Maverick endpoints page answer HTTP 503 on every "
    "attempt (the run is `partial`; nothing of theirs is retired). The rest lands: Google Vertex's Scout "
    "MAX OUTPUT 8192 -> 16384, Alibaba's Kimi K3 PRICE cut, NovitaAI's Scout UPTIME DIP.",
    D25: "The **real** Kimi K3 capture: `morph/fast` appears. DeepInfra's Scout gets IMPLICIT CACHING (and lists "
    "its parameters in another order: not a change). models.dev: deepinfra's Scout context, output limit and "
    "price change. Artificial Analysis RE-SCORES Scout and Maverick.",
    D26: "Alibaba is missing from Kimi K3's complete endpoints listing: the endpoint is RETIRED (`deleted`).",
    D27: "Kimi K3 `fireworks/fast` adds `tools` and `tool_choice` (SUPPORTED PARAMETERS change); Alibaba is still "
    "absent, so it stays retired. NovitaAI CUTS Scout's MAX OUTPUT 131072 -> 65536.",
}
# (date, real URL) answered with HTTP 503 every time; flows/demo.py OUTAGES is what the demo scripts.
OUTAGES = {
    D24: (MODELS_DEV_URL, f"{API}/models/meta-llama/llama-4-maverick/endpoints"),
}

SRC_LLAMA_LIST = "api_v1_models__llama4__2026-08-01.json"
SRC_KIMI = "api_v1_models_endpoints__kimi-k3__2026-08-25.json"
SRC_CATALOGUE = "frontend_stats_endpoint_catalogue__llama4scout.csv"
SRC_UPTIME = "frontend_stats_uptime_recent__llama4scout_daily.csv"
# LiteLLM: three keys of two real versions of the map (tests/fixtures/litellm/), of which only novita's changes
LITELLM_BEFORE = "litellm/model_prices_llama4__2026-01-09__4d742cd9a243.json"
LITELLM_AFTER = "litellm/model_prices_llama4__2026-06-26__0082afa4fc3e.json"
LITELLM_KEYS = (
    "groq/meta-llama/llama-4-maverick-17b-128e-instruct",
    "groq/meta-llama/llama-4-scout-17b-16e-instruct",
    "novita/meta-llama/llama-4-scout-17b-16e-instruct",
)

KIMI = "moonshotai/kimi-k3"
SCOUT = "meta-llama/llama-4-scout"
MAVERICK = "meta-llama/llama-4-maverick"

# Endpoint ids in the catalogue CSV (column endpoint_id).
EP_SCOUT_DEEPINFRA = "9cf05ded-eefe-41b4-8c08-0c6460feffea"
EP_SCOUT_VERTEX = "6b6ca1d2-f0a3-4b14-afd1-9ec651371658"
EP_SCOUT_NOVITA = "b0352c4a-a51c-4ee0-9f5e-cfa527c3a208"
EP_MAVERICK_DEEPINFRA = "69a5d06e-1935-4aa5-903f-71058e64399f"

# The daily-uptime CSV covers 2026-08-30..09-01 only; its three days are reused,
# in order, as the uptime_last_1d of 08-23/24/25. The other dates' 1d values are invented.
UPTIME_DAY_FOR = {D23: "2026-08-30", D24: "2026-08-31", D25: "2026-09-01"}


def pct(ok: int, total: int) -> float:
    """An uptime percentage the way OpenRouter reports it: successes / requests * 100."""
    return ok * 100 / total


Uptime = tuple[float, float | None, float | None]  # (uptime_last_30m, uptime_last_5m, uptime_last_1d)

# Invented short-window uptimes, and 1d values where the CSV has none (None = take it from the CSV).
SCOUT_UPTIME: dict[str, dict[str, Uptime]] = {
    EP_SCOUT_DEEPINFRA: {
        D01: (pct(17995, 18021), pct(1202, 1204), pct(431021, 431380)),
        D23: (pct(17998, 18021), pct(1203, 1204), None),
        D24: (pct(17990, 18021), pct(1201, 1203), None),
        D25: (pct(18006, 18021), 100.0, None),
        D26: (pct(18001, 18021), pct(1203, 1204), pct(431002, 431380)),
        D27: (pct(17999, 18021), 100.0, pct(430988, 431380)),
    },
    EP_SCOUT_VERTEX: {
        D01: (pct(5810, 5813), 100.0, pct(139244, 139312)),
        D23: (pct(5811, 5813), 100.0, None),
        D24: (pct(5808, 5813), pct(386, 387), None),
        D25: (pct(5805, 5813), pct(385, 387), None),
        D26: (pct(5809, 5813), 100.0, pct(139231, 139312)),
        D27: (pct(5810, 5813), 100.0, pct(139240, 139312)),
    },
    EP_SCOUT_NOVITA: {
        D01: (pct(1899, 1906), pct(127, 127), pct(45410, 45744)),
        D23: (pct(1884, 1906), pct(126, 127), None),
        # the uptime dip: 1d is invented here (the CSV value for that day is ~99.85)
        D24: (pct(1190, 1906), pct(27, 67), pct(1553, 1906)),
        D25: (pct(1897, 1906), pct(126, 127), None),
        D26: (pct(1901, 1906), 100.0, pct(45603, 45744)),
        D27: (pct(1900, 1906), pct(126, 127), pct(45590, 45744)),
    },
}
MAVERICK_UPTIME: dict[str, Uptime] = {  # no capture on D24: its endpoints page is down that day
    D01: (pct(4750, 4757), pct(317, 318), pct(69101, 69201)),
    D23: (pct(4751, 4757), pct(317, 318), pct(69118, 69201)),
    D25: (pct(4748, 4757), pct(316, 318), pct(69094, 69201)),
    D26: (pct(4753, 4757), 100.0, pct(69131, 69201)),
    D27: (pct(4752, 4757), pct(317, 318), pct(69122, 69201)),
}
# Kimi K3 on the synthetic dates, by endpoint tag (08-25 is the real capture; morph/fast
# joins on 08-25 and, as in that capture, reports no 5m uptime).
KIMI_UPTIME: dict[str, dict[str, Uptime]] = {
    "fireworks": {
        D23: (pct(2831, 2835), pct(281, 282), pct(134117, 134488)),
        D24: (pct(2832, 2836), 100.0, pct(134205, 134488)),
        D26: (pct(2830, 2835), 100.0, pct(134101, 134488)),
        D27: (pct(2833, 2835), pct(281, 282), pct(134160, 134488)),
    },
    "alibaba": {
        D23: (pct(441, 507), pct(9, 12), pct(25063, 25466)),
        D24: (pct(447, 513), pct(8, 11), pct(25102, 25466)),
    },
    "fireworks/fast": {
        D23: (pct(571, 574), pct(47, 49), pct(20127, 20360)),
        D24: (pct(572, 574), pct(48, 49), pct(20146, 20360)),
        D26: (pct(573, 574), 100.0, pct(20151, 20360)),
        D27: (pct(571, 574), pct(48, 49), pct(20139, 20360)),
    },
    "morph/fast": {
        D26: (pct(229, 246), None, pct(10442, 12430)),
        D27: (pct(233, 246), None, pct(10611, 12430)),
    },
}
KIMI_ALIBABA_OLD_PRICE = {"prompt": "0.0000039", "completion": "0.0000195"}  # 2026-08-23 only
KIMI_DATES_WITHOUT = {D23: ("morph/fast",), D24: ("morph/fast",), D26: ("alibaba",), D27: ("alibaba",)}
FAST_GAINS_TOOLS_ON = D27  # fireworks/fast lists `tools`, `tool_choice` from this date


# ---------------------------------------------------------------- helpers


def dump(obj: object) -> str:
    return json.dumps(obj, indent=1, ensure_ascii=False) + "\n"


def per_token(usd_per_mtok: str) -> str:
    """Price per token as a plain decimal string, from a catalogue $/M-token value.

    The catalogue computed its column as float(API price) * 1e6, so it carries
    float noise (0.0000001 * 1e6 == 0.09999999999999999). Converting the CSV
    text exactly would keep that noise (0.00000009999999999999999), so this
    returns the shortest decimal whose float, times 1e6, reproduces the CSV
    value exactly: i.e. the API string the catalogue was computed from.
    """
    target = float(usd_per_mtok)
    for digits in range(1, 18):
        candidate = Context(prec=digits).plus(Decimal(usd_per_mtok)).scaleb(-6)
        if float(candidate) * 1e6 == target:
            return format(candidate.normalize(), "f")
    raise ValueError(f"cannot recover a per-token price from {usd_per_mtok!r}")


def litellm_cut(fixture: Path) -> dict:
    """The map's ``sample_spec`` and ``LITELLM_KEYS`` of one real version, in its order, values as they are."""
    entries = json.loads(fixture.read_text())
    return {k: v for k, v in entries.items() if k == "sample_spec" or k in LITELLM_KEYS}


def number(text: str) -> int | float:
    return int(text) if text.lstrip("-").isdigit() else float(text)


def int_or_none(text: str) -> int | None:
    return int(text) if text else None


def percentiles(row: dict[str, str], kind: str, unit: str) -> dict[str, int | float]:
    # PercentileStats in the API has p50/p75/p90/p99 (the CSV's p95 is dropped)
    return {p: number(row[f"{p}_{kind}_{unit}"]) for p in ("p50", "p75", "p90", "p99")}


def api_param_order(params: list[str], kimi: dict) -> list[str]:
    """Order a parameter set the way the real endpoint rows list them.

    Order = first appearance across the real Kimi endpoint rows (which list
    parameters in OpenRouter's internal order, not alphabetically).
    """
    order: list[str] = []
    for ep in kimi["data"]["endpoints"]:
        order += [p for p in ep["supported_parameters"] if p not in order]
    missing = [p for p in params if p not in order]
    if missing:
        raise ValueError(f"no reference position for {missing}")
    return sorted(params, key=order.index)


def endpoint_architecture(model: dict) -> dict:
    a = model["architecture"]  # endpoint responses list these keys in this order
    keys = ("tokenizer", "instruct_type", "modality", "input_modalities", "output_modalities")
    return {k: a[k] for k in keys}


def endpoints_url(model_id: str) -> str:
    return f"{API}/models/{model_id}/endpoints"


# ---------------------------------------------------------------- builders


def kimi_list_entry(kimi: dict) -> dict:
    d = kimi["data"]
    fireworks = next(e for e in d["endpoints"] if e["tag"] == "fireworks")
    arch = d["architecture"]
    params: set[str] = set()
    for ep in d["endpoints"]:
        params.update(ep["supported_parameters"])
    return {
        "id": d["id"],
        "canonical_slug": "moonshotai/kimi-k3-20260715",
        "hugging_face_id": None,
        "name": d["name"],
        "created": d["created"],
        "description": d["description"],
        "context_length": 1048576,
        "architecture": {
            k: arch[k] for k in ("modality", "input_modalities", "output_modalities", "tokenizer", "instruct_type")
        },
        "pricing": {
            "prompt": fireworks["pricing"]["prompt"],
            "completion": fireworks["pricing"]["completion"],
        },
        "top_provider": {"context_length": 1048576, "max_completion_tokens": None, "is_moderated": False},
        "per_request_limits": None,
        "supported_parameters": sorted(params),
        "default_parameters": {},
        "supported_voices": None,
        "knowledge_cutoff": None,
        "expiration_date": None,
        "links": {"details": "/api/v1/models/moonshotai/kimi-k3/endpoints"},
    }


def kimi_synthetic(kimi: dict, date: str) -> dict:
    out = copy.deepcopy(kimi)
    eps = [e for e in out["data"]["endpoints"] if e["tag"] not in KIMI_DATES_WITHOUT[date]]
    fireworks = next(e for e in eps if e["tag"] == "fireworks")
    for ep in eps:
        ep["uptime_last_30m"], ep["uptime_last_5m"], ep["uptime_last_1d"] = KIMI_UPTIME[ep["tag"]][date]
        if ep["tag"] == "alibaba" and date == D23:
            ep["pricing"].update(KIMI_ALIBABA_OLD_PRICE)
        if ep["tag"] == "fireworks/fast" and date >= FAST_GAINS_TOOLS_ON:
            # the fast variant gains tool calling: its list becomes the standard Fireworks endpoint's list
            gained = [p for p in fireworks["supported_parameters"] if p not in ep["supported_parameters"]]
            if gained != ["tools", "tool_choice"]:
                raise ValueError(f"fireworks/fast would gain {gained}, not tools and tool_choice")
            ep["supported_parameters"] = list(fireworks["supported_parameters"])
    out["data"]["endpoints"] = eps
    return out


def catalogue_endpoint(row: dict[str, str], model: dict, params: list[str], uptime: Uptime) -> dict:
    pricing: dict[str, object] = {
        "prompt": per_token(row["listed_input_usd_per_mtok"]),
        "completion": per_token(row["listed_output_usd_per_mtok"]),
    }
    if row["listed_cache_read_usd_per_mtok"]:
        pricing["input_cache_read"] = per_token(row["listed_cache_read_usd_per_mtok"])
    pricing["discount"] = number(row["discount"] or "0")
    up30, up5, up1d = uptime
    return {
        "name": f"{row['provider_name']} | {row['permaslug']}",
        "model_id": row["model_id"],
        "model_name": model["name"],
        "context_length": int(row["context_length"]),
        "pricing": pricing,
        "provider_name": row["provider_name"],
        "tag": row["provider_slug"],
        "quantization": row["quantization"] or "unknown",
        "max_completion_tokens": int_or_none(row["max_completion_tokens"]),
        "max_prompt_tokens": int_or_none(row["max_prompt_tokens"]),
        "supported_parameters": list(params),
        "status": int(row["status"]),
        "uptime_last_30m": up30,
        "uptime_last_5m": up5,
        "uptime_last_1d": up1d,
        "supports_implicit_caching": row["supports_implicit_caching"] == "True",
        "supports_voice_cloning": False,
        "latency_last_30m": percentiles(row, "latency", "ms"),
        "throughput_last_30m": percentiles(row, "throughput", "tok_s"),
    }


def endpoints_payload(model: dict, endpoints: list[dict]) -> dict:
    return {
        "data": {
            "id": model["id"],
            "name": model["name"],
            "created": model["created"],
            "description": model["description"],
            "architecture": endpoint_architecture(model),
            "endpoints": endpoints,
        }
    }


def scout_payload(model: dict, rows: dict, daily: dict, kimi: dict, date: str) -> dict:
    api_order = api_param_order(model["supported_parameters"], kimi)
    eps = []
    for ep_id in (EP_SCOUT_DEEPINFRA, EP_SCOUT_VERTEX, EP_SCOUT_NOVITA):
        up30, up5, up1d = SCOUT_UPTIME[ep_id][date]
        if up1d is None:
            up1d = daily[(UPTIME_DAY_FOR[date], ep_id)]
        params = api_order
        if ep_id == EP_SCOUT_DEEPINFRA and date >= D25:
            params = sorted(api_order)  # same set, different order: not a change
        ep = catalogue_endpoint(rows[ep_id], model, params, (up30, up5, up1d))
        if ep_id == EP_SCOUT_VERTEX and date >= D24:
            ep["max_completion_tokens"] = 16384  # CSV (and before 08-24): 8192
        if ep_id == EP_SCOUT_DEEPINFRA and date >= D25:
            ep["supports_implicit_caching"] = True  # CSV (and before 08-25): False
        if ep_id == EP_SCOUT_NOVITA and date >= D27:
            ep["max_completion_tokens"] = 65536  # CSV (and before 08-27): 131072: a provider CUTS max output
        eps.append(ep)
    return endpoints_payload(model, eps)


def maverick_payload(model: dict, rows: dict, kimi: dict, date: str) -> dict:
    params = api_param_order(model["supported_parameters"], kimi)
    ep = catalogue_endpoint(rows[EP_MAVERICK_DEEPINFRA], model, params, MAVERICK_UPTIME[date])
    return endpoints_payload(model, [ep])


# ---------------------------------------------------------------- README

README_HEAD = """\
# Demo captures

Bundled sample data for `modelsync demo`: captures of all five sources over six dates
(2026-08-01, then 08-23 to 08-27). `manifest.jsonl` gives each file's real URL and
`fetched_at` (the `import --manifest` format). The demo serves them from a loopback mirror
and runs the real sync flow once per date: on each date the mirror answers every URL with
its newest capture fetched at or before that date, so a URL without a capture of its own
on a date is served its previous one, unchanged (the mirror then answers the sync's
conditional request with 304, as the real origin would).

**Generated, do not edit by hand.** Rebuild with `python3 scripts/build_demo_captures.py`
(stdlib only, deterministic) from the real samples in `/work/shared/sources/` (each folder's
`README.md` gives the provenance of each real file) and from the fixtures in `tests/fixtures/`.
Files named `synthetic_*` are invented, modified or assembled; every other file is a real
capture copied byte-for-byte. OpenRouter prices are USD per token, as decimal strings.

## What each date shows

| date | fetched_at | what happens |
|---|---|---|
"""

OUTAGE_TEXT = """
## Outages

An outage is not a file: `flows/demo.py` declares it (`OUTAGES`), and on that date the
mirror answers the URL with HTTP 503 on every attempt (the demo sets
`MODELSYNC_RETRY_ATTEMPTS=2` and `MODELSYNC_RETRY_WAIT_S=1`, so it gives up within a second).
The sync of that date is `partial` (exit 3), the URL is in `runs.failed_urls`, and because a
failed URL yields no snapshot, nothing in its scope is retired: models.dev's endpoints and
Maverick's OpenRouter endpoint are as current after the outage day as before it. From the
next date on, the mirror serves the captures again.

| date | URL answering HTTP 503 | scope that must not be retired |
|---|---|---|
"""

FILES_HEAD = """
## Files

| file | fetched_at | real / synthetic | derived from | what it demonstrates |
|---|---|---|---|---|
"""

README_TAIL = """
## Notes on the synthetic data

- Real payloads used verbatim: OpenRouter's model list of 2026-08-01 (`{llama_list}`: the two
  Llama 4 entries of a real `/api/v1/models` response, filtered by the sample's publisher) and
  the Kimi K3 endpoints capture of 2026-08-25 (`{kimi}`). No other whole payload of these URLs
  exists in the samples: the Llama endpoints pages are rebuilt from the catalogue CSV, and the
  models.dev, Artificial Analysis and catalog payloads are the test fixtures assembled from real
  values (see their READMEs).
- Catalogue prices are `$/M tokens` computed as `float(API price) * 1e6` and carry float noise
  (`0.09999999999999999`). Each is turned back into the API string as the shortest decimal whose
  float times 1e6 equals the CSV value (`0.09999999999999999` -> `"0.0000001"`). These agree with the
  real `/api/v1/models` pricing of both Llama models (their cheapest endpoint is DeepInfra).
- Endpoint `tag` = the catalogue's `provider_slug` (`deepinfra/fp8`, `google-vertex/us-east5`,
  `novita/bf16`, `deepinfra/base`); `name` = `"<provider_name> | <permaslug>"` as in the real Kimi file.
- Llama `supported_parameters`: the CSV has no parameter lists, so every Llama endpoint gets its model's
  real list from `/api/v1/models` (an upper bound: that list is the union over endpoints), ordered as the
  real Kimi endpoint rows order parameters. From 08-25 the Scout DeepInfra list is alphabetical instead.
- Scout `uptime_last_1d` comes from the daily-uptime CSV, whose days 2026-08-30/31, 09-01 are reused for
  08-23/24/25 (except the invented NovitaAI dip on 08-24); its 08-01, 08-26 and 08-27 values are invented.
  Maverick has no uptime data: all its uptimes are invented, as are all `uptime_last_5m`/`uptime_last_30m`
  of the Llama endpoints and all uptimes in the synthetic Kimi files. `latency_last_30m`/`throughput_last_30m`
  are the catalogue's real p50/p75/p90/p99 (snapshot 2026-08-28), identical on every date.
- The real catalogue (2026-08-28) still shows Google Vertex at max_completion_tokens 8192 and DeepInfra
  Scout without implicit caching: the 16384 and `true` values are demo inventions.
- In the Kimi files before 08-25 the Alibaba endpoint keeps the real `status` -2 and `input_cache_read`;
  only its prompt/completion prices differ on 08-23. Its disappearance from 08-26 on is invented (the real
  capture shows it degraded, status -2), as is `fireworks/fast` gaining `tools` and `tool_choice` on 08-27
  (its list becomes exactly the real `fireworks` endpoint's list).
- The Kimi model-list entry: id, name, created, description, architecture from the real Kimi capture;
  pricing from its Fireworks endpoint; `supported_parameters` = sorted union over its 4 real endpoints
  (same on all dates); canonical_slug, context_length, top_provider, `links.details` are invented.
  Note the real Llama entries point `links.details` at the canonical slug, the Kimi one at the model id.
- The models.dev and Artificial Analysis captures of 08-01 hold their older values (models.dev's
  deepinfra Scout as of commit `42a7a14f6989`, 2026-03-13; Artificial Analysis as published up to
  2026-07-05), those of 08-25 their newer ones: the demo's dates are not the dates of those values.
- The LiteLLM captures are `sample_spec` and three Llama 4 keys (groq's Scout and Maverick, novita's Scout)
  of two real versions of the map (`tests/fixtures/litellm/`, mirror commits of 2026-01-09 and 2026-06-26),
  values as they are; of these keys only novita's prices differ between the two. Upstream fixed that
  price on 2026-01-13 (it had `0.0008` USD a token, a unit error): the demo shows it on 08-23.
"""


Row = tuple[str, str, str, str, str]


def readme(rows: list[Row], hashes: dict[str, str]) -> str:
    parts = [README_HEAD]
    parts += [f"| {date} | {FETCHED_AT[date]} | {STORY[date]} |\n" for date in DATES]
    parts.append(OUTAGE_TEXT)
    for date, urls in OUTAGES.items():
        for url in urls:
            if url == MODELS_DEV_URL:
                scope = "every models.dev model and endpoint (the whole source is one document)"
            else:
                scope = f"the OpenRouter endpoints of `{url.split('/models/', 1)[1].removesuffix('/endpoints')}`"
            parts.append(f"| {FETCHED_AT[date]} | `{url}` | {scope} |\n")
    parts.append(FILES_HEAD)
    parts += [f"| `{path}` | {fetched_at} | {kind} | {source} | {shows} |\n" for path, fetched_at, kind, source, shows
              in rows]  # fmt: skip
    parts.append(README_TAIL.format(llama_list=SRC_LLAMA_LIST, kimi=SRC_KIMI))
    parts.append("\n## Source files used (sha256)\n\n")
    parts += [f"- `{name}`: `{digest}`\n" for name, digest in sorted(hashes.items())]
    return "".join(parts)


# ---------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=Path, default=DEFAULT_SOURCES)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args()
    src: Path = args.sources / "openrouter"
    out: Path = args.out

    llama_list = json.loads((src / SRC_LLAMA_LIST).read_text())
    kimi = json.loads((src / SRC_KIMI).read_text())
    with open(src / SRC_CATALOGUE, newline="") as f:
        catalogue = {r["endpoint_id"]: r for r in csv.DictReader(f)}
    with open(src / SRC_UPTIME, newline="") as f:
        daily = {(r["date"], r["endpoint_id"]): float(r["uptime_pct"]) for r in csv.DictReader(f)}
    hashes = {
        n: hashlib.sha256((src / n).read_bytes()).hexdigest()
        for n in (SRC_LLAMA_LIST, SRC_KIMI, SRC_CATALOGUE, SRC_UPTIME)
    }

    models = {m["id"]: m for m in llama_list["data"]}
    scout, maverick = models[SCOUT], models[MAVERICK]

    files: dict[str, str] = {}  # name -> generated text
    copies: dict[str, Path] = {}  # name -> file copied byte-for-byte (a real capture or a fixture)
    manifest: list[dict[str, str]] = []
    table: list[Row] = []
    real_kimi_src = f"`{SRC_KIMI}`"
    cat_src = f"`{SRC_CATALOGUE}`"

    def add(name: str, url: str, date: str, content: str | Path, source: str, shows: str) -> None:
        if date in OUTAGES and url in OUTAGES[date]:
            raise ValueError(f"{name}: {url} is down on {date}, a capture would never be served")
        if isinstance(content, Path):
            copies[name] = content
        else:
            files[name] = content
        manifest.append({"path": name, "url": url, "fetched_at": FETCHED_AT[date]})
        kind = "synthetic" if name.startswith("synthetic_") else "real (verbatim)"
        table.append((name, FETCHED_AT[date], kind, source, shows))

    # OpenRouter: the model list (real on 08-01; from 08-23 on with Kimi K3, served unchanged every later date)
    add(SRC_LLAMA_LIST, MODELS_URL, D01, src / SRC_LLAMA_LIST,
        "real response of 2026-08-01 filtered to its 2 Llama 4 entries by the sample's publisher, copied byte-for-byte",
        "model list of 08-01: Llama 4 Maverick and Scout")  # fmt: skip
    add(
        f"synthetic_api_v1_models__{D23}.json",
        MODELS_URL,
        D23,
        dump({"data": [maverick, scout, kimi_list_entry(kimi)]}),
        f"the 2 real entries of `{SRC_LLAMA_LIST}` + a Kimi K3 entry built from {real_kimi_src}",
        "model list: Kimi K3 APPEARS (3 models, each backed by an endpoints page); served unchanged from then on",
    )

    # OpenRouter: Kimi K3's endpoints page, from the day it is listed
    kimi_shows = {
        D23: "Kimi K3 baseline: 3 endpoints (no `morph/fast`); Alibaba at the OLD price 0.0000039/0.0000195",
        D24: "Kimi K3: Alibaba PRICE CHANGE to 0.00000345/0.00001725 (prompt/completion); still 3 endpoints",
        D26: "Kimi K3: 3 endpoints, Alibaba ABSENT from this complete listing: RETIRED",
        D27: "Kimi K3: Alibaba still absent (stays retired); `fireworks/fast` SUPPORTED PARAMETERS "
        "+`tools` +`tool_choice`",
    }
    for date in (D23, D24, D25, D26, D27):
        if date == D25:
            shows = "Kimi K3, 4 endpoints: `morph/fast` APPEARS; Alibaba at its current price (unchanged since 08-24)"
            add(SRC_KIMI, endpoints_url(KIMI), date, src / SRC_KIMI, "real capture, copied byte-for-byte", shows)
            continue
        changes = {
            D23: "minus `morph/fast`, uptimes varied, Alibaba prices raised",
            D24: "minus `morph/fast`, uptimes varied",
            D26: "minus `alibaba`, uptimes varied",
            D27: "minus `alibaba`, uptimes varied, `fireworks/fast` given `fireworks`'s parameter list",
        }
        add(
            f"synthetic_endpoints__moonshotai__kimi-k3__{date}.json",
            endpoints_url(KIMI),
            date,
            dump(kimi_synthetic(kimi, date)),
            f"{real_kimi_src} {changes[date]}",
            kimi_shows[date],
        )

    # OpenRouter: the Llama 4 endpoints pages, every date (Maverick's is down on 08-24)
    scout_shows = {
        D01: "Scout baseline: DeepInfra fp8 (16384), Google Vertex (8192), NovitaAI bf16 (131072)",
        D23: "Scout: uptimes only (no change to report)",
        D24: "Scout: Google Vertex MAX-OUTPUT CHANGE 8192 -> 16384; NovitaAI UPTIME DIP (1d ~81.5, 5m ~40)",
        D25: "Scout: NovitaAI uptime back to ~99.3; DeepInfra IMPLICIT CACHING false -> true; "
        "DeepInfra supported_parameters reordered (same set: NOT a change)",
        D26: "Scout: uptimes only (no change to report)",
        D27: "Scout: NovitaAI MAX-OUTPUT CUT 131072 -> 65536",
    }
    for date in DATES:
        add(
            f"synthetic_endpoints__meta-llama__llama-4-scout__{date}.json",
            endpoints_url(SCOUT),
            date,
            dump(scout_payload(scout, catalogue, daily, kimi, date)),
            f"3 Scout rows of {cat_src}; "
            + (f"1d uptime from `{SRC_UPTIME}`" if date in UPTIME_DAY_FOR else "1d uptime invented")
            + f"; model fields from `{SRC_LLAMA_LIST}`",
            scout_shows[date],
        )
    for date in MAVERICK_UPTIME:
        add(
            f"synthetic_endpoints__meta-llama__llama-4-maverick__{date}.json",
            endpoints_url(MAVERICK),
            date,
            dump(maverick_payload(maverick, catalogue, kimi, date)),
            f"Maverick row of {cat_src}; model fields from `{SRC_LLAMA_LIST}`",
            "Maverick: 1 DeepInfra endpoint, unchanged on every date but its uptimes"
            + ("; the page is DOWN the next day, 08-24 (no capture)" if date == D23 else ""),
        )

    # The other three sources, from the test fixtures (each documented in its own README there).
    for name, url, date, fixture, shows in (
        (f"synthetic_models_dev_api__{D01}.json", MODELS_DEV_URL, D01, "models_dev/synthetic_api__2026-03-13.json",
         "models.dev baseline (32 provider models): deepinfra's Llama 4 Scout with context 10,000,000, no output "
         "limit, input 0.08; served unchanged on 08-23, DOWN on 08-24"),
        (f"synthetic_models_dev_api__{D25}.json", MODELS_DEV_URL, D25, "models_dev/synthetic_api.json",
         "models.dev: deepinfra's Scout context 327,680, output limit 16,384, input price 0.08 -> 0.10"),
        (f"synthetic_aa_models__{D01}.json", AA_URL, D01,
         "artificial_analysis/synthetic_aa_v2_models__llama4__2026-07-05.json",
         "Artificial Analysis: intelligence index Scout 10, Maverick 14.3; Scout speed 113.6 tokens/s"),
        (f"synthetic_aa_models__{D25}.json", AA_URL, D25,
         "artificial_analysis/synthetic_aa_v2_models__llama4__2026-10-09.json",
         "Artificial Analysis RE-SCORE: intelligence index Scout 10 -> 8.1, Maverick 14.3 -> 10; Scout speed 56"),
        (f"synthetic_catalog_sitemap__{D01}.xml", f"{CATALOG}/sitemap.xml", D01,
         "catalog/synthetic_sitemap.xml", "catalog sitemap: two model pages (served unchanged on every date)"),
        (f"synthetic_catalog_page__llama-4-scout__{D01}.html",
         f"{CATALOG}/models/llama-4-scout-17b-16e-instruct-groq", D01,
         "catalog/synthetic_catalog_page__dl.html",
         "catalog page built from the seed: release date 2022-04-11 and open source No CONFLICT with other sources"),
        (f"synthetic_catalog_page__llama-4-maverick__{D01}.html",
         f"{CATALOG}/models/llama-4-maverick-17b-128e-instruct-fp8-deepinfra", D01,
         "catalog/synthetic_catalog_page__maverick.html", "catalog page for Llama 4 Maverick"),
    ):  # fmt: skip
        add(name, url, date, FIXTURES / fixture, f"`tests/fixtures/{fixture}`", shows)
    for date, fixture, shows in (
        (D01, LITELLM_BEFORE, "LiteLLM baseline: 3 Llama 4 keys; novita's Scout at 0.0008/0.004 USD a token "
         "(800/4,000 per million, as published)"),
        (D23, LITELLM_AFTER, "LiteLLM: novita's Scout REPRICED to 1.8e-07/5.9e-07 (0.18/0.59 per million); "
         "served unchanged from then on"),
    ):  # fmt: skip
        add(f"synthetic_litellm_prices__{date}.json", LITELLM_URL, date, dump(litellm_cut(FIXTURES / fixture)),
            f"`sample_spec` and {len(LITELLM_KEYS)} keys of `tests/fixtures/{fixture}`", shows)  # fmt: skip

    manifest.sort(key=lambda m: (m["fetched_at"], m["url"]))
    table.sort(key=lambda r: (r[1], next(m["url"] for m in manifest if m["path"] == r[0])))
    files["manifest.jsonl"] = "".join(json.dumps(m) + "\n" for m in manifest)
    files["README.md"] = readme(table, hashes)

    out.mkdir(parents=True, exist_ok=True)
    for stale in sorted(out.iterdir()):  # drop files a previous build made but this one does not
        if stale.is_file() and stale.name not in files and stale.name not in copies:
            stale.unlink()
    for name, origin in copies.items():
        shutil.copyfile(origin, out / name)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(files) + len(copies)} files to {out}")


if __name__ == "__main__":
    main()
