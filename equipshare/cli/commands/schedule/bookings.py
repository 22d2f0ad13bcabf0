"""`equipshare book`, `move`, `cancel`, `approve`, `reject` and `bookings list`: bookings
from scripts and the shell."""

from __future__ import annotations

import re
from datetime import time
from typing import Literal
from zoneinfo import ZoneInfo

import click

from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import emit, format_option
from equipshare.cli.time_input import parse_date, parse_instant, parse_length
from equipshare.domain.display.wording import booking_status_words, price_words, use_words
from equipshare.domain.errors import InputError
from equipshare.domain.money.charge_quotes import (
    CancellationQuote,
    charged_words,
    price_change_words,
)
from equipshare.domain.money.charging import gbp
from equipshare.domain.records.scheduling.bookings import (
    BookingRecord,
    BookingRequest,
    RecurrenceRule,
    SeriesResult,
)
from equipshare.domain.time.timewords import local_range
from equipshare.services.bookings.service import (
    BookingService,
    ChargeQuoteService,
    FacilityBookingsService,
    MyBookingsService,
    SeriesService,
    WeekService,
)

Scope = Literal["this", "following", "all"]


SCOPES = ("this", "following", "all")
SCOPE_HELP = "Of a series: this occurrence, it and later ones, or all not yet over."
MINE = ["booking", "when", "status", "price", "in_out", "instrument", "waiting_for"]
FACILITY = [
    "booking",
    "when",
    "status",
    "instrument",
    "user",
    "institution",
    "technician",
    "project",
    "purpose",
    "price",
]
# What an 80-column terminal holds; csv and json carry every column.
FACILITY_TABLE = ["booking", "when", "status", "instrument", "user", "project"]
TIME_OF_DAY = re.compile(r"(\d{1,2}):(\d{2})")


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
@click.option("--scope", type=click.Choice(SCOPES), help=SCOPE_HELP)
@as_option
@common_options
@click.pass_context
def cancel(
    ctx: click.Context, booking_id: int, reason: str, scope: Scope | None, as_user: str | None
) -> None:
    """Cancel booking BOOKING_ID (your own, or any on a facility you staff).

    With --scope, BOOKING_ID is an occurrence of a series: cancel just it (this), it and
    every later one (following), or every occurrence not yet over (all). Prints "booking
    ID cancelled" for each, with what cancelling charged and why when the booking has a
    price: "booking ID cancelled; late cancellation fee £30.00 (100% of £30.00, within
    24 h of the start)" or "...; no charge (more than 24 h before the start)".

    \b
    Examples:
      equipshare cancel 8812
      equipshare cancel 8812 --reason "sample not ready" --as root
      equipshare cancel 8812 --scope following --reason "project ended"
    """
    with cli_state(ctx).open() as context:
        actor = resolve_actor(context, as_user)
        # Asked first with the same actor, rows and rule, so it explains the fee charged.
        quote = ChargeQuoteService(context).cancellation(actor, booking_id, scope)
        if scope is None:
            cancelled = [BookingService(context).cancel(actor, booking_id, reason)]
        else:
            cancelled = SeriesService(context).cancel_occurrences(
                actor, booking_id, scope=scope, reason=reason
            )
    for record in cancelled:
        _echo_cancelled(record, quote)


def _echo_cancelled(record: BookingRecord, quote: CancellationQuote) -> None:
    charged = charged_words(record.charge_pence, quote.line(record.id))
    click.echo(f"booking {record.id} {record.status.value}" + (f"; {charged}" if charged else ""))


