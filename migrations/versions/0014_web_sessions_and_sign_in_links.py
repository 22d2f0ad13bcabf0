"""web sessions and sign-in links: what `equipshare serve` needs to know who is signed in

Revision ID: 0014
Revises: 0013
Create Date: 2027-02-01

`web_sessions` holds one row per signed-in browser and `sign_in_links` one per emailed
link; each stores only the SHA-256 of the secret the cookie or the link carries. Both live
in the database, not in a server's memory, so several `serve` processes behind a load
balancer share them. The outbox gains the kind of the message that carries a link.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = (
    "kind IN ('booking_confirmed', 'approval_needed', 'booking_approved', 'booking_rejected', "
    "'booking_cancelled', 'cancelled_by_downtime', 'waitlist_offer', 'training_expiring', "
    "'booking_reminder')"
)
NEW_KINDS = (
    "kind IN ('booking_confirmed', 'approval_needed', 'booking_approved', 'booking_rejected', "
    "'booking_cancelled', 'cancelled_by_downtime', 'waitlist_offer', 'training_expiring', "
    "'booking_reminder', 'sign_in_link')"
)


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_web_sessions_secret_hash")),
    )
    op.create_index("ix_web_sessions_open", "web_sessions", ["ended_at", "user_id"])
    op.create_index(op.f("ix_web_sessions_user_id"), "web_sessions", ["user_id"])
    op.create_table(
        "sign_in_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sign_in_links_token_hash")),
    )
    op.create_index("ix_sign_in_links_email_created", "sign_in_links", ["email", "created_at"])
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_kind_valid"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notifications_kind_valid"), NEW_KINDS)


def downgrade() -> None:
    # Sign-in links cannot live under the old CHECK; those messages go with it.
    op.execute("DELETE FROM notifications WHERE kind = 'sign_in_link'")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_kind_valid"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notifications_kind_valid"), OLD_KINDS)
    op.drop_index("ix_sign_in_links_email_created", table_name="sign_in_links")
    op.drop_table("sign_in_links")
    op.drop_index(op.f("ix_web_sessions_user_id"), table_name="web_sessions")
    op.drop_index("ix_web_sessions_open", table_name="web_sessions")
    op.drop_table("web_sessions")
