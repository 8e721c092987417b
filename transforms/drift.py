"""Schema drift: the field paths of a JSON payload its parser does not know, and the expected ones it lacks.

Path notation: object keys joined by ``.``; ``[]`` after a path stands for the items of the list there
(``data[].pricing.prompt``; a document that is a list starts with ``[]``). In a declaration a segment may
hold ``*``, any run of characters: ``*`` alone for maps keyed by ids (models.dev's
``*.models.*.cost.input``), or a family of names (LiteLLM's ``*.supports_*``). A key matches its exact
name first, then the pattern with the most literal characters. Keys holding ``.`` or ``[]`` are not
told apart.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LIST = "[]"
EXAMPLE_CHARS = 80
MATCHES_KEPT = 50_000
"""Keys remembered per known path with what they matched (past it they are forgotten all at once)."""
MAX_NEW = 100
"""New paths kept per payload (past it a payload is not this kind at all, and a hundred say so)."""


@dataclass(frozen=True)
class KnownFields:
    """The field paths a parser knows in one kind of JSON payload: those it reads and those it ignores knowingly.

    ``expected`` ones are reported missing when a payload lacks them; ``optional`` ones (often absent,
    or absent from older payloads) never are. A path's parents are known with it (and expected with an
    expected one). A known path with no known path under it is a leaf: what its value holds is not looked
    into (a list of names, a free-form object).
    """

    expected: tuple[str, ...]
    optional: tuple[str, ...] = ()


@dataclass(frozen=True)
class Drift:
    """How a payload differs from its parser's ``KnownFields``."""

    new: tuple[tuple[str, str | None], ...] = ()  # (path, a short example of its value), by path
    missing: tuple[str, ...] = ()  # expected paths absent wherever they could be, by path


def drift(document: Any, fields: KnownFields) -> Drift:
    """The paths of ``document`` (parsed JSON) that ``fields`` does not know, and the expected ones it lacks.

    A new path is named where it starts (``data[].pricing.overrides``, not every key under it). An
    expected path is missing when no object that could hold it does (its parent present as an object
    at least once): an empty list or an absent optional parent reports nothing under it.
    """
    new: dict[str, Any] = {}
    missing: list[str] = []
    _walk(_tree(fields), [document], (), new, missing)
    kept = sorted(new)[:MAX_NEW]
    return Drift(tuple((path, example_text(new[path])) for path in kept), tuple(sorted(set(missing))))


def example_text(value: Any) -> str | None:
    """A value as short JSON text (cut at ``EXAMPLE_CHARS``, marked ``…``); None for null."""
    if value is None:
        return None
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"


def segments(path: str) -> tuple[str, ...]:
    """``data[].pricing`` -> ``("data", "[]", "pricing")``."""
    return tuple(re.findall(r"\[\]|[^.\[\]]+", path))


def joined(parts: tuple[str, ...]) -> str:
    """``("data", "[]", "pricing")`` -> ``data[].pricing``."""
    text = ""
    for part in parts:
        text += part if part == LIST or not text else f".{part}"
    return text


@dataclass
class _Node:
    """A known path: the known paths under it by segment, and whether a payload is expected to hold it."""

    expected: bool = False
    children: dict[str, _Node] = field(default_factory=dict)
    leaves: frozenset[str] = frozenset()  # exact names of the children with nothing under them
    patterns: list[tuple[re.Pattern[str], str]] = field(default_factory=list)  # wildcard segments, tried in order
    matched: dict[str, tuple[str, _Node | None]] = field(default_factory=dict)  # key -> what ``child`` found

    def child(self, key: str) -> tuple[str, _Node | None]:
        """The segment a key matches and its node (None: not known)."""
        found = self.matched.get(key)
        if found is None:
            found = self._match(key)
            if len(self.matched) >= MATCHES_KEPT:  # keys of a map keyed by ids: forgotten all at once past it
                self.matched.clear()
            self.matched[key] = found
        return found

    def _match(self, key: str) -> tuple[str, _Node | None]:
        exact = self.children.get(key)
        if exact is not None and key != LIST:
            return key, exact
        for pattern, segment in self.patterns:
            if pattern.fullmatch(key):
                return segment, self.children[segment]
        return key, None


@functools.cache
def _tree(fields: KnownFields) -> _Node:
    root = _Node(expected=True)
    for path, expected in [*((p, True) for p in fields.expected), *((p, False) for p in fields.optional)]:
        node = root
        for part in segments(path):
            node = node.children.setdefault(part, _Node())
            node.expected = node.expected or expected
    _settle_patterns(root)
    return root


def _settle_patterns(node: _Node) -> None:
    wild = [s for s in node.children if "*" in s]
    wild.sort(key=lambda s: (-len(s.replace("*", "")), s))  # the most literal first: `supports_*` before `*`
    node.patterns = [(re.compile(".*".join(map(re.escape, s.split("*"))), re.DOTALL), s) for s in wild]
    node.leaves = frozenset(s for s, c in node.children.items() if not c.children and s != LIST and "*" not in s)
    for child in node.children.values():
        _settle_patterns(child)


def _walk(node: _Node, values: list[Any], path: tuple[str, ...], new: dict[str, Any], missing: list[str]) -> None:
    """Compare every value found at ``path`` (one per item of the lists above it) with the known paths under it."""
    if not node.children:
        return  # a leaf: its value is not looked into
    found: dict[str, tuple[_Node, list[Any]]] = {}
    seen: set[str] = set()  # leaf segments present
    objects = False
    for value in values:
        if isinstance(value, Mapping):
            objects = True
            keys = value.keys()
            seen.update(keys & node.leaves)  # most keys, compared in C
            for key in keys - node.leaves:
                segment, child = node.child(str(key))
                if child is None:
                    _note(new, joined((*path, segment)), value[key])
                elif child.children:
                    found.setdefault(segment, (child, []))[1].append(value[key])
                else:
                    seen.add(segment)
        elif isinstance(value, list) and value:
            items = node.children.get(LIST)
            if items is None:
                _note(new, joined((*path, LIST)), value[0])
            else:
                found.setdefault(LIST, (items, []))[1].extend(value)
    if objects:
        missing.extend(joined((*path, s)) for s, c in node.children.items()
                       if c.expected and s != LIST and "*" not in s and s not in found and s not in seen)  # fmt: skip
    for segment, (child, under) in found.items():
        _walk(child, under, (*path, segment), new, missing)


def _note(new: dict[str, Any], path: str, value: Any) -> None:
    """Keep the first non-null example of a new path."""
    if new.get(path) is None:
        new[path] = value
