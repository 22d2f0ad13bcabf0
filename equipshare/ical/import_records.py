"""What reading a calendar file yields: occurrences to import, and what was left out and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from equipshare.domain.enums import CalendarEventStatus


@dataclass(frozen=True)
class ImportedEvent:
    """One occurrence to import; (uid, recurrence_key) identifies it across re-imports."""

    uid: str
    #: The occurrence's original start ("20260317T090000Z", or "20260317" all day);
    #: None for an event that does not repeat.
    recurrence_key: str | None
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str
    location: str
    organiser_email: str | None
    attendee_emails: tuple[str, ...]
    status: CalendarEventStatus
    all_day: bool
    sequence: int
    line: int | None

    @property
    def key(self) -> str:
        return self.uid if self.recurrence_key is None else f"{self.uid}/{self.recurrence_key}"

    @property
    def emails(self) -> tuple[str, ...]:
        """Organiser first, then attendees: the order owners are matched in."""
        first = (self.organiser_email,) if self.organiser_email else ()
        return first + tuple(e for e in self.attendee_emails if e != self.organiser_email)


@dataclass(frozen=True)
class SkippedSource:
    """A VEVENT the file holds but the import leaves out, and why."""

    uid: str
    summary: str
    line: int | None
    reason: str


@dataclass(frozen=True)
class ParsedCalendar:
    """Every occurrence in the window, soonest first, and what was left out."""

    events: tuple[ImportedEvent, ...]
    skipped: tuple[SkippedSource, ...]
    window_start: datetime
    window_end: datetime
