"""The lazy command table agrees with the real commands, and --help imports none of them."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import click

import equipshare.cli
from equipshare.cli.registry import COMMANDS, load_command
from tests.cli.conftest import Invoke

COMMAND_MODULES = {entry.module for entry in COMMANDS.values()}


def command_modules() -> list[str]:
    """Every module in the packages under equipshare.cli (commands/schedule/, consortium/...),
    however deep; not cli's own modules (main.py holds the group, not a command)."""
    return [
        info.name
        for info in pkgutil.walk_packages(equipshare.cli.__path__, prefix="equipshare.cli.")
        if not info.ispkg and info.name.count(".") > 2
    ]


def defined_top_level_commands() -> set[str]:
    """The names of the click commands in equipshare.cli's packages that no group holds."""
    commands: dict[int, click.Command] = {}
    nested: set[int] = set()
    for name in command_modules():
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, click.Command):
                commands[id(value)] = value
                if isinstance(value, click.Group):
                    nested.update(id(sub) for sub in value.commands.values())
    return {str(cmd.name) for key, cmd in commands.items() if key not in nested}


def test_the_table_names_each_real_command_with_its_own_short_help() -> None:
    for name, entry in COMMANDS.items():
        command = load_command(name)
        assert command.name == name, entry
        assert command.get_short_help_str(10_000) == entry.short_help, name


def test_every_command_the_package_defines_is_in_the_table() -> None:
    assert set(defined_top_level_commands()) == set(COMMANDS)


def test_help_lists_every_command_as_an_eager_group_would(invoke: Invoke) -> None:
    eager = click.Group("equipshare", commands={name: load_command(name) for name in COMMANDS})
    # CliRunner formats help 80 columns wide (click's FORCED_WIDTH); so must the expectation,
    # or a long command name (close-past) truncates short helps at different places.
    ctx = click.Context(eager, info_name="equipshare", max_content_width=100, terminal_width=80)
    formatter = ctx.make_formatter()
    eager.format_commands(ctx, formatter)
    expected = formatter.getvalue()
    shown = invoke("--help").stdout
    assert expected.startswith("Commands:\n")
    assert shown.endswith(expected)


def test_a_command_runs_after_help_loaded_nothing(invoke: Invoke) -> None:
    result = invoke("db", "--help")
    assert result.exit_code == 0
    assert "upgrade" in result.stdout


def imported_after(*args: str) -> set[str]:
    """The equipshare.cli.commands modules (and alembic, textual) that `equipshare ARGS` imports."""
    code = (
        "import sys\n"
        "from equipshare.cli.main import cli\n"
        f"try:\n    cli({list(args)!r}, prog_name='equipshare')\n"
        "except SystemExit:\n    pass\n"
        "print('IMPORTED', *sorted(m for m in sys.modules if m in "
        f"{sorted(COMMAND_MODULES | {'alembic', 'textual'})!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    [line] = [line for line in out.stdout.splitlines() if line.startswith("IMPORTED")]
    return set(line.split()[1:])


def test_help_and_tui_help_import_only_what_they_need() -> None:
    assert imported_after("--help") == set()
    assert imported_after("tui", "--help") == {"equipshare.cli.commands.operations.tui"}
