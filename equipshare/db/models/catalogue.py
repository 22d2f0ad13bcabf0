"""ORM models of the consortium: institutions, facilities, people, instruments and their use.

Every rule that must hold even for writers that bypass the application lives here as a
database constraint: foreign keys, unique codes, named CHECKs and, on PostgreSQL, an
exclusion constraint that makes overlapping active bookings impossible.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from equipshare.db.base import Base, UTCDateTime, enum_check, enum_column_type

# Re-exported so that importing the models registers every table on Base.metadata.
from equipshare.db.models_feeds import FeedToken  # noqa: F401
from equipshare.db.models_queue import Notification, WaitlistEntry  # noqa: F401
from equipshare.domain.enums import (
    LONGEST_BOOKING_MINUTES,
    AccessLevel,
    BookingStatus,
    ChargeBasis,
    DowntimeReason,
    InstitutionSector,
    InstrumentStatus,
    Role,
    StaffRole,
    TrainingLevel,
    UniquipType,
    UserClass,
)

ACTIVE_STATUS_SQL = "status IN ('pending', 'confirmed')"

# An active booking lasts at most LONGEST_BOOKING_MINUTES, so that an overlap check need
# read only the bookings starting that long before its range (migration 0007). SQLite
# stores instants as text; strftime('%s') turns them into whole seconds.
ACTIVE_LENGTH_CAP_SQL = {
    "sqlite": f"NOT ({ACTIVE_STATUS_SQL}) OR CAST(strftime('%s', ends_at) AS INTEGER) "
    f"- CAST(strftime('%s', starts_at) AS INTEGER) <= {LONGEST_BOOKING_MINUTES * 60}",
    "postgresql": f"NOT ({ACTIVE_STATUS_SQL}) "
    f"OR ends_at - starts_at <= interval '{LONGEST_BOOKING_MINUTES} minutes'",
}


class Institution(Base):
    """A university or external organisation; partners book on partner terms."""

    __tablename__ = "institutions"
    __table_args__ = (enum_check("sector", InstitutionSector),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[InstitutionSector] = mapped_column(enum_column_type(InstitutionSector))
    is_partner: Mapped[bool] = mapped_column(Boolean, default=False)
    email_domain: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    facilities: Mapped[list[Facility]] = relationship(back_populates="institution")


class Facility(Base):
    """A core facility or technology platform inside one institution."""

    __tablename__ = "facilities"
    __table_args__ = (
        UniqueConstraint("institution_id", "name"),
        enum_check("charge_basis", ChargeBasis),
        CheckConstraint("free_cancellation_hours >= 0", name="free_cancellation_hours_nonnegative"),
        CheckConstraint(
            "late_cancellation_percent BETWEEN 0 AND 100", name="late_cancellation_percent_valid"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(200))
    building: Mapped[str | None] = mapped_column(String(200))
    site: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    email: Mapped[str | None] = mapped_column(String(320))
    web_address: Mapped[str | None] = mapped_column(String(500))
    # Charging policy: what is charged for, and what a late cancellation costs.
    charge_basis: Mapped[ChargeBasis] = mapped_column(
        enum_column_type(ChargeBasis), default=ChargeBasis.BOOKED
    )
    free_cancellation_hours: Mapped[int] = mapped_column(Integer, default=24)
    late_cancellation_percent: Mapped[int] = mapped_column(Integer, default=50)
    requires_check_in: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    institution: Mapped[Institution] = relationship(back_populates="facilities")
    staff: Mapped[list[FacilityStaff]] = relationship(back_populates="facility")
    instruments: Mapped[list[Instrument]] = relationship(back_populates="facility")


class User(Base):
    """A person: researcher, technician, facility manager or admin."""

    __tablename__ = "users"
    __table_args__ = (enum_check("role", Role),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column_type(Role))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    institution: Mapped[Institution] = relationship()


class FacilityStaff(Base):
    """Membership of a user in a facility's team: managers approve, technicians operate."""

    __tablename__ = "facility_staff"
    __table_args__ = (enum_check("role", StaffRole),)

    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    role: Mapped[StaffRole] = mapped_column(enum_column_type(StaffRole))

    facility: Mapped[Facility] = relationship(back_populates="staff")
    user: Mapped[User] = relationship()


