"""paged list indexes: pending requests in either order, and training by expiry

Revision ID: 0017
Revises: 0016
Create Date: 2027-02-16

Approvals now page through every pending request (1,131 at one consortium, where the screen
stopped at 200), oldest request or soonest start first. Pending bookings are a sliver of
all bookings, so two partial indexes hold only them, in each order with the id that breaks
ties: a page reads one range of one and stops. Training's expiring list (and notify's
training warnings) read records by expiry, which had no index.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    for name, column in (
        ("ix_bookings_pending_created", "created_at"),
        ("ix_bookings_pending_starts", "starts_at"),
    ):
        op.create_index(
            name,
            "bookings",
            [column, "id"],
            sqlite_where=PENDING,
            postgresql_where=PENDING,
        )
    op.create_index("ix_training_records_expires", "training_records", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_training_records_expires", table_name="training_records")
    op.drop_index("ix_bookings_pending_starts", table_name="bookings")
    op.drop_index("ix_bookings_pending_created", table_name="bookings")
