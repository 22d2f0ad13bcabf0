"""Downtime over a range held off the waitlist ends the hold and tells its holder; both engines."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.queue import Notification, WaitlistEntry
from equipshare.domain.enums import DowntimeReason, NotificationKind, WaitlistStatus
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.admin.integrity import IntegrityService
from equipshare.services.bookings.service import BookingService, WaitlistService
from equipshare.services.downtime.service import DowntimeService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"
TEN, TWELVE = london(2026, 3, 17, 10), london(2026, 3, 17, 12)


def held_for_erin(context: ServiceContext) -> int:
    """Alice's booking cancelled: the range is held for erin, first in line; bob waits behind."""
    bookings, waitlist = BookingService(context), WaitlistService(context)
    made = bookings.book("alice", BookingRequest(XPS, TEN, TWELVE))
    erin = waitlist.join("erin", XPS, TEN, TWELVE)
    waitlist.join("bob", XPS, TEN, TWELVE)
    bookings.cancel("alice", made.id)
    return erin.id


def statuses(context: ServiceContext) -> dict[int, WaitlistStatus]:
    with context.database.readonly() as s:
        return {e.id: e.status for e in s.scalars(select(WaitlistEntry)).all()}


def test_downtime_ends_the_hold_it_falls_on_shows_it_first_and_tells_the_holder(
    context: ServiceContext, world: World
) -> None:
    entry_id = held_for_erin(context)
    downtime = DowntimeService(context)
    (previewed,) = downtime.preview_holds("tech", XPS, TEN, TEN + timedelta(hours=1))
    assert (previewed.id, previewed.username, previewed.status) == (
        entry_id,
        "erin",
        WaitlistStatus.OFFERED,
    )
    assert downtime.preview("tech", XPS, TEN, TWELVE) == []

    record, cancelled = downtime.schedule(
        "tech", XPS, TEN, TEN + timedelta(hours=1), DowntimeReason.REPAIR, "X-ray source"
    )

    assert cancelled == []
    found = statuses(context)
    assert found[entry_id] is WaitlistStatus.EXPIRED
    # The range is no freer than before: bob, behind erin, is not offered it.
    assert sorted(found.values()) == sorted([WaitlistStatus.EXPIRED, WaitlistStatus.WAITING])
    with context.database.readonly() as s:
        notice = s.scalars(
            select(Notification).where(
                Notification.user_id == world.users["erin"],
                Notification.kind == NotificationKind.CANCELLED_BY_DOWNTIME,
            )
        ).one()
        assert notice.subject.startswith(f"Hold ended for downtime: {XPS}")
        assert "X-ray source" in notice.body
        ended = s.scalars(
            select(AuditEvent).where(
                AuditEvent.entity_type == "waitlist_entry",
                AuditEvent.entity_id == str(entry_id),
                AuditEvent.action == "waitlist.expired",
            )
        ).one()
        assert ended.actor_id == world.users["tech"]
        assert "downtime" in str(ended.after)
        created = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_id == str(record.id))
            .where(AuditEvent.action == "downtime.create")
        ).one()
        assert created.after is not None
        assert created.after["ended_waitlist_entry_ids"] == [entry_id]
    assert WaitlistService(context).mine("erin") == []
    assert IntegrityService(context).check().clean


def test_a_hold_that_ran_out_passes_on_around_the_downtime(
    context: ServiceContext, clock: FrozenClock, world: World
) -> None:
    entry_id = held_for_erin(context)
    clock.advance(hours=2)  # erin's hold ran out and nobody has touched the XPS since
    downtime = DowntimeService(context)
    assert downtime.preview_holds("tech", XPS, TEN, TWELVE) == []
    downtime.schedule("tech", XPS, TEN, TWELVE, DowntimeReason.REPAIR)
    found = statuses(context)
    assert found[entry_id] is WaitlistStatus.EXPIRED
    # bob is not offered a range the downtime now takes, nor told of a hold ended.
    (bob,) = WaitlistService(context).mine("bob")
    assert bob.status is WaitlistStatus.WAITING
    with context.database.readonly() as s:
        kinds = s.scalars(
            select(Notification.kind).where(Notification.user_id == world.users["bob"])
        ).all()
    assert kinds == []


def test_downtime_elsewhere_leaves_the_hold(context: ServiceContext, world: World) -> None:
    entry_id = held_for_erin(context)
    downtime = DowntimeService(context)
    downtime.schedule("tech", XPS, TWELVE, TWELVE + timedelta(hours=2), DowntimeReason.REPAIR)
    assert statuses(context)[entry_id] is WaitlistStatus.OFFERED
