"""Frozen booking records: bookings, requests, series and the lists people see of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from equipshare.domain.enums import (
    BookingStatus,
    UserClass,
)
from equipshare.domain.records.users.people import TrainingStatus


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
class FacilityBookingRow:
    """One booking on a facility's instruments, as its staff list them: whose, when, state."""

    booking_id: int
    instrument_code: str
    instrument_name: str
    facility_name: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    status: BookingStatus
    username: str
    user_institution_code: str
    purpose: str
    project_code: str | None
    technician_username: str | None
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    charge_pence: int | None  # None: no rate card, unpriced


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
class BookingEdit:
    """What the booking form needs to move an existing booking."""

    booking: BookingRecord
    instrument_name: str
    timezone: str
    technician_username: str | None
    technicians: tuple[tuple[str, str], ...]  # (username, name) who can assist a session
