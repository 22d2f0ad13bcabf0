"""Frozen records the services return: plain data, safe to hand to any thread or layer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from equipshare.domain import (
    AccessLevel,
    BookingStatus,
    CalendarEntryKind,
    CalendarEventStatus,
    DowntimeReason,
    ExportKind,
    ImportAction,
    InstitutionSector,
    InstrumentStatus,
    NotificationKind,
    NotificationStatus,
    Role,
    TrainingLevel,
    TrainingStanding,
    TrainingState,
    UserClass,
)


@dataclass(frozen=True)
class UserRecord:
    """A person as the rules see them: who, where from, and in what role."""

    id: int
    username: str
    display_name: str
    email: str | None
    role: Role
    active: bool
    institution_id: int
    institution_code: str
    institution_name: str
    institution_is_partner: bool
    institution_sector: InstitutionSector

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


@dataclass(frozen=True)
class OpeningInterval:
    """One open interval on one weekday, in wall-clock minutes after local midnight."""

    weekday: int
    opens_minute: int
    closes_minute: int


@dataclass(frozen=True)
class BookingPolicy:
    """An instrument's booking rules."""

    slot_minutes: int
    min_minutes: int
    max_minutes: int
    min_notice_minutes: int
    max_days_ahead: int
    requires_approval: bool
    requires_training: bool
    requires_project_code: bool
    allow_overnight: bool
    weekly_quota_minutes: int | None
    opening_hours: tuple[OpeningInterval, ...]

    @property
    def slot(self) -> timedelta:
        return timedelta(minutes=self.slot_minutes)


@dataclass(frozen=True)
class InstrumentRecord:
    """An instrument with its facility, institution and policy."""

    id: int
    code: str
    name: str
    category: str
    manufacturer: str | None
    model: str | None
    status: InstrumentStatus
    access_level: AccessLevel
    building: str | None
    room: str | None
    facility_id: int
    facility_name: str
    institution_id: int
    institution_code: str
    institution_name: str
    timezone: str
    contact_technician_id: int | None
    policy: BookingPolicy


@dataclass(frozen=True)
class BookingRecord:
    """A booking as the user sees it."""

    id: int
    instrument_id: int
    instrument_code: str
    user_id: int
    username: str
    user_institution_code: str
    created_by_id: int
    technician_id: int | None
    series_id: int | None
    recurrence_start: datetime | None
    starts_at: datetime
    ends_at: datetime
    status: BookingStatus
    purpose: str
    project_code: str | None
    status_reason: str | None
    ical_uid: str
    sequence: int
    created_at: datetime
    updated_at: datetime
    # Charging (issue 7): class and rates frozen when booked (None: no rate card, free),
    # what is billable now, and when it was cancelled, checked in and checked out.
    user_class: UserClass | None = None
    hourly_rate_pence: int | None = None
    technician_rate_pence: int | None = None
    instrument_charge_pence: int = 0
    technician_charge_pence: int = 0
    cancelled_at: datetime | None = None
    checked_in_at: datetime | None = None
    checked_out_at: datetime | None = None

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at

    @property
    def charge_pence(self) -> int:
        """What the booking costs now: the instrument's part plus the technician's."""
        return self.instrument_charge_pence + self.technician_charge_pence


@dataclass(frozen=True)
class DowntimeRecord:
    """A period an instrument is out of use."""

    id: int
    instrument_id: int
    instrument_code: str
    starts_at: datetime
    ends_at: datetime
    reason: DowntimeReason
    description: str


@dataclass(frozen=True)
class BookingRequest:
    """What a user asks for; the service decides whether it may exist."""

    instrument_code: str
    starts_at: datetime
    ends_at: datetime
    purpose: str = ""
    project_code: str | None = None
    technician_username: str | None = None
    #: Book for this user instead of the actor (facility staff and admins only).
    on_behalf_of: str | None = None


@dataclass(frozen=True)
class RecurrenceRule:
    """A daily or weekly repeat, ended by a count or an until date (stored as an RRULE)."""

    freq: str  # "daily" or "weekly"
    count: int | None = None
    until: date | None = None  # inclusive, in the facility's zone


@dataclass(frozen=True)
class SkippedOccurrence:
    """An occurrence of a series that was not booked, and why."""

    starts_at: datetime
    ends_at: datetime
    reason: str


