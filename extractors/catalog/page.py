"""The page as a reader sees it: embedded JSON, title, visible text blocks, labelled values and tables."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PageElement, Tag

from extractors.catalog.labels import ALL_LABELS, FIELD_OF_LABEL, collapse, is_note, norm

_CELL_ROLES = ("columnheader", "rowheader", "cell", "gridcell")
_DROP_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "nav", "footer", "head")
_RUN_TAGS = ("b", "strong", "em", "i", "u", "mark", "abbr", "q", "cite")  # merged into the text around them
_ONE_LINE = re.compile(r"(?P<label>[^:：]{2,40}?)\s*[:：]\s*(?P<value>.+)")


class Page:
    """A page's embedded JSON, title and visible text blocks (one per text node, in document order)."""

    def __init__(self, body: bytes) -> None:
        soup = BeautifulSoup(body, "lxml")
        self.json_documents = [doc for s in soup.find_all("script") if (doc := _script_json(s)) is not None]
        title = soup.find("title")
        self.title = collapse(title.get_text(" ")) if isinstance(title, Tag) else ""
        for tag in soup.find_all(list(_DROP_TAGS)):
            if not tag.decomposed:
                tag.decompose()
        for tag in soup.find_all(list(_RUN_TAGS)):
            tag.unwrap()
        soup.smooth()
        self.soup = soup
        self.strings = [s for s in soup.descendants if type(s) is NavigableString and s.strip()]
        self.blocks = [collapse(s) for s in self.strings]

    def name(self) -> str | None:
        """The page's h1, else the first part of its <title>."""
        h1 = self.soup.find("h1")
        text = collapse(h1.get_text(" ")) if isinstance(h1, Tag) else ""
        if not text and self.title:
            text = re.split(r"\s+[|–—-]\s+", self.title)[0]
        return text or None

    def names(self) -> frozenset[str]:
        """The model names a reader sees (the h1's and the title's first part), normalized."""
        h1 = self.soup.find("h1")
        shown = [collapse(h1.get_text(" ")) if isinstance(h1, Tag) else ""]
        if self.title:
            shown.append(re.split(r"\s+[|–—-]\s+", self.title)[0])
        return frozenset(n for n in map(norm, shown) if n)

    def heading_index(self) -> int | None:
        """The block index of the h1's first text."""
        h1 = self.soup.find("h1")
        if isinstance(h1, Tag):
            for i, string in enumerate(self.strings):
                if h1 in string.parents:
                    return i
        return None

    def index_of(self, names: set[str], start: int = 0) -> Iterator[int]:
        """Indices of the blocks that read as one of ``names`` (normalized), from ``start``."""
        return (i for i in range(start, len(self.blocks)) if norm(self.blocks[i]) in names)

    def labelled(self, field: str) -> tuple[str, list[str] | None] | None:
        """(label as printed, value pieces) of the first label of ``field`` that has a value; (label, None) when
        none has one (the page shows it empty); None when the page does not show the label at all."""
        empty: tuple[str, list[str] | None] | None = None
        for i, text in enumerate(self.blocks):
            if FIELD_OF_LABEL.get(norm(text)) == field:
                value = self._value_after(i)
                if value is not None:
                    return text.rstrip(" :："), value
                empty = empty or (text.rstrip(" :："), None)  # e.g. "Provider" heading a column of a table
            one_line = _ONE_LINE.fullmatch(text)
            if one_line and FIELD_OF_LABEL.get(norm(one_line["label"])) == field:
                return one_line["label"], [one_line["value"].strip()]
        return empty

    def _value_after(self, i: int) -> list[str] | None:
        """The value pieces after the label block ``i``: its next sibling element, else the next text block."""
        label = norm(self.blocks[i])
        node: PageElement = self.strings[i]
        for _ in range(5):
            for sibling in node.next_siblings:
                pieces = _pieces(sibling)
                if not pieces:
                    continue
                if norm(pieces[0]) in ALL_LABELS:
                    return None
                value = _until_label([p for p in pieces if not is_note(p)])
                if value:
                    return value
            parent = node.parent
            if parent is None or any(norm(p) != label and not is_note(p) for p in _pieces(parent)):
                break  # the parent holds more than the label and its note: its siblings are not this value
            node = parent
        for text in self.blocks[i + 1 : i + 5]:
            if norm(text) in ALL_LABELS:
                return None
            if not is_note(text):
                return [text]
        return None

    def paragraph_at(self, i: int) -> str:
        """The whole paragraph block ``i`` belongs to (links and spans inside it included)."""
        for parent in self.strings[i].parents:
            if parent.name == "p":
                return collapse(parent.get_text())
        return self.blocks[i]

    def tables(self) -> Iterator[tuple[list[str], list[list[list[str]]]]]:
        """(normalized header cells, rows of cell pieces) of every <table> and ARIA table or grid."""
        for table in self.soup.find_all(True):
            if not isinstance(table, Tag):
                continue
            if table.name == "table":
                rows = [[_pieces(c) for c in r.find_all(["th", "td"])] for r in table.find_all("tr")]
            elif table.get("role") in ("table", "grid"):
                rows = [
                    [_pieces(c) for c in r.find_all(lambda t: t.get("role") in _CELL_ROLES)]
                    for r in table.find_all(lambda t: t.get("role") == "row")
                ]
            else:
                continue
            rows = [row for row in rows if any(row)]
            if len(rows) >= 2:
                yield [norm(cell[0]) if cell else "" for cell in rows[0]], rows[1:]


def _script_json(script: Any) -> Any:
    if not isinstance(script, Tag) or str(script.get("type") or "").lower() not in (
        "application/json",
        "application/ld+json",
    ):
        return None
    try:
        return json.loads(script.get_text())
    except ValueError:
        return None


def _pieces(node: PageElement) -> list[str]:
    """The visible text pieces of an element (or a text node), collapsed."""
    if isinstance(node, NavigableString):
        return [collapse(node)] if type(node) is NavigableString and node.strip() else []
    if isinstance(node, Tag):
        return [collapse(s) for s in node.descendants if type(s) is NavigableString and s.strip()]
    return []


def _until_label(pieces: list[str]) -> list[str]:
    """``pieces`` up to the next label (a value element that runs on into the next row)."""
    for n, piece in enumerate(pieces):
        if norm(piece) in ALL_LABELS:
            return pieces[:n]
    return pieces
