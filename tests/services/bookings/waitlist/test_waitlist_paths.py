"""Every path that frees a range offers it to the waitlist and holds it; on both engines.

Cancel, reject, move, a series' cancel and move, a downtime removed, and a holder who
leaves the line. Cancellations by downtime or an instrument's status do not: the range
is no freer than before.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from equipshare.db.models.queue import WaitlistEntry
from equipshare.domain.enums import DowntimeReason, WaitlistStatus
from equipshare.domain.records.scheduling.bookings import BookingRequest, RecurrenceRule
from equipshare.services.bookings.service import BookingService, SeriesService, WaitlistService
from equipshare.services.downtime.service import DowntimeService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"
TEN, TWELVE = london(2026, 3, 17, 10), london(2026, 3, 17, 12)
Free = Callable[[ServiceContext], None]


def waiting_statuses(context: ServiceContext) -> list[tuple[str, WaitlistStatus, bool]]:
    """(whose, status, holds a range) per entry, in joining order."""
    with context.database.readonly() as s:
        rows = s.scalars(select(WaitlistEntry).order_by(WaitlistEntry.id)).all()
        return [(str(e.user_id), e.status, e.hold_expires_at is not None) for e in rows]


def cancel(context: ServiceContext) -> None:
    bookings = BookingService(context)
    made = bookings.book("alice", BookingRequest(XPS, TEN, TWELVE))
    WaitlistService(context).join("erin", XPS, TEN, TWELVE)
    bookings.cancel("alice", made.id)


def reject(context: ServiceContext) -> None:
    bookings = BookingService(context)
    made = bookings.book("bob", BookingRequest(XPS, TEN, TWELVE))  # pending: bob is at Aston
    WaitlistService(context).join("erin", XPS, TEN, TWELVE)
    bookings.reject("mgr", made.id, "the XPS is reserved for a service run")


def move(context: ServiceContext) -> None:
    bookings = BookingService(context)
    made = bookings.book("alice", BookingRequest(XPS, TEN, TWELVE))
    WaitlistService(context).join("erin", XPS, TEN, TWELVE)
    bookings.modify(
        "alice", made.id, starts_at=TEN + timedelta(days=1), ends_at=TWELVE + timedelta(days=1)
    )


def series_cancel(context: ServiceContext) -> None:
    series = SeriesService(context)
    made = series.book_series(
        "alice", BookingRequest(XPS, TEN, TWELVE), RecurrenceRule("daily", count=2)
    )
    WaitlistService(context).join("erin", XPS, TEN, TWELVE)
    series.cancel_occurrences("alice", made.bookings[0].id, scope="all", reason="done")


def series_move(context: ServiceContext) -> None:
    series = SeriesService(context)
    made = series.book_series(
        "alice", BookingRequest(XPS, TEN, TWELVE), RecurrenceRule("daily", count=2)
    )
    WaitlistService(context).join("erin", XPS, TEN, TWELVE)
    series.modify_occurrences("alice", made.bookings[0].id, scope="all", new_start_time=time(14))


def downtime_removed(context: ServiceContext) -> None:
    downtime = DowntimeService(context)
    record, _ = downtime.schedule("tech", XPS, TEN, TWELVE, DowntimeReason.REPAIR)
    WaitlistService(context).join("erin", XPS, TEN, TWELVE)
    downtime.cancel("tech", record.id)


PATHS: dict[str, Free] = {
    "cancel": cancel,
    "reject": reject,
    "move": move,
    "series cancel": series_cancel,
    "series move": series_move,
    "downtime removed": downtime_removed,
}


@pytest.mark.parametrize("path", list(PATHS))
def test_each_path_that_frees_a_range_offers_and_holds_it(
    context: ServiceContext, world: World, path: str
) -> None:
    PATHS[path](context)
    assert waiting_statuses(context) == [(str(world.users["erin"]), WaitlistStatus.OFFERED, True)]
    (entry,) = WaitlistService(context).mine("erin")
    assert entry.held_until == london(2026, 3, 16, 10)


def test_a_holder_who_leaves_passes_the_range_on(context: ServiceContext, world: World) -> None:
    bookings, waitlist = BookingService(context), WaitlistService(context)
    made = bookings.book("alice", BookingRequest(XPS, TEN, TWELVE))
    bob = waitlist.join("bob", XPS, TEN, TWELVE)
    erin = waitlist.join("erin", XPS, TEN, TWELVE)
    bookings.cancel("alice", made.id)
    waitlist.leave("bob", bob.id)
    (held,) = waitlist.mine("erin")
    assert (held.id, held.status, held.position) == (erin.id, WaitlistStatus.OFFERED, 1)


def test_a_downtime_over_the_range_offers_nothing(context: ServiceContext, world: World) -> None:
    bookings = BookingService(context)
    bookings.book("alice", BookingRequest(XPS, TEN, TWELVE))
    WaitlistService(context).join("erin", XPS, TEN, TWELVE)
    DowntimeService(context).schedule(
        "tech", XPS, TEN, TWELVE, DowntimeReason.REPAIR, confirm_cancellations=True
    )
    assert waiting_statuses(context) == [(str(world.users["erin"]), WaitlistStatus.WAITING, False)]
