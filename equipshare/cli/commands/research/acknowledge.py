"""`equipshare acknowledge (--user U | --project CODE)`: a paper's acknowledgement, from the
completed bookings, as a paragraph to paste and the same as data (text, Markdown, JSON, CSV)."""

from __future__ import annotations

import click

from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import raw_csv_option, wants_raw_csv
from equipshare.domain.acknowledgements.formats import FORMATS, render
from equipshare.domain.errors import InputError
from equipshare.domain.time.report_periods import PRESET_NAMES, preset_days
from equipshare.domain.time.timeparse import parse_typed_day


def _checked(
    user: str | None, project: str | None, preset: str | None, days: tuple[str | None, ...]
) -> None:
    """Usage errors (exit 2), told before the database is opened."""
    if (user is None) == (project is None):
        raise InputError("give --user USER or --project CODE (one of them)", "--user")
    if preset and any(days):
        raise InputError("--period: give a named period or --from/--to, not both", "--period")


@click.command("acknowledge")
@click.option(
    "--user",
    metavar="USER",
    help="The researcher whose work it is (yourself, or someone you may see).",
)
@click.option(
    "--project", metavar="CODE", help="Every booking under this project code you may see."
)
@click.option("--period", "preset", type=click.Choice(PRESET_NAMES), help="A named period.")
@click.option("--from", "from_day", metavar="DATE", help="First local day (default: since ever).")
@click.option("--to", "to_day", metavar="DATE", help="Last local day, included (default: today).")
@click.option(
    "--format", "output", type=click.Choice(FORMATS), default="text", show_default=True,
    help="text: the paragraph then a table; markdown: a printable page; json and csv: data "
    "with ORCID iDs and CRediT roles for a repository or a publisher's form.",
)  # fmt: skip
@raw_csv_option
@as_option
@common_options
@click.pass_context
def acknowledge(
    ctx: click.Context,
    user: str | None,
    project: str | None,
    preset: str | None,
    from_day: str | None,
    to_day: str | None,
    output: str,
    as_user: str | None,
) -> None:
    """Acknowledge the facilities and technicians behind a researcher's or a project's work.

    From the period's completed bookings: the facilities and institutions, the instruments
    by technique with their hours, and each technician who ran assisted sessions
    (Investigation) or trained the researcher on those instruments (Supervision), named as
    their profile allows. Each facility's wording is its own (`equipshare facilities
    acknowledgement`). For the researcher themself, staff of the facilities they used
    (those facilities' bookings only) and admins. Dates: 2026-12-16 or 16/12/2026.

    \b
    Examples:
      equipshare acknowledge --user alice --from 2026-01-01 --to 2026-06-30
      equipshare acknowledge --project EP/X012345/1 --format markdown > ack.md
      equipshare acknowledge --user alice --period last-12-months --format json
    """
    _checked(user, project, preset, (from_day, to_day))
    first = parse_typed_day(from_day, "--from") if from_day else None
    last = parse_typed_day(to_day, "--to") if to_day else None
    with cli_state(ctx).open() as context:
        from equipshare.services.acknowledgements.service import AcknowledgementService

        service = AcknowledgementService(context)
        actor = resolve_actor(context, as_user)
        if preset:
            first, last = preset_days(preset, service.today())
        period = service.period(first, last)
        if project is not None:
            found = service.for_project(actor, project, period)
        else:
            found = service.for_user(actor, user or actor, period)
    click.echo(render(found, output, escape_csv=not wants_raw_csv()), nl=False)
