"""ORM models of the consortium: institutions, people, facilities, their staff and instruments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from equipshare.db.base import Base, UTCDateTime, enum_check, enum_column_type
from equipshare.domain.enums import (
    AccessLevel,
    ChargeBasis,
    InstitutionSector,
    InstrumentStatus,
    Role,
    StaffRole,
    UniquipType,
)


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
    # Whether its staff are emailed when a user cancels a booking of theirs (migration 0012).
    notify_staff_on_cancel: Mapped[bool] = mapped_column(Boolean, default=True)
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


def _prefix_index(name: str, column: Mapped[str], *then: Mapped[str]) -> None:
    """Completion as you type reads `lower(column)` prefixes in byte order (migration 0009).

    Byte order keeps every value starting with a prefix in one range of the index, whatever
    the database's own collation: SQLite's default, and on PostgreSQL the migration builds
    the index in the "C" collation (which reflection cannot see, so it is not said here).
    `then` orders ties, so a page is read in index order without a sort.
    """
    Index(name, func.lower(column), *then)


_prefix_index("ix_users_username_lower", User.username)
_prefix_index("ix_users_display_name_lower", User.display_name, User.username)


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
        # The utilisation report's labels in code order, from the index alone (0024).
        Index("ix_instruments_code_name_facility", "code", "name", "facility_id"),
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
    # Why it is limited, out of service or retired; a refused booking is told it (0008).
    status_reason: Mapped[str | None] = mapped_column(String(300))
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


_prefix_index("ix_instruments_code_lower", Instrument.code)


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


#: OpeningWeek's columns, Monday first (index = datetime.weekday()).
WEEKDAY_COLUMNS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class OpeningWeek(Base):
    """Minutes an instrument is open on each weekday: the sums of its opening_hours rows,
    one row an instrument that has any (none: open around the clock), so the utilisation
    report reads 50,000 rows for a national catalogue's opening hours instead of 250,000.

    The database keeps it: triggers on opening_hours (migration 0025) rewrite an
    instrument's row after every write to its hours, by whatever path; `equipshare check`
    compares it with the hours and `check --repair` rebuilds it."""

    __tablename__ = "opening_weeks"
    __table_args__ = ({"sqlite_with_rowid": False},)

    instrument_id: Mapped[int] = mapped_column(
        ForeignKey("instruments.id", ondelete="CASCADE"), primary_key=True
    )
    monday: Mapped[int] = mapped_column(Integer)
    tuesday: Mapped[int] = mapped_column(Integer)
    wednesday: Mapped[int] = mapped_column(Integer)
    thursday: Mapped[int] = mapped_column(Integer)
    friday: Mapped[int] = mapped_column(Integer)
    saturday: Mapped[int] = mapped_column(Integer)
    sunday: Mapped[int] = mapped_column(Integer)
