"""Frozen records of an instrument's schedule: downtime and the week calendar's entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from equipshare.domain.enums import (
    CalendarEntryKind,
    DowntimeReason,
)
from equipshare.domain.records.instruments.catalogue import InstrumentRecord


@dataclass(frozen=True)
class CalendarEntry:
    """A booking or downtime in a week, labelled only as far as the viewer may see."""

    kind: CalendarEntryKind
    starts_at: datetime
    ends_at: datetime
    label: str  # short enough for a grid cell: "You", "jsmith", "Booked (WAR)"
    detail: str  # the same in full, for the status line
    booking_id: int | None = None


@dataclass(frozen=True)
class WeekView:
    """One instrument's week in its facility's zone: open hours, bookings and downtime."""

    instrument: InstrumentRecord
    week_start: date  # the local Monday
    starts_at: datetime  # local Monday 00:00, in UTC
    ends_at: datetime  # the next local Monday 00:00, in UTC
    now: datetime
    open_intervals: tuple[tuple[datetime, datetime], ...]
    entries: tuple[CalendarEntry, ...]
    may_book: bool
    notice: str  # why the viewer may not book, or what booking needs (training); else ""
    technicians: tuple[tuple[str, str], ...]  # (username, name) who can assist a session
    #: Who assists by default: set when the viewer lacks training (the contact technician,
    #: else the first), so the form opens on a booking the rules allow; else "".
    technician: str = ""


@dataclass(frozen=True)
class DowntimeRow:
    """One current or future downtime as facility staff list it: what, when, why, by whom."""

    downtime_id: int
    instrument_code: str
    instrument_name: str
    facility_name: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    reason: DowntimeReason
    description: str
    scheduled_by: str  # display name; empty when the scheduler is unknown


@dataclass(frozen=True)
class DowntimeBoard:
    """The downtime of the facilities an actor staffs (all, for an admin), soonest first.

    `may_schedule` is false for someone who staffs no facility and is not an admin.
    """

    rows: tuple[DowntimeRow, ...]
    may_schedule: bool
    now: datetime  # when the board was read: rows that started by then are under way


def reason_text(reason: DowntimeReason, description: str) -> str:
    """'Downtime: engineer visit: replacing the X-ray source', the cancelled bookings' reason."""
    text = f"Downtime: {reason.value.replace('_', ' ')}"
    return f"{text}: {description.strip()}" if description.strip() else text
