"""Downtime on both engines: preview, refusal until confirmed, cancellation with notice, rights."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking, Downtime
from equipshare.db.models.queue import Notification
from equipshare.domain.enums import BookingStatus, DowntimeReason, NotificationKind
from equipshare.domain.errors import ConflictError, NotFound, PermissionDenied, RefusedError
from equipshare.domain.records.scheduling.bookings import (
    BookingRecord,
    BookingRequest,
    RecurrenceRule,
)
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.series import SeriesService
from equipshare.services.downtime.scheduling import DowntimeService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"
# Monday 23 March, the whole working day in London.
DAY = (london(2026, 3, 23, 9), london(2026, 3, 23, 17))


@pytest.fixture
def downtime(context: ServiceContext) -> DowntimeService:
    return DowntimeService(context)


@pytest.fixture
def bookings(context: ServiceContext) -> BookingService:
    return BookingService(context)


@pytest.fixture
def booked(bookings: BookingService, world: World) -> list[BookingRecord]:
    """alice 10-12 and bob 13-14 on the day, and alice the next day (outside it)."""
    return [
        bookings.book("bob", BookingRequest(XPS, london(2026, 3, 23, 13), london(2026, 3, 23, 14))),
        bookings.book(
            "alice", BookingRequest(XPS, london(2026, 3, 23, 10), london(2026, 3, 23, 12))
        ),
        bookings.book(
            "alice", BookingRequest(XPS, london(2026, 3, 24, 10), london(2026, 3, 24, 12))
        ),
    ]


def count(database: Database, model: type[object]) -> int:
    with database.readonly() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def status_of(database: Database, booking_id: int) -> tuple[BookingStatus, str | None, int]:
    with database.readonly() as s:
        row = s.get_one(Booking, booking_id)
        return row.status, row.status_reason, row.sequence


def test_preview_lists_the_active_bookings_in_the_range_earliest_first(
    downtime: DowntimeService, bookings: BookingService, booked: list[BookingRecord]
) -> None:
    bob, alice, _next_day = booked
    bookings.cancel("bob", bob.id)
    rebooked = bookings.book(
        "bob", BookingRequest(XPS, london(2026, 3, 23, 13), london(2026, 3, 23, 14))
    )

    found = downtime.preview("tech", XPS, *DAY)

    assert [b.id for b in found] == [alice.id, rebooked.id]


def test_schedule_over_bookings_refuses_until_confirmed(
    downtime: DowntimeService, database: Database, booked: list[BookingRecord]
) -> None:
    bob, alice, _ = booked

    with pytest.raises(RefusedError) as refused:
        downtime.schedule("tech", XPS, *DAY, DowntimeReason.MAINTENANCE, "new filament")

    message = str(refused.value)
    assert "would cancel 2 bookings" in message
    assert f"booking {alice.id} (alice, 10:00-12:00 Mon 23 Mar 2026 GMT)" in message
    assert f"booking {bob.id} (bob, 13:00-14:00 Mon 23 Mar 2026 GMT)" in message
    assert "Confirm" in message
    assert count(database, Downtime) == 0
    assert status_of(database, alice.id) == (BookingStatus.CONFIRMED, None, 0)


def test_confirmed_downtime_cancels_notifies_and_audits(
    downtime: DowntimeService,
    database: Database,
    world: World,
    booked: list[BookingRecord],
) -> None:
    bob, alice, next_day = booked
    notes_before = count(database, Notification)

    record, cancelled = downtime.schedule(
        "tech",
        XPS,
        *DAY,
        DowntimeReason.ENGINEER_VISIT,
        "new X-ray source",
        confirm_cancellations=True,
    )

    reason = "Downtime: engineer visit: new X-ray source"
    assert [b.id for b in cancelled] == [alice.id, bob.id]
    assert {(b.status, b.status_reason, b.sequence) for b in cancelled} == {
        (BookingStatus.CANCELLED, reason, 1)
    }
    assert status_of(database, alice.id) == (BookingStatus.CANCELLED, reason, 1)
    assert status_of(database, next_day.id) == (BookingStatus.CONFIRMED, None, 0)
    assert (record.instrument_code, record.reason, record.description) == (
        XPS,
        DowntimeReason.ENGINEER_VISIT,
        "new X-ray source",
    )
    assert (record.starts_at, record.ends_at) == (
        datetime(2026, 3, 23, 9, tzinfo=UTC),
        datetime(2026, 3, 23, 17, tzinfo=UTC),
    )
    with database.readonly() as s:
        stored = s.get_one(Downtime, record.id)
        assert (stored.sequence, stored.created_by_id) == (0, world.users["tech"])
        assert stored.ical_uid.endswith("@equipshare")
        told = s.execute(
            select(Notification.user_id, Notification.booking_id, Notification.body)
            .where(Notification.kind == NotificationKind.CANCELLED_BY_DOWNTIME)
            .order_by(Notification.id)
        ).all()
        assert [(u, b) for u, b, _ in told] == [
            (world.users["alice"], alice.id),
            (world.users["bob"], bob.id),
        ]
        assert all(reason in body for _, _, body in told)
        assert count(database, Notification) == notes_before + 2
        events = s.execute(
            select(AuditEvent.action, AuditEvent.entity_id, AuditEvent.after).where(
                AuditEvent.action.in_(["booking.cancel", "downtime.create"])
            )
        ).all()
    assert [(a, e) for a, e, _ in events] == [
        ("booking.cancel", str(alice.id)),
        ("booking.cancel", str(bob.id)),
        ("downtime.create", str(record.id)),
    ]
    assert events[2][2]["cancelled_booking_ids"] == [alice.id, bob.id]


def test_downtime_over_nothing_needs_no_confirmation(
    downtime: DowntimeService, database: Database, world: World
) -> None:
    record, cancelled = downtime.schedule("mgr", XPS, *DAY, DowntimeReason.CALIBRATION)
    assert cancelled == []
    assert downtime.list_for_instrument(XPS, *DAY) == [record]


def test_downtime_must_end_after_it_starts(
    downtime: DowntimeService, database: Database, world: World
) -> None:
    with pytest.raises(RefusedError, match="must end after it starts"):
        downtime.schedule("tech", XPS, DAY[1], DAY[0], DowntimeReason.REPAIR)
    with pytest.raises(RefusedError, match="must end after it starts"):
        downtime.schedule("tech", XPS, DAY[0], DAY[0], DowntimeReason.REPAIR)
    assert count(database, Downtime) == 0


@pytest.mark.parametrize("who", ["alice", "otherstaff"])
def test_only_the_facility_team_or_an_admin_schedules_downtime(
    downtime: DowntimeService,
    database: Database,
    booked: list[BookingRecord],
    who: str,
) -> None:
    with pytest.raises(PermissionDenied, match="may not schedule downtime on WAR-XPS-01"):
        downtime.preview(who, XPS, *DAY)
    with pytest.raises(PermissionDenied, match="Warwick Photoemission RTP"):
        downtime.schedule(who, XPS, *DAY, DowntimeReason.MAINTENANCE, confirm_cancellations=True)
    assert count(database, Downtime) == 0
    assert status_of(database, booked[1].id)[0] is BookingStatus.CONFIRMED


def test_an_admin_schedules_downtime_anywhere(downtime: DowntimeService, world: World) -> None:
    record, _ = downtime.schedule("root", "AST-SEM-01", *DAY, DowntimeReason.OTHER)
    assert record.instrument_code == "AST-SEM-01"


def test_booking_into_downtime_is_refused(
    downtime: DowntimeService, bookings: BookingService, database: Database, world: World
) -> None:
    downtime.schedule("tech", XPS, *DAY, DowntimeReason.MAINTENANCE)

    with pytest.raises(ConflictError, match="WAR-XPS-01 is down for maintenance 09:00-17:00"):
        bookings.book(
            "alice", BookingRequest(XPS, london(2026, 3, 23, 15), london(2026, 3, 23, 16))
        )
    assert count(database, Booking) == 0


def test_a_series_skips_the_downtime_day(
    context: ServiceContext, downtime: DowntimeService, world: World
) -> None:
    downtime.schedule(
        "tech", XPS, london(2026, 3, 30, 0), london(2026, 3, 31, 0), DowntimeReason.REPAIR
    )
    request = BookingRequest(XPS, london(2026, 3, 23, 10), london(2026, 3, 23, 12))

    result = SeriesService(context).book_series(
        "alice", request, RecurrenceRule("weekly", count=3), skip_conflicts=True
    )

    assert len(result.bookings) == 2
    assert [s.starts_at for s in result.skipped] == [datetime(2026, 3, 30, 9, tzinfo=UTC)]
    assert "is down for repair" in result.skipped[0].reason


def test_cancelling_a_downtime_frees_the_range(
    downtime: DowntimeService, bookings: BookingService, database: Database, world: World
) -> None:
    record, _ = downtime.schedule("tech", XPS, *DAY, DowntimeReason.MAINTENANCE)

    with pytest.raises(PermissionDenied):
        downtime.cancel("alice", record.id)
    removed = downtime.cancel("mgr", record.id)

    assert removed == record
    assert downtime.list_for_instrument(XPS, *DAY) == []
    with database.readonly() as s:
        deleted = s.execute(
            select(AuditEvent.before).where(AuditEvent.action == "downtime.delete")
        ).scalar_one()
    assert deleted is not None and deleted["reason"] == "maintenance"
    booking = bookings.book(
        "alice", BookingRequest(XPS, london(2026, 3, 23, 15), london(2026, 3, 23, 16))
    )
    assert booking.status is BookingStatus.CONFIRMED
    with pytest.raises(NotFound, match=f"no downtime {record.id}"):
        downtime.cancel("mgr", record.id)


def test_list_for_instrument_returns_overlapping_downtime_in_order(
    downtime: DowntimeService, world: World
) -> None:
    later, _ = downtime.schedule(
        "tech", XPS, london(2026, 3, 25, 9), london(2026, 3, 25, 12), DowntimeReason.CALIBRATION
    )
    earlier, _ = downtime.schedule("tech", XPS, *DAY, DowntimeReason.MAINTENANCE, "pump")
    downtime.schedule(
        "tech", XPS, london(2026, 4, 1, 9), london(2026, 4, 1, 12), DowntimeReason.OTHER
    )
    downtime.schedule("tech", "WAR-RAM-01", *DAY, DowntimeReason.OTHER)

    found = downtime.list_for_instrument(XPS, london(2026, 3, 23, 0), london(2026, 3, 26, 0))

    assert found == [earlier, later]
    assert found[0].description == "pump"
