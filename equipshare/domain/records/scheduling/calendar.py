"""Frozen calendar records: exported events, feed tokens and calendar import reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from equipshare.domain.enums import (
    CalendarEventStatus,
    ExportKind,
    ImportAction,
)


@dataclass(frozen=True)
class CalendarEvent:
    """One VEVENT's data, already privacy-filtered: what equipshare.ical.export renders.

    Equal records render to equal bytes, and the record is hashable, so it can itself be
    the key of a cache of rendered events: the key then covers everything rendered.
    Times are UTC; `timezone` is the facility's zone the times are written in. A series
    master carries `rrule` and `exdates`; an overridden occurrence carries `recurrence_id`
    (the slot the rule made) and the same `uid` as its master.
    """

    uid: str
    sequence: int
    summary: str
    description: str
    location: str
    url: str | None
    categories: tuple[str, ...]
    status: CalendarEventStatus
    starts_at: datetime
    ends_at: datetime
    timezone: str
    last_modified: datetime
    organiser_name: str
    organiser_email: str | None
    rrule: str | None = None
    exdates: tuple[datetime, ...] = ()
    recurrence_id: datetime | None = None

    @property
    def cancelled(self) -> bool:
        return self.status is CalendarEventStatus.CANCELLED


@dataclass(frozen=True)
class CalendarMeta:
    """A calendar's own properties: its name, refresh hint and the zones its events use."""

    name: str
    timezone: str
    refresh_interval: timedelta
    timezones: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class ExportScope:
    """Which calendar to export: an instrument code, facility id or code, institution code
    or username."""

    kind: ExportKind
    key: str


@dataclass(frozen=True)
class FeedTokenRecord:
    """A feed token as a list shows it: never the token, only its first characters."""

    id: int
    username: str
    kind: ExportKind
    target: str
    label: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True)
class IssuedFeedToken:
    """A token just created: the one moment its plaintext exists outside a subscriber's URL."""

    record: FeedTokenRecord
    token: str
    https_url: str
    webcal_url: str


@dataclass(frozen=True)
class FeedChanges:
    """The change stamps of one feed's scope, read as the feed was opened.

    Every committed write a feed shows bumps one of them, so a feed whose changes are
    equal to those its body was built under shows the same rows (`equipshare.db.change_stamps`).
    """

    everything: int  # writes to what every feed shows or who may see it
    scope: int  # writes to the bookings of the feed's user or instruments


@dataclass(frozen=True)
class FeedScope:
    """What a valid token opens: whose feed it is, and which one calendar."""

    token_id: int
    username: str
    kind: ExportKind
    target: str
    last_used_at: datetime | None
    changes: FeedChanges | None = None  # set by FeedsService.open


@dataclass(frozen=True)
class FeedCalendar:
    """What one feed request shows: the token's scope, and the calendar's events as their
    finished VEVENT text, in the feed's order."""

    scope: FeedScope
    meta: CalendarMeta
    events: tuple[bytes, ...]
    newest: datetime | None  # the latest LAST-MODIFIED among the events
    # When the same rows will show something else with no write: the window moves on at
    # midnight UTC, and a cancellation leaves once its grace period is over.
    valid_until: datetime


@dataclass(frozen=True)
class ImportOutcome:
    """One imported event's fate: its source key, the row it became and any reason."""

    action: ImportAction
    key: str  # the source UID, with "/<recurrence id>" for an occurrence of a series
    summary: str
    starts_at: datetime | None
    ends_at: datetime | None
    record_id: int | None = None  # the booking's (or downtime's) id; None if not written
    reason: str = ""
    conflicting_booking_ids: tuple[int, ...] = ()
    conflicting_downtime_ids: tuple[int, ...] = ()
    conflicting_keys: tuple[str, ...] = ()  # earlier events of the same file
    line: int | None = None
    #: The booking rule that refused the event ("access", "training", "opening hours"...).
    rule: str | None = None
    #: The refusals an explicit override waved through, as the audit trail keeps them.
    overridden: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportReport:
    """What one `equipshare import ics` did, or in a dry run would do, event by event."""

    instrument_code: str
    timezone: str
    source: str
    as_downtime: bool
    dry_run: bool
    window_start: datetime
    window_end: datetime
    outcomes: tuple[ImportOutcome, ...]

    def _with(self, action: ImportAction) -> tuple[ImportOutcome, ...]:
        return tuple(o for o in self.outcomes if o.action is action)

    @property
    def created(self) -> tuple[ImportOutcome, ...]:
        return self._with(ImportAction.CREATED)

    @property
    def updated(self) -> tuple[ImportOutcome, ...]:
        return self._with(ImportAction.UPDATED)

    @property
    def unchanged(self) -> tuple[ImportOutcome, ...]:
        return self._with(ImportAction.UNCHANGED)

    @property
    def skipped(self) -> tuple[ImportOutcome, ...]:
        return self._with(ImportAction.SKIPPED)

    @property
    def conflicts(self) -> tuple[ImportOutcome, ...]:
        return self._with(ImportAction.CONFLICT)

    @property
    def refused(self) -> tuple[ImportOutcome, ...]:
        return self._with(ImportAction.REFUSED)
