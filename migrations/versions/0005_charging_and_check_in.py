"""charging: facility charging policy, frozen booking prices, check-in and check-out

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-15

Bookings that already exist are priced as they would have been when made: the user's
class and the rate cards in force on the day they were created. Cancelled and rejected
ones cost nothing, since nothing recorded when they were cancelled.

The pricing arithmetic is a frozen copy of equipshare.charging as it stood when this
revision was written (user_class_for, pence_of, billable_minutes, pence_for and
session_charge): a revision must price history the same way however the package changes.
"""

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

USER_CLASSES = "user_class IN ('internal', 'partner', 'external_academic', 'industry')"
BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table("facilities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("charge_basis", sa.String(length=6), nullable=False, server_default="booked")
        )
        batch_op.add_column(
            sa.Column("free_cancellation_hours", sa.Integer(), nullable=False, server_default="24")
        )
        batch_op.add_column(
            sa.Column(
                "late_cancellation_percent", sa.Integer(), nullable=False, server_default="50"
            )
        )
        batch_op.add_column(
            sa.Column("requires_check_in", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_check_constraint(
            op.f("ck_facilities_charge_basis_valid"), "charge_basis IN ('booked', 'actual')"
        )
        batch_op.create_check_constraint(
            op.f("ck_facilities_free_cancellation_hours_nonnegative"),
            "free_cancellation_hours >= 0",
        )
        batch_op.create_check_constraint(
            op.f("ck_facilities_late_cancellation_percent_valid"),
            "late_cancellation_percent BETWEEN 0 AND 100",
        )
    with op.batch_alter_table("facilities", schema=None) as batch_op:
        for column in (
            "charge_basis",
            "free_cancellation_hours",
            "late_cancellation_percent",
            "requires_check_in",
        ):
            batch_op.alter_column(column, server_default=None)

    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("checked_out_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("checked_in_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("user_class", sa.String(length=17), nullable=True))
        batch_op.add_column(sa.Column("hourly_rate_pence", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("technician_rate_pence", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("instrument_charge_pence", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("technician_charge_pence", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_foreign_key(
            op.f("fk_bookings_checked_in_by_id_users"), "users", ["checked_in_by_id"], ["id"]
        )
        batch_op.create_check_constraint(op.f("ck_bookings_user_class_valid"), USER_CLASSES)
        batch_op.create_check_constraint(
            op.f("ck_bookings_charges_nonnegative"),
            "instrument_charge_pence >= 0 AND technician_charge_pence >= 0",
        )
        batch_op.create_check_constraint(
            op.f("ck_bookings_check_out_after_check_in"),
            "checked_out_at IS NULL OR (checked_in_at IS NOT NULL "
            "AND checked_out_at > checked_in_at)",
        )
        batch_op.create_index("ix_bookings_starts", ["starts_at"], unique=False)
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.alter_column("instrument_charge_pence", server_default=None)
        batch_op.alter_column("technician_charge_pence", server_default=None)
    price_existing_bookings(op.get_bind())


def price_existing_bookings(connection: sa.Connection) -> None:
    """Freeze each old booking's class and rates as of its creation day, and its charge."""
    cards: dict[tuple[int, str], list[tuple[date, int, int]]] = {}
    for row in connection.execute(
        sa.text(
            "SELECT instrument_id, user_class, valid_from, hourly_rate, technician_hourly_rate "
            "FROM rate_cards ORDER BY valid_from"
        )
    ):
        valid_from = row.valid_from
        if isinstance(valid_from, str):
            valid_from = date.fromisoformat(valid_from)
        cards.setdefault((row.instrument_id, row.user_class), []).append(
            (
                valid_from,
                pence_of(_decimal(row.hourly_rate)),
                pence_of(_decimal(row.technician_hourly_rate)),
            )
        )
    rows = connection.execute(
        sa.text(
            "SELECT b.id, b.instrument_id, b.starts_at, b.ends_at, b.created_at, b.status, "
            "b.technician_id, u.institution_id AS user_institution, "
            "f.institution_id AS host_institution, i.is_partner, i.sector "
            "FROM bookings b JOIN users u ON u.id = b.user_id "
            "JOIN institutions i ON i.id = u.institution_id "
            "JOIN instruments ins ON ins.id = b.instrument_id "
            "JOIN facilities f ON f.id = ins.facility_id"
        )
    ).all()
    updates = []
    for row in rows:
        user_class = user_class_for(
            same_institution=row.user_institution == row.host_institution,
            partner=bool(row.is_partner),
            sector=row.sector,
        )
        created = _instant(row.created_at).date()
        in_force = [c for c in cards.get((row.instrument_id, user_class), []) if c[0] <= created]
        hourly = in_force[-1][1] if in_force else None
        technician = in_force[-1][2] if in_force else None
        minutes = billable_minutes(_instant(row.starts_at), _instant(row.ends_at))
        instrument_charge, technician_charge = session_charge(
            minutes, hourly, technician, assisted=row.technician_id is not None
        )
        free = row.status in ("cancelled", "rejected")
        updates.append(
            {
                "booking_id": row.id,
                "user_class": user_class,
                "hourly": hourly,
                "technician": technician,
                "instrument_charge": 0 if free else instrument_charge,
                "technician_charge": 0 if free else technician_charge,
            }
        )
    statement = sa.text(
        "UPDATE bookings SET user_class = :user_class, hourly_rate_pence = :hourly, "
        "technician_rate_pence = :technician, instrument_charge_pence = :instrument_charge, "
        "technician_charge_pence = :technician_charge WHERE id = :booking_id"
    )
    for first in range(0, len(updates), BATCH):
        connection.execute(statement, updates[first : first + BATCH])


def user_class_for(*, same_institution: bool, partner: bool, sector: str) -> str:
    """The charging class from the facts: internal, partner, industry or external academic."""
    if same_institution:
        return "internal"
    if partner:
        return "partner"
    if sector == "industry":
        return "industry"
    return "external_academic"


def pence_of(amount: Decimal) -> int:
    """£12.345 is refused rather than rounded: rate cards hold whole pence."""
    pence = amount * 100
    if pence != pence.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of pence")
    return int(pence)


def billable_minutes(starts_at: datetime, ends_at: datetime) -> int:
    """Whole minutes from start to end, a part minute counting as one."""
    seconds = (ends_at - starts_at) / timedelta(seconds=1)
    return max(0, math.ceil(seconds / 60))


def pence_for(minutes: int, rate_pence: int) -> int:
    """`minutes` at `rate_pence` an hour, rounded half up to the penny."""
    return (2 * minutes * rate_pence + 60) // 120


def session_charge(
    minutes: int, hourly_pence: int | None, technician_pence: int | None, *, assisted: bool
) -> tuple[int, int]:
    """(instrument, technician) pence for `minutes`; the technician's only if assisted."""
    instrument = pence_for(minutes, hourly_pence or 0)
    technician = pence_for(minutes, technician_pence or 0) if assisted else 0
    return instrument, technician


def _decimal(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value)).quantize(Decimal("0.01"))


def _instant(value: object) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def downgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_starts")
        batch_op.drop_constraint(op.f("ck_bookings_check_out_after_check_in"), type_="check")
        batch_op.drop_constraint(op.f("ck_bookings_charges_nonnegative"), type_="check")
        batch_op.drop_constraint(op.f("ck_bookings_user_class_valid"), type_="check")
        batch_op.drop_constraint(op.f("fk_bookings_checked_in_by_id_users"), type_="foreignkey")
        for column in (
            "technician_charge_pence",
            "instrument_charge_pence",
            "technician_rate_pence",
            "hourly_rate_pence",
            "user_class",
            "checked_in_by_id",
            "checked_out_at",
            "checked_in_at",
            "cancelled_at",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("facilities", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("ck_facilities_late_cancellation_percent_valid"), type_="check"
        )
        batch_op.drop_constraint(
            op.f("ck_facilities_free_cancellation_hours_nonnegative"), type_="check"
        )
        batch_op.drop_constraint(op.f("ck_facilities_charge_basis_valid"), type_="check")
        for column in (
            "requires_check_in",
            "late_cancellation_percent",
            "free_cancellation_hours",
            "charge_basis",
        ):
            batch_op.drop_column(column)
