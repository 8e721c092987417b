"""A newcomer's environment: `uv run pytest` syncs the tests' packages, not the benchmarks' or the browser's."""

from __future__ import annotations

import tomllib

from tests.conftest import ROOT


def test_uv_syncs_only_the_test_group_by_default_and_ci_syncs_every_group() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    groups = project["dependency-groups"]

    assert project["tool"]["uv"]["default-groups"] == ["dev"]
    assert any(d.startswith("pytest") for d in groups["dev"])
    assert not any(d.startswith(("dlt", "playwright")) for d in groups["dev"] + project["project"]["dependencies"])
    assert any(d.startswith("dlt") for d in groups["bench"])
    assert any(d.startswith("playwright") for d in groups["browser"])
    assert "uv sync --locked --all-groups" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_browser_test_says_how_to_enable_it_when_playwright_is_missing() -> None:
    source = (ROOT / "tests" / "test_report.py").read_text(encoding="utf-8")

    assert "uv sync --group browser" in source
