"""`equipshare tui`: open the terminal app; bare `equipshare` and `equipshare demo` run it too."""

from __future__ import annotations

import click

from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options


def run_tui(ctx: click.Context, as_user: str | None = None, *, notice: str | None = None) -> None:
    """Open the TUI on the configured database as the caller (or `as_user`, for admins);
    `notice` is shown as it opens, where the terminal's alternate screen cannot hide it."""
    # Imported here, not at the top, so that scripted commands never pay for Textual.
    from equipshare.tui.app import EquipshareApp

    with cli_state(ctx).open() as context:
        actor = resolve_actor(context, as_user)
        EquipshareApp(context, actor, notice=notice).run()


@click.command("tui")
@as_option
@common_options
@click.pass_context
def tui(ctx: click.Context, as_user: str | None) -> None:
    """Open the terminal app on the configured database.

    \b
    Examples:
      equipshare tui
      equipshare tui --as alice --db sqlite:///demo.db
    """
    run_tui(ctx, as_user)
