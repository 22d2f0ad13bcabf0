"""`equipshare book`, `cancel`, `approve` and `reject`: bookings from scripts and the shell."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import click

from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.time_input import parse_date, parse_instant
from equipshare.domain.errors import InputError
from equipshare.domain.records.bookings import (
    BookingRecord,
    BookingRequest,
    RecurrenceRule,
    SeriesResult,
)
from equipshare.services.bookings.service import BookingService, SeriesService


def repeat_rule(repeat: str | None, count: int | None, until: str | None) -> RecurrenceRule | None:
    """The series --repeat asks for, or None; misuse is a usage error (exit 2)."""
    if count is not None and until is not None:
        raise click.UsageError("--count and --until cannot be used together")
    if repeat is None:
        if count is not None or until is not None:
            raise click.UsageError("--count and --until need --repeat daily|weekly")
        return None
    if count is None and until is None:
        raise click.UsageError("--repeat needs --count N or --until DATE")
    return RecurrenceRule(
        freq=repeat, count=count, until=parse_date(until, "--until") if until else None
    )


def _print_series(result: SeriesResult, zone: ZoneInfo) -> None:
    for booking in result.bookings:
        click.echo(f"booking {booking.id} {booking.status.value}")
    for skipped in result.skipped:
        click.echo(
            f"skipped {skipped.starts_at.astimezone(zone):%Y-%m-%d}: {skipped.reason}", err=True
        )
    click.echo(
        f"series {result.series_id}: {len(result.bookings)} booked, {len(result.skipped)} skipped"
    )


def _echo_status(record: BookingRecord) -> None:
    click.echo(f"booking {record.id} {record.status.value}")


@click.command("book")
@click.argument("instrument_code")
@click.option(
    "--start", "start", required=True, metavar="ISO", help="Start, e.g. 2026-03-03T10:00."
)
@click.option("--end", "end", required=True, metavar="ISO", help="End, e.g. 2026-03-03T12:00.")
@click.option("--for", "for_user", metavar="USER", help="Book on behalf of USER (facility staff).")
@click.option("--purpose", default="", help="What the session is for.")
@click.option("--project", "project_code", metavar="CODE", help="Project or grant code.")
@click.option("--technician", metavar="USER", help="Technician assisting (no training needed).")
@click.option("--override", is_flag=True, help="Override policy and quota (staff, with --for).")
@click.option("--repeat", type=click.Choice(["daily", "weekly"]), help="Book a series.")
@click.option("--count", type=click.IntRange(min=1), help="Number of occurrences (with --repeat).")
@click.option("--until", metavar="DATE", help="Last day of the series, inclusive (with --repeat).")
@click.option("--skip-conflicts", is_flag=True, help="Book what is free and list the rest.")
@as_option
@common_options
@click.pass_context
def book(
    ctx: click.Context,
    instrument_code: str,
    start: str,
    end: str,
    for_user: str | None,
    purpose: str,
    project_code: str | None,
    technician: str | None,
    override: bool,
    repeat: str | None,
    count: int | None,
    until: str | None,
    skip_conflicts: bool,
    as_user: str | None,
) -> None:
    """Book INSTRUMENT_CODE and print "booking ID STATUS" (pending needs approval).

    Times without an offset are read in the configured time zone. A series prints one
    line per booking; with --skip-conflicts, the occurrences it skipped go to stderr.

    \b
    Examples:
      equipshare book WAR-XPS-01 --start 2026-03-03T10:00 --end 2026-03-03T12:00
      equipshare book WAR-XPS-01 --start 2026-03-03T10:00 --end 2026-03-03T12:00 \\
          --repeat weekly --count 6 --skip-conflicts --purpose "thin films"
      equipshare book WAR-MEG-01 --start 2026-03-04T08:00 --end 2026-03-04T10:00 \\
          --for alice --project EP/X01234/1
    """
    state = cli_state(ctx)
    zone = ZoneInfo(state.settings().organisation.timezone)
    rule = repeat_rule(repeat, count, until)
    if skip_conflicts and rule is None:
        raise click.UsageError("--skip-conflicts needs --repeat")
    starts_at, ends_at = parse_instant(start, "--start", zone), parse_instant(end, "--end", zone)
    if ends_at <= starts_at:
        raise InputError(f"--end: {end} is not after --start {start}", "--end")
    request = BookingRequest(
        instrument_code, starts_at, ends_at, purpose, project_code, technician, for_user
    )
    with state.open() as context:
        actor = resolve_actor(context, as_user)
        if rule is None:
            _echo_status(BookingService(context).book(actor, request, override_policy=override))
            return
        result = SeriesService(context).book_series(
            actor, request, rule, skip_conflicts=skip_conflicts, override_policy=override
        )
    _print_series(result, zone)


@click.command("cancel")
@click.argument("booking_id", type=int)
@click.option("--reason", default="", help="Why; the booking's owner is told.")
@as_option
@common_options
@click.pass_context
def cancel(ctx: click.Context, booking_id: int, reason: str, as_user: str | None) -> None:
    """Cancel booking BOOKING_ID (your own, or any on a facility you staff).

    \b
    Examples:
      equipshare cancel 8812
      equipshare cancel 8812 --reason "sample not ready" --as root
    """
    with cli_state(ctx).open() as context:
        actor = resolve_actor(context, as_user)
        _echo_status(BookingService(context).cancel(actor, booking_id, reason))


@click.command("approve")
@click.argument("booking_id", type=int)
@as_option
@common_options
@click.pass_context
def approve(ctx: click.Context, booking_id: int, as_user: str | None) -> None:
    """Confirm pending booking BOOKING_ID (staff of its facility).

    \b
    Examples:
      equipshare approve 8812
    """
    with cli_state(ctx).open() as context:
        actor = resolve_actor(context, as_user)
        _echo_status(BookingService(context).approve(actor, booking_id))


@click.command("reject")
@click.argument("booking_id", type=int)
@click.option("--reason", required=True, help="Why, in words the requester can act on.")
@as_option
@common_options
@click.pass_context
def reject(ctx: click.Context, booking_id: int, reason: str, as_user: str | None) -> None:
    """Refuse pending booking BOOKING_ID, with a reason (staff of its facility).

    \b
    Examples:
      equipshare reject 8812 --reason "the XPS is reserved for calibration that week"
    """
    with cli_state(ctx).open() as context:
        actor = resolve_actor(context, as_user)
        _echo_status(BookingService(context).reject(actor, booking_id, reason))
