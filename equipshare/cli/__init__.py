"""The `equipshare` command: a thin click layer that parses, calls services and prints."""

from __future__ import annotations

from typing import Any

import click

from equipshare import __version__
from equipshare.cli.booking_commands import approve, book, cancel, reject
from equipshare.cli.db_commands import db_group
from equipshare.cli.demo_command import demo
from equipshare.cli.options import common_options
from equipshare.cli.slots_command import slots
from equipshare.cli.tui_command import run_tui, tui
from equipshare.errors import EquipshareError, RefusedError


class EquipshareGroup(click.Group):
    """Turns a domain error into one line on stderr and its exit code (1 refused, 2 bad input)."""

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
        run_tui(ctx)


cli.add_command(db_group)
cli.add_command(demo)
cli.add_command(book)
cli.add_command(cancel)
cli.add_command(approve)
cli.add_command(reject)
cli.add_command(slots)
cli.add_command(tui)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="equipshare")
