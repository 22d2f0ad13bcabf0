"""Waiving and repricing a booking's charge on both engines: what each bills, the reasons and
audit they need, dry runs that write nothing, and what is refused.

The bookings are November's of tests/support/november.py (the clock on Wed 2 Dec 2026), with
no month issued; tests/services/charging/test_issued_statements.py covers issued months.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking
from equipshare.domain.enums import BookingStatus, UserClass
from equipshare.domain.errors import InputError, NotFound, PermissionDenied, RefusedError
from equipshare.domain.records.money.charge_corrections import CorrectionKind
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.service import CheckInService
from equipshare.services.charging.service import ChargeCorrectionService, StatementService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.maintenance_rows import plant_booking
from tests.support.november import NOVEMBER, NOW, at, plant_november
from tests.support.permission_matrix import database_state
from tests.support.pricing import plant_rate
from tests.support.world import World

XPS = "WAR-XPS-01"


@pytest.fixture
def november(database: Database, world: World, clock: FrozenClock) -> dict[str, int]:
    clock.instant = NOW
    return plant_november(database, world)


@pytest.fixture
def corrections(context: ServiceContext) -> ChargeCorrectionService:
    return ChargeCorrectionService(context)


def row_of(database: Database, booking_id: int) -> Booking:
    with database.readonly() as session:
        row = session.get_one(Booking, booking_id)
        session.expunge(row)
        return row


def audits(database: Database, booking_id: int) -> list[AuditEvent]:
    with database.readonly() as session:
        found = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == "booking", AuditEvent.entity_id == str(booking_id))
            .order_by(AuditEvent.id)
        ).all()
        session.expunge_all()
        return list(found)


# -- waive ------------------------------------------------------------------------------


def test_waiving_a_late_fee_zeroes_it_audited_with_its_reason(
    context: ServiceContext,
    database: Database,
    clock: FrozenClock,
    corrections: ChargeCorrectionService,
    november: dict[str, int],
) -> None:
    late2 = november["late2"]
    clock.advance(hours=1)

    done = corrections.waive("tech", late2, "  the fee was\nquoted wrongly  ")

    assert (done.kind, done.before_pence, done.after_pence) == (CorrectionKind.WAIVED, 500, 0)
    assert (done.issued_month, done.adjusts_on, done.dry_run) == (None, None, False)
    assert done.words() == f"booking {late2}: £5.00 -> £0.00 (waived: the fee was quoted wrongly)"
    row = row_of(database, late2)
    assert (row.instrument_charge_pence, row.technician_charge_pence) == (0, 0)
    assert row.updated_at == clock.now()
    [event] = audits(database, late2)
    assert (event.action, event.occurred_at) == ("booking.waive_charge", clock.now())
    assert event.before is not None and event.after is not None
    assert event.before["instrument_charge_pence"] == 500
    assert event.after["instrument_charge_pence"] == 0
    assert event.after["reason"] == "the fee was quoted wrongly"
    # November is open: its statement simply no longer bills the fee.
    lines = StatementService(context).statement("root", NOVEMBER).lines
    assert late2 not in {line.booking_id for line in lines}


def test_a_no_show_charge_is_waived_by_its_own_facility_s_staff_only(
    corrections: ChargeCorrectionService, november: dict[str, int]
) -> None:
    no_show = november["no_show"]  # alice on Aston's SEM
    with pytest.raises(PermissionDenied, match="tech may not waive this booking's charge on "):
        corrections.waive("tech", no_show, "came late")
    assert corrections.waive("otherstaff", no_show, "came late").after_pence == 0


def test_a_waive_dry_run_reports_the_change_and_writes_nothing(
    database: Database, corrections: ChargeCorrectionService, november: dict[str, int]
) -> None:
    before = database_state(database)
    dry = corrections.waive("mgr", november["late1"], "goodwill", dry_run=True)
    assert (dry.dry_run, dry.before_pence, dry.after_pence) == (True, 1_500, 0)
    assert database_state(database) == before


def test_nothing_to_waive_and_bookings_still_on_are_refused(
    corrections: ChargeCorrectionService, november: dict[str, int]
) -> None:
    free = november["free_cancel"]
    with pytest.raises(RefusedError, match=rf"booking {free} \(cancelled\) bills nothing"):
        corrections.waive("root", free, "twice")
    with pytest.raises(RefusedError, match=r"\(rejected\) bills nothing \(£0.00\); nothing to"):
        corrections.waive("root", november["rejected"], "why not")
    with pytest.raises(RefusedError, match="is confirmed and not over yet; a charge is waived"):
        corrections.waive("root", november["straddling"], "early")
    with pytest.raises(NotFound, match="no booking 999999"):
        corrections.waive("root", 999_999, "ghost")
    # A waived fee is nothing to waive again.
    corrections.waive("root", november["late2"], "goodwill")
    with pytest.raises(RefusedError, match="nothing to waive"):
        corrections.waive("root", november["late2"], "goodwill")


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_every_correction_needs_a_reason(
    database: Database,
    corrections: ChargeCorrectionService,
    november: dict[str, int],
    reason: str,
) -> None:
    before = database_state(database)
    with pytest.raises(InputError, match="reason: say why the charge is waived") as waived:
        corrections.waive("root", november["late1"], reason)
    with pytest.raises(InputError, match="reason: say why the charge is repriced") as repriced:
        corrections.reprice("root", november["session"], reason)
    assert waived.value.field == repriced.value.field == "reason"
    with pytest.raises(InputError, match="reason: at most 500 characters, not 501"):
        corrections.waive("root", november["late1"], "x" * 501)
    assert database_state(database) == before


# -- reprice ----------------------------------------------------------------------------


def test_reprice_uses_the_card_in_force_on_the_day_the_booking_starts(
    database: Database,
    world: World,
    corrections: ChargeCorrectionService,
    november: dict[str, int],
) -> None:
    # bob (Aston) is a consortium partner on Warwick's XPS: £12 an hour, then £15 from 4 Nov.
    plant_rate(database, world, XPS, UserClass.PARTNER, "12")
    plant_rate(database, world, XPS, UserClass.PARTNER, "15", valid_from=date(2026, 11, 4))

    session = corrections.reprice("mgr", november["session"], "partner rates")  # Tue 3 Nov
    assert (session.before_pence, session.after_pence) == (2_000, 2 * 1_200)
    assert (session.user_class, session.rates_on) == (UserClass.PARTNER, date(2026, 11, 3))
    assert session.words() == (
        f"booking {november['session']}: £20.00 -> £24.00 (repriced at partner £12.00/h "
        "in force 03 Nov 2026: partner rates)"
    )
    # A late cancellation pays the facility's late share (50%) of its new price.
    late = corrections.reprice("root", november["late1"], "partner rates")  # Wed 4 Nov, 3 h
    assert (late.before_pence, late.after_pence) == (1_500, 3 * 1_500 // 2)
    row = row_of(database, november["late1"])
    assert (row.user_class, row.hourly_rate_pence, row.status) == (
        UserClass.PARTNER, 1_500, BookingStatus.CANCELLED)  # fmt: skip
    [event] = audits(database, november["late1"])
    assert event.action == "booking.reprice"
    assert event.before is not None and event.after is not None
    assert (event.before["user_class"], event.before["hourly_rate_pence"]) == (None, 1_000)
    assert (event.after["user_class"], event.after["hourly_rate_pence"]) == ("partner", 1_500)
    assert event.after["reason"] == "partner rates"


def test_reprice_with_a_corrected_class_and_actual_time(
    context: ServiceContext,
    database: Database,
    world: World,
    corrections: ChargeCorrectionService,
    november: dict[str, int],
) -> None:
    plant_rate(database, world, XPS, UserClass.INDUSTRY, "80", "30")
    done = corrections.reprice(
        "mgr", november["session"], "bob works for Acme", user_class=UserClass.INDUSTRY
    )
    assert (done.before_class, done.user_class, done.after_pence) == (
        None, UserClass.INDUSTRY, 2 * 8_000)  # fmt: skip
    # carol checked in at 10:00 and never out; WAR-PRP bills actual time, so after a
    # check-out correction to 11:00 a reprice bills that one hour at the new rate.
    CheckInService(context).check_out("tech", november["corrected"], at=at(9, 11))
    actual = corrections.reprice(
        "mgr", november["corrected"], "carol came for Acme", user_class=UserClass.INDUSTRY
    )
    assert (actual.before_pence, actual.after_pence) == (1_000, 8_000)


def test_reprice_refusals_change_nothing(
    database: Database,
    world: World,
    corrections: ChargeCorrectionService,
    november: dict[str, int],
) -> None:
    plant_rate(database, world, XPS, UserClass.PARTNER, "10")  # what November was billed at
    before = database_state(database)
    with pytest.raises(
        RefusedError, match="no industry rate card in force on Tue 03 Nov 2026"
    ) as no_card:
        corrections.reprice("root", november["session"], "x", user_class=UserClass.INDUSTRY)
    assert no_card.value.field == "user_class"
    with pytest.raises(RefusedError, match="no partner rate card in force on Thu 12 Nov"):
        corrections.reprice("root", november["no_show"], "alice is Aston's partner")
    with pytest.raises(PermissionDenied, match="tech may not reprice this booking"):
        corrections.reprice("tech", november["session"], "x")
    assert database_state(database) == before
    # Partner rates of £10 the booking was frozen with: the class is filled in, the price stays.
    assert corrections.reprice("root", november["session"], "class").after_pence == 2_000
    with pytest.raises(
        RefusedError,
        match=r"already bills £20.00 at the partner rates in force on Tue 03 Nov 2026; nothing ch",
    ):
        corrections.reprice("root", november["session"], "again")
    with pytest.raises(RefusedError, match="was rejected and bills nothing"):
        corrections.reprice("root", november["rejected"], "x")
    with pytest.raises(RefusedError, match="cancelled free of charge; a free cancellation"):
        corrections.reprice("root", november["free_cancel"], "x")
    corrections.waive("tech", november["late2"], "goodwill")
    with pytest.raises(RefusedError, match="charge was waived; a waived charge is not repriced"):
        corrections.reprice("root", november["late2"], "x")


def test_a_reprice_dry_run_reports_old_and_new_and_writes_nothing(
    database: Database,
    world: World,
    corrections: ChargeCorrectionService,
    november: dict[str, int],
) -> None:
    plant_rate(database, world, XPS, UserClass.PARTNER, "15")
    before = database_state(database)
    dry = corrections.reprice("mgr", november["session"], "new card", dry_run=True)
    assert (dry.dry_run, dry.before_pence, dry.after_pence) == (True, 2_000, 3_000)
    assert database_state(database) == before


def test_a_booking_still_to_come_is_repriced_with_its_technician(
    database: Database,
    world: World,
    corrections: ChargeCorrectionService,
    november: dict[str, int],
) -> None:
    # dave (Acme) booked as if internal, assisted by tech, for next week.
    plant_rate(database, world, XPS, UserClass.INDUSTRY, "80", "30")
    start = at(9, 10, month=12)
    coming = plant_booking(
        database, world, "dave", XPS, start, start + timedelta(hours=2),
        BookingStatus.CONFIRMED, technician_id=world.users["tech"],
        user_class=UserClass.INTERNAL, hourly_rate_pence=1_000, technician_rate_pence=500,
        instrument_charge_pence=2_000, technician_charge_pence=1_000,
    )  # fmt: skip
    with pytest.raises(RefusedError, match="is confirmed and not over yet"):
        corrections.waive("tech", coming, "not yet")
    done = corrections.reprice("mgr", coming, "Acme is industry", user_class=UserClass.INDUSTRY)
    assert (done.before_pence, done.after_pence) == (3_000, 2 * 8_000 + 2 * 3_000)
    assert (done.issued_month, done.adjusts_on) == (None, None)
    row = row_of(database, coming)
    assert (row.instrument_charge_pence, row.technician_charge_pence) == (16_000, 6_000)
    assert row.technician_rate_pence == 3_000
