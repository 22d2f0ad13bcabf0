"""instrument search index: a category's bookable instruments read from the index alone

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-22

An availability search over a category first asks which of its instruments the user may
book and what bounds their first slot. With only an index on `category`, that read
visits every instrument row of the category (7,500 SEMs at national scale); this index
keys on the lower-cased category the search matches and carries every column it tests
or returns, so the rows themselves are not read (an index-only scan on PostgreSQL).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
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
    # PostgreSQL reads an expression index alone only if it also holds the column.
    "category",
    "id",
)


def upgrade() -> None:
    op.create_index(
        "ix_instruments_category_search",
        "instruments",
        [sa.text("lower(category)"), *COLUMNS],
    )


def downgrade() -> None:
    op.drop_index("ix_instruments_category_search", table_name="instruments")
