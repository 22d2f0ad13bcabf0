"""Opening hours of an instrument (both engines): replaced as a whole, always open, refused
when bad, and the bookings a change would break, across the clock change.

The clock stands at Mon 16 Mar 2026 09:00 UTC; London's clocks go forward on Sun 29 Mar,
so the weeks of 23 and 30 March are on either side of the change.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.domain.enums import BookingStatus
from equipshare.domain.errors import InputError, PermissionDenied, RefusedError
from equipshare.domain.records.instruments.catalogue import OpeningInterval
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.rules.instrument_rules import week_of
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.catalogue.service import InstrumentEditingService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"


@pytest.fixture
def editing(context: ServiceContext) -> InstrumentEditingService:
    return InstrumentEditingService(context)


@pytest.fixture
def bookings(context: ServiceContext) -> BookingService:
    return BookingService(context)


def audits(database: Database, action: str) -> list[AuditEvent]:
    with database.readonly() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_hours_are_replaced_as_a_whole_and_breaking_bookings_reported_across_the_clock_change(
    editing: InstrumentEditingService, bookings: BookingService, database: Database, world: World
) -> None:
    """10:00 stays 10:00 on both sides of 29 March: the GMT and the BST Monday alike."""
    gmt = bookings.book(
        "alice", BookingRequest(XPS, london(2026, 3, 23, 9), london(2026, 3, 23, 11))
    )
    bst = bookings.book(
        "alice", BookingRequest(XPS, london(2026, 3, 30, 9), london(2026, 3, 30, 10))
    )
    # 09:00 UTC on the BST Monday: 10:00 on the wall clock, inside the new hours.
    fine = bookings.book(
        "bob", BookingRequest(XPS, london(2026, 3, 30, 10), london(2026, 3, 30, 12))
    )
    lunch = bookings.book(
        "bob", BookingRequest(XPS, london(2026, 3, 31, 12), london(2026, 3, 31, 14))
    )

    changed = editing.set_hours(
        "mgr", XPS, week_of({"mon": "10:00-17:00", "tue": "09:00-12:00, 13:00-17:00"})
    )

    assert [(c.before, c.after) for c in changed.changes] == [
        (
            "mon 09:00-17:00; tue 09:00-17:00; wed 09:00-17:00; thu 09:00-17:00; fri 09:00-17:00",
            "mon 10:00-17:00; tue 09:00-12:00,13:00-17:00",
        )
    ]
    broken = {b.booking_id: b.problems for b in changed.breaking}
    assert set(broken) == {gmt.id, bst.id, lunch.id} and fine.id not in broken
    assert broken[bst.id] == ("outside the opening hours (overnight use is not allowed)",)
    [event] = audits(database, "instrument.hours")
    assert event.after == {"opening_hours": "mon 10:00-17:00; tue 09:00-12:00,13:00-17:00"}
    with pytest.raises(RefusedError, match="outside WAR-XPS-01's opening hours"):
        bookings.book("alice", BookingRequest(XPS, london(2026, 4, 1, 10), london(2026, 4, 1, 11)))


def test_always_open_has_no_rows_and_takes_an_evening_booking(
    editing: InstrumentEditingService, bookings: BookingService, world: World
) -> None:
    changed = editing.set_hours("mgr", XPS, ())

    assert changed.instrument.policy.opening_hours == () and changed.breaking == ()
    evening = bookings.book(
        "alice", BookingRequest(XPS, london(2026, 3, 28, 19), london(2026, 3, 28, 21))
    )
    assert evening.status is BookingStatus.CONFIRMED


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({"tue": "09:00-12:00,11:00-13:00"}, "^tue: 09:00-12:00 and 11:00-13:00 overlap"),
        ({"wed": "17:00-09:00"}, "^wed: 17:00-09:00 does not open before it closes"),
        ({"thu": "9am-5pm"}, "^thu: '9am-5pm' is not HH:MM-HH:MM"),
        ({"fri": "09:00-24:30"}, "^fri: '09:00-24:30' is not a time of day"),
        ({"fry": "09:00-17:00"}, "^fry: not a day"),
    ],
)
def test_bad_hours_are_refused_naming_the_day(hours: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        week_of(hours)


def test_inverted_intervals_given_directly_are_refused_by_the_service(
    editing: InstrumentEditingService, world: World
) -> None:
    with pytest.raises(InputError, match=r"^sat: 12:00-10:00 does not open before it closes"):
        editing.set_hours("mgr", XPS, (OpeningInterval(5, 720, 600),))
    with pytest.raises(PermissionDenied):
        editing.set_hours("tech", XPS, ())


def test_a_week_closed_every_day_is_not_taken_for_always_open() -> None:
    with pytest.raises(InputError, match=r"^opening_hours: closed every day"):
        week_of({"mon": "closed", "tue": ""})
