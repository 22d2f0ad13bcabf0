"""booking roll-ups by host institution: the held bookings per host, month and users

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07

`booking_rollup_hosts` holds the held bookings and minutes of `booking_rollup_months` by
the host institution (the instrument's facility's) instead of the instrument: what the
sharing reports read for a period's whole months. equipshare keeps it with the other
roll-ups in the same transaction; this migration fills it from the month rows already
there (the SQL written out here so the migration stays frozen).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "booking_rollup_hosts",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("host_institution_id", sa.Integer(), nullable=False),
        sa.Column("user_institution_id", sa.Integer(), nullable=False),
        sa.Column("staff_institution_id", sa.Integer(), nullable=False),
        sa.Column("held_bookings", sa.Integer(), nullable=False),
        sa.Column("held_minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_institution_id"],
            ["institutions.id"],
            name=op.f("fk_booking_rollup_hosts_host_institution_id_institutions"),
        ),
        sa.ForeignKeyConstraint(
            ["user_institution_id"],
            ["institutions.id"],
            name=op.f("fk_booking_rollup_hosts_user_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint(
            "month",
            "host_institution_id",
            "user_institution_id",
            "staff_institution_id",
            name=op.f("pk_booking_rollup_hosts"),
        ),
        sqlite_with_rowid=False,
    )
    keys = "m.month, f.institution_id, m.user_institution_id, m.staff_institution_id"
    op.get_bind().execute(
        sa.text(
            "INSERT INTO booking_rollup_hosts (month, host_institution_id, "
            "user_institution_id, staff_institution_id, held_bookings, held_minutes) "
            f"SELECT {keys}, sum(m.held_bookings), sum(m.held_minutes) "
            "FROM booking_rollup_months AS m "
            "JOIN instruments AS i ON i.id = m.instrument_id "
            "JOIN facilities AS f ON f.id = i.facility_id "
            f"WHERE m.held_bookings > 0 GROUP BY {keys}"
        )
    )


def downgrade() -> None:
    op.drop_table("booking_rollup_hosts")
