"""ORM models of charging: rate cards (prices per user class, in force from a date) and
issued recharge statements, stored whole so that a closed month never changes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from equipshare.db.base import Base, UTCDateTime, enum_check, enum_column_type
from equipshare.domain.enums import (
    UserClass,
)


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


class IssuedStatement(Base):
    """A month's recharge statement as issued; it and its lines are never updated.

    `issued_by` is the username as it was, as text: anonymising that person later does
    not rewrite a financial record.
    """

    __tablename__ = "statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_by: Mapped[str] = mapped_column(String(64))
    line_count: Mapped[int] = mapped_column(Integer)
    total_pence: Mapped[int] = mapped_column(Integer)


class IssuedLine(Base):
    """One line of an issued statement, copied whole from the booking as it was billed.

    The ids are plain numbers, not foreign keys: a statement outlives the booking (purged
    after `[retention] financial_days`), and they only scope who may read the line.
    """

    __tablename__ = "statement_lines"
    __table_args__ = (UniqueConstraint("statement_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id"))
    position: Mapped[int] = mapped_column(Integer)
    booking_id: Mapped[int] = mapped_column(Integer, index=True)
    adjusts_month: Mapped[date | None] = mapped_column(Date)
    payer_institution_id: Mapped[int] = mapped_column(Integer)
    host_institution_id: Mapped[int] = mapped_column(Integer)
    facility_id: Mapped[int] = mapped_column(Integer)
    payer_code: Mapped[str] = mapped_column(String(32))
    host_code: Mapped[str] = mapped_column(String(32))
    project_code: Mapped[str | None] = mapped_column(String(64))
    instrument_code: Mapped[str] = mapped_column(String(64))
    facility_code: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20))
    user_class: Mapped[str | None] = mapped_column(String(20))
    minutes: Mapped[int] = mapped_column(Integer)
    hourly_rate_pence: Mapped[int | None] = mapped_column(Integer)
    technician_minutes: Mapped[int] = mapped_column(Integer)
    technician_rate_pence: Mapped[int | None] = mapped_column(Integer)
    instrument_pence: Mapped[int] = mapped_column(Integer)
    technician_pence: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(300))
