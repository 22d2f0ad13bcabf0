"""`equipshare export ics`: a calendar of bookings as an RFC 5545 file, for any calendar app."""

from __future__ import annotations

import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from equipshare.cli.commands.import_export.catalogue import export_instruments
from equipshare.cli.files import write_atomically
from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.time_input import parse_date
from equipshare.domain.enums import ExportKind
from equipshare.domain.records.scheduling.calendar import ExportScope
from equipshare.services.calendar.service import CalendarExportService


@click.group("export")
def export_group() -> None:
    """Export bookings and the instrument catalogue for other tools."""


# `export instruments` lives with the catalogue commands (catalogue_commands.py).
export_group.add_command(export_instruments)


@export_group.command("ics")
@click.option("--instrument", metavar="CODE", help="One instrument's calendar.")
@click.option("--facility", metavar="ID", help="A facility's calendar, by id or code (staff).")
@click.option("--institution", metavar="CODE", help="An institution's calendar (its staff).")
@click.option("--user", metavar="USERNAME", help="A user's own bookings, in full.")
@click.option("--from", "from_date", metavar="DATE", help="First day (default: 30 days ago).")
@click.option("--to", "to_date", metavar="DATE", help="Last day, inclusive (default: a year on).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="File.")
@as_option
@common_options
@click.pass_context
def ics(
    ctx: click.Context,
    instrument: str | None,
    facility: str | None,
    institution: str | None,
    user: str | None,
    from_date: str | None,
    to_date: str | None,
    output: Path | None,
    as_user: str | None,
) -> None:
    """Write a calendar (.ics) of bookings to stdout or to -o FILE.

    Instrument, facility and institution calendars show "Booked (Institution)" and each
    booking's state; a user's own calendar shows everything. Days are read in the
    configured time zone.

    \b
    Examples:
      equipshare export ics --instrument WAR-XPS-01 -o xps.ics
      equipshare export ics --user alice --from 2026-03-01 --to 2026-06-30
    """
    chosen = [
        (kind, key)
        for kind, key in [
            (ExportKind.INSTRUMENT, instrument),
            (ExportKind.FACILITY, facility),
            (ExportKind.INSTITUTION, institution),
            (ExportKind.USER, user),
        ]
        if key
    ]
    if len(chosen) != 1:
        raise click.UsageError(
            "give exactly one of --instrument, --facility, --institution, --user"
        )
    state = cli_state(ctx)
    zone = ZoneInfo(state.settings().organisation.timezone)
    start = _midnight(parse_date(from_date, "--from"), zone) if from_date else None
    end = _midnight(parse_date(to_date, "--to") + timedelta(days=1), zone) if to_date else None
    with state.open() as context:
        actor = resolve_actor(context, as_user)
        data = CalendarExportService(context).export(actor, ExportScope(*chosen[0]), start, end)
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_atomically(output, data)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)
