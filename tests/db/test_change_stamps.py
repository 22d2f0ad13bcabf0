"""Change stamps count every committed write a feed shows, however it is written (both engines)."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import pytest
from sqlalchemy import Table, bindparam, delete, select, text, update
from sqlalchemy.orm import Session

from equipshare.db.engine import Database
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import FacilityStaff, User
from equipshare.db.models.feeds import ChangeStamp
from equipshare.domain.enums import BookingStatus
from tests.support.maintenance_rows import plant_booking
from tests.support.world import World, london

BOOKINGS = cast(Table, Booking.__table__)
Stamps = dict[tuple[str, int], int]


def stamps(db: Database) -> Stamps:
    with db.readonly() as session:
        rows = session.execute(select(ChangeStamp.kind, ChangeStamp.key, ChangeStamp.counter))
        return {(kind, key): counter for kind, key, counter in rows}


def bumped(before: Stamps, after: Stamps) -> set[tuple[str, int]]:
    return {key for key, counter in after.items() if counter != before.get(key, 0)}


@pytest.fixture
def booking(database: Database, world: World) -> int:
    return plant_booking(
        database, world, "alice", "WAR-XPS-01", london(2026, 3, 24, 10), london(2026, 3, 24, 12)
    )


def test_an_orm_insert_bumps_its_user_and_instrument_once_per_commit(
    database: Database, world: World
) -> None:
    before = stamps(database)
    for hour in (10, 13):
        plant_booking(
            database,
            world,
            "bob",
            "WAR-RAM-01",
            london(2026, 3, 25, hour),
            london(2026, 3, 25, hour + 2),
        )
    after = stamps(database)
    user, instrument = ("user", world.users["bob"]), ("instrument", world.instruments["WAR-RAM-01"])
    assert bumped(before, after) == {user, instrument}
    assert after[user] == before.get(user, 0) + 2


def test_core_updates_by_id_by_filter_and_deletes_bump_the_rows_scopes(
    database: Database, world: World, booking: int
) -> None:
    scopes = {("user", world.users["alice"]), ("instrument", world.instruments["WAR-XPS-01"])}
    writes: list[Callable[[Session], object]] = [
        # what the calendar import does: an executemany by id
        lambda s: s.connection().execute(
            update(BOOKINGS).where(BOOKINGS.c.id == bindparam("row_id")),
            [{"row_id": booking, "sequence": 3}],
        ),
        # what close-past does: a filter, through the ORM
        lambda s: s.execute(
            update(Booking)
            .where(Booking.status == BookingStatus.CONFIRMED, Booking.purpose == "planted")
            .values(status=BookingStatus.COMPLETED)
            .execution_options(synchronize_session=False)
        ),
        lambda s: s.execute(delete(Booking).where(Booking.id.in_([booking]))),
    ]
    for write in writes:
        before = stamps(database)
        with database.sessions.begin() as session:
            write(session)
        assert bumped(before, stamps(database)) == scopes


def test_a_booking_moved_to_another_instrument_bumps_both(
    database: Database, world: World, booking: int
) -> None:
    before = stamps(database)
    with database.sessions.begin() as session:
        row = session.get_one(Booking, booking)
        row.instrument_id = world.instruments["WAR-RAM-01"]
    assert bumped(before, stamps(database)) == {
        ("user", world.users["alice"]),
        ("instrument", world.instruments["WAR-XPS-01"]),
        ("instrument", world.instruments["WAR-RAM-01"]),
    }


def test_people_places_and_rights_bump_everything(database: Database, world: World) -> None:
    writes: list[Callable[[Session], object]] = [
        lambda s: s.execute(
            update(User).where(User.username == "carol").values(display_name="Carol B")
        ),
        lambda s: s.execute(
            delete(FacilityStaff).where(FacilityStaff.user_id == world.users["tech"])
        ),
        lambda s: s.execute(text("UPDATE instruments SET room = 'B1' WHERE code = 'WAR-XPS-01'")),
    ]
    for write in writes:
        before = stamps(database)
        with database.sessions.begin() as session:
            write(session)
        assert bumped(before, stamps(database)) == {("all", 0)}


def test_reads_rollbacks_and_other_tables_bump_nothing(
    database: Database, world: World, booking: int
) -> None:
    before = stamps(database)
    with database.readonly() as session:
        session.execute(select(Booking)).all()
    with pytest.raises(RuntimeError), database.sessions.begin() as session:
        session.execute(update(Booking).where(Booking.id == booking).values(sequence=9))
        raise RuntimeError("rolled back")
    with database.sessions.begin() as session:
        session.execute(text("UPDATE rate_cards SET currency = currency"))
    assert stamps(database) == before
