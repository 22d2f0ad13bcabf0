"""WeekService: the calendar's data, labelled as far as each viewer may see, on both engines."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from equipshare.domain.enums import CalendarEntryKind, DowntimeReason
from equipshare.domain.errors import NotFound
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.week import WeekService
from equipshare.services.downtime.scheduling import DowntimeService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"


@pytest.fixture
def week(context: ServiceContext, world: World) -> WeekService:
    bookings = BookingService(context)
    bookings.book("bob", BookingRequest(XPS, london(2026, 3, 17, 10), london(2026, 3, 17, 12)))
    bookings.book("alice", BookingRequest(XPS, london(2026, 3, 18, 10), london(2026, 3, 18, 11)))
    # Next week's booking must not show in this week.
    bookings.book("alice", BookingRequest(XPS, london(2026, 3, 23, 10), london(2026, 3, 23, 11)))
    DowntimeService(context).schedule(
        "tech",
        XPS,
        london(2026, 3, 19, 13),
        london(2026, 3, 19, 15),
        DowntimeReason.MAINTENANCE,
        "new filament",
    )
    return WeekService(context)


def test_a_researcher_sees_institutions_not_names(week: WeekService) -> None:
    view = week.week("alice", XPS, date(2026, 3, 18))
    assert view.week_start == date(2026, 3, 16)
    assert (view.starts_at, view.ends_at) == (london(2026, 3, 16, 0), london(2026, 3, 23, 0))
    shown = [(e.kind, e.starts_at, e.label, e.detail) for e in view.entries]
    assert shown == [
        (
            CalendarEntryKind.PENDING,
            london(2026, 3, 17, 10),
            "Booked (ASTON)",
            "Booked (Aston University), waiting for approval",
        ),
        (CalendarEntryKind.MINE, london(2026, 3, 18, 10), "You", "your booking"),
        (
            CalendarEntryKind.DOWNTIME,
            london(2026, 3, 19, 13),
            "maintenance",
            "Downtime: maintenance: new filament",
        ),
    ]
    assert "bob" not in repr(view.entries)
    assert view.may_book and view.notice == ""


def test_facility_staff_see_who_booked(week: WeekService) -> None:
    view = week.week("mgr", XPS, date(2026, 3, 16))
    bob = view.entries[0]
    assert bob.label == "bob"
    assert "bob" in bob.detail and "Aston University" in bob.detail
    assert view.entries[1].kind is CalendarEntryKind.CONFIRMED  # alice's, seen by staff
    assert [name for name, _ in view.technicians] == ["tech", "tech2"]


def test_open_hours_are_wall_clock_across_the_spring_change(week: WeekService) -> None:
    # BST starts on Sun 29 Mar: 09:00-17:00 is 09:00Z before and 08:00Z after.
    before = week.week("alice", XPS, date(2026, 3, 27)).open_intervals
    after = week.week("alice", XPS, date(2026, 3, 30)).open_intervals
    assert before[0] == (
        datetime(2026, 3, 23, 9, tzinfo=UTC),
        datetime(2026, 3, 23, 17, tzinfo=UTC),
    )
    assert after[0] == (datetime(2026, 3, 30, 8, tzinfo=UTC), datetime(2026, 3, 30, 16, tzinfo=UTC))
    assert len(before) == len(after) == 5


def test_today_is_the_default_and_the_notice_says_what_booking_needs(
    week: WeekService,
) -> None:
    erin = week.week("erin", XPS)  # untrained
    assert erin.week_start == date(2026, 3, 16)
    assert erin.may_book and "no current training" in erin.notice
    assert "approval" in week.week("bob", XPS).notice  # another institution's user


def test_an_instrument_nobody_can_book_says_why(week: WeekService) -> None:
    view = week.week("alice", "WAR-AFM-01")
    assert not view.may_book and "cannot be booked" in view.notice
    raman = week.week("bob", "WAR-RAM-01")  # Warwick users only
    assert not raman.may_book and "University of Warwick" in raman.notice


def test_an_unknown_instrument_is_not_found(week: WeekService) -> None:
    with pytest.raises(NotFound, match="NOPE"):
        week.week("alice", "NOPE")


def test_staff_who_approve_are_not_told_to_wait_for_approval(week: WeekService) -> None:
    assert "approval" in week.week("alice", "WAR-MEG-01").notice  # the policy asks for it
    assert week.week("mgr", "WAR-MEG-01").notice == ""
