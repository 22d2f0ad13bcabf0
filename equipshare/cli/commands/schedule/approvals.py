"""`equipshare approvals list`: the requests waiting for facility staff, as the TUI lists
them; and `equipshare approve` and `reject`, which decide them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import click

from equipshare.cli.identity import as_option, resolve_actor
from equipshare.cli.options import cli_state, common_options
from equipshare.cli.output import emit, format_option
from equipshare.domain.display.wording import training_words
from equipshare.domain.time.timewords import local_range
from equipshare.services.bookings.service import ApprovalsService, BookingService

COLUMNS = [
    "booking",
    "requested",
    "when",
    "instrument",
    "requester",
    "institution",
    "other_institution",
    "training",
    "technician",
    "project",
    "purpose",
]
# What the TUI's table shows; a terminal's width holds no more. csv and json carry all.
TABLE = ["booking", "when", "instrument", "requester", "training", "project"]


def moment(instant: datetime, timezone: str) -> str:
    """'Mon 16 Mar 2026 09:00 GMT' in the facility's zone, naming the zone."""
    local = instant.astimezone(ZoneInfo(timezone))
    return f"{local:%a} {local.day} {local:%b %Y} {local:%H:%M} {local.tzname()}"


@click.group("approvals")
def approvals_group() -> None:
    """Bookings waiting for facility staff to approve or reject them."""


@approvals_group.command("list")
@click.option("--facility", "facility_code", metavar="CODE", help="Only this facility's requests.")
@format_option
@as_option
@common_options
@click.pass_context
def list_approvals(
    ctx: click.Context, facility_code: str | None, output: str, as_user: str | None
) -> None:
    """List the pending bookings you may decide, oldest request first.

    Staff of a facility see its requests; admins see every facility's. Times are in each
    facility's own zone, named. Someone who decides no requests gets an empty list;
    --facility of a facility you do not staff is refused (exit 1).

    \b
    Examples:
      equipshare approvals list
      equipshare approvals list --facility WAR-PRP --format csv
      equipshare approve 8812
    """
    with cli_state(ctx).open() as context:
        actor = resolve_actor(context, as_user)
        requests = ApprovalsService(context).pending(actor, facility_code=facility_code)
    rows = [
        {
            "booking": row.booking_id,
            "requested": moment(row.requested_at, row.timezone),
            "when": local_range(row.starts_at, row.ends_at, row.timezone),
            "instrument": row.instrument_code,
            "requester": f"{row.requester_name} ({row.requester_username})"
            if output != "table"
            else f"{row.requester_name} ({row.requester_institution_code})"
            + (" *" if row.cross_institution else ""),
            "institution": row.requester_institution_code,
            "other_institution": row.cross_institution
            if output == "json"
            else ("yes" if row.cross_institution else "no"),
            "training": training_words(row.training, row.timezone)
            + (", assisted" if row.assisted else ""),
            "technician": row.technician_name or "",
            "project": row.project_code or "",
            "purpose": row.purpose,
        }
        for row in requests
    ]
    emit(rows, TABLE if output == "table" else COLUMNS, output)
    count = len(rows)
    click.echo(
        f"{count} request{'s' if count != 1 else ''} waiting, oldest first"
        + ("  ·  * another institution" if output == "table" else "")
        if count
        else "No requests are waiting for you",
        err=True,
    )


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
        record = BookingService(context).approve(actor, booking_id)
        click.echo(f"booking {record.id} {record.status.value}")


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
        record = BookingService(context).reject(actor, booking_id, reason)
        click.echo(f"booking {record.id} {record.status.value}")
