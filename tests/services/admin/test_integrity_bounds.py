"""`equipshare check`'s overlap queries read bounded ranges, and miss no overlap.

Issue 17: the booking overlap joined bookings to themselves with no bound (99,000 bookings on
one instrument: 599 s). Each overlap statement now looks the other table up by a range of
its (instrument, start) index bounded on both sides, which the engine's plan shows: SQLite's
EXPLAIN QUERY PLAN, and PostgreSQL's EXPLAIN with the nested index lookups `check` asks for
on an instrument with a few thousand bookings, as a planner given a few rows scans them. The
cost at scale is measured in bench/bench_check.py, not here.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import Connection, Select, insert, text

from equipshare.db.engine import Database
from equipshare.db.models.bookings import Booking, Downtime
from equipshare.domain.enums import BookingStatus, DowntimeReason
from equipshare.services.admin import integrity_overlaps as integrity
from equipshare.services.admin.integrity import IntegrityService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.maintenance_rows import plant_booking
from tests.support.world import T0, World, london

MON = london(2026, 3, 23, 10)
RANGED = ("ix_bookings_instrument_starts", "ix_downtimes_instrument_starts_ends")


def statements(conn: Connection) -> list[Select[*tuple[object, ...]]]:
    return [integrity.overlap_statement(), *integrity.downtime_statements(conn.dialect.name)]


def plan(conn: Connection, statement: Select[*tuple[object, ...]]) -> list[str]:
    sql = str(statement.compile(conn, compile_kwargs={"literal_binds": True}))
    if conn.dialect.name == "sqlite":
        return [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
    return [row[0] for row in conn.exec_driver_sql(f"EXPLAIN {sql}")]


def fill(database: Database, world: World, bookings: int = 3000) -> None:
    """An instrument with some history, as PostgreSQL plans an empty table otherwise."""
    user, instrument = world.users["alice"], world.instruments["WAR-XPS-01"]
    first = MON + timedelta(days=400)
    rows = [
        {"instrument_id": instrument, "user_id": user, "created_by_id": user,
         "starts_at": first + timedelta(hours=n), "ends_at": first + timedelta(hours=n + 1),
         "status": BookingStatus.CONFIRMED, "ical_uid": f"fill-{n}", "sequence": 0,
         "created_at": T0, "updated_at": T0}
        for n in range(bookings)
    ]  # fmt: skip
    downtimes = [
        {"instrument_id": instrument, "starts_at": first - timedelta(days=n + 1),
         "ends_at": first - timedelta(days=n + 1) + timedelta(hours=1),
         "reason": DowntimeReason.MAINTENANCE, "ical_uid": f"fill-down-{n}",
         "created_at": T0, "updated_at": T0}
        for n in range(300)
    ]  # fmt: skip
    with database.engine.begin() as conn:
        conn.execute(insert(Booking), rows)
        conn.execute(insert(Downtime), downtimes)
    with database.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def two_sided(line: str) -> bool:
    """The range read says where it starts and where it ends."""
    lower = re.search(r"starts_at ?>", line) is not None
    upper = re.search(r"starts_at ?<", line) is not None
    return lower and upper


def test_every_overlap_lookup_is_a_range_bounded_on_both_sides(
    database: Database, world: World
) -> None:
    fill(database, world)
    with database.engine.begin() as conn, integrity.index_lookups(conn):
        for statement in statements(conn):
            lines = plan(conn, statement)
            if conn.dialect.name == "sqlite":
                lookups = [line for line in lines if any(ix in line for ix in RANGED)]
                scans = [line for line in lines if line.startswith("SCAN")]
                assert len(scans) == 1, lines  # one table read whole, the other looked up
            else:
                lookups = [line for line in lines if "Index Cond" in line and "starts_at" in line]
                assert not any("Hash Join" in line or "Merge Join" in line for line in lines)
            assert lookups and all(two_sided(line) for line in lookups), "\n".join(lines)


def test_index_lookups_restores_the_planner_settings(database: Database) -> None:
    with database.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL enable_mergejoin = off")
        before = _settings(conn)
        with integrity.index_lookups(conn):
            pass
        assert _settings(conn) == before


def _settings(conn: Connection) -> list[object]:
    if conn.dialect.name != "postgresql":
        return []
    return [
        conn.exec_driver_sql(f"SHOW {n}").scalar() for n in ("enable_hashjoin", "enable_mergejoin")
    ]


def add_downtime(database: Database, world: World, start_hours: float, end_hours: float) -> int:
    with database.sessions.begin() as session:
        down = Downtime(
            instrument_id=world.instruments["WAR-XPS-01"],
            starts_at=MON + timedelta(hours=start_hours),
            ends_at=MON + timedelta(hours=end_hours),
            reason=DowntimeReason.MAINTENANCE,
            ical_uid=f"down-{uuid.uuid4()}",
            created_at=T0,
            updated_at=T0,
        )
        session.add(down)
        session.flush()
        return down.id


def test_every_way_a_booking_and_a_downtime_overlap_is_found_once(
    context: ServiceContext, world: World, database: Database
) -> None:
    """Bounded from either side, the two halves still find each overlap exactly once: a
    downtime starting before, with, inside and around a 14-day booking, none touching."""
    start, end = 0.0, 14 * 24.0  # the longest booking allowed
    booking = plant_booking(database, world, "alice", "WAR-XPS-01", MON,
                            MON + timedelta(hours=end))  # fmt: skip
    overlapping = [
        add_downtime(database, world, -1000, start + 0.5),  # began long before, ends inside
        add_downtime(database, world, start, start + 1),  # starts with it
        add_downtime(database, world, 100, 101),  # inside
        add_downtime(database, world, end - 0.5, end + 1000),  # starts inside, ends long after
        add_downtime(database, world, -1000, end + 1000),  # around it
    ]
    add_downtime(database, world, -5, start)  # ends as it starts
    add_downtime(database, world, end, end + 5)  # starts as it ends
    report = IntegrityService(context).check()
    assert [p.ids for p in report.problems if p.check == "booking in downtime"] == [
        f"booking {booking}, downtime {down}" for down in overlapping
    ]


@pytest.mark.parametrize("backend", ["sqlite"])  # PostgreSQL refuses the overlap itself
def test_every_way_two_bookings_overlap_is_found_once(
    context: ServiceContext, world: World, database: Database
) -> None:
    """Same start (the higher id second), one inside another, the longest allowed reaching
    over later ones; touching ones are not overlaps."""

    def book(user: str, start: float, end: float) -> int:
        return plant_booking(database, world, user, "WAR-XPS-01", MON + timedelta(hours=start),
                             MON + timedelta(hours=end))  # fmt: skip

    long = book("alice", 0, 14 * 24)
    same = book("bob", 0, 1)
    inside = book("carol", 100, 101)
    late = book("dave", 14 * 24 - 1, 14 * 24 + 5)
    book("erin", 14 * 24 + 5, 14 * 24 + 6)  # touches `late`, overlaps nothing
    pairs = [(long, same), (long, inside), (long, late)]
    report = IntegrityService(context).check()
    assert [p.ids for p in report.problems if p.check == "overlapping bookings"] == [
        f"bookings {a},{b}" for a, b in pairs
    ]
