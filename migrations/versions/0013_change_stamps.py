"""change stamps: a counter per calendar feed scope, bumped by every write it shows

Revision ID: 0013
Revises: 0012
Create Date: 2027-01-22

The feed server served a feed's cached body for up to a minute after the database
changed. Now every transaction that writes a booking, a series, a user, an instrument, a
facility, an institution or a facility's staff bumps, at commit, the counter of each
scope it touched: ("user", user id) and ("instrument", instrument id) for bookings and
series, ("all", 0) for everything else. A feed request reads its scope's counters in one
indexed query and serves the cached body only while they stand still.

The table starts empty: a missing counter reads as 0, and a feed server builds every feed
once after it starts.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "change_stamps",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("counter", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", name=op.f("pk_change_stamps")),
    )


def downgrade() -> None:
    op.drop_table("change_stamps")
