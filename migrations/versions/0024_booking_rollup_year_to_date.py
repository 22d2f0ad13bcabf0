"""booking roll-ups year to date: each instrument's utilisation figures from January

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07

`booking_rollup_year_to_date` holds, per instrument and facility-local month, the
utilisation report's figures of `booking_rollup_months` (held bookings and minutes,
used minutes, cancellations, no-shows, and the held part by users of another
institution than the instrument's) summed from January of that month's year through
it, a row for every month from an instrument's first of the year to December: a year of
whole months is then three rows an instrument, not twelve months of rows per kind of
user. equipshare keeps it with the other roll-ups in the same transaction; this
migration fills it from the month rows already there (the SQL written out here so the
migration stays frozen). An index on the instruments' code, name and facility lets the
report read 50,000 instruments' labels in code order from the index alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIGURES = (
    "held_bookings",
    "held_minutes",
    "used_minutes",
    "cancellations",
    "no_shows",
    "shared_bookings",
    "shared_minutes",
)


def upgrade() -> None:
    op.create_table(
        "booking_rollup_year_to_date",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in FIGURES),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instruments.id"],
            name=op.f("fk_booking_rollup_year_to_date_instrument_id_instruments"),
        ),
        sa.PrimaryKeyConstraint(
            "month", "instrument_id", name=op.f("pk_booking_rollup_year_to_date")
        ),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_booking_rollup_year_to_date_instrument_id",
        "booking_rollup_year_to_date",
        ["instrument_id"],
    )
    # The report's labels in code order without reading the (wide) instrument rows.
    op.create_index(
        "ix_instruments_code_name_facility", "instruments", ["code", "name", "facility_id"]
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        later = "date(g.month, printf('+%d months', o.n))"
        month_number = "CAST(strftime('%m', g.month) AS INTEGER)"
    else:
        later = "CAST(g.month + o.n * interval '1 month' AS DATE)"
        month_number = "CAST(extract(month FROM g.month) AS INTEGER)"
    offsets = " UNION ALL ".join(f"SELECT {n} AS n" for n in range(12))
    shared = "m.user_institution_id != f.institution_id"
    per_month = ", ".join(
        [
            *(f"sum(m.{name}) AS {name}" for name in FIGURES[:5]),
            f"sum(CASE WHEN {shared} THEN m.held_bookings ELSE 0 END) AS shared_bookings",
            f"sum(CASE WHEN {shared} THEN m.held_minutes ELSE 0 END) AS shared_minutes",
        ]
    )
    columns = ", ".join(("month", "instrument_id", *FIGURES))
    sums = ", ".join(f"sum(g.{name})" for name in FIGURES)
    bind.execute(
        sa.text(
            f"INSERT INTO booking_rollup_year_to_date ({columns}) "
            f"SELECT {later}, g.instrument_id, {sums} "
            f"FROM (SELECT m.instrument_id AS instrument_id, m.month AS month, {per_month} "
            "FROM booking_rollup_months AS m "
            "JOIN instruments AS i ON i.id = m.instrument_id "
            "JOIN facilities AS f ON f.id = i.facility_id "
            "GROUP BY m.instrument_id, m.month) AS g "
            f"JOIN ({offsets}) AS o ON o.n <= 12 - {month_number} "
            f"GROUP BY {later}, g.instrument_id "
            # in key order: on PostgreSQL a month's rows are then a few hundred pages
            "ORDER BY 1, 2"
        )
    )


def downgrade() -> None:
    op.drop_index("ix_instruments_code_name_facility", table_name="instruments")
    op.drop_index(
        "ix_booking_rollup_year_to_date_instrument_id", table_name="booking_rollup_year_to_date"
    )
    op.drop_table("booking_rollup_year_to_date")
