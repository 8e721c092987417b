"""The contract a source keeps: every piece it declares, run over its recorded payloads.

``contract_failures`` returns one line per broken piece, naming it; ``tests/test_contract.py`` runs it for every
registered source, and for a throwaway source that lacks one piece at a time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from extractors.policy import origin_of
from extractors.spec import PayloadKind, SourceSpec, TreeFile
from transforms.frames import KEYS, SCHEMAS, entity_frame
from transforms.records import Parsed
from transforms.roles import normalized

RECORDED = "recorded.jsonl"
"""Each source's recorded payloads: ``tests/fixtures/<id>/recorded.jsonl``, lines of path, url and fetched_at
(the form ``modelsync import --manifest`` reads)."""

PRECEDENCE_FIELDS = frozenset(
    {"name", "creator", "context_window", "max_output_tokens", "input_price_per_mtok", "output_price_per_mtok",
     "release_date", "open_weights", "knowledge_cutoff", "input_modalities", "output_modalities"}
)  # fmt: skip
"""The fields of the ``models`` view a source may rank itself for (``SourceSpec.field_precedence``)."""


@dataclass(frozen=True)
class Recorded:
    """One recorded payload of a source: its bytes and the URL it was fetched from."""

    path: Path
    url: str
    fetched_at: str
    content_type: str | None = None  # ``inode/symlink`` for a git tree's symlink


def recorded_payloads(fixtures: Path, source_id: str) -> list[Recorded]:
    """The payloads ``tests/fixtures/<id>/recorded.jsonl`` lists (empty when there is none)."""
    manifest = fixtures / source_id / RECORDED
    if not manifest.is_file():
        return []
    rows = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [
        Recorded(manifest.parent / row["path"], row["url"], row["fetched_at"], row.get("content_type")) for row in rows
    ]


def contract_failures(spec: SourceSpec, *, fixtures: Path, docs: Path, others: Sequence[SourceSpec] = ()) -> list[str]:
    """What ``spec`` lacks or gets wrong, one ``<id>: <piece>: <why>`` line each (empty when it keeps the contract)."""
    recorded = recorded_payloads(fixtures, spec.id)
    alone = [r for r in recorded if not ((kind := kind_of(spec, r.url)) and kind.in_tree)]
    parsed = [*((r, _parse(spec, r)) for r in alone), *_parse_tree(spec, [r for r in recorded if r not in alone])]
    failures = [
        *_recorded(spec, recorded),
        *_entities(spec, parsed),
        *_gone(spec, recorded),
        *_web_archive(spec, parsed),
        *_identity(spec, parsed, others),
        *_precedence(spec, others),
        *_api_key(spec),
        *_docs(spec, docs),
    ]
    return [f"{spec.id}: {failure}" for failure in failures]


def kind_of(spec: SourceSpec, url: str) -> PayloadKind | None:
    """The payload kind of ``spec`` that serves ``url``, if any."""
    path = urlsplit(url).path.rstrip("/") or "/"
    return next(
        (
            k
            for k in spec.payload_kinds
            if (k.origin or spec.origin) == origin_of(url) and re.fullmatch(k.path_pattern, path)
        ),
        None,
    )


def _parse(spec: SourceSpec, recorded: Recorded) -> Parsed | str:
    kind = kind_of(spec, recorded.url)
    if kind is None or not recorded.path.is_file():
        return "not served by this source" if kind is None else f"no file {recorded.path}"
    try:
        return kind.parse_payload(recorded.path.read_bytes(), recorded.url)
    except Exception as e:  # noqa: BLE001 - the contract reports any failure to parse, whatever it is
        return f"{type(e).__name__}: {e}"


def _parse_tree(spec: SourceSpec, recorded: list[Recorded]) -> list[tuple[Recorded, Parsed | str]]:
    """The recorded files of a source's git tree, parsed together as one commit that adds them all."""
    if not recorded:
        return []
    if spec.tree is None:
        return [(r, "a payload kind in a tree, but the source declares no tree") for r in recorded]
    files = {r.url.removeprefix(spec.tree.url_base): r for r in recorded if r.url.endswith(spec.tree.suffix)}
    try:
        changes = {p: TreeFile(r.path.read_bytes(), r.content_type == "inode/symlink") for p, r in files.items()}
        parsed = spec.tree.state().apply(changes)
    except Exception as e:  # noqa: BLE001 - the contract reports any failure to parse, whatever it is
        return [(r, f"{type(e).__name__}: {e}") for r in recorded]
    return [(files[path], result) for path, result in parsed]


def _recorded(spec: SourceSpec, recorded: list[Recorded]) -> Iterable[str]:
    if not recorded:
        yield f"recorded payloads: none (list them in tests/fixtures/{spec.id}/{RECORDED})"
        return
    kinds = {k.name for r in recorded if (k := kind_of(spec, r.url))}
    for kind in spec.payload_kinds:
        if kind.name not in kinds:
            yield f"recorded payloads: none of payload kind {kind.name!r}"
    for seed in spec.seeds:
        if kind_of(spec, seed) is None:
            yield f"seeds: {seed} is served by none of its payload kinds"


def _entities(spec: SourceSpec, parsed: list[tuple[Recorded, Parsed | str]]) -> Iterable[str]:
    produced: set[str] = set()
    for recorded, result in parsed:
        if isinstance(result, str):
            yield f"parse: {recorded.url}: {result}"
            continue
        if not (result.records or result.links):
            yield f"parse: {recorded.url} parses to nothing"
        for entity, rows in result.records.items():
            produced.add(entity)
            yield from _rows(spec, recorded.url, entity, rows)
    if produced and produced != set(spec.entities):
        yield f"entities: declares {sorted(spec.entities)}, its recorded payloads produce {sorted(produced)}"


