"""Identity: which canonical model each (source, source key) names, by documented rules.

Every key is known by a few *names*, each an exact normalized slug (lower case, last path
segment, quantization suffix such as ``-fp8`` dropped). Which names a key has is its
source's to say: each source declares an ``IdentityRole`` (its ``names``, its rank, whether
its keys are models on their own) in its module under ``extractors/``.

Keys that share a name are one model (connected components). The canonical ``model_id``
is taken from the component's keys of the lowest-ranked source that has any (each source
picks among its own keys, by its ``canonical`` rule or else the smallest key). A component
without a key of an anchoring source, and with keys of one source only, stays unmatched
(``model_id`` None): nothing is merged by a fuzzy guess. The keys of a source whose models
are distinct (``distinct_models``: OpenRouter's) are one model only when their
``canonical_slug`` says so: a name two of them claim is ambiguous and links nothing, and a
key whose names join two of them links neither. Overrides (a reviewed file) come first: an
overridden key takes the override's model id and links nothing else.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd

from transforms.roles import IdentityRole, Key, normalized

FACT_COLUMNS = ("source", "source_key", "canonical_slug", "hugging_face_id", "base_model", "api_providers")
ALIAS_COLUMNS = ("source", "source_key", "model_id", "rule")


@dataclass(frozen=True)
class Override:
    """A reviewed mapping of one source key to a canonical id (None: keep unmatched)."""

    source: str
    source_key: str
    model_id: str | None
    reason: str = ""


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


def crosswalk(
    facts: pd.DataFrame, roles: Mapping[str, IdentityRole], overrides: Iterable[Override] = ()
) -> pd.DataFrame:
    """One row per (source, source key) and per ``canonical_slug`` alias of a distinct-models source: its model id
    and the rule. ``roles`` says how each source's keys take part (a source without one is known by its keys)."""
    forced = {(o.source, o.source_key): o for o in overrides}
    keys: list[Key] = []
    names: dict[Key, list[Key]] = {}
    extra_aliases: dict[Key, Key] = {}  # a distinct-models source's canonical slug -> the key it belongs to
    for row in _records(facts):
        key = (str(row["source"]), str(row["source_key"]))
        if key in names:
            continue
        keys.append(key)
        names[key] = [] if key in forced else _names(row, _role(roles, key[0]))
        canonical = row.get("canonical_slug")
        distinct = _role(roles, key[0]).distinct_models
        if distinct and isinstance(canonical, str) and canonical and canonical != key[1]:
            extra_aliases[(key[0], canonical)] = key

    by_key = facts_by_key(facts)
    holders: dict[str, set[Key]] = {}
    for key in keys:
        for name, _ in names[key]:
            holders.setdefault(name, set()).add(key)
    for key in keys:  # a key whose first name another key holds as it is keeps only that name
        if _role(roles, key[0]).exact_name_only and names[key] and len(holders[names[key][0][0]]) > 1:
            for name, _ in names[key][1:]:
                holders[name].discard(key)
            names[key] = names[key][:1]
    distinct_keys = [k for k in keys if _role(roles, k[0]).distinct_models]
    ambiguous = _ambiguous_names(names, by_key, distinct_keys)
    identity = {k: _distinct_identity(k, by_key) for k in distinct_keys}
    components = _components_without_bridges(keys, names, ambiguous, identity)

    rows: list[dict[str, Any]] = []
    resolved: dict[Key, str | None] = {}
    for members, bridges in components:
        model_id, anchor = _canonical([k for k in members if k not in bridges], by_key, roles)
        for key in sorted(members):
            model, rule = _resolution(
                key, model_id, bridges=bridges, forced=forced, ambiguous=ambiguous, by_key=by_key, roles=roles
            )
            if model == "":  # resolved by the anchor's rules
                model, rule = model_id, _rule(key, anchor, names=names, holders=holders, members=members, roles=roles)
            resolved[key] = model
            rows.append(_alias(key, model, rule))
    for alias, owner in sorted(extra_aliases.items()):
        if alias not in resolved:
            rows.append(_alias(alias, resolved.get(owner), f"{owner[0]} canonical_slug"))
    return pd.DataFrame(rows, columns=list(ALIAS_COLUMNS))


def _role(roles: Mapping[str, IdentityRole], source: str) -> IdentityRole:
    """A source's declared role; one not declared ranks last and is known by its keys."""
    return roles.get(source) or IdentityRole(rank=len(roles) + 1)


def _components_without_bridges(
    keys: list[Key], names: Mapping[Key, list[Key]], ambiguous: set[str], identity: Mapping[Key, str]
) -> list[tuple[list[Key], set[Key]]]:
    """Components, after leaving out the names of keys that join two distinct models; each with its bridges."""
    bridges: set[Key] = set()
    while True:
        components = _components(keys, names, ambiguous, bridges)
        found = set()
        for members in components:
            held = {identity[k] for k in members if k in identity}
            if len(held) > 1:
                found |= _bridges(members, identity, names) - bridges
        if not found:
            return [(members, bridges & set(members)) for members in components]
        bridges |= found


