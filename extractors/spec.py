"""How a source is declared: typed data that the flows and the contract test read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from extractors.policy import HostPolicy
from transforms.records import Parsed

Parser = Callable[[bytes], Parsed]
UrlParser = Callable[[bytes, str], Parsed]  # for payloads whose key is only in their URL (an HTML page's slug)


@dataclass(frozen=True)
class PayloadKind:
    """One kind of payload a source serves: which URL paths it has and how it parses."""

    name: str
    path_pattern: str  # a regular expression over the URL path, anchored at both ends
    parse: Callable[..., Parsed]  # a Parser, or a UrlParser when ``needs_url``
    gone: Callable[[str], Parsed] | None = None  # what a 404/410 for this URL proves, if anything
    needs_url: bool = False  # when True the pipeline calls ``parse(body, url)``
    yields_links: bool = False  # its ``links`` are URLs to fetch next (a sync parses it once early to find them)
    media: str = "json"  # what its Content-Type names when right (json, html, xml); the body decides, this explains

    def parse_payload(self, body: bytes, url: str) -> Parsed:
        """Parse one payload of this kind fetched from ``url``."""
        return self.parse(body, url) if self.needs_url else self.parse(body)


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
    requires_api_key: bool = False  # without a key the source is skipped (one line), not fetched
    policy: HostPolicy = field(default_factory=HostPolicy)
    docs: str = ""
