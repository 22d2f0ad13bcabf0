"""booking roll-ups: per instrument, facility-local day and kind of user

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07

`booking_rollups` sums the bookings of one instrument starting on one day of its
facility's zone, by the booker's institution, the class their price was frozen in and the
assisting technician's institution (0 for none): held bookings and minutes, used minutes,
cancellations, no-shows and charges. equipshare keeps it in the same transaction as every
write to the bookings; this migration fills it from the bookings already there (the same
sums, written out here so the migration stays frozen).
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HELD = "b.status IN ('confirmed', 'completed', 'no_show')"


def upgrade() -> None:
    op.create_table(
        "booking_rollups",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("user_institution_id", sa.Integer(), nullable=False),
        sa.Column("user_class", sa.String(length=32), nullable=False),
        sa.Column("staff_institution_id", sa.Integer(), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in (
                "held_bookings",
                "held_minutes",
                "used_minutes",
                "cancellations",
                "cancelled_minutes",
                "no_shows",
                "no_show_minutes",
                "instrument_charge_pence",
                "technician_charge_pence",
            )
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instruments.id"],
            name=op.f("fk_booking_rollups_instrument_id_instruments"),
        ),
        sa.ForeignKeyConstraint(
            ["user_institution_id"],
            ["institutions.id"],
            name=op.f("fk_booking_rollups_user_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint(
            "day",
            "instrument_id",
            "user_institution_id",
            "user_class",
            "staff_institution_id",
            name=op.f("pk_booking_rollups"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_booking_rollups_instrument_id", "booking_rollups", ["instrument_id"], unique=False
    )
    _backfill(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_booking_rollups_instrument_id", table_name="booking_rollups")
    op.drop_table("booking_rollups")


def _minutes(sqlite: bool, start: str, end: str) -> str:
    if sqlite:
        return f"CAST(round((julianday({end}) - julianday({start})) * 1440) AS INTEGER)"
    return f"CAST(round(EXTRACT(epoch FROM {end} - {start}) / 60) AS INTEGER)"


def _offset(instant: datetime, zone: ZoneInfo) -> int:
    offset = instant.astimezone(zone).utcoffset()
    return int(offset.total_seconds()) // 60 if offset else 0


def _sqlite_day(zone_name: str, first: datetime, last: datetime) -> str:
    """date() of the start shifted by the zone's offset in force then: a CASE over the
    offsets' changes between `first` and `last` (found hour by hour, then to the minute)."""
    zone = ZoneInfo(zone_name)
    whens: list[str] = []
    moment, current = first, _offset(first, zone)
    while moment < last:
        step = moment + timedelta(hours=1)
        if _offset(step, zone) != current:
            low, high = 0, 60
            while high - low > 1:
                middle = (low + high) // 2
                if _offset(moment + timedelta(minutes=middle), zone) == current:
                    low = middle
                else:
                    high = middle
            change = moment + timedelta(minutes=high)
            whens.append(
                f"WHEN b.starts_at < '{change:%Y-%m-%d %H:%M:%S.%f}' THEN '{current:+d} minutes'"
            )
            current = _offset(step, zone)
        moment = step
    if not whens:
        return f"date(b.starts_at, '{current:+d} minutes')"
    return f"date(b.starts_at, CASE {' '.join(whens)} ELSE '{current:+d} minutes' END)"


def _backfill(bind: sa.Connection) -> None:
    sqlite = bind.dialect.name == "sqlite"
    first, last = bind.execute(sa.text("SELECT min(starts_at), max(starts_at) FROM bookings")).one()
    if first is None:
        return
    if sqlite:
        first, last = (datetime.fromisoformat(v).replace(tzinfo=UTC) for v in (first, last))
    length = _minutes(sqlite, "b.starts_at", "b.ends_at")
    checked = _minutes(sqlite, "b.checked_in_at", "coalesce(b.checked_out_at, b.ends_at)")
    larger = "max" if sqlite else "greatest"
    used = (
        f"CASE WHEN b.checked_in_at IS NOT NULL THEN {larger}({checked}, 0) "
        f"WHEN b.status = 'completed' THEN {length} ELSE 0 END"
    )
    zones = bind.execute(sa.text("SELECT DISTINCT timezone FROM facilities")).scalars().all()
    for zone in zones:
        day = (
            _sqlite_day(zone, first - timedelta(days=1), last + timedelta(days=1))
            if sqlite
            else "CAST(timezone(:zone, b.starts_at) AS DATE)"
        )
        bind.execute(
            sa.text(
                "INSERT INTO booking_rollups (day, instrument_id, user_institution_id, "
                "user_class, staff_institution_id, held_bookings, held_minutes, used_minutes, "
                "cancellations, cancelled_minutes, no_shows, no_show_minutes, "
                "instrument_charge_pence, technician_charge_pence) "
                f"SELECT {day}, b.instrument_id, u.institution_id, "
                "coalesce(b.user_class, ''), CASE WHEN b.technician_id IS NOT NULL AND "
                "b.technician_id != b.user_id THEN s.institution_id ELSE 0 END, "
                f"sum(CASE WHEN {HELD} THEN 1 ELSE 0 END), "
                f"sum(CASE WHEN {HELD} THEN {length} ELSE 0 END), sum({used}), "
                "sum(CASE WHEN b.status = 'cancelled' THEN 1 ELSE 0 END), "
                f"sum(CASE WHEN b.status = 'cancelled' THEN {length} ELSE 0 END), "
                "sum(CASE WHEN b.status = 'no_show' THEN 1 ELSE 0 END), "
                f"sum(CASE WHEN b.status = 'no_show' THEN {length} ELSE 0 END), "
                "sum(b.instrument_charge_pence), sum(b.technician_charge_pence) "
                "FROM bookings b JOIN users u ON u.id = b.user_id "
                "LEFT JOIN users s ON s.id = b.technician_id "
                "JOIN instruments i ON i.id = b.instrument_id "
                "JOIN facilities f ON f.id = i.facility_id "
                "WHERE f.timezone = :zone GROUP BY 1, 2, 3, 4, 5"
            ),
            {"zone": zone},
        )
