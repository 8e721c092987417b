"""Identity: which canonical model each (source, source key) names, by documented rules.

Every key is known by a few *names*, each an exact normalized slug (lower case, last path
segment, quantization suffix such as ``-fp8`` dropped):

- ``openrouter``: its model id, its ``canonical_slug`` and its ``hugging_face_id``
  (OpenRouter itself asserts that these name one model);
- ``models_dev`` (``<provider>/<model id>``): the model id and its ``base_model``;
- ``artificial_analysis``: its slug;
- ``catalog``: the page slug, and the slug without a serving-provider suffix
  (``llama-4-scout-17b-16e-instruct-groq`` -> ``llama-4-scout-17b-16e-instruct``).

Keys that share a name are one model (connected components). The canonical ``model_id``
is the component's OpenRouter model id, else the id of its models.dev ``openrouter``
entry (an OpenRouter id too), else its models.dev ``base_model``, else its most common
models.dev model id (lower case, a ``@cf/``-style prefix dropped), else its Artificial Analysis
slug, else its catalog slug. A key
of Artificial Analysis or the catalog that shares no name with another source stays
unmatched (``model_id`` None): nothing is merged by a fuzzy guess. A name claimed by two
different OpenRouter models is ambiguous and links nothing. Overrides (a reviewed file)
come first: an overridden key takes the override's model id and links nothing else.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd

from transforms.units import slug

FACT_COLUMNS = ("source", "source_key", "canonical_slug", "hugging_face_id", "base_model", "api_providers")
ALIAS_COLUMNS = ("source", "source_key", "model_id", "rule")
QUANTIZATION_SUFFIX = re.compile(r"-(fp8|fp16|bf16|fp4|int4|int8)$")
PROVIDER_SUFFIXES = frozenset(
    {
        "groq", "deepinfra", "together", "fireworks", "novita", "google", "vertex", "bedrock", "azure",
        "openai", "anthropic", "mistral", "cerebras", "sambanova", "hyperbolic", "nebius", "lambda",
        "cloudflare", "replicate", "perplexity", "cohere", "xai", "deepseek", "parasail", "baseten",
    }
)  # fmt: skip
"""Serving providers whose name catalog slugs may end with, besides those the page itself lists."""
ANCHOR_ORDER = ("openrouter", "models_dev", "artificial_analysis", "catalog")
"""Whose key names the canonical model, first wins."""
ANCHORING_SOURCES = frozenset({"openrouter", "models_dev"})
"""Sources whose keys are models on their own; others must match one of another source."""


@dataclass(frozen=True)
class Override:
    """A reviewed mapping of one source key to a canonical id (None: keep unmatched)."""

    source: str
    source_key: str
    model_id: str | None
    reason: str = ""


def normalized(name: str) -> str:
    """The exact form names are compared in: last path segment, lower case, no quantization suffix."""
    last = name.strip().rstrip("/").rsplit("/", 1)[-1].lower()
    return QUANTIZATION_SUFFIX.sub("", last)


def read_overrides(text: str, key_column: str = "source_key", id_column: str = "model_id") -> list[Override]:
    """Overrides from CSV text with columns ``source,<key_column>,<id_column>,reason`` (``#`` lines are comments)."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    overrides = []
    for n, row in enumerate(csv.DictReader(io.StringIO("\n".join(lines))), start=2):
        source, key = (row.get("source") or "").strip(), (row.get(key_column) or "").strip()
        if not source or not key:
            raise ValueError(f"override line {n}: source and {key_column} are required")
        target = (row.get(id_column) or "").strip() or None
        overrides.append(Override(source, key, target, (row.get("reason") or "").strip()))
    return overrides


def crosswalk(facts: pd.DataFrame, overrides: Iterable[Override] = ()) -> pd.DataFrame:
    """One row per (source, source key) and per OpenRouter ``canonical_slug``: its model id and the rule."""
    forced = {(o.source, o.source_key): o for o in overrides}
    keys: list[tuple[str, str]] = []
    names: dict[tuple[str, str], list[tuple[str, str]]] = {}
    extra_aliases: dict[tuple[str, str], str] = {}  # openrouter canonical slug alias -> its model id
    for row in _records(facts):
        key = (str(row["source"]), str(row["source_key"]))
        if key in names:
            continue
        keys.append(key)
        names[key] = [] if key in forced else _names(row)
        canonical = row.get("canonical_slug")
        if key[0] == "openrouter" and isinstance(canonical, str) and canonical and canonical != key[1]:
            extra_aliases[("openrouter", canonical)] = key[1]

    by_key = facts_by_key(facts)
    holders: dict[str, set[tuple[str, str]]] = {}
    for key in keys:
        for name, _ in names[key]:
            holders.setdefault(name, set()).add(key)
    for key in keys:  # a catalog slug that names another key as it is keeps only that name
        if key[0] == "catalog" and names[key] and len(holders[names[key][0][0]]) > 1:
            for name, _ in names[key][1:]:
                holders[name].discard(key)
            names[key] = names[key][:1]
    ambiguous = _ambiguous_names(names, by_key)
    identity = {k: _openrouter_identity(k, by_key) for k in keys if k[0] == "openrouter"}
    bridges: set[tuple[str, str]] = set()  # keys whose names join two different OpenRouter models
    while True:
        components = _components(keys, names, ambiguous, bridges)
        found = set()
        for members in components:
            held = {identity[k] for k in members if k in identity}
            if len(held) > 1:
                found |= _bridges(members, identity, names) - bridges
        if not found:
            break
        bridges |= found

    rows: list[dict[str, Any]] = []
    resolved: dict[tuple[str, str], str | None] = {}
    for members in components:
        model_id, anchor = _canonical([k for k in members if k not in bridges], by_key)
        for key in sorted(members):
            if key in bridges:
                resolved[key] = None
                rows.append(_alias(key, None, "ambiguous: its names match two OpenRouter models"))
                continue
            if key in forced:
                override = forced[key]
                rule = f"override: {override.reason}" if override.reason else "override"
                resolved[key] = override.model_id
                rows.append(_alias(key, override.model_id, rule))
                continue
            if model_id is None:
                why = "ambiguous name" if any(n in ambiguous for n, _ in _names(by_key[key])) else "unmatched"
                resolved[key] = None
                rows.append(_alias(key, None, why))
                continue
            resolved[key] = model_id
            rows.append(_alias(key, model_id, _rule(key, anchor, names, holders, members)))
    for alias, owner in sorted(extra_aliases.items()):
        if alias not in resolved:
            rows.append(_alias(alias, resolved.get(("openrouter", owner)), "openrouter canonical_slug"))
    return pd.DataFrame(rows, columns=list(ALIAS_COLUMNS))


def _components(
    keys: list[tuple[str, str]],
    names: Mapping[tuple[str, str], list[tuple[str, str]]],
    ambiguous: set[str],
    excluded: set[tuple[str, str]],
) -> list[list[tuple[str, str]]]:
    """Keys grouped by shared names (union-find), leaving out ambiguous names and excluded keys' names."""
    parent = {k: k for k in keys}

    def find(k: tuple[str, str]) -> tuple[str, str]:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    first_holder: dict[str, tuple[str, str]] = {}
    for key in keys:
        if key in excluded:
            continue
        for name, _ in names[key]:
            if name in ambiguous:
                continue
            if name in first_holder:
                a, b = find(first_holder[name]), find(key)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                first_holder[name] = key
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for key in keys:
        groups.setdefault(find(key), []).append(key)
    return list(groups.values())


def _openrouter_identity(key: tuple[str, str], by_key: Mapping[tuple[str, str], Mapping[str, Any]]) -> str:
    """What makes two OpenRouter keys one model: the same canonical slug (else the id)."""
    canonical = by_key[key].get("canonical_slug")
    return (canonical if isinstance(canonical, str) and canonical else key[1]).lower()


def _bridges(
    members: list[tuple[str, str]],
    identity: Mapping[tuple[str, str], str],
    names: Mapping[tuple[str, str], list[tuple[str, str]]],
) -> set[tuple[str, str]]:
    """The keys that join a group's two OpenRouter models: those naming both, else every other key."""
    named: dict[str, set[str]] = {}
    for key in members:
        if key in identity:
            named.setdefault(identity[key], set()).update(n for n, _ in names[key])
    others = {k for k in members if k not in identity}
    direct = {k for k in others if sum(1 for held in named.values() if held & {n for n, _ in names[k]}) > 1}
    return direct or others


def facts_by_key(facts: pd.DataFrame) -> Mapping[tuple[str, str], Mapping[str, Any]]:
    """Each key's identity facts (the first row per key)."""
    out: dict[tuple[str, str], Mapping[str, Any]] = {}
    for row in _records(facts):
        out.setdefault((str(row["source"]), str(row["source_key"])), row)
    return out


def _records(facts: pd.DataFrame) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], facts.astype(object).where(facts.notna(), None).to_dict("records"))


