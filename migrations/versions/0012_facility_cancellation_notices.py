"""facility cancellation notices: whether staff hear when a user cancels a booking

Revision ID: 0012
Revises: 0011
Create Date: 2027-01-21

A user cancelling their own booking now emails the facility's managers (or technicians
when it has none) and the booking's assisting technician. A facility that finds that
noise turns it off; every facility, old and new, starts with it on.

Adding the column with a server default fills existing rows on both engines; the default
is then dropped, since the model gives new rows theirs, as 0005 did for its flags.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("facilities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "notify_staff_on_cancel", sa.Boolean(), nullable=False, server_default=sa.true()
            )
        )
    with op.batch_alter_table("facilities", schema=None) as batch_op:
        batch_op.alter_column("notify_staff_on_cancel", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("facilities", schema=None) as batch_op:
        batch_op.drop_column("notify_staff_on_cancel")
