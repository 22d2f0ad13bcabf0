"""waitlist holds: a freed range is held for the first waiter until hold_expires_at

Revision ID: 0011
Revises: 0010
Create Date: 2027-01-20

When a range frees up, the first waiter it fits is offered it and nobody else may book it
until `hold_expires_at`; then it passes to the next in line. Two statuses join the
waitlist's CHECK: `accepted` (the waiter booked it) and `expired` (the hold ran out, or
the range came too close to book). Offers made before this revision held nothing, so their
`hold_expires_at` stays NULL and blocks nobody. The downgrade folds the two new statuses
into `withdrawn`, the old CHECK's word for an entry that no longer waits.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = "status IN ('waiting', 'offered', 'withdrawn')"
NEW_STATUSES = "status IN ('waiting', 'offered', 'withdrawn', 'accepted', 'expired')"


def upgrade() -> None:
    with op.batch_alter_table("waitlist_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hold_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f("ck_waitlist_entries_status_valid"), type_="check")
        batch_op.create_check_constraint(op.f("ck_waitlist_entries_status_valid"), NEW_STATUSES)


def downgrade() -> None:
    op.execute(
        "UPDATE waitlist_entries SET status = 'withdrawn' WHERE status IN ('accepted', 'expired')"
    )
    with op.batch_alter_table("waitlist_entries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_waitlist_entries_status_valid"), type_="check")
        batch_op.create_check_constraint(op.f("ck_waitlist_entries_status_valid"), OLD_STATUSES)
        batch_op.drop_column("hold_expires_at")
