"""`equipshare waitlist join|leave|list|accept`: queue for a taken range, and book it when it
is held for you."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import click

from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import emit, format_option
from equipshare.cli.time_input import parse_instant
from equipshare.domain.enums import WaitlistStatus
from equipshare.domain.errors import InputError
from equipshare.domain.records.scheduling.waitlist import WaitlistEntryRecord
from equipshare.domain.time.timewords import local_range
from equipshare.services.bookings.service import WaitlistService

COLUMNS = ["entry", "instrument", "when", "status", "place", "held_until"]


def standing(entry: WaitlistEntryRecord) -> str:
    """'1st in line', 'held for you until 10:01 GMT', or the status of an entry out of line."""
    if entry.status is WaitlistStatus.OFFERED and entry.held_until is not None:
        local = entry.held_until.astimezone(ZoneInfo(entry.timezone))
        return f"held for you until {local:%H:%M} {local.tzname()}"
    if entry.status is WaitlistStatus.WAITING:
        n = entry.position
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix} in line"
    return entry.status.value


def _instant(at: datetime, timezone: str, output: str) -> str | datetime:
    """An instant for json as it is; for people in the facility's zone, named."""
    if output == "json":
        return at
    local = at.astimezone(ZoneInfo(timezone))
    return f"{local:%a} {local.day} {local:%b} {local:%H:%M} {local.tzname()}"


def _line(entry: WaitlistEntryRecord) -> str:
    when = local_range(entry.starts_at, entry.ends_at, entry.timezone)
    return f"waitlist entry {entry.id}: {entry.instrument_code} {when}, {standing(entry)}"


@click.group("waitlist")
def waitlist_group() -> None:
    """Queue for a taken range of an instrument; when it frees up it is held for you."""


@waitlist_group.command("join")
@click.argument("instrument_code")
@click.option("--start", required=True, metavar="ISO", help="Start, e.g. 2026-03-03T10:00.")
@click.option("--end", required=True, metavar="ISO", help="End, e.g. 2026-03-03T12:00.")
@as_option
@common_options
@click.pass_context
def join(
    ctx: click.Context, instrument_code: str, start: str, end: str, as_user: str | None
) -> None:
    """Join the waitlist for a taken range of INSTRUMENT_CODE; prints your place in line.

    Times without an offset are read in the configured time zone. When the range frees up (a
    cancellation, a rejection, a move, a downtime removed) it is offered to the first in
    line and held for them for [booking] waitlist_hold_minutes, never past the booking
    notice, then passed to the next. A range you could book now, one you already wait
    for, and one no booking could take are refused (exit 1), naming the field.

    \b
    Examples:
      equipshare waitlist join WAR-XPS-01 --start 2026-03-03T10:00 --end 2026-03-03T12:00
    """
    state = cli_state(ctx)
    zone = ZoneInfo(state.settings().organisation.timezone)
    starts_at, ends_at = parse_instant(start, "--start", zone), parse_instant(end, "--end", zone)
    if ends_at <= starts_at:
        raise InputError(f"--end: {end} is not after --start {start}", "--end")
    with state.open() as context:
        actor = resolve_actor(context, as_user)
        entry = WaitlistService(context).join(actor, instrument_code, starts_at, ends_at)
    click.echo(_line(entry))


@waitlist_group.command("leave")
@click.argument("entry_id", type=int)
@as_option
@common_options
@click.pass_context
def leave(ctx: click.Context, entry_id: int, as_user: str | None) -> None:
    """Leave the waitlist: entry ENTRY_ID is yours no more; a range held for you passes on.

    \b
    Examples:
      equipshare waitlist leave 41
    """
    with cli_state(ctx).open() as context:
        actor = resolve_actor(context, as_user)
        entry = WaitlistService(context).leave(actor, entry_id)
    click.echo(f"waitlist entry {entry.id} left")


@waitlist_group.command("accept")
@click.argument("entry_id", type=int)
@click.option("--purpose", default="", help="What the session is for.")
@click.option("--project", "project_code", metavar="CODE", help="Project or grant code.")
@click.option("--technician", metavar="USER", help="Technician assisting (no training needed).")
@as_option
@common_options
@click.pass_context
def accept(
    ctx: click.Context,
    entry_id: int,
    purpose: str,
    project_code: str | None,
    technician: str | None,
    as_user: str | None,
) -> None:
    """Book the range held for you by entry ENTRY_ID; prints "booking ID STATUS".

    Every booking rule applies, as for `equipshare book` (training, approval, quota...);
    booking the held range with `book` does the same.

    \b
    Examples:
      equipshare waitlist accept 41 --purpose "depth profile" --project EP/X012345/1
    """
    with cli_state(ctx).open() as context:
        actor = resolve_actor(context, as_user)
        booked = WaitlistService(context).accept(
            actor,
            entry_id,
            purpose=purpose,
            project_code=project_code,
            technician_username=technician,
        )
    click.echo(f"booking {booked.id} {booked.status.value}")


@waitlist_group.command("list")
@click.option("--all", "ended", is_flag=True, help="Also entries left, booked or expired.")
@format_option
@as_option
@common_options
@click.pass_context
def list_entries(ctx: click.Context, ended: bool, output: str, as_user: str | None) -> None:
    """List your waitlist entries, soonest range first, with your place in line.

    \b
    Examples:
      equipshare waitlist list
      equipshare waitlist list --all --format json
    """
    with cli_state(ctx).open() as context:
        actor = resolve_actor(context, as_user)
        entries = WaitlistService(context).mine(actor, ended=ended)
    rows = [
        {
            "entry": e.id,
            "instrument": e.instrument_code,
            "when": local_range(e.starts_at, e.ends_at, e.timezone),
            "status": e.status.value,
            "place": e.position or "",
            "held_until": _instant(e.held_until, e.timezone, output) if e.held_until else "",
        }
        for e in entries
    ]
    if rows or output != "table":
        emit(rows, COLUMNS, output)
    if not rows:
        click.echo("You are on no waitlist", err=True)
