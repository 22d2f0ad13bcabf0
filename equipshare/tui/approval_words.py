"""What the Approvals screen says about requests: their cells, details, status line and the
words of a bulk decision or an undo. Pure functions of the records, kept out of the screen."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from equipshare.domain.display.wording import training_words
from equipshare.domain.records.pages import ApprovalOrder, BulkApproval
from equipshare.domain.records.scheduling.bookings import BookingRecord, PendingRequestRow
from equipshare.domain.time.timewords import local_range, moment_words, short_range
from equipshare.tui.widgets.column_fit import ColumnSpec

EMPTY_TEXT = "No requests are waiting for you"
OTHER_INSTITUTION = "*"
SELECTED = "✓"
#: The columns, the selection mark first (shown once a request is selected): when, what and
#: who are whole at 80 columns; the rest show as the room allows.
COLUMNS = (
    ColumnSpec("", "mark", priority=0),
    ColumnSpec("Requested", "requested", priority=3),
    ColumnSpec("When", "when", priority=0),
    ColumnSpec("Instrument", "instrument", priority=0),
    ColumnSpec("Requester", "requester", priority=0, least=12),
    ColumnSpec("Inst.", "institution", priority=2),
    ColumnSpec("Training", "training", priority=4),
    ColumnSpec("Project", "project", priority=5),
)
ORDER_WORDS = {
    ApprovalOrder.REQUESTED: "oldest first",
    ApprovalOrder.STARTS: "soonest start first",
}


def requested_words(row: PendingRequestRow, now: datetime) -> str:
    """'16 Mar 09:00 GMT': when the request was made, in the facility's zone, naming the
    zone, and the year when it is not the current one."""
    return moment_words(row.requested_at, row.timezone, now)


def requester_words(row: PendingRequestRow) -> str:
    """'Bob *': the star marks a requester from another institution."""
    mark = f" {OTHER_INSTITUTION}" if row.cross_institution else ""
    return f"{row.requester_name}{mark}"


def training_column(row: PendingRequestRow) -> str:
    words = training_words(row.training, row.timezone)
    return f"{words}, assisted" if row.assisted else words


def request_cells(row: PendingRequestRow, selected: bool, today: datetime) -> tuple[str, ...]:
    """One row of the table: the selection mark first, then what an approver scans; dates
    near `today` go without their year."""
    return (
        SELECTED if selected else "",
        requested_words(row, today),
        short_range(row.starts_at, row.ends_at, row.timezone, today),
        row.instrument_code,
        requester_words(row),
        row.requester_institution_code,
        training_column(row),
        row.project_code or "",
    )


def _stamp(instant: datetime, timezone: str) -> str:
    local = instant.astimezone(ZoneInfo(timezone))
    return f"{local:%a} {local.day} {local:%b %Y} {local:%H:%M} {local.tzname()}"


def detail_lines(row: PendingRequestRow) -> list[str]:
    """Everything an approver weighs, one fact a line, for the detail panel."""
    origin = (
        f"{row.requester_institution_name}, another institution"
        if row.cross_institution
        else row.requester_institution_name
    )
    return [
        f"Booking {row.booking_id}: {row.instrument_code} {row.instrument_name}, "
        f"{row.facility_name}",
        f"When: {local_range(row.starts_at, row.ends_at, row.timezone)}",
        f"Requested: {_stamp(row.requested_at, row.timezone)}",
        f"Requester: {row.requester_name} ({row.requester_username}), {origin}",
        f"Training: {training_words(row.training, row.timezone)}; "
        + (f"assisted by {row.technician_name}" if row.technician_name else "not assisted"),
        f"Project: {row.project_code or 'none given'}",
        f"Purpose: {row.purpose or 'none given'}",
    ]


def short_words(row: PendingRequestRow) -> str:
    """ "Bob's WAR-XPS-01 Thu 19 Mar 2026 10:00-11:00 GMT": one request, in a list of them."""
    return (
        f"{row.requester_name}'s {row.instrument_code} "
        f"{local_range(row.starts_at, row.ends_at, row.timezone)}"
    )


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def status_words(
    shown: int, total: int | None, more: bool, search: str, order: ApprovalOrder, selected: int
) -> str:
    """The status line: how many requests wait (or match) in which order, how many are
    selected and loaded; the legend last, where a narrow terminal cuts it."""
    if not shown:
        return f"No requests match {search.strip()!r}" if search.strip() else EMPTY_TEXT
    counted = total if total is not None else shown
    what = f"{plural(counted, 'request')} " + (
        f"match {search.strip()!r}" if search.strip() else "waiting"
    )
    parts = [f"{what}, {ORDER_WORDS[order]}"]
    if selected:
        parts.append(f"{selected:,} selected")
    if more:
        parts.append(f"{shown:,} loaded, more below")
    parts.append(f"{OTHER_INSTITUTION} another institution")
    return "  ·  ".join(parts)


def bulk_question(rows: Sequence[PendingRequestRow]) -> tuple[str, str]:
    """The confirmation of a bulk approval: the question naming how many, and a note listing
    the first few requests."""
    listed = [short_words(row) for row in rows[:5]]
    if len(rows) > 5:
        listed.append(f"and {plural(len(rows) - 5, 'more request')}")
    note = (
        "\n".join(listed)
        + "\nEach requester is told. u undoes the approvals while the notices are unsent."
    )
    return f"Approve {plural(len(rows), 'selected request')}?", note


def bulk_words(result: BulkApproval) -> str:
    """'Approved 4 requests; 1 left pending: booking 12: ...'."""
    words = f"Approved {plural(len(result.approved), 'request')}"
    if result.refused:
        reasons = "; ".join(f"{r.reason}" for r in result.refused[:3])
        more = "; ..." if len(result.refused) > 3 else ""
        words += f"; {len(result.refused):,} left pending: {reasons}{more}"
    return words


def decision_words(bookings: Sequence[BookingRecord], verb: str) -> str:
    """'approval of booking 12 on WAR-XPS-01', or 'approval of 3 requests': what undo undoes."""
    if len(bookings) == 1:
        return f"{verb} of booking {bookings[0].id} on {bookings[0].instrument_code}"
    return f"{verb} of {plural(len(bookings), 'request')}"
