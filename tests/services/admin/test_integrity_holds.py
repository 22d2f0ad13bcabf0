"""`check` reports a range held off the waitlist that someone else's booking or a downtime
takes; the services never leave one. On both engines; holds planted past the services."""

from __future__ import annotations

from datetime import datetime, timedelta

from equipshare.db.engine import Database
from equipshare.db.models.bookings import Downtime
from equipshare.db.models.queue import WaitlistEntry
from equipshare.domain.enums import BookingStatus, DowntimeReason, WaitlistStatus
from equipshare.services.admin.integrity import IntegrityService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.maintenance_rows import plant_booking
from tests.support.world import T0, World, london

XPS = "WAR-XPS-01"
TEN, TWELVE = london(2026, 3, 23, 10), london(2026, 3, 23, 12)


def plant_entry(
    db: Database, world: World, user: str, status: WaitlistStatus = WaitlistStatus.OFFERED
) -> int:
    with db.sessions.begin() as session:
        row = WaitlistEntry(
            instrument_id=world.instruments[XPS],
            user_id=world.users[user],
            starts_at=TEN,
            ends_at=TWELVE,
            status=status,
            created_at=T0,
            offered_at=T0,
            hold_expires_at=T0 + timedelta(hours=1),
        )
        session.add(row)
        session.flush()
        return row.id


def plant_downtime(db: Database, world: World, start: datetime, end: datetime) -> int:
    with db.sessions.begin() as session:
        row = Downtime(
            instrument_id=world.instruments[XPS],
            starts_at=start,
            ends_at=end,
            reason=DowntimeReason.REPAIR,
            description="",
            created_by_id=world.users["tech"],
            ical_uid="planted-downtime@test",
            sequence=0,
            created_at=T0,
            updated_at=T0,
        )
        session.add(row)
        session.flush()
        return row.id


def problems(context: ServiceContext) -> list[str]:
    report = IntegrityService(context).check()
    return [p.ids for p in report.problems if p.check == "waitlist hold"]


def test_a_hold_under_another_users_booking_is_reported(
    context: ServiceContext, world: World, database: Database
) -> None:
    entry = plant_entry(database, world, "erin")
    own = plant_booking(database, world, "erin", XPS, TEN, TWELVE)
    assert problems(context) == []  # the holder's own booking: accepted, in effect
    plant_booking(database, world, "alice", XPS, TWELVE - timedelta(hours=1), TWELVE,
                  status=BookingStatus.CANCELLED)  # fmt: skip
    plant_booking(database, world, "alice", XPS, TWELVE, TWELVE + timedelta(hours=1))
    assert problems(context) == []  # cancelled bookings take nothing; touching is not overlap
    with database.sessions.begin() as s:
        s.get_one(WaitlistEntry, entry).user_id = world.users["bob"]
    assert problems(context) == [f"waitlist_entry {entry}, booking {own}"]


def test_a_hold_in_downtime_is_reported_and_an_ended_one_is_not(
    context: ServiceContext, world: World, database: Database
) -> None:
    entry = plant_entry(database, world, "erin")
    downtime = plant_downtime(database, world, TEN + timedelta(hours=1), TWELVE)
    assert problems(context) == [f"waitlist_entry {entry}, downtime {downtime}"]
    (problem,) = [p for p in IntegrityService(context).check().problems]
    assert problem.detail == (
        f"waitlist entry {entry} holds a range on {XPS} that downtime {downtime} takes"
    )
    with database.sessions.begin() as s:
        s.get_one(WaitlistEntry, entry).status = WaitlistStatus.EXPIRED
    assert IntegrityService(context).check().clean
