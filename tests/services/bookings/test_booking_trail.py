"""Every change leaves an audit event and the notifications it owes, in the same transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.queue import Notification, WaitlistEntry
from equipshare.domain.enums import NotificationKind, WaitlistStatus
from equipshare.domain.errors import RefusedError
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.waitlist import WaitlistService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"
TEN, TWELVE = london(2026, 3, 17, 10), london(2026, 3, 17, 12)


def audit(context: ServiceContext) -> list[tuple[str, str | None, str | None]]:
    with context.database.readonly() as s:
        rows = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        return [
            (e.action, (e.before or {}).get("status"), (e.after or {}).get("status")) for e in rows
        ]


def notices(context: ServiceContext, world: World) -> list[tuple[str, NotificationKind]]:
    names = {v: k for k, v in world.users.items()}
    with context.database.readonly() as s:
        rows = s.scalars(select(Notification).order_by(Notification.id)).all()
        return [(names[n.user_id or 0], n.kind) for n in rows]


def test_booking_life_cycle_is_audited_and_announced(
    svc: BookingService, context: ServiceContext, world: World
) -> None:
    pending = svc.book("bob", BookingRequest(XPS, TEN, TWELVE, purpose="depth profile"))
    svc.approve("mgr", pending.id)
    svc.cancel("tech", pending.id, "vacuum fault")
    assert audit(context) == [
        ("booking.create", None, "pending"),
        ("booking.approve", "pending", "confirmed"),
        ("booking.cancel", "confirmed", "cancelled"),
    ]
    assert notices(context, world) == [
        ("mgr", NotificationKind.APPROVAL_NEEDED),  # managers approve; technicians are not spammed
        ("bob", NotificationKind.BOOKING_APPROVED),
        ("bob", NotificationKind.BOOKING_CANCELLED),
    ]
    with context.database.readonly() as s:
        cancelled = s.scalars(select(Notification).order_by(Notification.id.desc())).first()
        assert cancelled is not None
        assert cancelled.body.endswith("was cancelled: vacuum fault")
        assert cancelled.sent_at is None


def test_own_cancellation_sends_nothing_to_yourself(
    svc: BookingService, context: ServiceContext, world: World
) -> None:
    booked = svc.book("alice", BookingRequest(XPS, TEN, TWELVE))
    svc.cancel("alice", booked.id)
    assert notices(context, world) == [
        ("alice", NotificationKind.BOOKING_CONFIRMED),
        ("mgr", NotificationKind.BOOKING_CANCELLED),  # the facility hears; she is not told
    ]


def test_refusals_write_nothing(svc: BookingService, context: ServiceContext, world: World) -> None:
    svc.book("alice", BookingRequest(XPS, TEN, TWELVE))
    with pytest.raises(RefusedError):
        svc.book("alice", BookingRequest(XPS, TEN, TWELVE))
    assert [a[0] for a in audit(context)] == ["booking.create"]
    assert len(notices(context, world)) == 1


def test_waitlist_offers_a_freed_slot_to_the_first_waiter_it_fits(
    svc: BookingService, context: ServiceContext, world: World
) -> None:
    waitlist = WaitlistService(context)
    taken = svc.book("alice", BookingRequest(XPS, TEN, TWELVE))
    later = svc.book("alice", BookingRequest(XPS, TWELVE, london(2026, 3, 17, 13)))
    # bob wants 11-13, which stays half taken by `later`; erin 10-12 and bob 10-11 fit.
    too_wide = waitlist.join("bob", XPS, london(2026, 3, 17, 11), london(2026, 3, 17, 13)).id
    context.clock.advance(minutes=1)  # type: ignore[attr-defined]
    first_fit = waitlist.join("erin", XPS, TEN, TWELVE).id
    context.clock.advance(minutes=1)  # type: ignore[attr-defined]
    # erin's hold on 10-12 keeps bob's 10-11 waiting.
    second_fit = waitlist.join("bob", XPS, TEN, london(2026, 3, 17, 11)).id
    svc.cancel("alice", taken.id, "moved to April")
    with context.database.readonly() as s:
        status = {i: st for i, st in s.execute(select(WaitlistEntry.id, WaitlistEntry.status))}
    assert status == {
        too_wide: WaitlistStatus.WAITING,
        first_fit: WaitlistStatus.OFFERED,
        second_fit: WaitlistStatus.WAITING,
    }
    assert ("erin", NotificationKind.WAITLIST_OFFER) in notices(context, world)
    assert later.id  # still holding 12-13


def test_waitlist_refuses_users_the_instrument_excludes(
    context: ServiceContext, world: World
) -> None:
    with pytest.raises(RefusedError, match="is open to"):
        WaitlistService(context).join("dave", XPS, TEN, TWELVE)
