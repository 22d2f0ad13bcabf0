"""downtimes: the instrument-and-start index carries the end too

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-08

`ix_downtimes_instrument_starts` (instrument, start) becomes
`ix_downtimes_instrument_starts_ends` (instrument, start, end): every read of downtime
by instrument and time (availability, booking checks, the utilisation report's minutes
of downtime per instrument) then finds both ends in the index, without visiting the
rows, which hold the descriptions and iCalendar fields too.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_downtimes_instrument_starts_ends",
        "downtimes",
        ["instrument_id", "starts_at", "ends_at"],
    )
    op.drop_index("ix_downtimes_instrument_starts", table_name="downtimes")


def downgrade() -> None:
    op.create_index("ix_downtimes_instrument_starts", "downtimes", ["instrument_id", "starts_at"])
    op.drop_index("ix_downtimes_instrument_starts_ends", table_name="downtimes")
