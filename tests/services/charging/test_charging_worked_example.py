"""The worked example of issue 7: a month of bookings across three institutions, made,
changed, cancelled, used and missed through the real services, then billed.

Every figure of the March 2026 statement is worked out by hand below, from the rate cards,
the facility policies and the clock, not from the code under test.

Rate cards (from 1 Jan 2026), per hour, instrument + technician:
  WAR-SEM-02 (Warwick, booked time, check-in required, free until 24 h before, then 50%):
    internal 40.00 + 30.00, partner 61.37 + 35.55, industry 150.00 + 80.00;
    partner 70.00 + 35.55 from 17 Mar 2026 (the rate change, set on 16 Mar).
  AST-XRD-01 (Aston, actual time): partner 45.00 + 20.00.
Hand-worked charges (half up to the penny, each part on its own):
  b1 bob 17 Mar 10:00-12:00, booked 16 Mar:   2 h x 61.37                    = 122.74
  b2 bob 18 Mar 10:00-11:30 assisted:          1.5 h x 61.37 = 92.055 -> 92.06
                                               1.5 h x 35.55 = 53.325 -> 53.33 = 145.39
  b3 dave 19 Mar 14:00-15:00, never came:      1 h x 150.00, no-show in full  = 150.00
  b4 dave 20 Mar 09:00-10:00, cancelled 4 days ahead: free                    =   0.00
  b5 bob 17 Mar 09:00-09:30, cancelled 21 h ahead: 0.5 h x 61.37 = 30.685
                                               -> 30.69, 50% = 15.345 -> 15.35 = 15.35
  b6 bob 23 Mar 10:00-11:00, booked 17 Mar at the new rate: 1 h x 70.00       =  70.00
  b7 alice on AST-XRD-01 18 Mar 13:00-16:00, in 13:10 out 15:20:
                                               130 min x 45.00 = 97.50 (not 135.00)
  b8 erin 19 Mar 10:00-11:00, internal:        1 h x 40.00                    =  40.00
  b9 bob 30 Mar (BST) 10:00-11:00, booked 17 Mar: still March, 1 h x 70.00  =  70.00
Statement: ACME owes WARWICK 150.00 (ACME-PO-77);
  ASTON owes WARWICK 122.74 + 145.39 + 70.00 + 70.00 = 408.13 (EP/A1) + 15.35 (EP/B2) = 423.48;
  WARWICK owes ASTON 97.50 (W-77); WARWICK owes WARWICK 40.00 (none).
  Total 150.00 + 423.48 + 97.50 + 40.00 = 710.98.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import update

from equipshare.db.engine import Database
from equipshare.db.models.catalogue import Facility
from equipshare.db.models.charging import RateCard
from equipshare.domain.enums import BookingStatus, ChargeBasis, UserClass
from equipshare.domain.money.charging import money
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.checkin import CheckInService
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.past import PastBookingService
from equipshare.services.charging.statements import StatementService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, add_instrument, london

NEW_YEAR = date(2026, 1, 1)


def rates(instrument_id: int, valid_from: date, **cards: tuple[str, str]) -> list[RateCard]:
    return [
        RateCard(
            instrument_id=instrument_id,
            user_class=UserClass(name),
            hourly_rate=Decimal(hourly),
            technician_hourly_rate=Decimal(technician),
            valid_from=valid_from,
        )
        for name, (hourly, technician) in cards.items()
    ]


def set_up(database: Database, world: World) -> None:
    open_to_all = dict(slot_minutes=30, min_minutes=30, min_notice_minutes=0,
                       requires_training=False, access_level="industry")  # fmt: skip
    sem = add_instrument(database, world, "WAR-SEM-02", "WAR-PRP", **open_to_all)
    xrd = add_instrument(database, world, "AST-XRD-01", "AST-EM", **open_to_all)
    world.instruments.update({"WAR-SEM-02": sem, "AST-XRD-01": xrd})
    with database.sessions.begin() as session:
        session.execute(
            update(Facility)
            .where(Facility.code == "WAR-PRP")
            .values(
                charge_basis=ChargeBasis.BOOKED,
                free_cancellation_hours=24,
                late_cancellation_percent=50,
                requires_check_in=True,
            )
        )
        session.execute(
            update(Facility)
            .where(Facility.code == "AST-EM")
            .values(charge_basis=ChargeBasis.ACTUAL, requires_check_in=False)
        )
        session.add_all(
            rates(sem, NEW_YEAR, internal=("40.00", "30.00"), partner=("61.37", "35.55"),
                  industry=("150.00", "80.00"))
        )  # fmt: skip
        session.add_all(rates(xrd, NEW_YEAR, partner=("45.00", "20.00")))
        # The rate change, decided on 16 March for bookings made from the 17th.
        session.add_all(rates(sem, date(2026, 3, 17), partner=("70.00", "35.55")))


def book(service: BookingService, who: str, code: str, start: datetime, minutes: int,
         project: str | None = None, technician: str | None = None) -> int:  # fmt: skip
    request = BookingRequest(code, start, start + timedelta(minutes=minutes),
                             project_code=project, technician_username=technician)  # fmt: skip
    return service.book(who, request).id


def test_the_march_statement_matches_the_hand_worked_figures(
    context: ServiceContext, clock: FrozenClock, database: Database, world: World
) -> None:
    set_up(database, world)
    bookings, checkin = BookingService(context), CheckInService(context)
    sem, xrd = "WAR-SEM-02", "AST-XRD-01"
    # Monday 16 March, 09:00 UTC (GMT): the week is booked.
    b1 = book(bookings, "bob", sem, london(2026, 3, 17, 10), 120, "EP/A1")
    b2 = book(bookings, "bob", sem, london(2026, 3, 18, 10), 90, "EP/A1", technician="tech")
    b3 = book(bookings, "dave", sem, london(2026, 3, 19, 14), 60, "ACME-PO-77")
    b4 = book(bookings, "dave", sem, london(2026, 3, 20, 9), 60, "ACME-PO-77")
    b5 = book(bookings, "bob", sem, london(2026, 3, 17, 9), 30, "EP/B2")
    b7 = book(bookings, "alice", xrd, london(2026, 3, 18, 13), 180, "W-77")
    b8 = book(bookings, "erin", sem, london(2026, 3, 19, 10), 60)
    # Bookings from other institutions wait for the host facility's staff.
    for approver, booking in [("mgr", b) for b in (b1, b2, b3, b4, b5)] + [("otherstaff", b7)]:
        bookings.approve(approver, booking)
    bookings.cancel("dave", b4, "plans changed")  # four days ahead: free
    clock.advance(hours=3)  # 12:00, 21 hours before b5 starts: a late cancellation
    bookings.cancel("bob", b5, "sample not ready")
    clock.advance(hours=21)  # Tuesday 17 March 09:00: the new partner rate is in force
    b6 = book(bookings, "bob", sem, london(2026, 3, 23, 10), 60, "EP/A1")
    b9 = book(bookings, "bob", sem, london(2026, 3, 30, 10), 60, "EP/A1")
    bookings.approve("mgr", b6)
    bookings.approve("mgr", b9)
    # They turn up, each at the instrument when the clock says so (dave never does), and
    # alice's session on the XRD runs short.
    for moment, who, booking, action in [
        (london(2026, 3, 17, 10, 2), "bob", b1, checkin.check_in),
        (london(2026, 3, 18, 10), "tech", b2, checkin.check_in),
        (london(2026, 3, 18, 13, 10), "alice", b7, checkin.check_in),
        (london(2026, 3, 18, 15, 20), "alice", b7, checkin.check_out),
        (london(2026, 3, 19, 10, 5), "erin", b8, checkin.check_in),
        (london(2026, 3, 23, 10), "bob", b6, checkin.check_in),
        (london(2026, 3, 30, 10), "bob", b9, checkin.check_in),
    ]:
        clock.instant = moment.astimezone(UTC)
        action(who, booking)
    clock.instant = london(2026, 4, 1, 2)
    closed = PastBookingService(context).close_past("root")
    assert closed.no_show_ids == (b3,)

    statement = StatementService(context).statement("root", date(2026, 3, 1))

    charged = {line.booking_id: money(line.total_pence) for line in statement.lines}
    assert charged == {
        b1: Decimal("122.74"), b2: Decimal("145.39"), b3: Decimal("150.00"),
        b5: Decimal("15.35"), b6: Decimal("70.00"), b7: Decimal("97.50"),
        b8: Decimal("40.00"), b9: Decimal("70.00"),
    }  # fmt: skip
    assert b4 not in charged
    lines = {line.booking_id: line for line in statement.lines}
    assert (lines[b2].instrument_pence, lines[b2].technician_pence) == (9206, 5333)
    assert (lines[b7].minutes, lines[b7].hourly_rate_pence) == (130, 4500)
    assert lines[b1].hourly_rate_pence == 6137 and lines[b6].hourly_rate_pence == 7000
    assert lines[b3].status is BookingStatus.NO_SHOW
    assert lines[b8].user_class is UserClass.INTERNAL
    assert lines[b3].user_class is UserClass.INDUSTRY

    pairs = {
        (pair.payer_code, pair.host_code): (
            money(pair.total_pence),
            {project.project_code: money(project.total_pence) for project in pair.projects},
        )
        for pair in statement.pairs
    }
    assert pairs == {
        ("ACME", "WARWICK"): (Decimal("150.00"), {"ACME-PO-77": Decimal("150.00")}),
        ("ASTON", "WARWICK"): (Decimal("423.48"),
                               {"EP/A1": Decimal("408.13"), "EP/B2": Decimal("15.35")}),
        ("WARWICK", "ASTON"): (Decimal("97.50"), {"W-77": Decimal("97.50")}),
        ("WARWICK", "WARWICK"): (Decimal("40.00"), {None: Decimal("40.00")}),
    }  # fmt: skip
    assert money(statement.total_pence) == Decimal("710.98")
