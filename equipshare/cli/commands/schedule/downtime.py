"""`equipshare downtime list|add|cancel`: taking instruments out of use from the shell.

The same service and wording as the TUI's downtime screen: `add` shows the bookings a
downtime would cancel and cancels exactly those, once confirmed with --yes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import click

from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import emit, format_option
from equipshare.cli.time_input import parse_from, parse_instant, parse_length
from equipshare.domain.display.wording import booking_status_words, bookings_words, reason_words
from equipshare.domain.enums import DowntimeReason
from equipshare.domain.errors import InputError, RefusedError
from equipshare.domain.records.instruments.schedule import DowntimeBoard
from equipshare.domain.records.scheduling.bookings import BookingRecord
from equipshare.domain.time.timeparse import looks_like_length
from equipshare.domain.time.timewords import local_range
from equipshare.services.downtime.service import DowntimeService

ONE_DAY = timedelta(days=1)


@click.group("downtime")
def downtime_group() -> None:
    """Take instruments out of use for maintenance, and list or cancel their downtime."""


def _window(
    from_text: str | None, to_text: str | None, zone: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """--from (a day or a time) and --to (a day, included, or a time), read in `zone`."""
    start = parse_from(from_text, zone) if from_text else None
    end = None
    if to_text:
        try:
            end = parse_from((date.fromisoformat(to_text.strip()) + ONE_DAY).isoformat(), zone)
        except ValueError:
            end = parse_instant(to_text, "--to", zone)
    if start is not None and end is not None and end <= start:
        raise InputError(f"--to: {to_text} is not after --from {from_text}", "--to")
    return start, end


def _range(zone: ZoneInfo, from_text: str, to_text: str) -> tuple[datetime, datetime]:
    """--from as wall-clock time in `zone`; --to as a time there or a length after --from.

    A length ('8h') is elapsed time, as in the TUI's form, so a downtime over a clock
    change lasts what it says.
    """
    start = parse_instant(from_text, "--from", zone)
    if looks_like_length(to_text):
        return start, start.astimezone(UTC) + parse_length(to_text, "--to")
    end = parse_instant(to_text, "--to", zone)
    if end <= start:
        raise InputError(f"--to: {to_text} is not after --from {from_text}", "--to")
    return start, end


def _print_board(board: DowntimeBoard, output: str) -> None:
    rows = [
        {
            "id": row.downtime_id,
            "when": local_range(row.starts_at, row.ends_at, row.timezone),
            "instrument": row.instrument_code,
            "reason": reason_words(row.reason),
            "description": row.description,
            "scheduled_by": row.scheduled_by,
            **(
                {"starts_at": row.starts_at, "ends_at": row.ends_at, "timezone": row.timezone}
                if output != "table"
                else {}
            ),
        }
        for row in board.rows
    ]
    columns = ["id", "when", "instrument", "reason", "description", "scheduled_by"]
    if output != "table":
        columns += ["starts_at", "ends_at", "timezone"]
    emit(rows, columns, output)


@downtime_group.command("list")
@click.option("--instrument", "instrument_code", metavar="CODE", help="Only this instrument's.")
@click.option("--facility", "facility_code", metavar="CODE", help="Only this facility's.")
@click.option("--from", "from_text", metavar="DATE", help="From this day or time (default now).")
@click.option("--to", "to_text", metavar="DATE", help="Up to this day, included, or time.")
@format_option
@as_option
@common_options
@click.pass_context
def list_downtime(
    ctx: click.Context,
    instrument_code: str | None,
    facility_code: str | None,
    from_text: str | None,
    to_text: str | None,
    output: str,
    as_user: str | None,
) -> None:
    """List current and coming downtime, soonest first, in each facility's zone.

    Anyone may list an instrument's or a facility's downtime, as calendars show it. With
    neither, the list is the downtime of the facilities you staff (every one, for an
    admin). Dates without a time are read in the configured time zone.

    \b
    Examples:
      equipshare downtime list
      equipshare downtime list --instrument WAR-XPS-01 --from 2026-03-01 --to 2026-03-31
      equipshare downtime list --facility WAR-PRP --format csv
    """
    state = cli_state(ctx)
    start, end = _window(from_text, to_text, ZoneInfo(state.settings().organisation.timezone))
    with state.open() as context:
        actor = resolve_actor(context, as_user)
        board = DowntimeService(context).listing(
            actor,
            instrument_code=instrument_code,
            facility_code=facility_code,
            start=start,
            end=end,
        )
    if instrument_code is None and facility_code is None and not board.may_schedule:
        click.echo(
            "Downtime is scheduled by facility staff; you staff no facility "
            "(give --instrument or --facility to see one's downtime)",
            err=True,
        )
    _print_board(board, output)


def _preview_lines(bookings: list[BookingRecord], timezone: str, output: str) -> None:
    rows = [
        {
            "booking": booking.id,
            "when": local_range(booking.starts_at, booking.ends_at, timezone),
            "who": booking.username,
            "institution": booking.user_institution_code,
            "status": booking_status_words(booking.status),
        }
        for booking in bookings
    ]
    emit(rows, ["booking", "when", "who", "institution", "status"], output)


@downtime_group.command("add")
@click.argument("instrument_code")
@click.option(
    "--from", "from_text", required=True, metavar="TIME", help="Start, e.g. 2026-03-18T09:00."
)
@click.option("--to", "to_text", required=True, metavar="TIME", help="End, or a length such as 8h.")
@click.option(
    "--reason",
    type=click.Choice([reason.value for reason in DowntimeReason]),
    default=DowntimeReason.MAINTENANCE.value,
    show_default=True,
    help="Why the instrument is down.",
)
@click.option("--description", default="", help="What is done; cancelled bookings' owners read it.")
@click.option("--dry-run", is_flag=True, help="Show the bookings it would cancel; change nothing.")
@click.option("--yes", is_flag=True, help="Confirm cancelling the bookings in the way.")
@format_option
@as_option
@common_options
@click.pass_context
def add_downtime(
    ctx: click.Context,
    instrument_code: str,
    from_text: str,
    to_text: str,
    reason: str,
    description: str,
    dry_run: bool,
    yes: bool,
    output: str,
    as_user: str | None,
) -> None:
    """Schedule downtime on INSTRUMENT_CODE (facility staff and admins).

    Times are wall-clock times in the instrument's own zone; --to may be a length such as
    8h. The bookings in the way are listed first. When there are some, nothing is written
    without --yes (exit 1), and --yes cancels exactly the bookings listed, telling their
    owners; a booking made meanwhile refuses the lot. Prints the downtime's id.

    \b
    Examples:
      equipshare downtime add WAR-XPS-01 --from 2026-03-18T09:00 --to 8h --dry-run
      equipshare downtime add WAR-XPS-01 --from 2026-03-18T09:00 --to 2026-03-18T17:00 \\
          --reason engineer_visit --description "replacing the X-ray source" --yes
    """
    why = DowntimeReason(reason)
    with cli_state(ctx).open() as context:
        actor = resolve_actor(context, as_user)
        service = DowntimeService(context)
        instrument = service.schedulable(actor, instrument_code)
        zone = ZoneInfo(instrument.timezone)
        start, end = _range(zone, from_text, to_text)
        bookings = service.preview(actor, instrument.code, start, end)
        for hold in service.preview_holds(actor, instrument.code, start, end):
            held = local_range(hold.starts_at, hold.ends_at, instrument.timezone)
            click.echo(
                f"{'dry run: ' if dry_run else ''}ends waitlist entry {hold.id}, "
                f"{instrument.code} {held} held for {hold.username} (who is told)",
                err=True,
            )
        when = local_range(start, end, instrument.timezone)
        what = f"{reason_words(why).capitalize()} of {instrument.code} {when}"
        if dry_run or (bookings and not yes):
            in_the_way = (
                f"cancels {bookings_words(len(bookings))} and tells their owners:"
                if bookings
                else "no bookings are in the way."
            )
            click.echo(f"{'dry run: ' if dry_run else ''}{what}: {in_the_way}", err=True)
            if bookings:
                _preview_lines(bookings, instrument.timezone, output)
            if dry_run:
                return
            raise RefusedError(
                f"nothing scheduled: add --yes to schedule it and cancel "
                f"{bookings_words(len(bookings))}"
            )
        downtime, cancelled = service.schedule(
            actor,
            instrument.code,
            start,
            end,
            why,
            description,
            previewed=[booking.id for booking in bookings],
        )
    when = local_range(downtime.starts_at, downtime.ends_at, instrument.timezone)
    text = (
        f"downtime {downtime.id}: scheduled {reason_words(downtime.reason)} of "
        f"{downtime.instrument_code} {when}"
    )
    if cancelled:
        text += f"; cancelled {bookings_words(len(cancelled))} and told their owners"
    click.echo(text)


@downtime_group.command("cancel")
@click.argument("downtime_id", type=int)
@as_option
@common_options
@click.pass_context
def cancel_downtime(ctx: click.Context, downtime_id: int, as_user: str | None) -> None:
    """Remove downtime DOWNTIME_ID, so the instrument can be booked again.

    Bookings the downtime cancelled stay cancelled; anyone waiting for that time is
    offered it. Facility staff and admins.

    \b
    Examples:
      equipshare downtime cancel 42
    """
    with cli_state(ctx).open() as context:
        actor = resolve_actor(context, as_user)
        downtime = DowntimeService(context).cancel(actor, downtime_id)
    click.echo(
        f"downtime {downtime.id}: cancelled the {reason_words(downtime.reason)} of "
        f"{downtime.instrument_code}; it can be booked again"
    )
