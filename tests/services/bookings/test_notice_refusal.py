"""The notice refusal names a start that could be booked, in the facility's zone, named.

Issue 20 saw "the earliest start is 21:00 Mon 7 Dec" for an instrument open 09:00-17:00:
the notice's end, a closed hour, with no zone. The demo's today is Sun 6 Dec 2026 21:00
GMT; the XPS (Mon-Fri 09:00-17:00, hourly slots) here asks for 24 hours' notice. On both
engines.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from equipshare.db.models.bookings import Downtime
from equipshare.db.models.catalogue import Instrument
from equipshare.domain.enums import DowntimeReason
from equipshare.domain.errors import TooSoon
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.rules import policy_rules
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"
SUNDAY_EVENING = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)


@pytest.fixture
def svc(context: ServiceContext, clock: FrozenClock, world: World) -> BookingService:
    clock.instant = SUNDAY_EVENING
    with context.database.sessions.begin() as session:
        session.execute(
            update(Instrument)
            .where(Instrument.id == world.instruments[XPS])
            .values(min_notice_minutes=24 * 60)
        )
    return BookingService(context)


def too_soon(svc: BookingService, start: datetime, end: datetime) -> TooSoon:
    with pytest.raises(TooSoon) as caught:
        svc.book("alice", BookingRequest(XPS, start, end))
    assert caught.value.field == "start"
    return caught.value


def down(context: ServiceContext, world: World, start: datetime, end: datetime) -> None:
    with context.database.sessions.begin() as session:
        session.add(
            Downtime(
                instrument_id=world.instruments[XPS],
                starts_at=start,
                ends_at=end,
                reason=DowntimeReason.MAINTENANCE,
                ical_uid=f"dt-{start.isoformat()}",
                created_at=SUNDAY_EVENING,
                updated_at=SUNDAY_EVENING,
            )
        )


def test_the_earliest_start_is_open_and_names_its_zone(svc: BookingService) -> None:
    # The notice ends at 21:00 Monday, when the XPS is closed: Tuesday 09:00 is the first.
    error = too_soon(svc, london(2026, 12, 7, 10), london(2026, 12, 7, 11))
    assert str(error) == (
        "WAR-XPS-01 needs 24 hours notice: the earliest start is 09:00 Tue 8 Dec 2026 GMT"
    )
    assert error.earliest == london(2026, 12, 8, 9)
    assert svc.book("alice", BookingRequest(XPS, london(2026, 12, 8, 9), london(2026, 12, 8, 10)))


def test_the_earliest_start_misses_downtime_and_fits_the_length(
    svc: BookingService, context: ServiceContext, world: World
) -> None:
    down(context, world, london(2026, 12, 8, 9), london(2026, 12, 8, 12))
    error = too_soon(svc, london(2026, 12, 7, 10), london(2026, 12, 7, 11))
    assert error.earliest == london(2026, 12, 8, 12)
    assert str(error).endswith("the earliest start is 12:00 Tue 8 Dec 2026 GMT")
    # Eight hours fit no part of Tuesday after the maintenance: Wednesday 09:00.
    whole_day = too_soon(svc, london(2026, 12, 7, 9), london(2026, 12, 7, 17))
    assert str(whole_day).endswith("the earliest start is 09:00 Wed 9 Dec 2026 GMT")


def test_summer_time_is_named_and_no_opening_is_said_plainly(
    context: ServiceContext, world: World
) -> None:
    with context.database.readonly() as session:
        xps = row_records.load_instrument(session, XPS)
    friday_evening = datetime(2026, 7, 3, 18, 0, tzinfo=UTC)  # 19:00 BST
    error = policy_rules.too_soon(xps, friday_evening)
    # An hour's notice ends on a Friday evening: Monday 09:00 BST is 08:00 UTC.
    assert str(error) == (
        "WAR-XPS-01 needs 1 hour notice: the earliest start is 09:00 Mon 6 Jul 2026 BST"
    )
    assert error.earliest == datetime(2026, 7, 6, 8, 0, tzinfo=UTC)
    blocked = [(friday_evening, friday_evening + timedelta(days=120))]
    nothing = policy_rules.too_soon(xps, friday_evening, timedelta(hours=1), blocked)
    assert nothing.earliest is None
    assert str(nothing) == (
        "WAR-XPS-01 needs 1 hour notice, and no booking of 1 hour from 20:00 Fri 3 Jul 2026 "
        "BST fits its opening hours within 90 days"
    )
