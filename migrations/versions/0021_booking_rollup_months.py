"""booking roll-ups by month: per instrument, facility-local month and kind of user

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07

`booking_rollup_months` holds the sums of `booking_rollups` by the month (its first day)
of each day: what a report reads for a period's whole months. equipshare keeps it with
the day rows in the same transaction; this migration fills it from the day rows already
there (the SQL written out here so the migration stays frozen).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = ("user_institution_id", "user_class", "staff_institution_id")
SUMS = (
    "held_bookings",
    "held_minutes",
    "used_minutes",
    "cancellations",
    "cancelled_minutes",
    "no_shows",
    "no_show_minutes",
    "instrument_charge_pence",
    "technician_charge_pence",
)


def upgrade() -> None:
    op.create_table(
        "booking_rollup_months",
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("user_institution_id", sa.Integer(), nullable=False),
        sa.Column("user_class", sa.String(length=32), nullable=False),
        sa.Column("staff_institution_id", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in SUMS),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instruments.id"],
            name=op.f("fk_booking_rollup_months_instrument_id_instruments"),
        ),
        sa.ForeignKeyConstraint(
            ["user_institution_id"],
            ["institutions.id"],
            name=op.f("fk_booking_rollup_months_user_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint(
            "instrument_id",
            "month",
            "user_institution_id",
            "user_class",
            "staff_institution_id",
            name=op.f("pk_booking_rollup_months"),
        ),
        sqlite_with_rowid=False,
    )
    bind = op.get_bind()
    month = (
        "date(day, 'start of month')"
        if bind.dialect.name == "sqlite"
        else "CAST(date_trunc('month', day) AS DATE)"
    )
    columns = ", ".join(("month", "instrument_id", *KEYS, *SUMS))
    keys = ", ".join(KEYS)
    sums = ", ".join(f"sum({name})" for name in SUMS)
    bind.execute(
        sa.text(
            f"INSERT INTO booking_rollup_months ({columns}) "
            f"SELECT {month}, instrument_id, {keys}, {sums} FROM booking_rollups "
            f"GROUP BY {month}, instrument_id, {keys}"
        )
    )


def downgrade() -> None:
    op.drop_table("booking_rollup_months")
