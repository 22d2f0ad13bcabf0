"""The export window's edges: a booking that began before the window and runs into it is
in, however long (up to the cap every booking keeps); one that ended at its start is out.

The window's query bounds starts_at from below by the longest booking allowed, so that it
need not read an instrument's whole history: these tests pin what that bound may not cut.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from equipshare.db.models.bookings import Booking
from equipshare.domain.enums import LONGEST_BOOKING_MINUTES, BookingStatus, ExportKind
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.records.scheduling.calendar import ExportScope
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.calendar.export import CalendarExportService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"
LONGEST = timedelta(minutes=LONGEST_BOOKING_MINUTES)


def booking_ids(context: ServiceContext, start_hour: int, end_hour: int) -> list[int]:
    """The booking ids in XPS's instrument calendar for 24 Mar 2026 between the hours."""
    _meta, events = CalendarExportService(context).events(
        "alice",
        ExportScope(ExportKind.INSTRUMENT, XPS),
        london(2026, 3, 24, start_hour),
        london(2026, 3, 24, end_hour),
    )
    return sorted(int(e.description.rsplit(" ", 1)[1]) for e in events)


def test_bookings_crossing_the_window_start_are_in_and_one_ending_there_is_out(
    context: ServiceContext, world: World
) -> None:
    bookings = BookingService(context)
    crossing = bookings.book(
        "alice", BookingRequest(XPS, london(2026, 3, 24, 9), london(2026, 3, 24, 11))
    )
    ending = bookings.book(
        "bob", BookingRequest(XPS, london(2026, 3, 23, 14), london(2026, 3, 23, 16))
    )
    assert booking_ids(context, 10, 17) == [crossing.id]
    # One that ends exactly at the window's start is not in it.
    assert booking_ids(context, 11, 17) == []
    with context.database.sessions.begin() as s:  # the longest booking allowed, ending inside
        s.execute(
            update(Booking)
            .where(Booking.id == ending.id)
            .values(
                starts_at=london(2026, 3, 24, 12) - LONGEST,
                ends_at=london(2026, 3, 24, 12),
                status=BookingStatus.COMPLETED,
            )
        )
    assert booking_ids(context, 11, 17) == [ending.id]
    assert booking_ids(context, 12, 17) == []
