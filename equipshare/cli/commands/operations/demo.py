"""`equipshare demo`: build a believable consortium to explore or test against."""

from __future__ import annotations

import getpass
import time
from pathlib import Path

import click
import platformdirs

from equipshare.cli.commands.operations.maintenance import closed_words
from equipshare.cli.commands.operations.tui import run_tui
from equipshare.cli.options import cli_state, common_options
from equipshare.config import APP_NAME
from equipshare.demo.seeding import DemoService, DemoSummary
from equipshare.domain.display.masking import mask_password
from equipshare.services.admin.service import SchemaService


def default_demo_url() -> str:
    """A dedicated file, kept between runs, so the demo never touches real data."""
    return f"sqlite:///{Path(platformdirs.user_data_dir(APP_NAME)) / 'demo.db'}"


def _print_summary(summary: DemoSummary, url: str, seconds: float) -> None:
    click.echo(f"demo database ready in {seconds:.1f}s: {mask_password(url)}")
    for label, count in summary.counts():
        click.echo(f"  {label:<28}{count:>8,}")
    click.echo(f"  you are signed in as admin '{summary.admin_username}'")


@click.command("demo")
@click.option(
    "--seed",
    "seed",
    type=int,
    default=2026,
    show_default=True,
    help="Random seed; the same seed on the same day gives the same data.",
)
@click.option("--seed-only", is_flag=True, help="Seed the database and exit.")
@click.option("--reset", is_flag=True, help="Wipe a database given with --db before seeding.")
@common_options
@click.pass_context
def demo(ctx: click.Context, seed: int, seed_only: bool, reset: bool) -> None:
    """Create, migrate and fill a demo database of the Midlands Innovation consortium,
    then open the app on it as an admin.

    Without --db the demo lives in its own file. It is seeded on the first run and kept,
    with whatever you booked, until --reset (or --seed-only) rebuilds it; each reopening
    first closes what ended since, as a live site's nightly close-past would. A database given
    with --db is seeded when empty and opened as it is otherwise; --seed-only refuses one
    that holds data unless --reset wipes it first.

    \b
    Examples:
      equipshare demo
      equipshare demo --reset
      equipshare demo --seed-only --db sqlite:///demo.db --seed 7
    """
    state = cli_state(ctx)
    own_file = state.database_url is None  # the demo's own, which it may keep up to date
    url = state.database_url = state.database_url or default_demo_url()
    reset = reset or (own_file and seed_only)
    started = time.perf_counter()
    with state.open(require_head=False, create=True) as context:
        schema = SchemaService(context)
        if reset:
            schema.downgrade("base")
        schema.upgrade()
        demo_data = DemoService(context)
        reopen = not seed_only and not demo_data.is_empty()
        caught_up = demo_data.catch_up() if reopen and own_file else None
        if not reopen:
            summary = demo_data.seed(seed=seed, admin_username=getpass.getuser())
    shown_url = mask_password(url)
    if not reopen:
        _print_summary(summary, url, time.perf_counter() - started)
    else:
        click.echo(
            f"opening the demo database {shown_url} as it is; "
            "`equipshare demo --reset` rebuilds it",
            err=True,
        )
        if caught_up is not None and (
            caught_up.completed_ids or caught_up.no_show_ids or caught_up.lapsed_ids
        ):  # what the nightly close-past would have done meanwhile
            click.echo(f"since it was last open: {closed_words(caught_up)}", err=True)
    if not seed_only:
        # What was printed above is hidden by the app's screen until it closes: say it there.
        run_tui(ctx, notice=f"Demo database: {shown_url} (equipshare demo --reset rebuilds it)")
