"""The downtime board and the checks behind the TUI's Downtime screen, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from equipshare.db.engine import Database
from equipshare.db.models.bookings import Booking, Downtime
from equipshare.domain.enums import BookingStatus, DowntimeReason
from equipshare.domain.errors import NotFound, PermissionDenied, RefusedError
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.downtime.scheduling import DowntimeService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"
DAY = (london(2026, 3, 23, 9), london(2026, 3, 23, 17))


@pytest.fixture
def downtime(context: ServiceContext) -> DowntimeService:
    return DowntimeService(context)


def count(database: Database, model: type[object]) -> int:
    with database.readonly() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_the_board_lists_current_and_future_downtime_of_my_facilities_soonest_first(
    downtime: DowntimeService, world: World, clock: FrozenClock
) -> None:
    # Scheduled from Monday 16 Mar 08:00 UTC, then the clock moves to 09:00.
    clock.instant = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)
    ended, _ = downtime.schedule(
        "tech", XPS, london(2026, 3, 16, 8), london(2026, 3, 16, 9), DowntimeReason.OTHER
    )
    later, _ = downtime.schedule("mgr", XPS, *DAY, DowntimeReason.ENGINEER_VISIT, "new source")
    current, _ = downtime.schedule(
        "tech", "WAR-RAM-01", london(2026, 3, 16, 8), london(2026, 3, 16, 10), DowntimeReason.REPAIR
    )
    aston, _ = downtime.schedule("otherstaff", "AST-SEM-01", *DAY, DowntimeReason.CALIBRATION)
    clock.instant = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)

    board = downtime.upcoming("tech")

    assert board.may_schedule and board.now == clock.instant
    assert [row.downtime_id for row in board.rows] == [current.id, later.id]
    row = board.rows[1]
    assert (row.instrument_code, row.facility_name, row.timezone) == (
        XPS,
        "Warwick Photoemission RTP",
        "Europe/London",
    )
    assert (row.starts_at, row.ends_at) == (later.starts_at, later.ends_at)
    assert (row.reason, row.description, row.scheduled_by) == (
        DowntimeReason.ENGINEER_VISIT,
        "new source",
        "Mgr",
    )
    assert [r.downtime_id for r in downtime.upcoming("otherstaff").rows] == [aston.id]
    assert [r.downtime_id for r in downtime.upcoming("root").rows] == [
        current.id,
        later.id,
        aston.id,
    ]
    assert ended.id not in {r.downtime_id for r in downtime.upcoming("root").rows}


@pytest.mark.parametrize("who", ["alice", "gone"])
def test_someone_who_staffs_nothing_gets_an_empty_board_that_may_not_schedule(
    downtime: DowntimeService, world: World, clock: FrozenClock, who: str
) -> None:
    downtime.schedule("tech", XPS, *DAY, DowntimeReason.MAINTENANCE)

    board = downtime.upcoming(who)

    assert (board.rows, board.may_schedule, board.now) == ((), False, clock.instant)


def test_schedulable_gives_the_instrument_only_to_its_team(
    downtime: DowntimeService, world: World
) -> None:
    instrument = downtime.schedulable("tech", " WAR-XPS-01 ")
    assert (instrument.code, instrument.timezone) == (XPS, "Europe/London")
    assert downtime.schedulable("root", "AST-SEM-01").code == "AST-SEM-01"

    with pytest.raises(PermissionDenied, match="alice may not schedule downtime on WAR-XPS-01"):
        downtime.schedulable("alice", XPS)
    with pytest.raises(PermissionDenied, match="Aston"):
        downtime.schedulable("tech", "AST-SEM-01")
    with pytest.raises(NotFound) as missing:
        downtime.schedulable("tech", "NOPE-01")
    assert missing.value.field == "instrument"


def test_a_booking_made_since_the_preview_is_never_cancelled_unseen(
    context: ServiceContext, downtime: DowntimeService, database: Database, world: World
) -> None:
    bookings = BookingService(context)
    alice = bookings.book(
        "alice", BookingRequest(XPS, london(2026, 3, 23, 10), london(2026, 3, 23, 12))
    )
    shown = [b.id for b in downtime.preview("tech", XPS, *DAY)]
    bob = bookings.book(
        "bob", BookingRequest(XPS, london(2026, 3, 23, 13), london(2026, 3, 23, 14))
    )

    with pytest.raises(RefusedError, match=r"changed since the preview \(1 shown, 2 now\)"):
        downtime.schedule("tech", XPS, *DAY, DowntimeReason.REPAIR, previewed=shown)

    assert count(database, Downtime) == 0
    assert bookings.get("bob", bob.id).status is bob.status is BookingStatus.PENDING
    shown = [b.id for b in downtime.preview("tech", XPS, *DAY)]
    record, cancelled = downtime.schedule("tech", XPS, *DAY, DowntimeReason.REPAIR, previewed=shown)
    assert [b.id for b in cancelled] == [alice.id, bob.id]
    assert downtime.list_for_instrument(XPS, *DAY) == [record]
    with database.readonly() as s:
        statuses = set(s.scalars(select(Booking.status)).all())
    assert statuses == {BookingStatus.CANCELLED}


def test_an_empty_preview_confirms_a_downtime_over_nothing(
    downtime: DowntimeService, database: Database, world: World
) -> None:
    record, cancelled = downtime.schedule(
        "tech", XPS, *DAY, DowntimeReason.CALIBRATION, previewed=[]
    )
    assert cancelled == []
    assert count(database, Downtime) == 1
    assert record.reason is DowntimeReason.CALIBRATION
