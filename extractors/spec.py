"""How a source is declared: typed data that the flows and the contract test read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from extractors.policy import HostPolicy
from transforms.records import Parsed

Parser = Callable[[bytes], Parsed]


@dataclass(frozen=True)
class PayloadKind:
    """One kind of payload a source serves: which URL paths it has and how it parses."""

    name: str
    path_pattern: str  # a regular expression over the URL path, anchored at both ends
    parse: Parser
    gone: Callable[[str], Parsed] | None = None  # what a 404/410 for this URL proves, if anything


@dataclass(frozen=True)
class SourceSpec:
    """A source: its id, real origin, politeness, entities fed and payload kinds."""

    id: str
    origin: str
    entities: tuple[str, ...]
    payload_kinds: tuple[PayloadKind, ...]
    seeds: tuple[str, ...] = ()  # URLs a sync starts from; their parsed ``links`` are fetched next
    api_key_header: str | None = None  # header that carries the source's API key, when it has one
    api_key_prefix: str = ""  # e.g. "Bearer " for an Authorization header
    policy: HostPolicy = field(default_factory=HostPolicy)
    docs: str = ""
