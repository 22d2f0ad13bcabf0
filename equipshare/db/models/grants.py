"""ORM models of grant costing: saved plans and their priced lines, kept as priced.

A saved plan's lines hold the rates and charges worked out when it was saved, so a later
rate card never changes what a plan said; plans are never updated or deleted, because a
grant application quoted them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from equipshare.db.base import Base, UTCDateTime, enum_check, enum_column_type
from equipshare.domain.enums import UserClass


class GrantPlan(Base):
    """A grant costing as saved: whose, which project code, when it starts and for how long."""

    __tablename__ = "grant_plans"
    __table_args__ = (
        CheckConstraint("years >= 1 AND years <= 10", name="grant_years_range"),
        CheckConstraint("uplift_percent >= 0 AND uplift_percent <= 25", name="uplift_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    project_code: Mapped[str] = mapped_column(String(64), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The applicant's institution when saved: it pays the grant's charges, and decides
    # which of the project code's bookings the plan is compared with.
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    starts_on: Mapped[date] = mapped_column(Date)
    years: Mapped[int] = mapped_column(Integer)
    uplift_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))


class GrantPlanLine(Base):
    """One instrument in one grant year, with the rates and charges it was priced at."""

    __tablename__ = "grant_plan_lines"
    __table_args__ = (
        UniqueConstraint("plan_id", "instrument_id", "year"),
        enum_check("user_class", UserClass),
        CheckConstraint(
            "year >= 1 AND assisted_minutes >= 0 AND assisted_minutes <= instrument_minutes",
            name="plan_line_hours",
        ),
        CheckConstraint(
            "hourly_rate_pence >= 0 AND technician_rate_pence >= 0 AND instrument_pence >= 0 "
            "AND technician_pence >= 0 AND uplift_years >= 0",
            name="plan_line_money",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("grant_plans.id"), index=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"))
    year: Mapped[int] = mapped_column(Integer)
    priced_on: Mapped[date] = mapped_column(Date)
    user_class: Mapped[UserClass] = mapped_column(enum_column_type(UserClass))
    instrument_minutes: Mapped[int] = mapped_column(Integer)
    assisted_minutes: Mapped[int] = mapped_column(Integer)
    # NULL: no card was in force on `priced_on`, so the line was free.
    card_valid_from: Mapped[date | None] = mapped_column(Date)
    uplift_years: Mapped[int] = mapped_column(Integer)
    hourly_rate_pence: Mapped[int] = mapped_column(Integer)
    technician_rate_pence: Mapped[int] = mapped_column(Integer)
    instrument_pence: Mapped[int] = mapped_column(Integer)
    technician_pence: Mapped[int] = mapped_column(Integer)
