"""A downtime on its way: the form's draft, the previewed plan, and what was scheduled.

Pure (no Textual): the schedule-downtime dialog reads the range here, holds these and
says here what a previewed plan does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from equipshare.domain.display.wording import bookings_words, reason_words
from equipshare.domain.enums import DowntimeReason
from equipshare.domain.records.instruments.catalogue import DowntimeRecord
from equipshare.domain.records.scheduling.bookings import BookingRecord
from equipshare.domain.time.timeparse import looks_like_length, parse_instant, parse_length
from equipshare.domain.time.timewords import local_range


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


def summary(plan: DowntimePlan, holders: tuple[str, ...]) -> str:
    """What the previewed downtime does: its range, the bookings it cancels, the holds it ends."""
    when = local_range(plan.starts_at, plan.ends_at, plan.timezone)
    count = len(plan.bookings)
    in_the_way = (
        f"cancels {bookings_words(count)} and tells their owners:"
        if count
        else "no bookings are in the way."
    )
    ends_holds = (
        f" It also ends the waitlist hold{'s' if len(holders) > 1 else ''} of "
        f"{', '.join(holders)}, who {'are' if len(holders) > 1 else 'is'} told."
        if holders
        else ""
    )
    return (
        f"{reason_words(plan.draft.reason).capitalize()} of {plan.instrument_code} {when}: "
        f"{in_the_way}{ends_holds}"
    )
