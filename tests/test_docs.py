"""README.md documents the public interface: a test fails when a command, option, view or module is missing."""

from __future__ import annotations

import re
from pathlib import Path

import click

from flows.cli import cli
from flows.settings import SOURCES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PACKAGES = ("flows", "extractors", "transforms", "warehouse")


def _long_options(command: click.Command) -> list[str]:
    return [
        opt for param in command.params if isinstance(param, click.Option) for opt in param.opts if opt.startswith("--")
    ]


def test_readme_documents_every_cli_command() -> None:
    missing = [f"modelsync {name}" for name in cli.commands if f"modelsync {name}" not in README]
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


def test_readme_documents_every_cli_option() -> None:
    commands: list[click.Command] = [cli, *cli.commands.values()]
    missing = [f"{command.name} {opt}" for command in commands for opt in _long_options(command) if opt not in README]
    assert missing == []


def test_readme_documents_every_sql_view() -> None:
    views = [
        match.group(2)
        for migration in sorted((ROOT / "warehouse" / "migrations").glob("*.sql"))
        for match in re.finditer(r"CREATE (OR REPLACE )?VIEW (\w+)", migration.read_text(encoding="utf-8"))
    ]
    assert views, "no views found in warehouse/migrations"
    missing = [view for view in views if f"`{view}`" not in README]
    assert missing == []


def test_readme_opens_with_demo_and_test_commands() -> None:
    first_block = re.search(r"```[^\n]*\n(.*?)```", README, re.DOTALL)
    assert first_block is not None, "README has no code block"
    assert "uv run modelsync demo" in first_block.group(1)
    assert "uv run pytest" in first_block.group(1)
    first_section = README.find("\n## ")
    assert first_section == -1 or first_block.start() < first_section, "the first code block comes after a section"


def test_readme_documents_every_environment_variable() -> None:
    # settings.py reads the environment; warehouse/__init__.py names the warehouse's variable for both.
    source = "".join((ROOT / p).read_text(encoding="utf-8") for p in ("flows/settings.py", "warehouse/__init__.py"))
    literal = re.findall(r'"((?:MODELSYNC|OPENROUTER)_\w+)"', source)
    per_source = re.findall(r'f"\{prefix\}(_\w+)"', source)
    names = [*literal, *(f"MODELSYNC_{s.upper()}{suffix}" for s in SOURCES for suffix in per_source)]
    assert "MODELSYNC_WAREHOUSE" in names, "settings.py and warehouse/__init__.py no longer name variables as expected"
    assert per_source, "flows/settings.py no longer builds per-source variables from a prefix"
    missing = [name for name in names if name not in README]
    assert missing == []


def test_readme_module_map_lists_every_module() -> None:
    modules = [
        path.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for path in sorted((ROOT / package).glob("*.py"))
        if path.name != "__init__.py"
    ]
    missing = [module for module in modules if f"`{module}`" not in README]
    assert missing == []
