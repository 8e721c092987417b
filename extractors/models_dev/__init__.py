"""models.dev: one JSON catalogue of every provider's models, limits and costs.

Upstream: ``GET https://models.dev/api.json`` (no key), built from the TOML files of
https://github.com/anomalyco/models.dev (formerly ``sst/models.dev``):
``{"<provider id>": {"id", "name", "env", "npm", "api", "doc", "models": {"<model id>": {...}}}}``.
Feeds: ``model`` (what the model is: name, dates, open weights, modalities, status) and
``endpoint`` (what one provider serves: limits and costs), both keyed
``<provider id>/<model id>`` (``groq/meta-llama/llama-4-scout-17b-16e-instruct``). Each such key has
exactly one endpoint, keyed by the provider id.

Quirks handled here:
- costs are USD per million tokens already (``0.11`` stays ``Decimal("0.11")``); limits are tokens;
- limits and costs belong to the provider, so they go to the endpoint record, not the model record;
- ``knowledge`` may be ``YYYY-MM`` (stored as the first of the month) or ``YYYY-MM-DD``;
- a provider model may inherit from a provider-agnostic ``models/<lab>/<id>.toml`` through
  ``base_model``; api.json serves the merged result and keeps ``base_model``, which we record;
- the schema changes over time: the names in ``RENAMES`` are all read, ``models`` may be an
  object keyed by id or a list of objects with ``id``, ``modalities`` may be missing;
- ``cost.tiers`` (prices above a prompt size) are the endpoint's ``price_tiers`` (``context_over_200k``, the
  legacy copy of a single tier, only where ``tiers`` is absent);
- the payload is the whole catalogue, so it lists every model key;
- unknown fields are ignored; a provider without ``models``, a model that is not an object or a
  value in the wrong unit is a ParseError naming the provider and model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from extractors.spec import ArchivedUrl, GitTree, PayloadKind, SourceSpec, WebArchive
from transforms.drift import KnownFields
from transforms.records import Parsed, ParseError
from transforms.roles import IdentityRole, Key

from .api import parse_api
from .records import RENAMES, SOURCE_ID
from .tree import FOLDERS, ModelsDevTree

ORIGIN = "https://models.dev"
API_URL = f"{ORIGIN}/api.json"
GIT_ORIGIN = "https://raw.githubusercontent.com"
GIT_URL_BASE = f"{GIT_ORIGIN}/anomalyco/models.dev/dev/"
"""The repository's files as its default branch (``dev``) serves them raw."""
_IN_REPOSITORY = r"/(?:anomalyco|sst)/models\.dev/[^/]+"

__all__ = ["API_URL", "RENAMES", "SOURCE", "parse_api"]


def identity_names(key: str, facts: Mapping[str, Any]) -> list[tuple[object, str]]:
    """A ``<provider>/<model id>`` key is known by its model id and its ``base_model``."""
    return [
        (key.split("/", 1)[1] if "/" in key else key, "normalized slug"),
        (facts.get("base_model"), "models.dev base_model"),
    ]


def canonical_id(candidates: list[Key], facts: Mapping[Key, Mapping[str, Any]]) -> tuple[str, Key]:
    """Its ``openrouter`` entry's id (an OpenRouter model id), else its ``base_model``, else its most common id."""
    for key in candidates:
        if key[1].startswith("openrouter/"):
            return key[1].removeprefix("openrouter/"), key
    bases = sorted((str(facts[k]["base_model"]), k) for k in candidates if isinstance(facts[k].get("base_model"), str))
    if bases:
        return bases[0]
    ids: dict[str, list[Key]] = {}
    for key in candidates:
        model = key[1].split("/", 1)[1] if "/" in key[1] else key[1]
        ids.setdefault(re.sub(r"^@[^/]+/", "", model).lower(), []).append(key)  # a `@cf/`-style prefix dropped
    best = min(ids, key=lambda m: (-len(ids[m]), m))
    return best, ids[best][0]


def parse_alone(body: bytes) -> Parsed:
    """A file of the TOML tree means nothing alone (a model reads its provider and its base): refused."""
    raise ParseError("a file of models.dev's git tree is parsed with its tree, by a backfill --git")


def _model_paths(prefix: str) -> tuple[str, ...]:
    """Every model field ``parse_api`` reads or knowingly ignores, under ``prefix`` (models as a map or a list)."""
    read = {f"{field.split('.')[0]}.{name}" if "." in field else name
            for field, names in RENAMES.items() for name in names}  # fmt: skip
    read |= {"id", "name", "base_model", "last_updated", "status", "modalities.input", "modalities.output",
             "cost.tiers", "cost.context_over_200k"}  # fmt: skip
    # known, not read: capabilities and presentation models.dev keeps per model
    ignored = {"family", "attachment", "reasoning", "reasoning_options", "tool_call", "structured_output",
               "temperature", "interleaved", "benchmarks", "weights"}  # fmt: skip
    return tuple(f"{prefix}.{name}" for name in sorted(read | ignored))


API_FIELDS = KnownFields(
    expected=("*.name", "*.models", "*.models.*.name", "*.models.*.limit.context", "*.models[].name",
              "*.models[].limit.context"),
    optional=("*.id", "*.env", "*.npm", "*.api", "*.doc", *_model_paths("*.models.*"), *_model_paths("*.models[]")),
)  # fmt: skip
"""What ``parse_api`` reads or knowingly ignores in api.json: providers keyed by id, their models keyed by id
(or, in older payloads, a list); ``transforms.drift``."""


SOURCE = SourceSpec(
    id=SOURCE_ID,
    origin=ORIGIN,
    entities=("model", "endpoint"),
    payload_kinds=(
        PayloadKind("api", r"/api\.json", parse_api, fields=API_FIELDS),
        PayloadKind(
            "toml",
            rf"{_IN_REPOSITORY}/(?:providers|models)/.+\.toml",
            parse_alone,
            media="toml",
            origin=GIT_ORIGIN,
            in_tree=True,
        ),
        PayloadKind("tree", rf"{_IN_REPOSITORY}/providers", parse_alone, media="text", origin=GIT_ORIGIN, in_tree=True),
    ),
    identity=IdentityRole(
        rank=2, anchors=True, names=identity_names, anchor_rule="models.dev model id", canonical=canonical_id
    ),
    web_archive=WebArchive(lookups=(ArchivedUrl(API_URL),)),
    seeds=(API_URL,),
    field_precedence={
        "release_date": 1,
        "open_weights": 1,
        "knowledge_cutoff": 1,
        "input_modalities": 1,
        "output_modalities": 1,
        "name": 4,
        "creator": 4,
    },  # models.dev limits and prices are per provider: they are the endpoints', not the model's
    upstream_docs="https://github.com/anomalyco/models.dev#api",
    tree=GitTree(url_base=GIT_URL_BASE, folders=FOLDERS, state=ModelsDevTree, suffix=".toml"),
)
