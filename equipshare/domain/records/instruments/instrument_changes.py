"""Frozen records of creating and editing instruments: what to change, and what changed."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from equipshare.domain.enums import AccessLevel, BookingStatus, InstrumentStatus, UniquipType
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.scheduling.bookings import BookingRecord

# The booking policy's fields, as the instruments table and BookingPolicy name them.
POLICY_FIELDS = (
    "slot_minutes",
    "min_minutes",
    "max_minutes",
    "min_notice_minutes",
    "max_days_ahead",
    "requires_approval",
    "requires_training",
    "requires_project_code",
    "allow_overnight",
    "weekly_quota_minutes",
)


@dataclass(frozen=True)
class InstrumentChanges:
    """What to set on an instrument: None keeps a field, "" empties an optional text.

    `contact_technician` is a username (a member of the facility's staff); a weekly
    quota of 0 means none. Status has its own call, since technicians may change it.
    """

    name: str | None = None
    category: str | None = None
    technique: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    description: str | None = None
    building: str | None = None
    room: str | None = None
    location: str | None = None
    site_location: str | None = None
    department: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_telephone: str | None = None
    contact_url: str | None = None
    secondary_contact_name: str | None = None
    secondary_contact_email: str | None = None
    secondary_contact_telephone: str | None = None
    secondary_contact_url: str | None = None
    photo_url: str | None = None
    service_level: str | None = None
    web_address: str | None = None
    uniquip_id: str | None = None
    uniquip_type: UniquipType | None = None
    access_level: AccessLevel | None = None
    contact_technician: str | None = None
    slot_minutes: int | None = None
    min_minutes: int | None = None
    max_minutes: int | None = None
    min_notice_minutes: int | None = None
    max_days_ahead: int | None = None
    requires_approval: bool | None = None
    requires_training: bool | None = None
    requires_project_code: bool | None = None
    allow_overnight: bool | None = None
    weekly_quota_minutes: int | None = None

    def given(self) -> dict[str, object]:
        """The fields to change, by name, in declaration order."""
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None
        }


@dataclass(frozen=True)
class FieldChange:
    """One field's value before and after (plain values: text, numbers, flags, None)."""

    name: str
    before: object
    after: object


@dataclass(frozen=True)
class BrokenBooking:
    """A future active booking that a new policy or new hours would refuse, and why.

    It is reported, not changed: the facility decides whether to move or cancel it.
    """

    booking_id: int
    username: str
    starts_at: datetime
    ends_at: datetime
    status: BookingStatus
    problems: tuple[str, ...]


@dataclass(frozen=True)
class InstrumentChange:
    """An instrument after a create or an edit (or as it would be, for a dry run)."""

    instrument: InstrumentRecord
    changes: tuple[FieldChange, ...]
    breaking: tuple[BrokenBooking, ...]
    created: bool
    dry_run: bool


@dataclass(frozen=True)
class StatusChange:
    """An instrument's status before and after, with the future bookings it affects.

    `affected` are the active bookings from now on when the new status takes no
    bookings; `cancelled` says whether they were cancelled (else they were kept).
    """

    instrument: InstrumentRecord
    before_status: InstrumentStatus
    before_reason: str | None
    affected: tuple[BookingRecord, ...]
    cancelled: bool
    changed: bool
    dry_run: bool


@dataclass(frozen=True)
class InstrumentProfile:
    """Everything an instrument holds, for `instruments show`: its record and every field."""

    instrument: InstrumentRecord
    fields: tuple[tuple[str, object], ...]
    contact_technician: str | None
    opening_hours: str
    #: What the reader may change, so an editor offers only that (services still check).
    may_edit: bool = False
    may_change_status: bool = False
    #: Why the reader may change nothing, in the permission rule's words; "" otherwise.
    refusal: str = ""
