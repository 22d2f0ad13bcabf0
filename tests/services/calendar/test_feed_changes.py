"""Every write path moves the change stamps of the feeds it changes, and only those (both engines).

The feed server serves a feed's cached body while its stamps stand still, so a path that
wrote a booking without moving them would leave feeds stale: each path here runs through
its real service and the stamps the feed server would read are compared before and after.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from equipshare.domain.enums import BookingStatus, DowntimeReason, ExportKind, InstrumentStatus
from equipshare.domain.records.scheduling.bookings import (
    BookingRecord,
    BookingRequest,
    RecurrenceRule,
)
from equipshare.domain.records.scheduling.calendar import FeedChanges
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.admin.retention import RetentionService
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.past import PastBookingService
from equipshare.services.bookings.series import SeriesService
from equipshare.services.calendar.feeds import FeedsService
from equipshare.services.calendar.importing import CalendarImportService
from equipshare.services.catalogue.instrument_status import InstrumentStatusService
from equipshare.services.downtime.scheduling import DowntimeService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.maintenance_rows import plant_booking
from tests.support.world import World, london

XPS, MEG = "WAR-XPS-01", "WAR-MEG-01"
Write = Callable[[ServiceContext, World, BookingRecord], object]


def calendar_file() -> bytes:
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "BEGIN:VEVENT",
            "UID:imported@outlook", "DTSTART:20260325T100000Z", "DTEND:20260325T110000Z",
            "ORGANIZER:mailto:alice@example.ac.uk", "END:VEVENT", "END:VCALENDAR", "",
        ]
    ).encode()  # fmt: skip


def purge_an_old_cancellation(c: ServiceContext, w: World, _: BookingRecord) -> object:
    old = london(2025, 1, 10, 10)
    cancelled = BookingStatus.CANCELLED
    plant_booking(c.database, w, "alice", XPS, old, old + timedelta(hours=1), cancelled)
    return RetentionService(c).purge("root", date(2026, 3, 16))


def approve(c: ServiceContext, w: World, _: BookingRecord) -> object:
    when = (london(2026, 3, 26, 10), london(2026, 3, 26, 12))
    pending = BookingService(c).book("alice", BookingRequest(MEG, *when, project_code="EP/1"))
    return BookingService(c).approve("mgr", pending.id)


def book_a_series_and_cancel_one(c: ServiceContext, w: World, _: BookingRecord) -> object:
    request = BookingRequest(XPS, london(2026, 3, 30, 10), london(2026, 3, 30, 11))
    made = SeriesService(c).book_series("alice", request, RecurrenceRule("daily", count=2))
    return SeriesService(c).cancel_occurrences(
        "alice", made.bookings[0].id, scope="this", reason="away"
    )


def downtime_that_cancels(c: ServiceContext, w: World, b: BookingRecord) -> object:
    day = (london(2026, 3, 24, 9), london(2026, 3, 24, 17))
    return DowntimeService(c).schedule(
        "mgr", XPS, *day, DowntimeReason.REPAIR, confirm_cancellations=True, previewed=[b.id]
    )


def out_of_service(c: ServiceContext, w: World, b: BookingRecord) -> object:
    return InstrumentStatusService(c).set_status(
        "mgr", XPS, InstrumentStatus.OUT_OF_SERVICE, "leak", cancel_affected=True,
        previewed=[b.id],
    )  # fmt: skip


def close_past(c: ServiceContext, w: World, b: BookingRecord) -> object:
    assert isinstance(c.clock, FrozenClock)
    c.clock.advance(days=10)
    return PastBookingService(c).close_past("root")


# Each path, and the instrument whose feeds it must change (with alice's and the
# facility's and institution's feeds).
WRITES: dict[str, tuple[str, Write]] = {
    "modify": (XPS, lambda c, w, b: BookingService(c).modify(
        "alice", b.id, starts_at=london(2026, 3, 24, 13), ends_at=london(2026, 3, 24, 15)
    )),
    "cancel": (XPS, lambda c, w, b: BookingService(c).cancel("alice", b.id)),
    "approve": (MEG, approve),
    "series, then one cancelled": (XPS, book_a_series_and_cancel_one),
    "calendar import": (XPS, lambda c, w, b: CalendarImportService(c).import_calendar(
        "tech", XPS, calendar_file(), source="c.ics", override_policy=True
    )),
    "downtime that cancels": (XPS, downtime_that_cancels),
    "instrument out of service": (XPS, out_of_service),
    "close past": (XPS, close_past),
    "anonymise": (XPS, lambda c, w, b: RetentionService(c).anonymise("root", date(2026, 3, 16))),
    "purge": (XPS, purge_an_old_cancellation),
}  # fmt: skip


@pytest.fixture
def booked(context: ServiceContext, world: World) -> BookingRecord:
    return BookingService(context).book(
        "alice", BookingRequest(XPS, london(2026, 3, 24, 10), london(2026, 3, 24, 12))
    )


@pytest.mark.parametrize("path", list(WRITES))
def test_each_write_path_moves_the_stamps_of_every_feed_it_changes(
    context: ServiceContext, world: World, booked: BookingRecord, path: str
) -> None:
    instrument, write = WRITES[path]
    feeds = FeedsService(context)
    facility = str(world.facilities["WAR-PRP"])
    tokens = {
        "alice's own": feeds.create("alice", ExportKind.USER),
        "the instrument's": feeds.create("bob", ExportKind.INSTRUMENT, instrument),
        "the facility": feeds.create("mgr", ExportKind.FACILITY, facility),
        "the institution": feeds.create("mgr", ExportKind.INSTITUTION, "WARWICK"),
    }

    def changes() -> dict[str, FeedChanges | None]:
        return {
            name: feeds.open(t.token, t.record.kind.value, t.record.target).changes
            for name, t in tokens.items()
        }

    before = changes()
    write(context, world, booked)
    after = changes()
    for name in tokens:
        assert after[name] != before[name], f"{path} left {name} feed's stamps as they were"


def test_a_write_elsewhere_leaves_other_scopes_alone(
    context: ServiceContext, world: World, booked: BookingRecord
) -> None:
    feeds = FeedsService(context)
    xps = feeds.create("bob", ExportKind.INSTRUMENT, XPS)
    alice = feeds.create("alice", ExportKind.USER)
    aston = feeds.create("otherstaff", ExportKind.FACILITY, str(world.facilities["AST-EM"]))

    def changes() -> list[FeedChanges | None]:
        return [
            feeds.open(t.token, t.record.kind.value, t.record.target).changes
            for t in (xps, alice, aston)
        ]

    before = changes()
    BookingService(context).book(
        "carol", BookingRequest("AST-SEM-01", london(2026, 3, 24, 10), london(2026, 3, 24, 11))
    )
    after = changes()
    assert after[:2] == before[:2]  # not the XPS's, not alice's
    assert after[2] != before[2]  # Aston's facility's
