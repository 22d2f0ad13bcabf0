"""technician credit: profiles, acknowledgement wording, research outputs

Revision ID: 0018
Revises: 0017
Create Date: 2027-03-01

`technician_profiles` holds how a technician is credited (the name to print, ORCID iD,
job title, expertise, and whether to be named at all); a technician with no row is named
by display name. `acknowledgement_templates` holds a facility's own wording. A researcher's
`research_outputs` (DOI, title, year) point at a project code or, through
`research_output_bookings`, at chosen bookings.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "technician_profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("credit_name", sa.String(length=200), nullable=False),
        sa.Column("orcid", sa.String(length=19), nullable=True),
        sa.Column("job_title", sa.String(length=200), nullable=False),
        sa.Column("expertise", sa.Text(), nullable=False),
        sa.Column("named", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_technician_profiles_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_technician_profiles_updated_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_technician_profiles")),
        sa.UniqueConstraint("orcid", name=op.f("uq_technician_profiles_orcid")),
    )
    op.create_table(
        "acknowledgement_templates",
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("template", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_acknowledgement_templates_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_acknowledgement_templates_updated_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("facility_id", name=op.f("pk_acknowledgement_templates")),
    )
    op.create_table(
        "research_outputs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("doi", sa.String(length=255), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("project_code", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "year >= 1900 AND year <= 2999", name=op.f("ck_research_outputs_output_year_plausible")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_research_outputs_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_research_outputs")),
        sa.UniqueConstraint("user_id", "doi", name=op.f("uq_research_outputs_user_id_doi")),
    )
    op.create_index(op.f("ix_research_outputs_user_id"), "research_outputs", ["user_id"])
    op.create_index(op.f("ix_research_outputs_project_code"), "research_outputs", ["project_code"])
    op.create_table(
        "research_output_bookings",
        sa.Column("output_id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["output_id"],
            ["research_outputs.id"],
            name=op.f("fk_research_output_bookings_output_id_research_outputs"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_research_output_bookings_booking_id_bookings"),
        ),
        sa.PrimaryKeyConstraint(
            "output_id", "booking_id", name=op.f("pk_research_output_bookings")
        ),
    )
    op.create_index(
        op.f("ix_research_output_bookings_booking_id"),
        "research_output_bookings",
        ["booking_id"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_research_output_bookings_booking_id"), table_name="research_output_bookings"
    )
    op.drop_table("research_output_bookings")
    op.drop_index(op.f("ix_research_outputs_project_code"), table_name="research_outputs")
    op.drop_index(op.f("ix_research_outputs_user_id"), table_name="research_outputs")
    op.drop_table("research_outputs")
    op.drop_table("acknowledgement_templates")
    op.drop_table("technician_profiles")
