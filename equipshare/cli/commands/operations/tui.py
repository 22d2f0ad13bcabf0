"""`equipshare tui`: open the terminal app; bare `equipshare` and `equipshare demo` run it too."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

import click

from equipshare.cli.identity import as_option, caller_username, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.domain.errors import InputError


def run_tui(ctx: click.Context, as_user: str | None = None, *, notice: str | None = None) -> None:
    """Open the TUI on the configured database as the caller (or `as_user`, for admins);
    `notice` is shown as it opens, where the terminal's alternate screen cannot hide it.

    The schema check, the caller and the first page are read through the driver (Launch),
    in a child process while Textual loads here (launch_ahead), and SQLAlchemy loads after
    the first rows are painted; what Launch cannot settle (a wrong schema, an unknown user)
    goes the usual way, which says what is wrong.
    """
    with _collections_after_start():
        # Imported here, not at the top, so that scripted commands never pay for Textual.
        from equipshare.services.plumbing.launch_ahead import launch_ahead

        state = cli_state(ctx)
        try:
            caller = caller_username()
        except InputError:
            caller = None  # the usual way says so, after any problem with the database
        pending = launch_ahead(state.settings(), caller, as_user) if caller else None
        from equipshare.tui.app import EquipshareApp

        launch = pending.result() if pending is not None else None
    if launch is not None:
        with launch:
            EquipshareApp(launch, launch.actor_username, notice=notice).run()
        return
    with state.open() as context:
        actor = resolve_actor(context, as_user)
        EquipshareApp(context, actor, notice=notice).run()


@contextmanager
def _collections_after_start() -> Iterator[None]:
    """No garbage collection while the app's modules load and the launch reads: what they
    make lives as long as the app, so a collection then finds nothing and only walks an
    ever larger heap (a fifth of the time to the first rows). Afterwards that heap is
    frozen (gc.freeze), so the app's own collections walk only what it makes later."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


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
