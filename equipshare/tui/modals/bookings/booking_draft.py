"""What the booking form opens with (BookingDraft), sends through (BookingServices) and gives
back (BookingOutcome), and how an outcome is worded for the user.

Kept apart from the form's widgets so the form reads as layout and the rules of sending (a
series move keeps each occurrence's day) read as plain functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from equipshare.domain.display.wording import booking_status_words
from equipshare.domain.errors import EquipshareError, InputError
from equipshare.domain.records.instruments.catalogue import SlotRecord
from equipshare.domain.records.scheduling.bookings import (
    BookingRecord,
    BookingRequest,
    RecurrenceRule,
    SkippedOccurrence,
)
from equipshare.domain.time.timeparse import parse_instant
from equipshare.domain.time.timewords import local_range
from equipshare.services.availability.service import AvailabilityService
from equipshare.services.bookings.service import (
    BookingService,
    ChargeQuoteService,
    SeriesService,
    WaitlistService,
)
from equipshare.tui.modals.bookings.series_scope import SCOPE_LABELS, Scope

MOVED_SHOWN = 3
TIME_OF_DAY = re.compile(r"(\d{1,2}):(\d{2})")


@dataclass(frozen=True)
class BookingDraft:
    """What the form opens with: where, when and, to move a booking, which one.

    `scope` is set when the booking is an occurrence of a series: which occurrences the
    move reaches. "following" and "all" keep each occurrence's own day.
    """

    instrument_code: str
    instrument_name: str
    timezone: str
    starts_at: datetime
    minutes: int
    technicians: tuple[tuple[str, str], ...] = ()  # (username, name)
    booking_id: int | None = None
    purpose: str = ""
    project_code: str = ""
    technician: str = ""
    notice: str = ""
    scope: Scope | None = None

    @property
    def moves_series(self) -> bool:
        """Moving several occurrences: only the time of day, length and purpose change."""
        return self.booking_id is not None and self.scope in ("following", "all")

    def title(self) -> str:
        if self.booking_id is None:
            verb = "Book"
        elif self.scope is None:
            verb = f"Move booking {self.booking_id} on"
        else:
            verb = f"Move booking {self.booking_id} ({SCOPE_LABELS[self.scope].lower()}) on"
        return f"{verb} {self.instrument_code}  {self.instrument_name}"


@dataclass(frozen=True)
class BookingOutcome:
    """What the form did: the bookings made or moved, and a series' skipped occurrences."""

    bookings: tuple[BookingRecord, ...]
    skipped: tuple[SkippedOccurrence, ...] = ()
    series_id: int | None = None


@dataclass(frozen=True)
class BookingServices:
    """What the form needs to book, move and suggest; built once by the app."""

    bookings: BookingService
    series: SeriesService
    availability: AvailabilityService
    quotes: ChargeQuoteService  # what a cancel or move costs, before and after
    waitlist: WaitlistService  # the line for a taken range, joined from the week

    def submit(
        self,
        actor: str,
        draft: BookingDraft,
        request: BookingRequest,
        rule: RecurrenceRule | None,
        *,
        skip_conflicts: bool = False,
    ) -> BookingOutcome:
        """Book, book a series, or move one booking or several occurrences of a series."""
        if draft.moves_series:
            return BookingOutcome(tuple(self._move_series(actor, draft, request)))
        if draft.booking_id is not None:
            moved = self.bookings.modify(
                actor,
                draft.booking_id,
                starts_at=request.starts_at,
                ends_at=request.ends_at,
                purpose=request.purpose,
                project_code=request.project_code,
                technician_username=request.technician_username,
            )
            return BookingOutcome((moved,))
        if rule is not None:
            result = self.series.book_series(actor, request, rule, skip_conflicts=skip_conflicts)
            return BookingOutcome(result.bookings, result.skipped, result.series_id)
        return BookingOutcome((self.bookings.book(actor, request),))

    def _move_series(
        self, actor: str, draft: BookingDraft, request: BookingRequest
    ) -> list[BookingRecord]:
        """Only what differs from the chosen occurrence is sent, so occurrences moved one by
        one before keep what this edit leaves alone."""
        assert draft.booking_id is not None and draft.scope is not None
        zone = ZoneInfo(draft.timezone)
        was_time = draft.starts_at.astimezone(zone).time()
        new_time = request.starts_at.astimezone(zone).time()
        length = request.ends_at - request.starts_at
        return self.series.modify_occurrences(
            actor,
            draft.booking_id,
            scope=draft.scope,
            new_start_time=None if new_time == was_time else new_time,
            new_length=None if length == timedelta(minutes=draft.minutes) else length,
            purpose=None if request.purpose == draft.purpose else request.purpose,
        )

    def nearest(self, actor: str, request: BookingRequest, count: int) -> tuple[SlotRecord, ...]:
        """Free slots of the same length closest to the wanted start, before or after it."""
        try:
            slots = self.availability.find_slots(
                actor,
                instrument_code=request.instrument_code,
                length=request.ends_at - request.starts_at,
                window_start=request.starts_at - timedelta(days=2),
                days=9,
                limit=200,
                per_instrument=200,
            )
        except EquipshareError:
            return ()
        wanted = request.starts_at
        # The form's own range is what was refused: never offer it back as free.
        slots = [s for s in slots if not (s.starts_at < request.ends_at and wanted < s.ends_at)]
        slots.sort(key=lambda slot: (abs(slot.starts_at - wanted), slot.starts_at))
        return tuple(slots[:count])

    def series_nearest(
        self, actor: str, request: BookingRequest, rule: RecurrenceRule, count: int
    ) -> tuple[SlotRecord, ...]:
        """First bookings near the wanted one from which the whole series is free: after a
        series clash the form's own first slot is usually free, but the series is not."""
        try:
            return tuple(self.availability.series_slots(actor, request, rule, count))
        except EquipshareError:
            return ()

    def after(
        self, actor: str, request: BookingRequest, earliest: datetime, count: int
    ) -> tuple[SlotRecord, ...]:
        """The first free slots of the same length from `earliest` on (a notice refusal)."""
        try:
            slots = self.availability.find_slots(
                actor,
                instrument_code=request.instrument_code,
                length=request.ends_at - request.starts_at,
                window_start=earliest,
                days=14,
                limit=count,
            )
        except EquipshareError:
            return ()
        return tuple(slots)


