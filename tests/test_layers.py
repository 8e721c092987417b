"""Layers import downward only: flows -> extractors, transforms, warehouse; extractors -> transforms."""

from __future__ import annotations

import ast

from tests.conftest import ROOT

ALLOWED = {
    "flows": {"flows", "extractors", "transforms", "warehouse"},
    "extractors": {"extractors", "transforms"},
    "transforms": {"transforms"},
    "warehouse": {"warehouse"},
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
