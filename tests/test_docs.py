"""The docs document the public interface: a test fails when a command, option, variable, view, macro or module is
missing.

README.md is the short entry point (opening commands, cookbook, module map); docs/*.md hold the reference.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from flows.cli import cli
from flows.settings import SOURCES

ROOT = Path(__file__).resolve().parents[1]
README_PATH = ROOT / "README.md"
README = README_PATH.read_text(encoding="utf-8")
DOC_PAGES = sorted((ROOT / "docs").rglob("*.md"))
DOCS = "\n".join(page.read_text(encoding="utf-8") for page in DOC_PAGES)
PACKAGES = ("entities", "flows", "extractors", "transforms", "warehouse")
README_MAX_LINES = 250


def _long_options(command: click.Command) -> list[str]:
    return [
        opt for param in command.params if isinstance(param, click.Option) for opt in param.opts if opt.startswith("--")
    ]


def _sql_files() -> list[Path]:
    """Where views and macros are defined: the migrations, and warehouse/views.sql once it exists."""
    files = sorted((ROOT / "warehouse" / "migrations").glob("*.sql"))
    views = ROOT / "warehouse" / "views.sql"
    return [*files, views] if views.exists() else files


def _created(kind: str) -> list[str]:
    """Names of every ``CREATE [OR REPLACE] <kind>`` in the SQL files, each once, in order of appearance."""
    pattern = re.compile(rf"CREATE (OR REPLACE )?{kind} (\w+)")
    names = [match.group(2) for sql in _sql_files() for match in pattern.finditer(sql.read_text(encoding="utf-8"))]
    return list(dict.fromkeys(names))


def test_docs_pages_exist() -> None:
    assert DOC_PAGES, "docs/ has no pages"


def test_docs_document_every_cli_command() -> None:
    missing = [f"modelsync {name}" for name in cli.commands if f"modelsync {name}" not in DOCS]
    assert missing == []


def test_every_command_help_shows_an_example_of_itself() -> None:
    def help_text(command: click.Command) -> str:
        with click.Context(command, info_name=command.name, parent=click.Context(cli, info_name="modelsync")) as ctx:
            return command.get_help(ctx)

    without = [
        name for name, command in cli.commands.items()
        if not re.search(rf"Examples?:\n(.*\n)*?\s+(\S+=\S+ )*modelsync {name}\b", help_text(command))
    ]  # fmt: skip
    assert without == []


def test_docs_document_every_cli_option() -> None:
    commands: list[click.Command] = [cli, *cli.commands.values()]
    missing = [f"{command.name} {opt}" for command in commands for opt in _long_options(command) if opt not in DOCS]
    assert missing == []


def test_docs_document_every_sql_view() -> None:
    views = _created("VIEW")
    assert views, "no views found in warehouse/migrations or warehouse/views.sql"
    missing = [view for view in views if f"`{view}`" not in DOCS]
    assert missing == []


def test_docs_document_every_sql_macro() -> None:
    macros = _created("MACRO")
    assert macros, "no macros found in warehouse/migrations or warehouse/views.sql"
    missing = [macro for macro in macros if f"`{macro}`" not in DOCS and f"{macro}(" not in DOCS]
    assert missing == []


def test_readme_opens_with_demo_and_test_commands() -> None:
    first_block = re.search(r"```[^\n]*\n(.*?)```", README, re.DOTALL)
    assert first_block is not None, "README has no code block"
    assert "uv run modelsync demo" in first_block.group(1)
    assert "uv run pytest" in first_block.group(1)
    first_section = README.find("\n## ")
    assert first_section == -1 or first_block.start() < first_section, "the first code block comes after a section"


def test_readme_is_short() -> None:
    lines = len(README.splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move details to docs/"


def test_docs_document_every_environment_variable() -> None:
    # settings.py reads the environment; warehouse/__init__.py names the warehouse's variable for both.
    source = "".join((ROOT / p).read_text(encoding="utf-8") for p in ("flows/settings.py", "warehouse/__init__.py"))
    literal = re.findall(r'"((?:MODELSYNC|OPENROUTER)_\w+)"', source)
    per_source = re.findall(r'f"\{prefix\}(_\w+)"', source)
    # a source's own variables are documented once, by pattern: MODELSYNC_<SOURCE>_RATE
    names = [*literal, *(f"MODELSYNC_<SOURCE>{suffix}" for suffix in per_source)]
    assert "MODELSYNC_WAREHOUSE" in names, "settings.py and warehouse/__init__.py no longer name variables as expected"
    assert per_source, "flows/settings.py no longer builds per-source variables from a prefix"
    missing = [name for name in names if name not in DOCS]
    assert missing == []


def test_readme_module_map_lists_every_module_and_package() -> None:
    top = [
        path.relative_to(ROOT).as_posix() + ("/" if path.is_dir() else "")
        for package in PACKAGES
        for path in sorted((ROOT / package).iterdir())
        if (path.suffix == ".py" and path.name != "__init__.py") or (path / "__init__.py").is_file()
    ]
    missing = [module for module in top if f"`{module}`" not in README and not _a_source(module)]
    assert missing == []


def test_the_code_map_lists_every_module_of_every_package() -> None:
    code_map = (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    modules = [
        path.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path.parent != ROOT / package or path.name != "__init__.py"
    ]
    missing = [module for module in modules if f"`{module}`" not in code_map and not _a_source(module)]
    assert missing == []


def _a_source(module: str) -> bool:
    """A source's module or package: its page in docs/sources/ maps it (the source contract checks the page)."""
    parts = module.removesuffix("/").removesuffix(".py").split("/")
    return parts[0] == "extractors" and len(parts) >= 2 and parts[1] in SOURCES


def _relative_links(text: str) -> list[str]:
    """Targets of the markdown links in ``text`` outside code, without http(s), mailto or pure ``#anchor`` ones."""
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    prose = re.sub(r"`[^`\n]*`", "", prose)
    targets = re.findall(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)", prose)
    return [t for t in targets if not re.match(r"(https?|mailto):", t) and not t.startswith("#")]


def test_every_relative_link_points_at_a_file_that_exists() -> None:
    broken = [
        f"{page.relative_to(ROOT).as_posix()}: {target}"
        for page in [README_PATH, *DOC_PAGES]
        for target in _relative_links(page.read_text(encoding="utf-8"))
        if not (page.parent / target.split("#", 1)[0]).exists()
    ]
    assert broken == []


def test_docs_never_point_at_the_shared_directory() -> None:
    # ../shared and shared/docs exist only in the maintainers' workspace, not in a user's checkout.
    pointing = [
        page.relative_to(ROOT).as_posix()
        for page in [README_PATH, *DOC_PAGES]
        if re.search(r"\.\./shared|shared/docs", page.read_text(encoding="utf-8"))
    ]
    assert pointing == []
