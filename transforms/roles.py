"""How a source's keys take part in identity: the role each source declares, without pandas.

A source module under ``extractors/`` declares its ``IdentityRole``; ``transforms.identity.crosswalk``
reads the roles to say which canonical model each key names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

QUANTIZATION_SUFFIX = re.compile(r"-(fp8|fp16|bf16|fp4|int4|int8)$")
Key = tuple[str, str]
"""(source, source key)."""
Canonical = Callable[[list[Key], Mapping[Key, Mapping[str, Any]]], tuple[str, Key]]
"""A source's pick among its keys in one component: the model id and the key it comes from."""
Names = Callable[[str, Mapping[str, Any]], Iterable[tuple[object, str]]]
"""A source's names for one key: ``(key, its identity facts) -> (value, how it was derived)``, most direct first."""


def key_name(key: str, facts: Mapping[str, Any]) -> Iterable[tuple[object, str]]:
    """The default: a key is known by itself."""
    return [(key, "normalized slug")]


@dataclass(frozen=True)
class IdentityRole:
    """How one source's keys take part in identity; each source declares its own."""

    rank: int  # whose keys name the canonical model: the lowest rank in a component wins
    anchors: bool = False  # its keys are models on their own; others must share a name with another source's key
    names: Names = key_name
    anchor_rule: str = ""  # the rule of the key that names its model (default "<source> key")
    canonical: Canonical | None = None  # how it picks the model id among its keys (default: the smallest key)
    distinct_models: bool = False  # its keys are distinct models unless their canonical_slug says they are one
    exact_name_only: bool = False  # a key whose first name another key holds keeps only that name


def normalized(name: str) -> str:
    """The exact form names are compared in: last path segment, lower case, no quantization suffix."""
    last = name.strip().rstrip("/").rsplit("/", 1)[-1].lower()
    return QUANTIZATION_SUFFIX.sub("", last)
