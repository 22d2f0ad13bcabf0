"""`IntegrityService.check`: a clean world is clean, and each planted problem is reported.

Problems are planted past the services, as a careless script or a bad restore would.
PostgreSQL's exclusion constraint refuses overlapping active bookings even then, so the
overlap check is tested on SQLite only.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text, update

from equipshare.db.engine import Database
from equipshare.db.models.bookings import BookingSeries, Downtime
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import BookingStatus, DowntimeReason
from equipshare.domain.records.operations.maintenance import IntegrityReport
from equipshare.services.admin.integrity import IntegrityService, rule_from_rrule
from equipshare.services.plumbing.context import ServiceContext
from tests.support.maintenance_rows import plant_booking
from tests.support.world import T0, World, london

MON = london(2026, 3, 23, 10)


def found(context: ServiceContext, check: str) -> list[str]:
    report = IntegrityService(context).check()
    return [p.ids for p in report.problems if p.check == check]


def test_a_fresh_world_with_lawful_bookings_is_clean(
    context: ServiceContext, world: World, database: Database
) -> None:
    plant_booking(database, world, "alice", "WAR-XPS-01", MON, MON + timedelta(hours=2))
    plant_booking(database, world, "erin", "WAR-XPS-01", MON + timedelta(hours=2),
                  MON + timedelta(hours=3), technician_id=world.users["tech"])  # fmt: skip
    report = IntegrityService(context).check()
    assert report.clean, report.problems
    assert len(report.checks) == 12


@pytest.mark.parametrize("backend", ["sqlite"])  # PostgreSQL refuses the overlap itself
def test_overlapping_active_bookings_are_reported_on_sqlite(
    context: ServiceContext, world: World, database: Database
) -> None:
    a = plant_booking(database, world, "alice", "WAR-XPS-01", MON, MON + timedelta(hours=2))
    b = plant_booking(database, world, "bob", "WAR-XPS-01", MON + timedelta(hours=1),
                      MON + timedelta(hours=3))  # fmt: skip
    plant_booking(database, world, "carol", "WAR-XPS-01", MON, MON + timedelta(hours=2),
                  BookingStatus.CANCELLED)  # fmt: skip
    assert found(context, "overlapping bookings") == [f"bookings {a},{b}"]


def test_a_booking_inside_downtime_is_reported(
    context: ServiceContext, world: World, database: Database
) -> None:
    booking = plant_booking(database, world, "alice", "WAR-XPS-01", MON, MON + timedelta(hours=2))
    with database.sessions.begin() as session:
        down = Downtime(
            instrument_id=world.instruments["WAR-XPS-01"],
            starts_at=MON + timedelta(hours=1),
            ends_at=MON + timedelta(hours=5),
            reason=DowntimeReason.MAINTENANCE,
            ical_uid=f"down-{uuid.uuid4()}",
            created_at=T0,
            updated_at=T0,
        )
        session.add(down)
        session.flush()
        down_id = down.id
    assert found(context, "booking in downtime") == [f"booking {booking}, downtime {down_id}"]


def test_an_unassisted_booking_by_an_untrained_user_is_reported(
    context: ServiceContext, world: World, database: Database
) -> None:
    bad = plant_booking(database, world, "erin", "WAR-XPS-01", MON, MON + timedelta(hours=1))
    # Pending ones wait for a manager; assisted ones need no training: neither is reported.
    plant_booking(database, world, "erin", "WAR-XPS-01", MON + timedelta(hours=1),
                  MON + timedelta(hours=2), BookingStatus.PENDING)  # fmt: skip
    plant_booking(database, world, "erin", "WAR-XPS-01", MON + timedelta(hours=2),
                  MON + timedelta(hours=3), technician_id=world.users["tech"])  # fmt: skip
    assert found(context, "untrained booking") == [f"booking {bad}, user {world.users['erin']}"]


def test_training_revoked_before_the_booking_ends_no_longer_covers_it(
    context: ServiceContext, world: World, database: Database
) -> None:
    booking = plant_booking(database, world, "alice", "WAR-XPS-01", MON, MON + timedelta(hours=1))
    assert found(context, "untrained booking") == []
    with database.sessions.begin() as session:
        session.execute(
            update(TrainingRecord)
            .where(TrainingRecord.user_id == world.users["alice"])
            .values(revoked_at=datetime(2026, 3, 20, tzinfo=UTC))
        )
    assert found(context, "untrained booking") == [
        f"booking {booking}, user {world.users['alice']}"
    ]


def test_orphan_rows_are_reported(
    context: ServiceContext, world: World, database: Database, backend: str
) -> None:
    with database.engine.connect() as conn:
        if backend == "sqlite":
            conn.exec_driver_sql("COMMIT")  # foreign_keys cannot change inside a transaction
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.exec_driver_sql("BEGIN")
        else:
            conn.execute(text("SET session_replication_role = replica"))  # skips FK triggers
        conn.execute(
            text(
                "INSERT INTO facility_staff (facility_id, user_id, role) "
                "VALUES (:facility, 9999, 'technician')"
            ),
            {"facility": world.facilities["WAR-PRP"]},
        )
        conn.commit()
        if backend == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
    assert any(ids.startswith("facility_staff") for ids in found(context, "orphan rows"))


def test_series_that_disagree_with_their_occurrences_are_reported(
    context: ServiceContext, world: World, database: Database
) -> None:
    with database.sessions.begin() as session:
        series = BookingSeries(
            instrument_id=world.instruments["WAR-XPS-01"],
            user_id=world.users["alice"],
            rrule="FREQ=WEEKLY;COUNT=3",
            first_start=MON,
            ical_uid=f"series-{uuid.uuid4()}",
            created_at=T0,
            updated_at=T0,
        )
        empty = BookingSeries(
            instrument_id=world.instruments["WAR-XPS-01"],
            user_id=world.users["alice"],
            rrule="FREQ=DAILY;COUNT=2",
            first_start=MON,
            ical_uid=f"series-{uuid.uuid4()}",
            created_at=T0,
            updated_at=T0,
        )
        session.add_all([series, empty])
        session.flush()
        sid, empty_id = series.id, empty.id
    hour = timedelta(hours=1)
    week = timedelta(weeks=1)
    good = plant_booking(database, world, "alice", "WAR-XPS-01", MON, MON + hour,
                         series_id=sid, recurrence_start=MON)  # fmt: skip
    moved = plant_booking(database, world, "alice", "WAR-XPS-01", MON + week + 3 * hour,
                          MON + week + 4 * hour, series_id=sid,
                          recurrence_start=MON + week)  # fmt: skip
    off = plant_booking(database, world, "alice", "WAR-XPS-01", MON + timedelta(days=1),
                        MON + timedelta(days=1) + hour, series_id=sid,
                        recurrence_start=MON + timedelta(days=1))  # fmt: skip
    stray = plant_booking(database, world, "bob", "WAR-XPS-01", MON + 2 * week,
                          MON + 2 * week + hour, series_id=sid,
                          recurrence_start=MON + 2 * week)  # fmt: skip
    assert {good, moved} and found(context, "series") == [
        f"booking {off}, booking_series {sid}",
        f"booking {stray}, booking_series {sid}",
    ]
    assert f"booking_series {empty_id}" in found(context, "orphan rows")


def test_a_schema_behind_head_is_the_only_thing_reported(
    context: ServiceContext, world: World, database: Database
) -> None:
    with database.sessions.begin() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    report: IntegrityReport = IntegrityService(context).check()
    assert [p.check for p in report.problems] == ["schema at head"]
    assert "equipshare db upgrade" in report.problems[0].detail


@pytest.mark.parametrize("backend", ["postgresql"])
def test_amcheck_verifies_every_index_when_installed(
    context: ServiceContext, world: World, database: Database
) -> None:
    assert "amcheck not installed" in IntegrityService(context).check().checks[0]
    with database.engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
    report = IntegrityService(context).check()
    assert report.clean, report.problems
    assert "amcheck (" in report.checks[0]


def test_rrules_read_back_as_series_wrote_them() -> None:
    assert rule_from_rrule("FREQ=WEEKLY;COUNT=6", "Europe/London") is not None
    until = rule_from_rrule("FREQ=DAILY;UNTIL=20260331T225959Z", "Europe/London")
    assert until is not None and str(until.until) == "2026-03-31"
    assert rule_from_rrule("FREQ=MONTHLY;COUNT=2", "Europe/London") is None
    assert rule_from_rrule("FREQ=DAILY;UNTIL=garbage", "Europe/London") is None
