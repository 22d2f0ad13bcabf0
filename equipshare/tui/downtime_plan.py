"""A downtime on its way: the form's draft, the previewed plan, and what was scheduled.

Pure (no Textual): the schedule-downtime dialog reads the range here and holds these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from equipshare.domain.enums import DowntimeReason
from equipshare.domain.records.bookings import BookingRecord
from equipshare.domain.records.catalogue import DowntimeRecord
from equipshare.domain.timeparse import looks_like_length, parse_instant, parse_length


@dataclass(frozen=True)
class DowntimeDraft:
    """What the form held when Preview was pressed; only this is ever scheduled."""

    instrument_code: str
    start_text: str
    end_text: str
    reason: DowntimeReason
    description: str


@dataclass(frozen=True)
class DowntimePlan:
    """A previewed downtime: its range in UTC and the bookings the user agrees to cancel."""

    draft: DowntimeDraft
    instrument_code: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    bookings: tuple[BookingRecord, ...]


@dataclass(frozen=True)
class ScheduledDowntime:
    """What the modal returns once the downtime is written."""

    downtime: DowntimeRecord
    timezone: str
    cancelled: tuple[BookingRecord, ...]


def read_range(zone: ZoneInfo, start_text: str, end_text: str) -> tuple[datetime, datetime]:
    """Start as wall-clock time in `zone`; the end as a time there or a length after start.

    A length ('4h') is elapsed time, so a downtime over a clock change lasts what it says.
    """
    start = parse_instant(start_text, "start", zone)
    if looks_like_length(end_text):
        return start, start.astimezone(UTC) + parse_length(end_text, "end")
    return start, parse_instant(end_text, "end", zone)
