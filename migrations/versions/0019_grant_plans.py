"""grant costing: saved plans and their priced lines

Revision ID: 0019
Revises: 0018
Create Date: 2027-03-02

`grant_plans` holds a saved grant costing (title, project code, applicant and their
institution then, start, years, yearly uplift); `grant_plan_lines` holds each instrument
and grant year with the rates and charges it was priced at when saved, so a later rate
card never changes a plan's figures.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

USER_CLASSES = "user_class IN ('internal', 'partner', 'external_academic', 'industry')"


def upgrade() -> None:
    op.create_table(
        "grant_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("project_code", sa.String(length=64), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("years", sa.Integer(), nullable=False),
        sa.Column("uplift_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.CheckConstraint(
            "uplift_percent >= 0 AND uplift_percent <= 25",
            name=op.f("ck_grant_plans_uplift_range"),
        ),
        sa.CheckConstraint(
            "years >= 1 AND years <= 10", name=op.f("ck_grant_plans_grant_years_range")
        ),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["users.id"], name=op.f("fk_grant_plans_applicant_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_grant_plans_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_grant_plans_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_plans")),
    )
    op.create_index(op.f("ix_grant_plans_applicant_id"), "grant_plans", ["applicant_id"])
    op.create_index(op.f("ix_grant_plans_project_code"), "grant_plans", ["project_code"])
    op.create_table(
        "grant_plan_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("priced_on", sa.Date(), nullable=False),
        sa.Column("user_class", sa.String(length=17), nullable=False),
        sa.Column("instrument_minutes", sa.Integer(), nullable=False),
        sa.Column("assisted_minutes", sa.Integer(), nullable=False),
        sa.Column("card_valid_from", sa.Date(), nullable=True),
        sa.Column("uplift_years", sa.Integer(), nullable=False),
        sa.Column("hourly_rate_pence", sa.Integer(), nullable=False),
        sa.Column("technician_rate_pence", sa.Integer(), nullable=False),
        sa.Column("instrument_pence", sa.Integer(), nullable=False),
        sa.Column("technician_pence", sa.Integer(), nullable=False),
        sa.CheckConstraint(USER_CLASSES, name=op.f("ck_grant_plan_lines_user_class_valid")),
        sa.CheckConstraint(
            "hourly_rate_pence >= 0 AND technician_rate_pence >= 0 AND instrument_pence >= 0 "
            "AND technician_pence >= 0 AND uplift_years >= 0",
            name=op.f("ck_grant_plan_lines_plan_line_money"),
        ),
        sa.CheckConstraint(
            "year >= 1 AND assisted_minutes >= 0 AND assisted_minutes <= instrument_minutes",
            name=op.f("ck_grant_plan_lines_plan_line_hours"),
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instruments.id"],
            name=op.f("fk_grant_plan_lines_instrument_id_instruments"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["grant_plans.id"], name=op.f("fk_grant_plan_lines_plan_id_grant_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_plan_lines")),
        sa.UniqueConstraint(
            "plan_id",
            "instrument_id",
            "year",
            name=op.f("uq_grant_plan_lines_plan_id_instrument_id_year"),
        ),
    )
    op.create_index(op.f("ix_grant_plan_lines_plan_id"), "grant_plan_lines", ["plan_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_grant_plan_lines_plan_id"), table_name="grant_plan_lines")
    op.drop_table("grant_plan_lines")
    op.drop_index(op.f("ix_grant_plans_project_code"), table_name="grant_plans")
    op.drop_index(op.f("ix_grant_plans_applicant_id"), table_name="grant_plans")
    op.drop_table("grant_plans")
