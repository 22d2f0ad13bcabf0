"""The calendar import meets the waitlist as every other write path does; on both engines.

A range held off the waitlist is taken to everyone but its holder; the holder's own event
books it; what the import frees (an event cancelled or moved, a downtime removed) is
offered to the first in line; an imported downtime ends the holds it falls on; a hold
that ran out is passed on before the import reads the line. `check` stays clean.
Clock: Mon 16 Mar 2026 09:00 UTC; Tuesday 17 March is in GMT, so UTC is London time.
"""

from __future__ import annotations

from sqlalchemy import select

from equipshare.db.models.bookings import Booking
from equipshare.db.models.queue import Notification, WaitlistEntry
from equipshare.domain.enums import (
    BookingStatus,
    ImportAction,
    NotificationKind,
    WaitlistStatus,
)
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.records.scheduling.calendar import ImportReport
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.admin.integrity import IntegrityService
from equipshare.services.bookings.service import BookingService, WaitlistService
from equipshare.services.calendar.importing import CalendarImportService
from equipshare.services.plumbing.context import ServiceContext
from tests.services.calendar.test_calendar_import import ics, vevent
from tests.support.world import World, london

XPS = "WAR-XPS-01"
TEN, TWELVE = london(2026, 3, 17, 10), london(2026, 3, 17, 12)
ALICE = "ORGANIZER:mailto:alice@example.ac.uk"
BOB = "ORGANIZER:mailto:bob@example.ac.uk"


def imported(context: ServiceContext, *events: str, as_downtime: bool = False) -> ImportReport:
    report = CalendarImportService(context).import_calendar(
        "tech", XPS, ics(*events), as_downtime=as_downtime
    )
    assert IntegrityService(context).check().clean
    return report


def status(context: ServiceContext, entry_id: int) -> WaitlistStatus:
    with context.database.readonly() as s:
        return s.get_one(WaitlistEntry, entry_id).status


def held_for_bob(context: ServiceContext) -> int:
    """Alice's Tuesday 10:00-12:00 cancelled: it is held for bob, first on its waitlist."""
    bookings = BookingService(context)
    made = bookings.book("alice", BookingRequest(XPS, TEN, TWELVE))
    entry = WaitlistService(context).join("bob", XPS, TEN, TWELVE)
    bookings.cancel("alice", made.id)
    assert status(context, entry.id) is WaitlistStatus.OFFERED
    return entry.id


def test_another_users_event_on_a_held_range_is_a_conflict(
    context: ServiceContext, world: World
) -> None:
    entry_id = held_for_bob(context)
    report = imported(context, vevent("a@x", "20260317T110000", "20260317T120000", ALICE))
    (outcome,) = report.outcomes
    assert outcome.action is ImportAction.CONFLICT
    assert "held off the waitlist for another user until" in outcome.reason
    assert f"(waitlist entry {entry_id})" in outcome.reason
    assert status(context, entry_id) is WaitlistStatus.OFFERED


def test_the_holders_own_event_books_the_held_range_and_accepts_the_entry(
    context: ServiceContext, world: World
) -> None:
    entry_id = held_for_bob(context)
    report = imported(context, vevent("b@x", "20260317T100000", "20260317T120000", BOB))
    (outcome,) = report.created
    assert status(context, entry_id) is WaitlistStatus.ACCEPTED
    with context.database.readonly() as s:
        booking = s.get_one(Booking, outcome.record_id)
        assert (booking.user_id, booking.status) == (world.users["bob"], BookingStatus.PENDING)


def test_an_event_cancelled_in_the_calendar_is_offered_to_the_first_in_line(
    context: ServiceContext, world: World
) -> None:
    event = ("a@x", "20260317T100000", "20260317T120000", ALICE)
    imported(context, vevent(*event))
    entry = WaitlistService(context).join("bob", XPS, TEN, TWELVE)
    imported(context, vevent(*event, "STATUS:CANCELLED"))
    assert status(context, entry.id) is WaitlistStatus.OFFERED
    (held,) = WaitlistService(context).mine("bob")
    assert held.held_until == london(2026, 3, 16, 10)


def test_an_event_moved_away_offers_its_old_range(context: ServiceContext, world: World) -> None:
    imported(context, vevent("a@x", "20260317T100000", "20260317T120000", ALICE))
    entry = WaitlistService(context).join("bob", XPS, TEN, TWELVE)
    imported(context, vevent("a@x", "20260318T100000", "20260318T120000", ALICE))
    assert status(context, entry.id) is WaitlistStatus.OFFERED


def test_a_moved_event_still_on_the_range_offers_nothing(
    context: ServiceContext, world: World
) -> None:
    imported(context, vevent("a@x", "20260317T100000", "20260317T120000", ALICE))
    entry = WaitlistService(context).join("bob", XPS, TEN, TWELVE)
    imported(context, vevent("a@x", "20260317T110000", "20260317T130000", ALICE))
    assert status(context, entry.id) is WaitlistStatus.WAITING


def test_a_downtime_removed_in_the_calendar_is_offered(
    context: ServiceContext, world: World
) -> None:
    event = ("d@x", "20260317T100000", "20260317T120000", "SUMMARY:Service visit")
    imported(context, vevent(*event), as_downtime=True)
    entry = WaitlistService(context).join("bob", XPS, TEN, TWELVE)
    imported(context, vevent(*event, "STATUS:CANCELLED"), as_downtime=True)
    assert status(context, entry.id) is WaitlistStatus.OFFERED


def test_an_imported_downtime_ends_the_hold_it_falls_on_and_tells_the_holder(
    context: ServiceContext, world: World
) -> None:
    entry_id = held_for_bob(context)
    report = imported(
        context,
        vevent("d@x", "20260317T110000", "20260317T120000", "SUMMARY:Repair the source"),
        as_downtime=True,
    )
    (outcome,) = report.created
    assert outcome.reason == f"ends the hold of waitlist entry {entry_id}"
    assert status(context, entry_id) is WaitlistStatus.EXPIRED
    with context.database.readonly() as s:
        kinds = s.scalars(
            select(Notification.kind).where(Notification.user_id == world.users["bob"])
        ).all()
    assert NotificationKind.CANCELLED_BY_DOWNTIME in kinds


def test_a_hold_that_ran_out_passes_on_before_the_import_reads_the_line(
    context: ServiceContext, clock: FrozenClock, world: World
) -> None:
    bob_entry = held_for_bob(context)
    erin = WaitlistService(context).join("erin", XPS, TEN, TWELVE)
    clock.advance(hours=2)  # bob's hold ran out unseen; erin is next in line
    report = imported(context, vevent("a@x", "20260317T100000", "20260317T110000", ALICE))
    assert status(context, bob_entry) is WaitlistStatus.EXPIRED
    assert status(context, erin.id) is WaitlistStatus.OFFERED
    (outcome,) = report.outcomes
    assert outcome.action is ImportAction.CONFLICT
    assert f"(waitlist entry {erin.id})" in outcome.reason


def test_a_dry_run_changes_no_entry(context: ServiceContext, world: World) -> None:
    imported(context, vevent("a@x", "20260317T100000", "20260317T120000", ALICE))
    entry = WaitlistService(context).join("bob", XPS, TEN, TWELVE)
    CalendarImportService(context).import_calendar(
        "tech",
        XPS,
        ics(vevent("a@x", "20260317T100000", "20260317T120000", ALICE, "STATUS:CANCELLED")),
        dry_run=True,
    )
    assert status(context, entry.id) is WaitlistStatus.WAITING