@click.command("move")
@click.argument("booking_id", type=int)
@click.option(
    "--start",
    metavar="TIME",
    help="New start: 2026-03-03T14:00, or a time of day such as 14:00 that keeps each day.",
)
@click.option("--length", metavar="LENGTH", help="New length, e.g. 2h or 90m (default: as booked).")
@click.option(
    "--scope", type=click.Choice(SCOPES), default="this", show_default=True, help=SCOPE_HELP
)
@as_option
@common_options
@click.pass_context
def move(
    ctx: click.Context,
    booking_id: int,
    start: str | None,
    length: str | None,
    scope: Scope,
    as_user: str | None,
) -> None:
    """Move booking BOOKING_ID to a new start or length, checked by every rule again.

    --start as a date and time moves this booking there; as a time of day (14:00) it
    moves each occurrence in --scope to that time on its own day. Times are wall-clock
    times in the instrument's zone. A confirmed booking that needs approval needs it
    again once moved, unless facility staff moved it. One refusal changes nothing.
    Moving re-prices a booking at the rates frozen when it was booked. Prints "booking ID
    is now WHEN (STATUS)" for each, and for a priced booking "; price £40.00 -> £60.00".

    \b
    Examples:
      equipshare move 8812 --start 2026-03-05T14:00
      equipshare move 8812 --length 3h
      equipshare move 8812 --start 14:00 --scope following
    """
    if start is None and length is None:
        raise click.UsageError("give --start, --length or both")
    new_length = parse_length(length, "--length") if length is not None else None
    at_time = _time_of_day(start) if start is not None else None
    if start is not None and at_time is None and scope != "this":
        raise InputError(
            f"--start: with --scope {scope}, give a time of day such as 14:00; "
            "each occurrence keeps its own day",
            "--start",
        )
    with cli_state(ctx).open() as context:
        actor = resolve_actor(context, as_user)
        edit = WeekService(context).edit(actor, booking_id)
        before = {p.booking_id: p for p in ChargeQuoteService(context).prices(actor, booking_id)}
        if start is not None and at_time is None:
            booking = edit.booking
            starts_at = parse_instant(start, "--start", ZoneInfo(edit.timezone))
            ends_at = starts_at + (new_length or booking.ends_at - booking.starts_at)
            moved = [
                BookingService(context).modify(
                    actor, booking_id, starts_at=starts_at, ends_at=ends_at
                )
            ]
        else:
            moved = SeriesService(context).modify_occurrences(
                actor, booking_id, scope=scope, new_start_time=at_time, new_length=new_length
            )
    for record in moved:
        when = local_range(record.starts_at, record.ends_at, edit.timezone)
        price = price_change_words(
            before.get(record.id), record.charge_pence, record.hourly_rate_pence is not None
        )
        click.echo(
            f"booking {record.id} is now {when} ({booking_status_words(record.status)})"
            + (f"; {price}" if price else "")
        )


def _time_of_day(text: str) -> time | None:
    """14:00 as a wall-clock time; None for anything else (read as a date and time)."""
    match = TIME_OF_DAY.fullmatch(text.strip())
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise InputError(f"--start: {text!r} is not a time of day like 14:00", "--start")
    return time(hour, minute)


@click.group("bookings")
def bookings_group() -> None:
    """List your bookings, or as facility staff every booking on a facility."""


@bookings_group.command("list")
@click.option("--past", is_flag=True, help="Bookings that have ended, latest first.")
@click.option("--facility", "facility_code", metavar="CODE", help="Everyone's on it (staff).")
@click.option("--instrument", "instrument_code", metavar="CODE", help="Only this instrument's.")
@format_option
@as_option
@common_options
@click.pass_context
def list_bookings(
    ctx: click.Context,
    past: bool,
    facility_code: str | None,
    instrument_code: str | None,
    output: str,
    as_user: str | None,
) -> None:
    """List your upcoming bookings (soonest first), or your past ones with --past.

    With --facility, every booking on that facility's instruments, whoever made it: for
    its managers and technicians, and admins. Times are in each facility's zone, named;
    the price is what the booking costs now (- when the instrument has no price for the
    booker).

    \b
    Examples:
      equipshare bookings list
      equipshare bookings list --past --instrument WAR-XPS-01
      equipshare bookings list --facility WAR-PRP --format csv
    """
    with cli_state(ctx).open() as context:
        actor = resolve_actor(context, as_user)
        if facility_code is not None:
            staff_rows = FacilityBookingsService(context).list(
                actor, facility_code, upcoming=not past, instrument_code=instrument_code
            )
        else:
            mine = MyBookingsService(context).list(
                actor, upcoming=not past, instrument_code=instrument_code
            )
    if facility_code is None:
        rows = [
            {
                "booking": row.booking_id,
                "when": local_range(row.starts_at, row.ends_at, row.timezone),
                "status": booking_status_words(row.status),
                "price": price_words(row),
                "in_out": use_words(row),
                "instrument": row.instrument_code,
                "waiting_for": ", ".join(row.approvers),
            }
            for row in mine
        ]
        emit(rows, MINE, output)
        return
    rows = [
        {
            "booking": row.booking_id,
            "when": local_range(row.starts_at, row.ends_at, row.timezone),
            "status": booking_status_words(row.status),
            "instrument": row.instrument_code,
            "user": row.username
            if output != "table"
            else f"{row.username} ({row.user_institution_code})",
            "institution": row.user_institution_code,
            "technician": row.technician_username or "",
            "project": row.project_code or "",
            "purpose": row.purpose,
            "price": "-" if row.charge_pence is None else gbp(row.charge_pence),
        }
        for row in staff_rows
    ]
    emit(rows, FACILITY_TABLE if output == "table" else FACILITY, output)
