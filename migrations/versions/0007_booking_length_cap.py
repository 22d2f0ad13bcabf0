"""booking length cap: no active booking lasts more than 14 days

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-29

Every overlap check reads the bookings that start before the range ends and end after
it starts. Without a bound on a booking's length, the index on (instrument, start) finds
the first condition only, and a check on a busy instrument reads its whole history. With
every active booking at most 14 days long, a check adds "starts after the range's start
less 14 days" and reads a few rows. Ended, cancelled and rejected bookings keep whatever
length they had: no check reads them.

An instrument's longest booking is lowered to the cap where it was higher; the settings
that set it refuse more. (A CHECK on instruments would mean rebuilding the table on
SQLite, which cannot reflect, so would drop, the expression index of 0006.) An active
booking already longer than the cap stops the upgrade, naming it: shorten or
cancel it, then upgrade again.
"""

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

from equipshare.domain.errors import DatabaseError

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "active_length_capped"
CAP = 14 * 24 * 60  # minutes: equipshare.domain.enums.LONGEST_BOOKING_MINUTES when written
ACTIVE = "status IN ('pending', 'confirmed')"
# As in equipshare.db.models.bookings.ACTIVE_LENGTH_CAP_SQL; SQLite stores instants as text.
CAPPED = {
    "sqlite": f"NOT ({ACTIVE}) OR CAST(strftime('%s', ends_at) AS INTEGER) "
    f"- CAST(strftime('%s', starts_at) AS INTEGER) <= {CAP * 60}",
    "postgresql": f"NOT ({ACTIVE}) OR ends_at - starts_at <= interval '{CAP} minutes'",
}


@contextmanager
def _quietly() -> Iterator[None]:
    """Rebuilding bookings on SQLite reflects instruments, whose expression index (0006)
    SQLAlchemy cannot reflect and says so; that table is only read, so nothing is lost."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        yield


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    too_long = bind.execute(
        sa.text(
            f"SELECT id FROM bookings WHERE {ACTIVE} AND NOT ({CAPPED[dialect]}) ORDER BY id"
        )
    ).scalars().all()  # fmt: skip
    if too_long:
        shown = ", ".join(str(i) for i in too_long[:10]) + (", ..." if len(too_long) > 10 else "")
        raise DatabaseError(
            f"{len(too_long)} active booking(s) last more than "
            f"{CAP // 1440} days (ids {shown}): shorten or cancel them, "
            "then run `equipshare db upgrade` again"
        )
    op.execute(
        f"UPDATE instruments SET min_minutes = CASE WHEN min_minutes > {CAP} THEN {CAP} "
        f"ELSE min_minutes END, max_minutes = {CAP} WHERE max_minutes > {CAP}"
    )
    with _quietly(), op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_check_constraint(NAME, sa.text(CAPPED[dialect]))


def downgrade() -> None:
    with _quietly(), op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f"ck_bookings_{NAME}"), type_="check")