def series_start(text: str, draft: BookingDraft) -> datetime:
    """A series move's new start on the chosen occurrence's own day: a time of day (14:00),
    or that day's date with a new time, as the form shows it; another day is refused."""
    zone = ZoneInfo(draft.timezone)
    day = draft.starts_at.astimezone(zone).date()
    match = TIME_OF_DAY.fullmatch(text.strip())
    if match is not None and int(match.group(1)) < 24 and int(match.group(2)) < 60:
        at = time(int(match.group(1)), int(match.group(2)))
        return parse_instant(datetime.combine(day, at).isoformat(), "start", zone)
    start = parse_instant(text, "start", zone)
    if start.astimezone(zone).date() != day:
        raise InputError(
            "start: for several occurrences give a time of day such as 14:00; "
            "each occurrence keeps its own day",
            "start",
        )
    return start


def booked_words(outcome: BookingOutcome, timezone: str) -> str:
    """'Booked WAR-XPS-01 Tue 17 Mar 2026 10:00-12:00 GMT and 3 more (confirmed)'."""
    first = outcome.bookings[0]
    more = f" and {len(outcome.bookings) - 1} more" if len(outcome.bookings) > 1 else ""
    when = local_range(first.starts_at, first.ends_at, timezone)
    return f"Booked {first.instrument_code} {when}{more} ({first.status.value})"


def skipped_words(outcome: BookingOutcome, timezone: str) -> str:
    """The CLI's report of a series booked with --skip-conflicts, in the facility's zone:
    'series 7: 3 booked, 1 skipped' then 'skipped Tue 24 Mar 2026 10:00-12:00 GMT: why'."""
    lines = [
        f"series {outcome.series_id}: {len(outcome.bookings)} booked, "
        f"{len(outcome.skipped)} skipped"
    ]
    lines += [
        f"skipped {local_range(s.starts_at, s.ends_at, timezone)}: {s.reason}"
        for s in outcome.skipped
    ]
    return "\n".join(lines)


def moved_words(outcome: BookingOutcome, timezone: str) -> str:
    """'Booking 12 is now Thu 19 Mar 2026 13:00-15:00 GMT (confirmed)', a line a booking,
    the first few of a long series and how many more."""
    lines = [
        f"Booking {b.id} is now {local_range(b.starts_at, b.ends_at, timezone)}"
        f" ({booking_status_words(b.status)})"
        for b in outcome.bookings[:MOVED_SHOWN]
    ]
    if len(outcome.bookings) > MOVED_SHOWN:
        lines.append(f"and {len(outcome.bookings) - MOVED_SHOWN} more")
    return "\n".join(lines)


def length_words(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return (f"{hours}h" if hours else "") + (f"{rest}m" if rest else "") or "0m"