@dataclass(frozen=True)
class SeriesResult:
    """What booking a series did: the bookings made and the occurrences skipped."""

    series_id: int
    rrule: str
    bookings: tuple[BookingRecord, ...]
    skipped: tuple[SkippedOccurrence, ...]


@dataclass(frozen=True)
class SlotRecord:
    """A free range that the asking user could book now."""

    instrument_id: int
    instrument_code: str
    instrument_name: str
    institution_code: str
    facility_name: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    own_institution: bool


@dataclass(frozen=True)
class CatalogueQuery:
    """What the catalogue is asked to show: free text and filters, all optional."""

    search: str = ""
    institution_code: str | None = None
    facility_code: str | None = None
    category: str | None = None
    access_level: AccessLevel | None = None
    bookable_by_me: bool = False

    def describe(self) -> str:
        """The active filters in words, for a status line; empty when none are set."""
        parts = []
        if self.search.strip():
            parts.append(f'"{self.search.strip()}"')
        if self.institution_code:
            parts.append(f"institution {self.institution_code}")
        if self.facility_code:
            parts.append(f"facility {self.facility_code}")
        if self.category:
            parts.append(f"category {self.category}")
        if self.access_level is not None:
            parts.append(f"access {self.access_level.value.replace('_', ' ')}")
        if self.bookable_by_me:
            parts.append("bookable by me")
        return ", ".join(parts)


@dataclass(frozen=True)
class CatalogueRow:
    """One line of the catalogue table."""

    code: str
    name: str
    category: str
    institution_code: str
    facility_name: str
    status: InstrumentStatus
    access_level: AccessLevel


@dataclass(frozen=True)
class CataloguePage:
    """One keyset page of the catalogue; `next_after` is None on the last page.

    It carries no total: CatalogueService.count answers that, as a question of its own.
    """

    rows: tuple[CatalogueRow, ...]
    next_after: str | None


@dataclass(frozen=True)
class FacilityChoice:
    """A facility as a filter option."""

    code: str
    name: str
    institution_code: str


@dataclass(frozen=True)
class CatalogueFilters:
    """The values the catalogue's filter widgets offer."""

    institutions: tuple[tuple[str, str], ...]  # (code, name)
    facilities: tuple[FacilityChoice, ...]
    categories: tuple[str, ...]


@dataclass(frozen=True)
class MyBookingRow:
    """One line of a user's own bookings; `approvers` name who must approve a pending one."""

    booking_id: int
    instrument_code: str
    instrument_name: str
    facility_name: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    status: BookingStatus
    purpose: str
    approvers: tuple[str, ...]
    # Use and money (issue 7): when the session began and ended, what it costs now (None:
    # no rate card, unpriced), and whether its owner may check in or out at load time.
    checked_in_at: datetime | None = None
    checked_out_at: datetime | None = None
    charge_pence: int | None = None
    may_check_in: bool = False
    may_check_out: bool = False


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


@dataclass(frozen=True)
class TrainingStatus:
    """Where a requester stands on training; `until` is the deciding record's expiry, if any."""

    standing: TrainingStanding
    until: datetime | None = None


@dataclass(frozen=True)
class PendingRequestRow:
    """A booking waiting for a facility's decision, with what the approver needs to decide."""

    booking_id: int
    instrument_code: str
    instrument_name: str
    facility_name: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    requester_username: str
    requester_name: str
    requester_institution_code: str
    requester_institution_name: str
    cross_institution: bool
    project_code: str | None
    purpose: str
    technician_name: str | None  # set for an assisted session
    requested_at: datetime
    training: TrainingStatus

    @property
    def assisted(self) -> bool:
        return self.technician_name is not None


@dataclass(frozen=True)
class TrainingRecordView:
    """One training record with the names a technician reads; `state` is as of the read."""

    id: int
    username: str
    user_display_name: str
    user_institution_code: str
    user_institution_name: str
    instrument_code: str
    instrument_name: str
    facility_id: int
    facility_name: str
    timezone: str
    level: TrainingLevel
    trained_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    trainer_username: str | None
    notes: str
    state: TrainingState