class Instrument(Base):
    """One bookable piece of equipment, its uniquip catalogue entry and its booking policy."""

    __tablename__ = "instruments"
    __table_args__ = (
        enum_check("status", InstrumentStatus),
        enum_check("access_level", AccessLevel),
        enum_check("uniquip_type", UniquipType),
        CheckConstraint("slot_minutes > 0 AND 1440 % slot_minutes = 0", name="slot_minutes_valid"),
        CheckConstraint("min_minutes > 0 AND min_minutes <= max_minutes", name="length_range"),
        CheckConstraint("min_notice_minutes >= 0", name="min_notice_nonnegative"),
        CheckConstraint("max_days_ahead > 0", name="max_days_ahead_positive"),
        CheckConstraint(
            "weekly_quota_minutes IS NULL OR weekly_quota_minutes > 0", name="quota_positive"
        ),
        # The availability search's eligibility read, from the index alone (migration 0006).
        Index(
            "ix_instruments_category_search",
            text("lower(category)"),
            "status",
            "access_level",
            "min_minutes",
            "max_minutes",
            "slot_minutes",
            "weekly_quota_minutes",
            "requires_training",
            "facility_id",
            "code",
            "min_notice_minutes",
            "max_days_ahead",
            "requires_approval",
            "requires_project_code",
            "allow_overnight",
            "category",
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(100), index=True)
    technique: Mapped[str | None] = mapped_column(String(200))
    manufacturer: Mapped[str | None] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    building: Mapped[str | None] = mapped_column(String(200))
    room: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[InstrumentStatus] = mapped_column(enum_column_type(InstrumentStatus))
    access_level: Mapped[AccessLevel] = mapped_column(enum_column_type(AccessLevel))
    contact_technician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    # Booking policy. Lengths are whole minutes; opening hours are rows of OpeningHours.
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)
    min_minutes: Mapped[int] = mapped_column(Integer, default=30)
    max_minutes: Mapped[int] = mapped_column(Integer, default=480)
    min_notice_minutes: Mapped[int] = mapped_column(Integer, default=0)
    max_days_ahead: Mapped[int] = mapped_column(Integer, default=90)
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    requires_training: Mapped[bool] = mapped_column(Boolean, default=True)
    requires_project_code: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_overnight: Mapped[bool] = mapped_column(Boolean, default=False)
    weekly_quota_minutes: Mapped[int | None] = mapped_column(Integer)

    # The uniquip (equipment.data.ac.uk) columns not covered above.
    uniquip_id: Mapped[str | None] = mapped_column(String(100))
    uniquip_type: Mapped[UniquipType] = mapped_column(enum_column_type(UniquipType))
    location: Mapped[str | None] = mapped_column(String(300))
    site_location: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    contact_telephone: Mapped[str | None] = mapped_column(String(64))
    contact_url: Mapped[str | None] = mapped_column(String(500))
    secondary_contact_name: Mapped[str | None] = mapped_column(String(200))
    secondary_contact_email: Mapped[str | None] = mapped_column(String(320))
    secondary_contact_telephone: Mapped[str | None] = mapped_column(String(64))
    secondary_contact_url: Mapped[str | None] = mapped_column(String(500))
    photo_url: Mapped[str | None] = mapped_column(String(500))
    service_level: Mapped[str | None] = mapped_column(String(200))
    web_address: Mapped[str | None] = mapped_column(String(500))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    facility: Mapped[Facility] = relationship(back_populates="instruments")
    opening_hours: Mapped[list[OpeningHours]] = relationship(
        back_populates="instrument", order_by="(OpeningHours.weekday, OpeningHours.opens_minute)"
    )


