"""sign-in links to new addresses: an outbox message may name no user, for a sign-in link only

Revision ID: 0015
Revises: 0014
Create Date: 2027-02-08

Asking for a sign-in link used to make the account for a new address before the address was
proven (the outbox needed a user). Now the account is made when the link is redeemed, so a
link to an address with no account yet is queued with no user: its `sign_in_links` row,
named in the payload, holds the address. A CHECK keeps every other message tied to a user.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECIPIENT = "user_id IS NOT NULL OR kind = 'sign_in_link'"


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(op.f("ck_notifications_recipient_known"), RECIPIENT)


def downgrade() -> None:
    # Links to addresses with no account cannot be kept without a user; they expire in minutes.
    op.execute("DELETE FROM notifications WHERE user_id IS NULL")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_recipient_known"), type_="check")
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