def _resolution(
    key: Key,
    model_id: str | None,
    *,
    bridges: set[Key],
    forced: Mapping[Key, Override],
    ambiguous: set[str],
    by_key: Mapping[Key, Mapping[str, Any]],
    roles: Mapping[str, IdentityRole],
) -> tuple[str | None, str]:
    """A key's model id and rule when something other than its component's anchor decides: a bridge, an override,
    an unmatched component; ``("", "")`` when the anchor does."""
    if key in bridges:
        return None, "ambiguous: its names match two OpenRouter models"
    if key in forced:
        override = forced[key]
        return override.model_id, f"override: {override.reason}" if override.reason else "override"
    if model_id is None:
        own = _names(by_key[key], _role(roles, key[0]))
        return None, "ambiguous name" if any(n in ambiguous for n, _ in own) else "unmatched"
    return "", ""


def _components(
    keys: list[Key],
    names: Mapping[Key, list[Key]],
    ambiguous: set[str],
    excluded: set[Key],
) -> list[list[Key]]:
    """Keys grouped by shared names (union-find), leaving out ambiguous names and excluded keys' names."""
    parent = {k: k for k in keys}

    def find(k: Key) -> Key:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    first_holder: dict[str, Key] = {}
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
    groups: dict[Key, list[Key]] = {}
    for key in keys:
        groups.setdefault(find(key), []).append(key)
    return list(groups.values())


def _distinct_identity(key: Key, by_key: Mapping[Key, Mapping[str, Any]]) -> str:
    """What makes two keys of a distinct-models source one model: the same canonical slug (else the key)."""
    canonical = by_key[key].get("canonical_slug")
    return (canonical if isinstance(canonical, str) and canonical else key[1]).lower()


def _bridges(
    members: list[Key],
    identity: Mapping[Key, str],
    names: Mapping[Key, list[Key]],
) -> set[Key]:
    """The keys that join a group's two OpenRouter models: those naming both, else every other key."""
    named: dict[str, set[str]] = {}
    for key in members:
        if key in identity:
            named.setdefault(identity[key], set()).update(n for n, _ in names[key])
    others = {k for k in members if k not in identity}
    direct = {k for k in others if sum(1 for held in named.values() if held & {n for n, _ in names[k]}) > 1}
    return direct or others


def facts_by_key(facts: pd.DataFrame) -> Mapping[Key, Mapping[str, Any]]:
    """Each key's identity facts (the first row per key)."""
    out: dict[Key, Mapping[str, Any]] = {}
    for row in _records(facts):
        out.setdefault((str(row["source"]), str(row["source_key"])), row)
    return out


def _records(facts: pd.DataFrame) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], facts.astype(object).where(facts.notna(), None).to_dict("records"))


def _names(row: Mapping[str, Any], role: IdentityRole) -> list[Key]:
    """``(name, how it was derived)`` for one key's facts, most direct first: its source's names, normalized."""
    found: list[Key] = []
    for value, how in role.names(str(row["source_key"]), row):
        if isinstance(value, str) and value.strip():
            name = normalized(value)
            if name and name not in {n for n, _ in found}:
                found.append((name, how))
    return found


def _ambiguous_names(
    names: Mapping[Key, list[Key]], by_key: Mapping[Key, Mapping[str, Any]], distinct_keys: list[Key]
) -> set[str]:
    """Names claimed by two keys of a distinct-models source that it does not say are one (other canonical slugs)."""
    identity: dict[str, set[str]] = {}
    for key in distinct_keys:
        who = _distinct_identity(key, by_key)
        for name, _ in names[key]:
            identity.setdefault(name, set()).add(who)
    return {name for name, who in identity.items() if len(who) > 1}


def _canonical(
    members: list[Key], by_key: Mapping[Key, Mapping[str, Any]], roles: Mapping[str, IdentityRole]
) -> tuple[str | None, Key | None]:
    """The component's model id and the key it comes from; None when it must stay unmatched."""
    sources = {s for s, _ in members}
    if not any(_role(roles, s).anchors for s in sources) and len(sources) < 2:
        return None, None
    for source in sorted(sources, key=lambda s: (_role(roles, s).rank, s)):
        candidates = sorted(k for k in members if k[0] == source)
        pick = _role(roles, source).canonical
        if pick is not None:
            return pick(candidates, by_key)
        return candidates[0][1], candidates[0]
    return None, None


def _rule(
    key: Key,
    anchor: Key | None,
    *,
    names: Mapping[Key, list[Key]],
    holders: Mapping[str, set[Key]],
    members: list[Key],
    roles: Mapping[str, IdentityRole],
) -> str:
    """How ``key`` joined its model: the anchor itself, or the first of its names another member shares."""
    if key == anchor:
        return _role(roles, key[0]).anchor_rule or f"{key[0]} key"
    inside = set(members)
    for name, how in names[key]:
        if len((holders.get(name) or set()) & inside) > 1:
            return how
    return "same model as its source's other keys"


def _alias(key: Key, model_id: str | None, rule: str) -> dict[str, Any]:
    return {"source": key[0], "source_key": key[1], "model_id": model_id, "rule": rule}


PROVIDER_ALIAS_COLUMNS = ("source", "provider_key", "provider_id", "rule")


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