class OpeningHours(Base):
    """One open interval on one weekday, in minutes after local midnight of the facility.

    An instrument with no rows is open around the clock.
    """

    __tablename__ = "opening_hours"
    __table_args__ = (
        UniqueConstraint("instrument_id", "weekday", "opens_minute"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_valid"),
        CheckConstraint(
            "opens_minute >= 0 AND closes_minute <= 1440 AND opens_minute < closes_minute",
            name="interval_valid",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer)  # Monday is 0, as in datetime.weekday()
    opens_minute: Mapped[int] = mapped_column(Integer)
    closes_minute: Mapped[int] = mapped_column(Integer)

    instrument: Mapped[Instrument] = relationship(back_populates="opening_hours")


class TrainingRecord(Base):
    """Permission for a user to operate an instrument, given by a technician, often expiring."""

    __tablename__ = "training_records"
    __table_args__ = (
        enum_check("level", TrainingLevel),
        CheckConstraint(
            "expires_at IS NULL OR expires_at > trained_at", name="expiry_after_training"
        ),
        Index("ix_training_records_user_instrument", "user_id", "instrument_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"), index=True)
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    level: Mapped[TrainingLevel] = mapped_column(enum_column_type(TrainingLevel))
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notes: Mapped[str] = mapped_column(Text, default="")


class BookingSeries(Base):
    """A recurring booking: an RFC 5545 RRULE whose occurrences are individual bookings."""

    __tablename__ = "booking_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    rrule: Mapped[str] = mapped_column(String(500))
    first_start: Mapped[datetime] = mapped_column(UTCDateTime())
    ical_uid: Mapped[str] = mapped_column(String(255), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Booking(Base):
    """A claim on an instrument for a time range; pending and confirmed ones hold the slot."""

    __tablename__ = "bookings"
    __table_args__ = (
        enum_check("status", BookingStatus),
        enum_check("user_class", UserClass),
        CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        CheckConstraint("sequence >= 0", name="sequence_nonnegative"),
        *(
            CheckConstraint(sql, name="active_length_capped").ddl_if(dialect=dialect)
            for dialect, sql in ACTIVE_LENGTH_CAP_SQL.items()
        ),
        CheckConstraint(
            "instrument_charge_pence >= 0 AND technician_charge_pence >= 0",
            name="charges_nonnegative",
        ),
        CheckConstraint(
            "checked_out_at IS NULL OR (checked_in_at IS NOT NULL "
            "AND checked_out_at > checked_in_at)",
            name="check_out_after_check_in",
        ),
        Index("ix_bookings_instrument_starts", "instrument_id", "starts_at"),
        Index("ix_bookings_starts", "starts_at"),
        Index("ix_bookings_user_starts", "user_id", "starts_at"),
        Index("ix_bookings_technician_starts", "technician_id", "starts_at"),
        ExcludeConstraint(
            (Column("instrument_id"), "="),
            (func.tstzrange(Column("starts_at"), Column("ends_at"), text("'[)'")), "&&"),
            where=text(ACTIVE_STATUS_SQL),
            using="gist",
            name="ex_bookings_no_overlap",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("booking_series.id"), index=True)
    # The occurrence's original start in its series: iCalendar's RECURRENCE-ID.
    recurrence_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[BookingStatus] = mapped_column(enum_column_type(BookingStatus))
    purpose: Mapped[str] = mapped_column(Text, default="")
    project_code: Mapped[str | None] = mapped_column(String(64))
    status_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ical_uid: Mapped[str] = mapped_column(String(255), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Use: when the user (or a technician for them) checked in and out at the instrument.
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Price frozen when booked: the user's class and the rates in force that day, in pence
    # (NULL when the instrument had no rate card for the class). The charges are what is
    # billable now, kept by the booking service at every change (cancel, check-out...).
    user_class: Mapped[UserClass | None] = mapped_column(enum_column_type(UserClass))
    hourly_rate_pence: Mapped[int | None] = mapped_column(Integer)
    technician_rate_pence: Mapped[int | None] = mapped_column(Integer)
    instrument_charge_pence: Mapped[int] = mapped_column(Integer, default=0)
    technician_charge_pence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    instrument: Mapped[Instrument] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Downtime(Base):
    """A period when an instrument cannot be booked: maintenance, calibration, repair..."""

    __tablename__ = "downtimes"
    __table_args__ = (
        enum_check("reason", DowntimeReason),
        CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        Index("ix_downtimes_instrument_starts", "instrument_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[DowntimeReason] = mapped_column(enum_column_type(DowntimeReason))
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ical_uid: Mapped[str] = mapped_column(String(255), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RateCard(Base):
    """Hourly price of an instrument for one user class, from a date on."""

    __tablename__ = "rate_cards"
    __table_args__ = (
        UniqueConstraint("instrument_id", "user_class", "valid_from"),
        enum_check("user_class", UserClass),
        CheckConstraint(
            "hourly_rate >= 0 AND technician_hourly_rate >= 0", name="rates_nonnegative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"))
    user_class: Mapped[UserClass] = mapped_column(enum_column_type(UserClass))
    hourly_rate: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    technician_hourly_rate: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    currency: Mapped[str] = mapped_column(String(3), default="GBP")
    valid_from: Mapped[date] = mapped_column(Date)


class AuditEvent(Base):
    """Who changed what, with before and after; the database refuses updates to these rows."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
