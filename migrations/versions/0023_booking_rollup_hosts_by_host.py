"""host roll-ups by host: an index on the host institution and the month

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07

`booking_rollup_hosts` is keyed by the month first, so a report narrowed to one
institution read every host's rows of its months to keep that one's (institution-scoped
sharing on SQLite went from 39 to 58 ms at scale 1 when the host rows came in), and
rebuilding one institution's host rows (a facility or instrument that moves) deleted
them by a scan. An index on the host institution then the month makes both one range.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_booking_rollup_hosts_host_month",
        "booking_rollup_hosts",
        ["host_institution_id", "month"],
    )


def downgrade() -> None:
    op.drop_index("ix_booking_rollup_hosts_host_month", table_name="booking_rollup_hosts")
