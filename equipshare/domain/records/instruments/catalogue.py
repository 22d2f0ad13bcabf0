"""Frozen catalogue records: instruments, their policies, catalogue pages and instrument detail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from equipshare.domain.enums import (
    AccessLevel,
    DowntimeReason,
    InstrumentStatus,
    UserClass,
)
from equipshare.domain.records.instruments.catalogue_rows import (
    CatalogueFilters,
    CataloguePage,
    CatalogueQuery,
    CatalogueRow,
    FacilityChoice,
    NextFreeSlot,
)
from equipshare.domain.records.users.people import TrainingStatus

# What a catalogue page shows lives in catalogue_rows (the terminal app's first screen needs
# only those); they are named here too, where every other catalogue record is.
__all__ = [
    "BookingPolicy",
    "CatalogueFilters",
    "CataloguePage",
    "CatalogueQuery",
    "CatalogueRow",
    "ContactPerson",
    "DowntimeRecord",
    "FacilityChoice",
    "InstrumentDetail",
    "InstrumentRecord",
    "NextFreeSlot",
    "OpeningInterval",
    "RateQuote",
    "SlotRecord",
    "UpcomingBooking",
]


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
    # Why it is limited, out of service or retired; None when nobody said.
    status_reason: str | None = None


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
