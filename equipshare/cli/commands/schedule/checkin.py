"""`equipshare checkin` and `checkout`: recording when a session really began and ended."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import click

from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.time_input import parse_instant
from equipshare.domain.money.charge_quotes import use_charge_words
from equipshare.domain.money.charging import gbp
from equipshare.domain.records.scheduling.bookings import BookingRecord
from equipshare.services.bookings.service import ChargeQuoteService, CheckInService

AT_HELP = (
    "When it happened, e.g. 2026-03-03T10:05 (facility staff and admins, as a correction; "
    "default now)."
)


def _when(instant: datetime, zone: ZoneInfo) -> str:
    local = instant.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def _echo(
    record: BookingRecord, verb: str, instant: datetime | None, zone: ZoneInfo, charge: str = ""
) -> None:
    assert instant is not None  # the service just recorded it
    click.echo(
        f"booking {record.id} {verb} at {_when(instant, zone)}; {record.status.value}, "
        + (charge or f"charge {gbp(record.charge_pence)}")
    )


@click.command("checkin")
@click.argument("booking_id", type=int)
@click.option("--at", "at", metavar="TIME", help=AT_HELP)
@as_option
@common_options
@click.pass_context
def checkin(ctx: click.Context, booking_id: int, at: str | None, as_user: str | None) -> None:
    """Check in to booking BOOKING_ID: the session has begun.

    The booking's user may check in from 15 minutes before its start until its end, on a
    confirmed booking. Facility staff and admins may record a check-in at another time
    with --at, also on a booking already completed or marked a no-show (which then
    becomes completed). A booking is checked in once: a second run is refused (exit 1)
    and changes nothing. Times without an offset are read in the configured time zone.
    Prints "booking ID checked in at TIME; STATUS, charge £X".

    \b
    Examples:
      equipshare checkin 8812
      equipshare checkin 8812 --at 2026-03-03T10:05 --as tech
    """
    state = cli_state(ctx)
    zone = ZoneInfo(state.settings().organisation.timezone)
    instant = parse_instant(at, "--at", zone) if at is not None else None
    with state.open() as context:
        actor = resolve_actor(context, as_user)
        record = CheckInService(context).check_in(actor, booking_id, instant)
    _echo(record, "checked in", record.checked_in_at, zone)


@click.command("checkout")
@click.argument("booking_id", type=int)
@click.option("--at", "at", metavar="TIME", help=AT_HELP)
@as_option
@common_options
@click.pass_context
def checkout(ctx: click.Context, booking_id: int, at: str | None, as_user: str | None) -> None:
    """Check out of booking BOOKING_ID: the session has ended.

    Needs a check-in first, and must come after it. Where the facility charges for
    actual time, the booking is then billed from check-in to check-out; otherwise its
    booked price stands. Facility staff and admins may give another time with --at. A
    second run is refused (exit 1) and changes nothing. Prints "booking ID checked out
    at TIME; STATUS, charge £X" and why: "for 1 h 53 min used, check-in to check-out
    (booked £40.00)", or "as booked (the facility bills booked time)".

    \b
    Examples:
      equipshare checkout 8812
      equipshare checkout 8812 --at 2026-03-03T11:40 --as tech
    """
    state = cli_state(ctx)
    zone = ZoneInfo(state.settings().organisation.timezone)
    instant = parse_instant(at, "--at", zone) if at is not None else None
    with state.open() as context:
        actor = resolve_actor(context, as_user)
        record = CheckInService(context).check_out(actor, booking_id, instant)
        use = ChargeQuoteService(context).use(actor, booking_id)
    _echo(record, "checked out", record.checked_out_at, zone, use_charge_words(use))
