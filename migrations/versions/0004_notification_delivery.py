"""notification delivery: status, claims, dedupe keys, two time-based kinds

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = (
    "kind IN ('booking_confirmed', 'approval_needed', 'booking_approved', 'booking_rejected', "
    "'booking_cancelled', 'cancelled_by_downtime', 'waitlist_offer')"
)
NEW_KINDS = (
    "kind IN ('booking_confirmed', 'approval_needed', 'booking_approved', 'booking_rejected', "
    "'booking_cancelled', 'cancelled_by_downtime', 'waitlist_offer', 'training_expiring', "
    "'booking_reminder')"
)
STATUSES = "status IN ('pending', 'sending', 'sent', 'failed', 'skipped')"


def upgrade() -> None:
    # Existing rows get a status from what they already say: sent_at set means sent.
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=7), nullable=False, server_default="pending")
        )
        batch_op.add_column(sa.Column("dedupe_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("sent_to", sa.String(length=320), nullable=True))
        batch_op.drop_constraint(op.f("ck_notifications_kind_valid"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notifications_kind_valid"), NEW_KINDS)
        batch_op.create_check_constraint(op.f("ck_notifications_status_valid"), STATUSES)
        batch_op.create_unique_constraint(op.f("uq_notifications_dedupe_key"), ["dedupe_key"])
        batch_op.create_index("ix_notifications_due", ["status", "next_attempt_at"], unique=False)
    op.execute("UPDATE notifications SET status = 'sent' WHERE sent_at IS NOT NULL")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("status", existing_type=sa.String(length=7), server_default=None)


def downgrade() -> None:
    # The two new kinds cannot live under the old CHECK; their rows go with it.
    op.execute("DELETE FROM notifications WHERE kind IN ('training_expiring', 'booking_reminder')")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_due")
        batch_op.drop_constraint(op.f("uq_notifications_dedupe_key"), type_="unique")
        batch_op.drop_constraint(op.f("ck_notifications_status_valid"), type_="check")
        batch_op.drop_constraint(op.f("ck_notifications_kind_valid"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notifications_kind_valid"), OLD_KINDS)
        batch_op.drop_column("sent_to")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claim_token")
        batch_op.drop_column("dedupe_key")
        batch_op.drop_column("status")
