"""Documentation is part of the product: every setting and command is documented."""

from __future__ import annotations

from pathlib import Path

import click

from vastaa.cli import main
from vastaa.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def commands(group: click.Group, prefix: str = "vastaa") -> list[str]:
    found = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.extend(commands(command, f"{prefix} {name}"))
        else:
            found.append(f"{prefix} {name}")
    return found


def test_every_setting_is_documented() -> None:
    operations = (ROOT / "docs" / "operations.md").read_text()

    missing = [
        f"VASTAA_{name.upper()}"
        for name in Settings.model_fields
        if f"`VASTAA_{name.upper()}`" not in operations
    ]
    assert missing == []


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()

    assert [command for command in commands(main) if f"`{command}" not in readme] == []


def test_the_readme_quick_start_has_the_two_commands_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()

    assert "scripts/demo" in readme and "scripts/test" in readme
    assert "exec scripts/test" in ci
