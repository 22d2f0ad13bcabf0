"""The `equipshare` command: a thin click layer that parses, calls services and prints."""

from __future__ import annotations

from typing import Any

import click

from equipshare import __version__
from equipshare.cli.options import common_options
from equipshare.cli.registry import COMMANDS, load_command
from equipshare.domain.errors import EquipshareError, RefusedError


class EquipshareGroup(click.Group):
    """Turns a domain error into one line on stderr and its exit code (1 refused, 2 bad input).

    Commands are imported when they run (see registry.py): a launch of the TUI should not
    pay for Alembic or the booking services.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.add_command(load_command(cmd_name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List every command from the registry's short helps, importing none of them."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            loaded = self.commands.get(name)
            if loaded is None:
                loaded = click.Command(name, help=COMMANDS[name].short_help)
            if not loaded.hidden:
                rows.append((name, loaded.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EquipshareError as exc:
            # Drivers' messages can span lines; cron mail and log greps want exactly one.
            label = "refused" if isinstance(exc, RefusedError) else "error"
            click.echo(f"{label}: {' '.join(str(exc).split())}", err=True)
            ctx.exit(exc.exit_code)


@click.group(
    cls=EquipshareGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="equipshare")
@common_options
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Share research instruments across partner universities.

    \b
    Examples:
      equipshare demo                          seed a demo consortium and open it
      equipshare --db sqlite:///site.db db upgrade
      equipshare db current

    Every command accepts --db URL and --config FILE, before or after its name.
    Exit codes: 0 success, 1 refused or found wrong, 2 bad input or usage.
    """
    if ctx.invoked_subcommand is None:
        from equipshare.cli.commands.operations.tui import run_tui

        run_tui(ctx)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="equipshare")
