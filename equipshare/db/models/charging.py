"""ORM model of rate cards: a facility's prices per user class, in force from a date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from equipshare.db.base import Base, enum_check, enum_column_type
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