@dataclass(frozen=True)
class UserTraining:
    """Whether a user is trained on an instrument now, for other services and screens.

    `state` is None when the user was never trained there. `may_use_alone` is the booking
    rule's own answer (independent, unrevoked, unexpired), so the two never disagree.
    """

    username: str
    instrument_code: str
    timezone: str
    state: TrainingState | None
    level: TrainingLevel | None
    expires_at: datetime | None
    revoked_at: datetime | None
    record_id: int | None
    may_use_alone: bool


@dataclass(frozen=True)
class ContactPerson:
    """Someone to ask about an instrument: a facility technician or a published uniquip contact."""

    name: str
    email: str | None
    telephone: str | None
    role: str  # "contact technician", "technician", "contact" or "secondary contact"


@dataclass(frozen=True)
class RateQuote:
    """The rate card in force today for one user class: hourly prices, in `currency`."""

    user_class: UserClass
    hourly_rate: Decimal
    technician_hourly_rate: Decimal
    currency: str
    valid_from: date


@dataclass(frozen=True)
class UpcomingBooking:
    """A coming or running booking, labelled only as far as the viewer may see."""

    starts_at: datetime
    ends_at: datetime
    label: str  # "you", "Booked (Aston University)", or for facility staff the booker's name
    mine: bool
    pending: bool


@dataclass(frozen=True)
class InstrumentDetail:
    """Everything the instrument screen shows one viewer, read in one transaction.

    `rate` is None when no rate card applies to the viewer's user class; `training_contact`
    is who to ask for training (the facility's email, else a technician's).
    """

    instrument: InstrumentRecord
    description: str
    location: str  # "" when not recorded
    web_address: str | None
    contacts: tuple[ContactPerson, ...]
    user_class: UserClass
    rate: RateQuote | None
    training: TrainingStatus
    training_contact: str
    upcoming: tuple[UpcomingBooking, ...]
    next_downtime: DowntimeRecord | None
    now: datetime


@dataclass(frozen=True)
class NextFreeSlot:
    """The first slot a viewer could book on an instrument soon, or in words why there is none."""

    instrument_code: str
    timezone: str
    starts_at: datetime | None
    ends_at: datetime | None
    note: str  # "" when a slot was found, else e.g. "training needed", "none in 14 days"


@dataclass(frozen=True)
class BookingEdit:
    """What the booking form needs to move an existing booking."""

    booking: BookingRecord
    instrument_name: str
    timezone: str
    technician_username: str | None
    technicians: tuple[tuple[str, str], ...]  # (username, name) who can assist a session


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
class FeedScope:
    """What a valid token opens: whose feed it is, and which one calendar."""

    token_id: int
    username: str
    kind: ExportKind
    target: str
    last_used_at: datetime | None


@dataclass(frozen=True)
class FeedCalendar:
    """What one feed request shows: the token's scope, and the calendar's events."""

    scope: FeedScope
    meta: CalendarMeta
    events: tuple[CalendarEvent, ...]


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


@dataclass(frozen=True)
class DeliveryRecord:
    """What `equipshare notify` did (or, in a dry run, would do) with one queued message.

    `status` is the row's state afterwards: sent, skipped (with the reason in `detail`),
    failed, pending (a temporary failure: retried from `next_attempt_at`), or sending (the
    connection broke mid-send, so whether it arrived is unknown).
    """

    notification_id: int | None  # None for a message a dry run would queue (rolled back)
    kind: NotificationKind
    username: str
    to: str | None
    subject: str
    status: NotificationStatus
    attempts: int
    detail: str = ""
    next_attempt_at: datetime | None = None


@dataclass(frozen=True)
class StuckMessage:
    """A message claimed for sending but never marked: it may or may not have arrived."""

    notification_id: int
    kind: NotificationKind
    username: str
    to: str | None
    subject: str
    claimed_at: datetime
    last_error: str | None


@dataclass(frozen=True)
class NotifyReport:
    """One notify run: what was queued because time passed, what was delivered, what is stuck."""

    dry_run: bool
    reminders_queued: int
    training_warnings_queued: int
    deliveries: tuple[DeliveryRecord, ...]
    stuck: tuple[StuckMessage, ...]
    stopped: str | None = None  # why the run ended early (the mail server went away)

    def count(self, status: NotificationStatus) -> int:
        return sum(1 for d in self.deliveries if d.status is status)