def _rows(spec: SourceSpec, url: str, entity: str, rows: list[dict[str, object]]) -> Iterable[str]:
    if entity not in SCHEMAS:
        yield f"parse: {url}: entity {entity!r} is not declared (entities/)"
        return
    keys = [tuple(row.get(k) for k in ("source", *KEYS[entity])) for row in rows]
    if any(part in (None, "") for key in keys for part in key):
        yield f"parse: {url}: {entity}: a null key"
    if len(set(keys)) != len(keys):
        yield f"parse: {url}: {entity}: duplicate keys"
    if {row.get("source") for row in rows} - {spec.id}:
        yield f"parse: {url}: {entity}: records name another source"
    meta = {"observed_at": "2026-08-23T02:00:00Z", "payload_sha256": "0" * 64}
    try:
        _, rejected = entity_frame(entity, [{**row, **meta} for row in rows])
    except ValueError as e:
        yield f"parse: {url}: {entity}: {e}"
        return
    if rejected:
        yield f"parse: {url}: {entity}: rows fail their schema: {rejected[:2]}"


def _gone(spec: SourceSpec, recorded: list[Recorded]) -> Iterable[str]:
    for record in recorded:
        kind = kind_of(spec, record.url)
        if kind is None or kind.gone is None:
            continue
        try:
            gone = kind.gone(record.url)
        except Exception as e:  # noqa: BLE001 - reported, whatever it is
            yield f"gone: {record.url}: {type(e).__name__}: {e}"
            continue
        evidence = [listing for listing in gone.listings if listing.evidence]
        retired = [row for rows in gone.records.values() for row in rows if row.get("status") == "gone"]
        if not (evidence or retired):
            yield f"gone: {record.url}: a 404/410 proves nothing (no listing with evidence, no record gone)"
        named = {listing.entity for listing in gone.listings} | set(gone.records)
        if named - set(spec.entities):
            yield f"gone: {record.url}: names entities it does not declare: {sorted(named - set(spec.entities))}"


def _web_archive(spec: SourceSpec, parsed: list[tuple[Recorded, Parsed | str]]) -> Iterable[str]:
    archive = spec.web_archive
    if bool(archive.lookups or archive.per_model) == bool(archive.not_archived):
        yield "web archive: declare either the URLs to look up or why the Internet Archive holds nothing of it"
    for lookup in archive.lookups:
        if origin_of(lookup.url) != spec.origin or (not lookup.prefix and kind_of(spec, lookup.url) is None):
            yield f"web archive: {lookup.url} is not a URL this source serves"
    if archive.per_model is not None:
        keys = [
            str(row[k])
            for _, result in parsed
            if not isinstance(result, str)
            for row in result.records.get("model", [])
            for k in ("model_id", "canonical_slug")
            if row.get(k)
        ]
        urls = [url for key in keys if (url := archive.per_model(key))]
        if not urls:
            yield "web archive: per_model gives no URL for any model key of its recorded payloads"
        for url in urls:
            if kind_of(spec, url) is None:
                yield f"web archive: per_model gives {url}, which no payload kind of this source serves"
                break


def _identity(
    spec: SourceSpec, parsed: list[tuple[Recorded, Parsed | str]], others: Sequence[SourceSpec]
) -> Iterable[str]:
    if any(other.identity.rank == spec.identity.rank for other in others if other.id != spec.id):
        yield f"identity: rank {spec.identity.rank} is another source's"
    keys = [row for _, result in parsed if not isinstance(result, str) for row in result.records.get("model", [])]
    for row in keys[:50]:
        names = [value for value, _ in spec.identity.names(str(row["model_id"]), row) if isinstance(value, str)]
        if not any(normalized(n) for n in names):
            yield f"identity: model {row['model_id']!r} has no name"
            break


def _precedence(spec: SourceSpec, others: Sequence[SourceSpec]) -> Iterable[str]:
    unknown = set(spec.field_precedence) - PRECEDENCE_FIELDS
    if unknown:
        yield f"field precedence: {sorted(unknown)} are not fields of `models`"
    for field, rank in spec.field_precedence.items():
        if any(o.field_precedence.get(field) == rank for o in others if o.id != spec.id):
            yield f"field precedence: {field} rank {rank} is another source's"


def _api_key(spec: SourceSpec) -> Iterable[str]:
    if spec.requires_api_key and not spec.api_key_variable:
        yield "API key: required, but no api_key_variable names where it comes from"
    if spec.api_key_variable and not (spec.api_key_variable.endswith("_API_KEY") and spec.api_key_header):
        yield "API key: its variable must end in _API_KEY and name the header that carries it"


def _docs(spec: SourceSpec, docs: Path) -> Iterable[str]:
    page = docs / "sources" / f"{spec.id}.md"
    if not page.is_file():
        yield f"docs: no page docs/sources/{spec.id}.md"
        return
    text = page.read_text(encoding="utf-8")
    wanted = [
        spec.origin,
        spec.upstream_docs,
        *(f"`{entity}`" for entity in spec.entities),
        f"MODELSYNC_{spec.id.upper()}_BASE_URL",
        *([spec.api_key_variable] if spec.api_key_variable else []),
    ]
    missing = [w for w in wanted if w and w not in text]
    if missing:
        yield f"docs: docs/sources/{spec.id}.md does not name {', '.join(missing)}"
    if not spec.upstream_docs:
        yield "docs: no upstream_docs (the source's own documentation of what is read)"
