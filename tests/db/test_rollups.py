"""The booking roll-up stays equal to its bookings whatever writes them, on both engines:
days are the facility's local days across both clock changes, moves recompute the old and
the new day, and `check` finds (and `check --repair` rebuilds) a roll-up changed behind
equipshare's back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from equipshare.db import migrate, rollups
from equipshare.db.change_stamps import UNTRACKED_OPTION
from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Instrument, User
from equipshare.db.models.rollups import (
    BookingRollup,
    BookingRollupHost,
    BookingRollupMonth,
    BookingRollupYearToDate,
)
from equipshare.domain.enums import BookingStatus
from equipshare.domain.errors import PermissionDenied
from equipshare.services.admin.integrity import IntegrityService
from equipshare.services.admin.integrity_rollups import (
    RollupRepairService,
    differing_days,
    differing_host_months,
    differing_months,
    differing_year_months,
)
from equipshare.services.plumbing.context import ServiceContext
from tests.support.maintenance_rows import plant_booking
from tests.support.world import World, build_world

XPS, SEM = "WAR-XPS-01", "AST-SEM-01"
DONE = BookingStatus.COMPLETED


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def rows(database: Database) -> list[tuple[Any, ...]]:
    """(instrument, day, booker's institution, held bookings, held minutes) of every row."""
    t = BookingRollup
    with database.readonly() as s:
        found = s.execute(
            select(t.instrument_id, t.day, t.user_institution_id, t.held_bookings, t.held_minutes)
            .where(t.held_bookings > 0)
            .order_by(t.instrument_id, t.day, t.user_institution_id)
        )
        return [tuple(row) for row in found]


def differences(database: Database) -> list[tuple[int, date]]:
    """Differing instrument-days, instrument-months (as their first days), host months
    and instruments' years to date."""
    with database.readonly() as s:
        conn = s.connection()
        months = differing_months(conn) + differing_host_months(conn)
        return differing_days(conn) + months + differing_year_months(conn)


def months(database: Database) -> list[tuple[Any, ...]]:
    """(instrument, month, booker's institution, held bookings, held minutes) of each row."""
    t = BookingRollupMonth
    with database.readonly() as s:
        found = s.execute(
            select(t.instrument_id, t.month, t.user_institution_id, t.held_bookings, t.held_minutes)
            .where(t.held_bookings > 0)
            .order_by(t.instrument_id, t.month, t.user_institution_id)
        )
        return [tuple(row) for row in found]


def test_days_are_the_facilitys_local_days_across_both_clock_changes(
    database: Database, world: World
) -> None:
    xps, warwick = world.instruments[XPS], world.institutions["WARWICK"]
    for start, hours in [
        (utc(2026, 3, 28, 23, 30), 3),  # 23:30 GMT Sat 28, across midnight and the change
        (utc(2026, 3, 29, 3, 0), 1),  # 04:00 BST Sun 29, the 23-hour day
        (utc(2026, 3, 29, 23, 30), 1),  # 00:30 BST Mon 30
        (utc(2026, 10, 24, 22, 30), 1),  # 23:30 BST Sat 24
        (utc(2026, 10, 24, 23, 30), 1),  # 00:30 BST Sun 25, the 25-hour day
        (utc(2026, 10, 25, 23, 30), 1),  # 23:30 GMT Sun 25, still the 25th
    ]:
        plant_booking(database, world, "alice", XPS, start, start + timedelta(hours=hours),
                      DONE)  # fmt: skip
    expected = [
        (xps, date(2026, 3, 28), warwick, 1, 180),  # all of it on the day it starts
        (xps, date(2026, 3, 29), warwick, 1, 60),
        (xps, date(2026, 3, 30), warwick, 1, 60),
        (xps, date(2026, 10, 24), warwick, 1, 60),
        (xps, date(2026, 10, 25), warwick, 2, 120),
    ]
    assert rows(database) == expected
    by_month = [(xps, date(2026, 3, 1), warwick, 3, 300), (xps, date(2026, 10, 1), warwick, 3, 180)]
    assert months(database) == by_month
    with database.engine.begin() as conn:
        rollups.rebuild(conn)  # the set-based rebuild agrees with the per-day upkeep
    assert (rows(database), months(database)) == (expected, by_month)
    assert differences(database) == []


def test_migrations_0021_and_0022_sum_the_rows_already_there(empty_database_url: str) -> None:
    db = Database.connect(empty_database_url)
    try:
        migrate.upgrade(db.engine)
        world = build_world(db)
        for start in (utc(2026, 2, 28, 23, 30), utc(2026, 3, 31, 23, 30), utc(2026, 4, 2, 9)):
            plant_booking(db, world, "alice", XPS, start, start + timedelta(hours=1), DONE)
        made = months(db)
        migrate.downgrade(db.engine, "0020")
        migrate.upgrade(db.engine)
        xps, warwick = world.instruments[XPS], world.institutions["WARWICK"]
        assert (
            made
            == months(db)
            == [  # 23:30 GMT Feb 28; 00:30 BST Apr 1 is April's
                (xps, date(2026, 2, 1), warwick, 1, 60),
                (xps, date(2026, 4, 1), warwick, 2, 120),
            ]
        )
        assert differences(db) == []
        made_hosts = hosts(db)
        migrate.downgrade(db.engine, "0021")
        migrate.upgrade(db.engine)  # 0022 sums the months already there by host
        assert (
            made_hosts
            == hosts(db)
            == [
                (date(2026, 2, 1), warwick, warwick, 1, 60),
                (date(2026, 4, 1), warwick, warwick, 2, 120),
            ]
        )
    finally:
        db.dispose()


def test_a_move_recomputes_the_old_and_the_new_day_and_instrument(
    database: Database, world: World
) -> None:
    start = utc(2026, 3, 10, 10)
    booking = plant_booking(database, world, "bob", XPS, start, start + timedelta(hours=2))
    with database.sessions.begin() as s:
        s.get_one(Booking, booking).starts_at = start + timedelta(days=1)
        s.get_one(Booking, booking).ends_at = start + timedelta(days=1, hours=1)
    with database.sessions.begin() as s:
        s.execute(
            update(Booking)
            .where(Booking.id == booking)
            .values(instrument_id=world.instruments[SEM], status=BookingStatus.NO_SHOW)
        )
    aston = world.institutions["ASTON"]
    assert rows(database) == [(world.instruments[SEM], date(2026, 3, 11), aston, 1, 60)]
    assert months(database) == [(world.instruments[SEM], date(2026, 3, 1), aston, 1, 60)]
    assert differences(database) == []


def hosts(database: Database) -> list[tuple[Any, ...]]:
    """(month, host, booker's institution, held bookings, held minutes) of each host row."""
    t = BookingRollupHost
    with database.readonly() as s:
        found = s.execute(
            select(
                t.month,
                t.host_institution_id,
                t.user_institution_id,
                t.held_bookings,
                t.held_minutes,
            )
            .where(t.held_bookings != 0)
            .order_by(t.month, t.host_institution_id, t.user_institution_id)
        )
        return [tuple(row) for row in found]


def test_a_user_changing_institution_and_a_facility_changing_zone_move_rows(
    database: Database, world: World
) -> None:
    start = utc(2026, 3, 10, 2)  # 02:00 in London, 22:00 the day before in New York
    plant_booking(database, world, "alice", XPS, start, start + timedelta(hours=1), DONE)
    with database.sessions.begin() as s:
        s.get_one(User, world.users["alice"]).institution_id = world.institutions["SHEF"]
    with database.sessions.begin() as s:
        facility = s.get_one(Facility, world.facilities["WAR-PRP"])
        facility.timezone = "America/New_York"
    shef, aston = world.institutions["SHEF"], world.institutions["ASTON"]
    assert rows(database) == [(world.instruments[XPS], date(2026, 3, 9), shef, 1, 60)]
    assert months(database) == [(world.instruments[XPS], date(2026, 3, 1), shef, 1, 60)]
    march = date(2026, 3, 1)
    assert hosts(database) == [(march, world.institutions["WARWICK"], shef, 1, 60)]
    with database.sessions.begin() as s:  # the facility (and the host rows) to Aston
        s.get_one(Facility, world.facilities["WAR-PRP"]).institution_id = aston
    assert hosts(database) == [(march, aston, shef, 1, 60)]
    with database.sessions.begin() as s:  # the instrument to Aston's other facility
        s.get_one(Facility, world.facilities["WAR-PRP"]).institution_id = shef
        s.get_one(Instrument, world.instruments[XPS]).facility_id = world.facilities["AST-EM"]
    assert hosts(database) == [(march, aston, shef, 1, 60)]
    assert differences(database) == []


def test_check_finds_a_write_made_past_equipshare_and_repair_rebuilds_it(
    context: ServiceContext, database: Database, world: World
) -> None:
    start = utc(2026, 3, 10, 10)
    booking = plant_booking(database, world, "alice", XPS, start, start + timedelta(hours=2))
    plant_booking(database, world, "bob", SEM, start, start + timedelta(hours=1), DONE)
    by_hand = database.engine.execution_options(**{UNTRACKED_OPTION: True})
    with by_hand.begin() as conn:  # as psql would: nothing sees it
        conn.execute(update(Booking).where(Booking.id == booking).values(status="cancelled"))
    report = IntegrityService(context).check()
    assert [(p.check, p.ids) for p in report.problems] == [
        ("booking roll-ups", f"instrument {world.instruments[XPS]} day 2026-03-10")
    ]
    repairs = RollupRepairService(context)
    with pytest.raises(PermissionDenied, match="alice may not repair the booking roll-ups"):
        repairs.repair("alice")
    dry = repairs.repair("root", dry_run=True)
    assert (dry.dry_run, dry.differing_days, dry.rows_before, dry.rows_after) == (True, 1, 2, 2)
    assert not IntegrityService(context).check().clean  # a dry run changes nothing
    done = repairs.repair("root")
    assert (done.differing_days, done.rows_before, done.rows_after) == (1, 2, 2)
    assert IntegrityService(context).check().clean
    assert rows(database) == [(world.instruments[SEM], date(2026, 3, 10),
                               world.institutions["ASTON"], 1, 60)]  # fmt: skip
    with database.readonly() as s:
        audits = s.scalars(select(AuditEvent).where(AuditEvent.action == "rollups.repair")).all()
    assert len(audits) == 1 and audits[0].actor_id == world.users["root"]
    again = repairs.repair("root")  # nothing left to do: no second audit event
    assert again.differing_days == 0
    month = BookingRollupMonth
    with by_hand.begin() as conn:  # a month row no longer the sum of its days
        conn.execute(
            update(month)
            .where(month.instrument_id == world.instruments[SEM])
            .values(held_minutes=month.held_minutes + 1)
        )
    aston = world.institutions["ASTON"]
    report = IntegrityService(context).check()
    sem = world.instruments[SEM]
    assert [(p.check, p.ids) for p in report.problems] == [
        ("booking roll-ups", f"instrument {sem} month 2026-03"),
        ("booking roll-ups", f"institution {aston} month 2026-03"),  # its months' sums
        # and its year to date, March to December
        *(("booking roll-ups", f"instrument {sem} year to 2026-{m:02}") for m in range(3, 13)),
    ]
    fixed = repairs.repair("root")
    assert (fixed.differing_days, fixed.differing_months, fixed.differing_host_months) == (
        0,
        11,
        1,
    )
    assert IntegrityService(context).check().clean
    host = BookingRollupHost
    with by_hand.begin() as conn:  # a host row no longer the sum of its months
        conn.execute(update(host).values(held_bookings=host.held_bookings + 1))
    assert [p.ids for p in IntegrityService(context).check().problems] == [
        f"institution {aston} month 2026-03"
    ]
    fixed = repairs.repair("root")
    assert (fixed.differing_months, fixed.differing_host_months) == (0, 1)
    assert IntegrityService(context).check().clean
    year = BookingRollupYearToDate
    with by_hand.begin() as conn:  # a year-to-date row no longer the sum of its months
        july = (year.instrument_id == sem) & (year.month == date(2026, 7, 1))
        conn.execute(update(year).where(july).values(no_shows=5))
    assert [p.ids for p in IntegrityService(context).check().problems] == [
        f"instrument {sem} year to 2026-07"
    ]
    assert repairs.repair("root").differing_months == 1
    assert IntegrityService(context).check().clean


def new_booking(
    world: World, user: str, code: str, start: datetime, hours: int, **extra: Any
) -> Booking:
    return Booking(
        instrument_id=world.instruments[code],
        user_id=world.users[user],
        created_by_id=world.users[user],
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        status=extra.pop("status", BookingStatus.CONFIRMED),
        purpose="together",
        ical_uid=extra.pop("ical_uid", f"together-{start.isoformat()}-{code}@test"),
        sequence=0,
        created_at=start,
        updated_at=start,
        **extra,
    )


def test_bookings_made_together_add_their_rows_as_a_recompute_would(
    database: Database, world: World
) -> None:
    """New bookings only add their rows to their days, months and hosts (the booking
    path's upkeep): several in one transaction on one London day (the 23-hour one) and
    month, and in New York, beside rows already there, equal what a rebuild writes; and a
    failed INSERT whose UID names an older booking adds nothing."""
    with database.sessions.begin() as s:
        s.get_one(Facility, world.facilities["AST-EM"]).timezone = "America/New_York"
    first = plant_booking(
        database, world, "alice", XPS, utc(2026, 3, 29, 1), utc(2026, 3, 29, 2), DONE
    )
    tech = world.users["tech"]
    with database.sessions.begin() as s:
        s.add_all([
            new_booking(world, "alice", XPS, utc(2026, 3, 29, 5), 2),  # 06:00 BST, as the first
            new_booking(world, "bob", XPS, utc(2026, 3, 29, 22, 30), 1,  # 23:30 BST, Sun 29
                        technician_id=tech, technician_charge_pence=500),
            new_booking(world, "bob", XPS, utc(2026, 3, 31, 23), 1),  # 00:00 BST Wed 1 April
            new_booking(world, "carol", SEM, utc(2026, 3, 1, 3), 1,  # 22:00 EST, Feb 28
                        status=BookingStatus.PENDING, instrument_charge_pence=700),
        ])  # fmt: skip
        s.flush()
        s.execute(insert(Booking).values(  # the hot path's Core INSERT, one more that day
            **{c: getattr(new_booking(world, "dave", XPS, utc(2026, 3, 29, 9), 1), c)
               for c in ("instrument_id", "user_id", "created_by_id", "starts_at", "ends_at",
                         "status", "purpose", "ical_uid", "sequence", "created_at",
                         "updated_at")}))  # fmt: skip
    assert differences(database) == []  # the additions alone, before any recompute
    with database.readonly() as s:
        uid = s.get_one(Booking, first).ical_uid
    with database.sessions.begin() as s:  # the UID is taken: nothing is added
        s.add(new_booking(world, "carol", XPS, utc(2026, 3, 10, 9), 1))
        s.flush()
        with pytest.raises(IntegrityError), s.begin_nested():
            s.add(new_booking(world, "alice", XPS, utc(2026, 3, 29, 12), 1, ical_uid=uid))
    added = (rows(database), months(database), hosts(database))
    xps, warwick = world.instruments[XPS], world.institutions["WARWICK"]
    assert (xps, date(2026, 3, 29), warwick, 2, 180) in added[0]
    assert (xps, date(2026, 4, 1), world.institutions["ASTON"], 1, 60) in added[0]
    assert differences(database) == []
    with database.engine.begin() as conn:
        rollups.rebuild(conn)
    assert (rows(database), months(database), hosts(database)) == added