def _names(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(name, how it was derived)`` for one key's facts, most direct first."""
    source, key = str(row["source"]), str(row["source_key"])
    found: list[tuple[str, str]] = []

    def add(value: object, how: str) -> None:
        if isinstance(value, str) and value.strip():
            name = normalized(value)
            if name and name not in {n for n, _ in found}:
                found.append((name, how))

    if source == "models_dev":
        add(key.split("/", 1)[1] if "/" in key else key, "normalized slug")
        add(row.get("base_model"), "models.dev base_model")
    elif source == "catalog":
        add(key, "normalized slug")
        listed = row.get("api_providers")
        providers = {slug(p) for p in ([] if listed is None else list(listed)) if isinstance(p, str)}
        providers |= PROVIDER_SUFFIXES
        for provider in sorted(providers, key=len, reverse=True):
            if provider and key.lower().endswith(f"-{provider}") and len(key) > len(provider) + 1:
                add(key[: -len(provider) - 1], f"catalog slug without provider suffix -{provider}")
                break
    else:
        add(key, "normalized slug")
    if source == "openrouter":
        add(row.get("canonical_slug"), "openrouter canonical_slug")
        add(row.get("hugging_face_id"), "openrouter hugging_face_id")
    return found


def _ambiguous_names(
    names: Mapping[tuple[str, str], list[tuple[str, str]]], by_key: Mapping[tuple[str, str], Mapping[str, Any]]
) -> set[str]:
    """Names claimed by two OpenRouter models that OpenRouter does not say are one (different canonical slugs)."""
    identity: dict[str, set[str]] = {}
    for key, found in names.items():
        if key[0] != "openrouter":
            continue
        canonical = by_key[key].get("canonical_slug")
        who = canonical if isinstance(canonical, str) and canonical else key[1]
        for name, _ in found:
            identity.setdefault(name, set()).add(who.lower())
    return {name for name, who in identity.items() if len(who) > 1}


def _canonical(
    members: list[tuple[str, str]], by_key: Mapping[tuple[str, str], Mapping[str, Any]]
) -> tuple[str | None, tuple[str, str] | None]:
    """The component's model id and the key it comes from; None when it must stay unmatched."""
    sources = {s for s, _ in members}
    if not sources & ANCHORING_SOURCES and len(sources) < 2:
        return None, None
    for source in ANCHOR_ORDER:
        candidates = sorted(k for k in members if k[0] == source)
        if not candidates:
            continue
        if source == "models_dev":
            return _models_dev_canonical(candidates, by_key)
        return candidates[0][1], candidates[0]
    return None, None


def _models_dev_canonical(
    candidates: list[tuple[str, str]], by_key: Mapping[tuple[str, str], Mapping[str, Any]]
) -> tuple[str, tuple[str, str]]:
    """Its OpenRouter entry's id (an OpenRouter model id), else its ``base_model``, else its most common id."""
    for key in candidates:
        if key[1].startswith("openrouter/"):
            return key[1].removeprefix("openrouter/"), key
    bases = sorted(
        (str(by_key[k]["base_model"]), k) for k in candidates if isinstance(by_key[k].get("base_model"), str)
    )
    if bases:
        return bases[0]
    ids: dict[str, list[tuple[str, str]]] = {}
    for key in candidates:
        model = key[1].split("/", 1)[1] if "/" in key[1] else key[1]
        ids.setdefault(re.sub(r"^@[^/]+/", "", model).lower(), []).append(key)
    best = min(ids, key=lambda m: (-len(ids[m]), m))
    return best, ids[best][0]


def _rule(
    key: tuple[str, str],
    anchor: tuple[str, str] | None,
    names: Mapping[tuple[str, str], list[tuple[str, str]]],
    holders: Mapping[str, set[tuple[str, str]]],
    members: list[tuple[str, str]],
) -> str:
    """How ``key`` joined its model: the anchor itself, or the first of its names another member shares."""
    if key == anchor:
        return {"openrouter": "openrouter id", "models_dev": "models.dev model id"}.get(key[0], f"{key[0]} key")
    inside = set(members)
    for name, how in names[key]:
        if len((holders.get(name) or set()) & inside) > 1:
            return how
    return "same model as its source's other keys"


def _alias(key: tuple[str, str], model_id: str | None, rule: str) -> dict[str, Any]:
    return {"source": key[0], "source_key": key[1], "model_id": model_id, "rule": rule}


PROVIDER_ALIAS_COLUMNS = ("source", "provider_key", "provider_id", "rule")


def provider_key(endpoint_key: str) -> str:
    """The provider part of an endpoint key: ``deepinfra`` of OpenRouter's tag ``deepinfra/fp8``."""
    return endpoint_key.split("/", 1)[0]


def provider_crosswalk(keys: pd.DataFrame, overrides: Iterable[Override] = ()) -> pd.DataFrame:
    """One row per (source, provider key): its canonical provider id and the rule.

    The id is the key in lower case with everything but letters and digits dropped
    (``deep-infra``, ``DeepInfra`` and ``deepinfra`` are one provider); a reviewed override
    (``source_key`` = the provider key) wins. Nothing else is guessed: ``google`` and
    ``google-vertex`` stay two providers until an override says they are one.
    """
    forced = {(o.source, o.source_key): o for o in overrides}
    rows = []
    for row in _records(keys):
        key = (str(row["source"]), str(row["provider_key"]))
        if key in forced:
            override = forced[key]
            rule = f"override: {override.reason}" if override.reason else "override"
            rows.append({"source": key[0], "provider_key": key[1], "provider_id": override.model_id, "rule": rule})
        else:
            squashed = re.sub(r"[^a-z0-9]", "", key[1].lower())
            rows.append({"source": key[0], "provider_key": key[1], "provider_id": squashed or None,
                         "rule": "normalized provider key"})  # fmt: skip
    return pd.DataFrame(rows, columns=list(PROVIDER_ALIAS_COLUMNS))
