"""Layers import downward only: flows -> extractors, transforms, warehouse; extractors -> transforms.

At the bottom, ``entities`` declares every entity and series once, as data (entities/declared.py):
every layer may import it, and it imports no other layer.
"""

from __future__ import annotations

import ast
import re

from tests.conftest import ROOT

ALLOWED = {
    "flows": {"flows", "extractors", "transforms", "warehouse", "entities"},
    "extractors": {"extractors", "transforms", "entities"},
    "transforms": {"transforms", "entities"},
    "warehouse": {"warehouse", "entities"},
    "entities": {"entities"},
}


def test_layers_import_downward_only() -> None:
    wrong = []
    for layer, allowed in ALLOWED.items():
        for path in (ROOT / layer).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                for name in names:
                    top = name.split(".")[0]
                    if top in ALLOWED and top not in allowed:
                        wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert wrong == []


def test_sql_that_writes_history_lives_in_warehouse_only() -> None:
    writes = re.compile(
        r"\b(INSERT\s+INTO|UPDATE\s+\w+(\s+\w+)?\s+SET|DELETE\s+FROM|CREATE\s+(OR\s+REPLACE\s+)?(TEMP\s+)?TABLE)\b"
    )
    found = []
    for layer in ("flows", "extractors", "transforms"):
        for path in (ROOT / layer).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if writes.search(_text_of(node)):
                    found.append(f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}")
    assert found == []


def _text_of(node: ast.AST) -> str:
    """A string literal's text, an f-string's with each placeholder as ``x``; else empty."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)  # type: ignore[misc]
    return ""


def test_only_the_demo_ships_with_the_test_doubles() -> None:
    users = sorted(
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "flows").rglob("*.py")
        if "doubles" not in path.parts and "flows.doubles" in path.read_text()
    )
    assert users == ["flows/demo.py"]
