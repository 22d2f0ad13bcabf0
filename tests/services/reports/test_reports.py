"""The impact reports on the known world, on both engines, against figures worked out by hand.

March 2026 in London: 31 days from Sunday 1st (5 Sundays, Mondays and Tuesdays, 4 of the
rest, so 22 weekdays), and the clocks go forward on Sunday 29th, so the month has
31 x 1440 - 60 = 44,580 real minutes.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from equipshare.db.engine import Database
from equipshare.db.models.bookings import Downtime
from equipshare.db.models.catalogue import Instrument
from equipshare.db.models.queue import WaitlistEntry
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import BookingStatus, DowntimeReason, TrainingLevel, WaitlistStatus
from equipshare.domain.errors import InputError, NotFound, PermissionDenied
from equipshare.domain.records.impact.reports import (
    ReportFilter,
    SharingCell,
    SharingMonth,
    UtilisationLevel,
    UtilisationRow,
)
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.reports.impact import ReportService
from tests.support.maintenance_rows import plant_booking
from tests.support.world import T0, World, add_instrument, london

MARCH_MINUTES = 31 * 1440 - 60
WEEKDAY_8H = 22 * 480  # Mon-Fri 09:00-17:00


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def plant_downtime(
    db: Database, world: World, instrument: str, start: datetime, end: datetime, by: str
) -> None:
    with db.sessions.begin() as session:
        session.add(
            Downtime(
                instrument_id=world.instruments[instrument],
                starts_at=start,
                ends_at=end,
                reason=DowntimeReason.MAINTENANCE,
                created_by_id=world.users[by],
                ical_uid=f"planted-{uuid.uuid4()}@test",
                created_at=T0,
                updated_at=T0,
            )
        )


def plant_training(db: Database, world: World, trainer: str, user: str, instrument: str) -> None:
    with db.sessions.begin() as session:
        session.add(
            TrainingRecord(
                user_id=world.users[user],
                instrument_id=world.instruments[instrument],
                trainer_id=world.users[trainer],
                level=TrainingLevel.INDEPENDENT,
                trained_at=utc(3, 10 + len(user) % 3, 10),
            )
        )


def plant_waitlist(db: Database, world: World, user: str, instrument: str, day: int) -> None:
    with db.sessions.begin() as session:
        session.add(
            WaitlistEntry(
                instrument_id=world.instruments[instrument],
                user_id=world.users[user],
                starts_at=london(2026, 3, day, 10),
                ends_at=london(2026, 3, day, 12),
                status=WaitlistStatus.WAITING,
                created_at=T0,
            )
        )


def plant_march(db: Database, world: World) -> None:
    """Bookings, downtime, training and waitlist of March 2026 (see the expected figures)."""
    XPS, SEM, RAM = "WAR-XPS-01", "AST-SEM-01", "WAR-RAM-01"
    S = BookingStatus
    plant_booking(
        db, world, "alice", XPS, london(2026, 3, 3, 10), london(2026, 3, 3, 12), S.COMPLETED
    )
    plant_booking(
        db, world, "bob", XPS, london(2026, 3, 4, 9), london(2026, 3, 4, 13), S.CONFIRMED,
        checked_in_at=london(2026, 3, 4, 9, 10), checked_out_at=london(2026, 3, 4, 12, 40),
        technician_id=world.users["tech"],
    )  # fmt: skip
    plant_booking(
        db, world, "carol", XPS, london(2026, 3, 5, 14), london(2026, 3, 5, 16), S.NO_SHOW
    )
    plant_booking(
        db, world, "dave", XPS, london(2026, 3, 6, 10), london(2026, 3, 6, 11), S.CANCELLED
    )
    # After the clocks went forward: 10:00 BST is 09:00 UTC.
    plant_booking(
        db, world, "bob", XPS, london(2026, 3, 30, 10), london(2026, 3, 30, 12), S.REJECTED
    )
    # The night the clocks go forward: 00:00 GMT to 04:00 BST is three real hours.
    plant_booking(
        db, world, "alice", RAM, london(2026, 3, 29, 0), london(2026, 3, 29, 4), S.COMPLETED,
        checked_in_at=london(2026, 3, 29, 0, 30),
    )  # fmt: skip
    plant_booking(db, world, "erin", RAM, london(2026, 3, 1, 0), london(2026, 3, 1, 1), S.CONFIRMED)
    # Midnight of 1 April in London is 23:00 UTC on 31 March: April's, not March's.
    plant_booking(db, world, "erin", RAM, london(2026, 4, 1, 0), london(2026, 4, 1, 2), S.CONFIRMED)
    plant_booking(
        db, world, "alice", SEM, london(2026, 3, 2, 9), london(2026, 3, 2, 12), S.COMPLETED,
        checked_in_at=london(2026, 3, 2, 9), checked_out_at=london(2026, 3, 2, 11, 30),
    )  # fmt: skip
    plant_downtime(db, world, XPS, utc(2, 27, 12), utc(3, 2, 12), "tech")  # 36 h in March
    plant_downtime(db, world, "WAR-MEG-01", utc(3, 10, 9), utc(3, 10, 13), "tech2")
    plant_training(db, world, "tech", "erin", XPS)
    plant_training(db, world, "tech", "erin", "WAR-MEG-01")
    plant_training(db, world, "tech", "dave", XPS)
    plant_waitlist(db, world, "erin", XPS, 9)
    plant_waitlist(db, world, "dave", XPS, 10)
    plant_waitlist(db, world, "erin", "WAR-MEG-01", 11)
    with db.sessions.begin() as session:
        for code, contact in [(XPS, "tech"), ("WAR-MEG-01", "tech"), (SEM, "otherstaff")]:
            session.get_one(
                Instrument, world.instruments[code]
            ).contact_technician_id = world.users[contact]


#: The reports count what has happened (a period ends at the present minute), so the
#: hand-checked March is read from a clock after it.
AFTER_MARCH = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def march(context: ServiceContext, database: Database, world: World) -> ReportService:
    plant_march(database, world)
    context.clock.instant = AFTER_MARCH  # type: ignore[attr-defined]
    return ReportService(context)


def _row(level: UtilisationLevel, code: str, institution: str, **figures: int) -> UtilisationRow:
    names = [
        "booked_minutes", "used_minutes", "opening_minutes", "downtime_minutes", "bookings",
        "cancellations", "no_shows", "shared_minutes", "shared_bookings",
    ]  # fmt: skip
    values = dict.fromkeys(names, 0)
    values.update(figures)
    return UtilisationRow(level, code, code, institution, **values)


def test_utilisation_per_instrument_by_hand(march: ReportService) -> None:
    period = march.period(date(2026, 3, 1), date(2026, 3, 31))
    report = march.utilisation("root", period)
    I = UtilisationLevel.INSTRUMENT  # noqa: E741
    assert report.rows == (
        _row(I, "AST-SEM-01", "ASTON", booked_minutes=180, used_minutes=150,
             opening_minutes=WEEKDAY_8H, bookings=1, shared_minutes=180, shared_bookings=1),
        _row(I, "WAR-AFM-01", "WARWICK", opening_minutes=WEEKDAY_8H),
        _row(I, "WAR-MEG-01", "WARWICK", opening_minutes=22 * 600, downtime_minutes=240),
        _row(I, "WAR-RAM-01", "WARWICK", booked_minutes=180 + 60, used_minutes=150,
             opening_minutes=MARCH_MINUTES, bookings=2),
        _row(I, "WAR-XPS-01", "WARWICK", booked_minutes=120 + 240 + 120,
             used_minutes=120 + 210, opening_minutes=WEEKDAY_8H, downtime_minutes=36 * 60,
             bookings=3, cancellations=1, no_shows=1, shared_minutes=360, shared_bookings=2),
    )  # fmt: skip
    assert report.rows[-1].utilisation_percent == Decimal("4.5")  # 480 / 10,560


def test_instruments_come_in_code_order_whatever_order_they_were_added(
    context: ServiceContext, database: Database, world: World
) -> None:
    """In the database's own order of codes: SQLite reads the instruments in the table's
    order and sorts them in Python, as its BINARY collation would (capitals before small
    letters, "Z" before "a", "é" after "z")."""
    for code in ("z-last", "WAR-ZZZ-9", "AST-AAA-0", "war-lower", "é-accent", "Z-9", "a-1"):
        add_instrument(database, world, code, "WAR-PRP")
    service = ReportService(context)
    period = service.period(date(2026, 3, 1), date(2026, 3, 31))
    codes = [row.code for row in service.utilisation("root", period).rows]
    with database.engine.connect() as conn:
        in_order = list(conn.scalars(select(Instrument.code).order_by(Instrument.code)))
    assert codes == in_order and len(codes) == 12
    if database.backend == "sqlite":
        assert codes == sorted(codes, key=lambda code: code.encode())
        assert codes.index("WAR-ZZZ-9") < codes.index("Z-9") < codes.index("a-1")
        assert codes.index("z-last") < codes.index("é-accent")


def test_utilisation_per_facility_and_institution_and_filters(march: ReportService) -> None:
    period = march.period(date(2026, 3, 1), date(2026, 3, 31))
    warwick = dict(
        booked_minutes=720, used_minutes=480,
        opening_minutes=2 * WEEKDAY_8H + 13_200 + MARCH_MINUTES, downtime_minutes=2400,
        bookings=5, cancellations=1, no_shows=1, shared_minutes=360, shared_bookings=2,
    )  # fmt: skip
    aston = dict(
        booked_minutes=180, used_minutes=150, opening_minutes=WEEKDAY_8H, bookings=1,
        shared_minutes=180, shared_bookings=1,
    )  # fmt: skip
    by_facility = march.utilisation("mgr", period, UtilisationLevel.FACILITY).rows
    assert [(r.code, r.name) for r in by_facility] == [
        ("AST-EM", "Aston Electron Microscopy"),
        ("WAR-PRP", "Warwick Photoemission RTP"),
    ]
    assert [r.booked_minutes for r in by_facility] == [180, 720]
    by_institution = march.utilisation("tech", period, UtilisationLevel.INSTITUTION).rows
    assert [(r.code, r.institution_code) for r in by_institution] == [
        ("ASTON", "ASTON"),
        ("WARWICK", "WARWICK"),
    ]
    for rows in (by_facility, by_institution):
        aston_row, warwick_row = rows
        assert {k: getattr(aston_row, k) for k in warwick} == {**dict.fromkeys(warwick, 0), **aston}
        assert {k: getattr(warwick_row, k) for k in warwick} == warwick
    only_aston = march.utilisation("root", period, where=ReportFilter(institution_code="ASTON"))
    assert [r.code for r in only_aston.rows] == ["AST-SEM-01"]
    one_facility = march.utilisation("root", period, where=ReportFilter(facility_code="WAR-PRP"))
    assert [r.code for r in one_facility.rows][:2] == ["WAR-AFM-01", "WAR-MEG-01"]


def test_sharing_matrix_and_month_by_hand(march: ReportService) -> None:
    report = march.sharing("root", march.period(date(2026, 2, 1), date(2026, 4, 30)))
    assert report.institutions == ("ASTON", "SHEF", "WARWICK")
    assert report.cells == (
        SharingCell("ASTON", "WARWICK", 180, 1),
        SharingCell("WARWICK", "ASTON", 240, 1),
        SharingCell("WARWICK", "SHEF", 120, 1),
        SharingCell("WARWICK", "WARWICK", 120 + 180 + 60 + 120, 4),
    )
    assert report.months == (
        SharingMonth(date(2026, 2, 1), 0, 0),
        SharingMonth(date(2026, 3, 1), 540, 3),
        SharingMonth(date(2026, 4, 1), 0, 0),
    )
    assert report.cross_institution_minutes == 540
    warwick_only = march.sharing(
        "root", march.period(date(2026, 3, 1), date(2026, 3, 31)), ReportFilter("WARWICK")
    )
    assert [(c.host_code, c.user_code, c.minutes) for c in warwick_only.cells] == [
        ("WARWICK", "ASTON", 240),
        ("WARWICK", "SHEF", 120),
        ("WARWICK", "WARWICK", 360),
    ]


def test_demand_by_hand(march: ReportService) -> None:
    report = march.demand("mgr", march.period(date(2026, 3, 1), date(2026, 3, 31)))
    assert [
        (r.instrument_code, r.institution_code, r.waitlist_entries, r.refused, r.requests)
        for r in report.instruments
    ] == [
        ("WAR-XPS-01", "WARWICK", 2, 1, 5),
        ("WAR-MEG-01", "WARWICK", 1, 0, 0),
        ("WAR-RAM-01", "WARWICK", 0, 0, 2),
        ("AST-SEM-01", "ASTON", 0, 0, 1),
    ]
    hours = dict.fromkeys(range(24), 0) | {0: 2, 9: 2, 10: 3, 14: 1}
    assert report.by_hour == tuple(hours.values())
    assert report.by_weekday == (2, 1, 1, 1, 1, 0, 2)
    top = march.demand("root", march.period(date(2026, 3, 1), date(2026, 3, 31)), limit=1)
    assert [r.instrument_code for r in top.instruments] == ["WAR-XPS-01"]


def test_technicians_by_hand_and_who_sees_whom(march: ReportService) -> None:
    period = march.period(date(2026, 3, 1), date(2026, 3, 31))
    rows = {r.username: r for r in march.technicians("root", period).rows}
    assert list(rows) == ["mgr", "otherstaff", "tech", "tech2"]
    tech = rows["tech"]
    assert (tech.assisted_sessions, tech.assisted_minutes) == (1, 240)
    assert (tech.training_sessions, tech.people_trained, tech.instruments_trained_on) == (3, 2, 2)
    assert (tech.downtimes_handled, tech.downtime_minutes) == (0, 0)  # it began in February
    assert tech.instruments_looked_after == 2 and tech.institution_code == "WARWICK"
    assert (rows["tech2"].downtimes_handled, rows["tech2"].downtime_minutes) == (1, 240)
    assert rows["otherstaff"].instruments_looked_after == 1
    assert rows["mgr"].assisted_sessions == rows["mgr"].training_sessions == 0

    def seen_by(actor: str, where: ReportFilter | None = None) -> list[str]:
        rows = march.technicians(actor, period, where or ReportFilter()).rows
        return [r.username for r in rows]

    assert seen_by("mgr") == ["mgr", "tech", "tech2"]
    assert seen_by("tech") == ["tech"]
    assert seen_by("otherstaff") == ["otherstaff"]
    assert seen_by("root", ReportFilter(facility_code="AST-EM")) == ["otherstaff"]
    assert seen_by("mgr", ReportFilter(institution_code="ASTON")) == []


def test_people_trained_counts_each_person_once(
    march: ReportService, database: Database, world: World
) -> None:
    # tech trained erin and dave; tech2 trains erin too: three per-row, two people.
    plant_training(database, world, "tech2", "erin", "WAR-MEG-01")
    period = march.period(date(2026, 3, 1), date(2026, 3, 31))
    report = march.technicians("root", period)
    assert sum(r.people_trained for r in report.rows) == 3
    assert report.people_trained == 2
    assert march.technicians("tech2", period).people_trained == 1  # whom tech2 may see


@pytest.mark.parametrize("report", ["utilisation", "sharing", "technicians", "demand"])
def test_researchers_are_refused_and_unknown_codes_are_named(
    march: ReportService, report: str
) -> None:
    period = march.period(date(2026, 3, 1), date(2026, 3, 31))
    with pytest.raises(PermissionDenied, match=f"alice may not see the {report} report"):
        getattr(march, report)("alice", period)
    with pytest.raises(NotFound) as missing:
        getattr(march, report)("root", period, where=ReportFilter(institution_code="NOPE"))
    assert missing.value.field == "--institution"
    with pytest.raises(NotFound) as missing:
        getattr(march, report)("root", period, where=ReportFilter(facility_code="NOPE"))
    assert missing.value.field == "--facility"


def test_period_is_local_days_and_refuses_a_reversed_range(march: ReportService) -> None:
    summer = march.period(date(2025, 7, 1), date(2025, 7, 31))
    bst = datetime(2025, 6, 30, 23, 0, tzinfo=UTC), datetime(2025, 7, 31, 23, 0, tzinfo=UTC)
    assert (summer.starts_at, summer.ends_at, summer.to_date) == (*bst, False)
    assert summer.timezone == "Europe/London"
    with pytest.raises(InputError) as reversed_range:
        march.period(date(2026, 3, 31), date(2026, 3, 1))
    assert reversed_range.value.field == "--to"
    april = march.previous_month()  # the clock says 1 May 2026
    assert (april.first_day, april.last_day) == (date(2026, 4, 1), date(2026, 4, 30))
