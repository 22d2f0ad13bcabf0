"""instrument status reason: why an instrument is limited, out of service or retired

Revision ID: 0008
Revises: 0007
Create Date: 2027-01-05

An instrument taken out of service refuses new bookings; the refusal should say why
("the vacuum pump failed; back in April"), so the reason is kept on the instrument beside
its status. It is free text, empty for most instruments.

Adding a nullable column is a plain ALTER on both engines. Dropping it on SQLite rebuilds
the table, and the rebuild cannot carry 0006's expression index (SQLite cannot reflect
it), so the downgrade makes that index again from its own copy of 0006's columns.
"""

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCH_INDEX = "ix_instruments_category_search"
# 0006's columns, after lower(category), as 0006 wrote them.
SEARCH_COLUMNS = (
    "status",
    "access_level",
    "min_minutes",
    "max_minutes",
    "slot_minutes",
    "weekly_quota_minutes",
    "requires_training",
    "facility_id",
    "code",
    "min_notice_minutes",
    "max_days_ahead",
    "requires_approval",
    "requires_project_code",
    "allow_overnight",
    "category",
    "id",
)


@contextmanager
def _quietly() -> Iterator[None]:
    """The SQLite rebuild warns that it skips the expression index; the downgrade remakes it."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        yield


def upgrade() -> None:
    with op.batch_alter_table("instruments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_reason", sa.String(length=300), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_column("instruments", "status_reason")
        return
    with _quietly(), op.batch_alter_table("instruments", schema=None) as batch_op:
        batch_op.drop_column("status_reason")
    op.create_index(SEARCH_INDEX, "instruments", [sa.text("lower(category)"), *SEARCH_COLUMNS])
