"""ORM models of instrument use: series, bookings, downtime, and the active-booking checks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from equipshare.db.base import Base, UTCDateTime, enum_check, enum_column_type
from equipshare.db.models.catalogue import Instrument, User
from equipshare.domain.enums import (
    LONGEST_BOOKING_MINUTES,
    BookingStatus,
    DowntimeReason,
    UserClass,
)

ACTIVE_STATUS_SQL = "status IN ('pending', 'confirmed')"
PENDING_SQL = text("status = 'pending'")


# An active booking lasts at most LONGEST_BOOKING_MINUTES, so that an overlap check need
# read only the bookings starting that long before its range (migration 0007). SQLite
# stores instants as text; strftime('%s') turns them into whole seconds.
ACTIVE_LENGTH_CAP_SQL = {
    "sqlite": f"NOT ({ACTIVE_STATUS_SQL}) OR CAST(strftime('%s', ends_at) AS INTEGER) "
    f"- CAST(strftime('%s', starts_at) AS INTEGER) <= {LONGEST_BOOKING_MINUTES * 60}",
    "postgresql": f"NOT ({ACTIVE_STATUS_SQL}) "
    f"OR ends_at - starts_at <= interval '{LONGEST_BOOKING_MINUTES} minutes'",
}


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
        # Pending requests only, in each order Approvals pages them (migration 0017).
        *(
            Index(name, column, "id", sqlite_where=PENDING_SQL, postgresql_where=PENDING_SQL)
            for name, column in (
                ("ix_bookings_pending_created", "created_at"),
                ("ix_bookings_pending_starts", "starts_at"),
            )
        ),
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
        Index("ix_downtimes_instrument_starts_ends", "instrument_id", "starts_at", "ends_at"),
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
