"""A November of billed bookings, for the tests of issued statements, purge and anonymise.

The clock stands at Wed 2 Dec 2026 09:00 UTC, so November is over and December is open.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update

from equipshare.db.engine import Database
from equipshare.db.models.catalogue import Facility
from equipshare.domain.enums import BookingStatus, ChargeBasis
from tests.support.maintenance_rows import plant_booking
from tests.support.world import World

NOVEMBER = date(2026, 11, 1)
DECEMBER = date(2026, 12, 1)
NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)


def at(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def plant_november(database: Database, world: World) -> dict[str, int]:
    """November's bookings, named by what the tests do to them later.

    WAR-PRP (host of WAR-XPS-01) bills actual time; carol's session was closed with no
    check-out, so it billed check-in to the booked end (4 hours) until corrected.
    """
    with database.sessions.begin() as session:
        session.execute(
            update(Facility)
            .where(Facility.code == "WAR-PRP")
            .values(charge_basis=ChargeBasis.ACTUAL)
        )
    done, cancelled = BookingStatus.COMPLETED, BookingStatus.CANCELLED

    def plant(user: str, instrument: str, start: datetime, hours: int,
              status: BookingStatus, pence: int, **extra: object) -> int:  # fmt: skip
        return plant_booking(
            database, world, user, instrument, start, start + timedelta(hours=hours), status,
            instrument_charge_pence=pence, hourly_rate_pence=1_000, **extra,
        )  # fmt: skip

    return {
        "session": plant("bob", "WAR-XPS-01", at(3, 10), 2, done, 2_000, project_code="EP/X1"),
        "late1": plant("bob", "WAR-XPS-01", at(4, 10), 3, cancelled, 1_500, project_code="EP/X1"),
        "late2": plant("bob", "WAR-XPS-01", at(5, 10), 1, cancelled, 500, project_code="EP/X1"),
        "free_cancel": plant("bob", "WAR-XPS-01", at(6, 10), 1, cancelled, 0),
        "rejected": plant("bob", "WAR-XPS-01", at(6, 12), 1, BookingStatus.REJECTED, 0),
        "corrected": plant(
            "carol", "WAR-XPS-01", at(9, 10), 4, done, 4_000, checked_in_at=at(9, 10)
        ),
        "no_show": plant("alice", "AST-SEM-01", at(12, 10), 1, BookingStatus.NO_SHOW, 1_000),
        # Running on past the month's end: not over when November is issued.
        "straddling": plant("carol", "WAR-XPS-01", at(30, 20), 62, BookingStatus.CONFIRMED, 62_000),
        "december": plant("bob", "WAR-XPS-01", at(1, 10, 12), 1, done, 1_000),
    }
