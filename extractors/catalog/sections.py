"""The page's sections: endpoint and benchmark rows (JSON, tables or text runs), capabilities, description."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from extractors.catalog.embedded import json_field, json_name
from extractors.catalog.labels import ALL_LABELS, is_note, norm
from extractors.catalog.values import one_scale
from transforms.records import ParseError
from transforms.units import UNKNOWN

if TYPE_CHECKING:
    from extractors.catalog.page import Page

_SECTION_ENDS = (
    "modeloverview", "whatis", "pricing", "apiaccess", "providerendpoints", "modelperformance",
    "resources", "communitydiscussion", "faq", "moremodels",
)  # fmt: skip
_ENDPOINT_HEADINGS = {"providerendpoints", "endpoints"}
_BENCHMARK_HEADINGS = {"modelperformance", "benchmarks", "benchmarkscores"}
_BENCHMARK_HEADER = {"benchmark", "score", "benchmarkscore", "benchmarks", "scores"}
_ENDPOINT_FIELD = re.compile(
    r"(max(?:imum)?\.?\s*output(?:\s*tokens)?|(?:1d|24h)\s*uptime|uptime\s*\(?(?:1d|24h)\)?"
    r"|supported\s*param(?:eter)?s|implicit\s*caching)\s*[:：]?",
    re.I,
)
_SCORE = re.compile(r"(?P<name>.*?)\s*(?P<score>\d{1,3}(?:\.\d+)?)\s*%")


def endpoint_rows(page: Page, facts: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """Raw endpoint rows (provider, max_output, uptime, params, caching); None when the page shows none.

    An empty JSON list is a model without endpoints; a visible section without a readable row is not (it may
    be a layout this parser does not know), so it lists nothing rather than retiring every endpoint.
    """
    if "endpoints" in facts:
        items = facts["endpoints"]
        if not isinstance(items, list):
            raise ParseError(f"catalog page: embedded endpoints are {type(items).__name__}, not a list")
        found = [_json_endpoint(item, n) for n, item in enumerate(items)]
        uptimes = one_scale([row.get("uptime") for row in found], "endpoint 1d uptime")
        return [{**row, "uptime": pct} if "uptime" in row else row for row, pct in zip(found, uptimes, strict=True)]
    for header, rows in page.tables():
        columns = {field: n for n, h in enumerate(header) if (field := _endpoint_column(h))}
        if "provider" in columns and len(columns) > 1:
            return [_table_endpoint(columns, row) for row in rows]
    for start in page.index_of(_ENDPOINT_HEADINGS):
        found = _endpoint_runs(page.blocks, start)
        if found:
            return found
    return None


def _table_endpoint(columns: Mapping[str, int], row: list[list[str]]) -> dict[str, Any]:
    cells = {field: row[n] for field, n in columns.items() if n < len(row) and row[n]}
    return {field: cell[0] if field == "provider" else " ".join(cell) for field, cell in cells.items()}


def _endpoint_column(header: str) -> str | None:
    if header in ("provider", "providername", "endpoint"):
        return "provider"
    if header.startswith(("maxoutput", "maximumoutput")):
        return "max_output"
    if header in ("1duptime", "uptime1d", "24huptime", "uptime24h"):
        return "uptime"
    if header in ("supportedparams", "supportedparameters"):
        return "params"
    if header == "implicitcaching":
        return "caching"
    return None


def _json_endpoint(item: Any, n: int) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise ParseError(f"catalog page: embedded endpoints[{n}] is not an object")
    names = {
        "provider": ("provider", "providername", "name"),
        "max_output": ("maxoutput", "maxoutputtokens", "maxcompletiontokens"),
        "uptime": ("uptime1d", "uptimelast1d", "1duptime", "uptime"),
        "params": ("supportedparams", "supportedparameters", "supportedparamscount"),
        "caching": ("implicitcaching", "supportsimplicitcaching"),
    }
    row: dict[str, Any] = {}
    for field, keys in names.items():
        found, value = json_field(item, *keys)
        if found:
            row[field] = value
    return row


def _endpoint_runs(blocks: list[str], start: int) -> list[dict[str, Any]]:
    """Endpoint rows from the blocks after the heading at ``start``: a provider name, then labelled fields,
    on one line ("Max output: 16,384 1d uptime: 100.0% ...") or split into label and value blocks."""
    rows: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    pending: str | None = None  # a field whose label ended a block: its value is the next block
    intro = 0
    for j in range(start + 1, len(blocks)):
        parts = _ENDPOINT_FIELD.split(blocks[j])
        before = parts[0].strip(" :：·|,;–—-")
        fields = list(zip(parts[1::2], parts[2::2], strict=True))
        if before:
            if pending is not None and current is not None and not fields:
                current[pending], pending = before, None
                continue
            follows = j + 1 < len(blocks) and _ENDPOINT_FIELD.match(blocks[j + 1]) is not None
            if fields or follows:
                current, pending = {"provider": before}, None
                rows.append(current)
            elif not rows and intro < 3:
                intro += 1  # the section's subtitle
                continue
            else:
                break  # the next section
        if fields and current is None:
            raise ParseError(f"catalog page: endpoint line {blocks[j]!r} names no provider")
        for label, printed in fields:
            key = _endpoint_key(label)
            value = printed.strip(" ·|,;–—")
            if value and current is not None:
                current[key], pending = value, None
            else:
                pending = key
    return rows


def _endpoint_key(label: str) -> str:
    squashed = norm(label)
    if squashed.startswith("max"):
        return "max_output"
    if "uptime" in squashed:
        return "uptime"
    return "params" if squashed.startswith("supported") else "caching"


def benchmark_rows(page: Page, facts: Mapping[str, Any]) -> list[tuple[str, Any]] | None:
    """(benchmark name, score as printed) rows; None when the page shows none (as for endpoints)."""
    if "benchmarks" in facts:
        named = _json_benchmarks(facts["benchmarks"])
        scores = one_scale([score for _, score in named], "benchmark Score")
        return [(name, score) for (name, _), score in zip(named, scores, strict=True)]
    for header, rows in page.tables():
        name_col = next((n for n, h in enumerate(header) if h in ("benchmark", "evaluation")), None)
        score_col = next((n for n, h in enumerate(header) if h == "score"), None)
        if name_col is not None and score_col is not None:
            return [
                (row[name_col][0], " ".join(row[score_col]))
                for row in rows
                if len(row) > max(name_col, score_col) and row[name_col]
            ]
    for start in page.index_of(_BENCHMARK_HEADINGS):
        found = _benchmark_runs(page.blocks, start)
        if found:
            return found
    return None


def _json_benchmarks(items: Any) -> list[tuple[str, Any]]:
    if isinstance(items, Mapping):  # {"GPQA Diamond": 58.7, ...}
        return [(str(k), v) for k, v in items.items()]
    if not isinstance(items, list):
        raise ParseError(f"catalog page: embedded benchmarks are {type(items).__name__}, not a list")
    rows = []
    for n, item in enumerate(items):
        name = json_name(item)
        if not isinstance(item, Mapping) or not name:
            raise ParseError(f"catalog page: embedded benchmarks[{n}] has no name")
        found, score = json_field(item, "score", "value", "percent", "result")
        if not found:
            raise ParseError(f"catalog page: embedded benchmark {name!r} has no score")
        rows.append((name, score))
    return rows


def _benchmark_runs(blocks: list[str], start: int) -> list[tuple[str, Any]]:
    """Benchmark rows after the heading at ``start``: a name, up to two description lines, a score "28.3%"."""
    rows: list[tuple[str, Any]] = []
    row: list[str] = []
    for text in blocks[start + 1 :]:
        if not rows and not row and (norm(text) in _BENCHMARK_HEADER or is_note(text)):
            continue  # the subtitle and the "Benchmark | Score" header
        score = _SCORE.fullmatch(text)
        if score and (row or score["name"]):
            rows.append((row[0] if row else score["name"].rstrip(" :–—-"), score["score"]))
            row = []
        elif row and text.lower() in UNKNOWN:
            rows.append((row[0], None))
            row = []
        else:
            row.append(text)
            if len(row) > 3:
                break  # no score within a row's length: the next section
    return rows


def capabilities(page: Page) -> list[str] | None:
    """Capability names under "Capabilities": each a short title followed by its sentence (icons skipped)."""
    for start in page.index_of({"capabilities"}):
        names: list[str] = []
        blocks = page.blocks[start + 1 : start + 100]
        for n, text in enumerate(blocks):
            squashed = norm(text)
            if squashed.startswith(_SECTION_ENDS) or squashed in ALL_LABELS:
                break
            if text.endswith((".", "!", "?")) or len(text.split()) > 8:
                continue  # a capability's description, or the section's subtitle
            if len(text) <= 4 and (text.isupper() or not any(c.isalpha() for c in text)):
                continue  # an icon's letters ("MM", "CTX", "</>")
            if n + 1 < len(blocks) and blocks[n + 1].endswith(".") and len(blocks[n + 1].split()) >= 4:
                names.append(text)
            elif names:
                break
        if names:
            return names
    return None


def description(page: Page, name: str) -> str | None:
    """The paragraph under the name, else the first paragraph under "What is <name>"."""
    heading = page.heading_index()
    if heading is None:
        heading = next(page.index_of({norm(name)}), None)
    if heading is not None:
        for j in range(heading + 1, min(heading + 5, len(page.blocks))):
            if len(page.blocks[j].split()) >= 12:
                return page.paragraph_at(j)
    for i, text in enumerate(page.blocks):
        if norm(text).startswith("whatis"):
            for j in range(i + 1, min(i + 5, len(page.blocks))):
                block = page.blocks[j]
                if len(block.split()) >= 12 and not norm(block).startswith("afullersummary"):
                    return page.paragraph_at(j)
    return None
