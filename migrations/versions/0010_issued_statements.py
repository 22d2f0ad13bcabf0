"""issued statements: a month's recharge statement stored whole once issued

Revision ID: 0010
Revises: 0009
Create Date: 2027-01-14

`equipshare report charges --month M --issue` closes a month: its statement's lines and
totals are copied here and never change. Each line keeps every field the statement prints
(codes, the username, times, minutes, rates and pence) as it was billed, so that a later
purge, anonymisation, cancellation or correction leaves the issued statement as it was;
a correction is billed as an adjustment line on a later month (`adjusts_month`).

The booking, facility and institution ids on a line are plain numbers, not foreign keys:
the statement outlives the booking (purged after `[retention] financial_days`), and the
ids only decide who may read the line. Both tables are new, so nothing is backfilled.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import equipshare.db.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("issued_at", equipshare.db.base.UTCDateTime(), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("total_pence", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
        sa.UniqueConstraint("month", name=op.f("uq_statements_month")),
    )
    op.create_table(
        "statement_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("adjusts_month", sa.Date(), nullable=True),
        sa.Column("payer_institution_id", sa.Integer(), nullable=False),
        sa.Column("host_institution_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("payer_code", sa.String(length=32), nullable=False),
        sa.Column("host_code", sa.String(length=32), nullable=False),
        sa.Column("project_code", sa.String(length=64), nullable=True),
        sa.Column("instrument_code", sa.String(length=64), nullable=False),
        sa.Column("facility_code", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("starts_at", equipshare.db.base.UTCDateTime(), nullable=False),
        sa.Column("ends_at", equipshare.db.base.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("user_class", sa.String(length=20), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("hourly_rate_pence", sa.Integer(), nullable=True),
        sa.Column("technician_minutes", sa.Integer(), nullable=False),
        sa.Column("technician_rate_pence", sa.Integer(), nullable=True),
        sa.Column("instrument_pence", sa.Integer(), nullable=False),
        sa.Column("technician_pence", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_statement_lines_statement_id_statements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_lines")),
        sa.UniqueConstraint(
            "statement_id", "position", name=op.f("uq_statement_lines_statement_id_position")
        ),
    )
    with op.batch_alter_table("statement_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_statement_lines_booking_id"), ["booking_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("statement_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statement_lines_booking_id"))
    op.drop_table("statement_lines")
    op.drop_table("statements")
