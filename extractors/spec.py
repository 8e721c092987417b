"""How a source is declared: typed data that the flows and the contract test read."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from extractors.policy import HostPolicy
from transforms.drift import KnownFields
from transforms.records import Parsed
from transforms.roles import IdentityRole

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
    origin: str | None = None  # served from another origin than its source's (a git mirror's raw files)
    in_tree: bool = False  # a file (or the listing) of the source's ``GitTree``: parsed with the tree, not alone
    fields: KnownFields | None = None  # the JSON field paths its parser reads or knowingly ignores (schema drift)

    def parse_payload(self, body: bytes, url: str) -> Parsed:
        """Parse one payload of this kind fetched from ``url``."""
        return self.parse(body, url) if self.needs_url else self.parse(body)


@dataclass(frozen=True)
class TreeFile:
    """A file of a git tree as git holds it; a symlink's bytes are its target path."""

    body: bytes
    symlink: bool = False


class TreeState(Protocol):
    """A source's tree as a replay reaches it, commit by commit."""

    def apply(self, changes: Mapping[str, TreeFile | None]) -> list[tuple[str, Parsed]]:
        """Apply one commit's changed files (None: deleted); returns what it makes observed, each part with
        the changed path that caused it."""
        ...

    def paths(self) -> set[str]:
        """The paths present."""
        ...


@dataclass(frozen=True)
class GitTree:
    """A source's payloads as a tree of files in a git repository (``backfill --git REPO --path FOLDER``)."""

    url_base: str  # the raw URL a path of the repository is appended to (its default branch)
    folders: tuple[str, ...]  # the folders the tree is read from, each ending in "/"
    state: Callable[[], TreeState]  # an empty tree
    suffix: str = ""  # only files whose name ends so are read


@dataclass(frozen=True)
class ArchivedUrl:
    """A URL of the source to ask the Internet Archive for: the URL itself, or with ``prefix`` all under it."""

    url: str
    prefix: bool = False


@dataclass(frozen=True)
class WebArchive:
    """What a web-archive backfill asks the Internet Archive for, or why it holds nothing of the source."""

    lookups: tuple[ArchivedUrl, ...] = ()
    per_model: Callable[[str], str | None] | None = None  # a URL to look up per known model key (None: none for it)
    not_archived: str = ""  # why the archive holds nothing of this source (then there are no lookups)


@dataclass(frozen=True)
class SourceSpec:
    """A source: its id, real origin, politeness, entities fed, payload kinds and everything else it knows."""

    id: str  # the name of its module or package under extractors/, and of its line in extractors/registry.py
    origin: str
    entities: tuple[str, ...]  # what its payloads feed (the contract test parses its recorded payloads to check)
    payload_kinds: tuple[PayloadKind, ...]
    identity: IdentityRole  # how its keys name models (transforms/roles.py)
    web_archive: WebArchive  # what `backfill --wayback` looks up
    seeds: tuple[str, ...] = ()  # URLs a sync starts from; their parsed ``links`` are fetched next
    api_key_variable: str | None = None  # the environment variable holding its API key, when it takes one
    api_key_header: str | None = None  # header that carries the source's API key, when it has one
    api_key_prefix: str = ""  # e.g. "Bearer " for an Authorization header
    requires_api_key: bool = False  # without a key the source is skipped (one line), not fetched
    policy: HostPolicy = field(default_factory=HostPolicy)
    field_precedence: Mapping[str, int] = field(default_factory=dict)  # `models` field -> rank (1 wins) among sources
    upstream_docs: str = ""  # the source's own documentation of what modelsync reads
    tree: GitTree | None = None  # where its payloads are also a git tree of files (models.dev's TOML)
