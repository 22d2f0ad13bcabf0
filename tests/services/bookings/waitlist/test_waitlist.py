"""The waitlist, whole: join and leave, offers that hold the range, holds that pass on,
and accepting through every booking rule; on both engines.

The clock stands at Mon 16 Mar 2026 09:00 GMT; the XPS takes 60-minute slots with 60
minutes' notice, Mon-Fri 09:00-17:00, and waitlist holds last the default 60 minutes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from equipshare.db.models.queue import Notification, WaitlistEntry
from equipshare.domain.enums import (
    BookingStatus,
    CalendarEntryKind,
    NotificationKind,
    WaitlistStatus,
)
from equipshare.domain.errors import ConflictError, PermissionDenied, RefusedError
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.service import BookingService, WaitlistService, WeekService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"
TEN, TWELVE = london(2026, 3, 17, 10), london(2026, 3, 17, 12)


@pytest.fixture
def bookings(context: ServiceContext, world: World) -> BookingService:
    return BookingService(context)


@pytest.fixture
def waitlist(context: ServiceContext, world: World) -> WaitlistService:
    return WaitlistService(context)


@pytest.fixture
def taken(bookings: BookingService) -> int:
    """alice holds the XPS Tue 10-12."""
    return bookings.book("alice", BookingRequest(XPS, TEN, TWELVE)).id


def statuses(context: ServiceContext) -> dict[int, WaitlistStatus]:
    with context.database.readonly() as s:
        return {i: st for i, st in s.execute(select(WaitlistEntry.id, WaitlistEntry.status))}


def offers(context: ServiceContext, world: World) -> list[tuple[str, str]]:
    names = {v: k for k, v in world.users.items()}
    with context.database.readonly() as s:
        rows = s.scalars(
            select(Notification)
            .where(Notification.kind == NotificationKind.WAITLIST_OFFER)
            .order_by(Notification.id)
        ).all()
        return [(names[n.user_id or 0], n.body) for n in rows]


def later(context: ServiceContext, minutes: int) -> None:
    clock = context.clock
    assert isinstance(clock, FrozenClock)
    clock.advance(minutes=minutes)


def test_joining_a_taken_range_queues_in_order(
    waitlist: WaitlistService, context: ServiceContext, taken: int
) -> None:
    bob = waitlist.join("bob", XPS, TEN, TWELVE)
    later(context, 1)
    erin = waitlist.join("erin", XPS, london(2026, 3, 17, 11), TWELVE)
    assert (bob.position, bob.status, bob.held_until) == (1, WaitlistStatus.WAITING, None)
    assert erin.position == 2
    assert [(e.id, e.position) for e in waitlist.mine("erin")] == [(erin.id, 2)]


@pytest.mark.parametrize(
    ("start", "end"),
    [(TEN, TWELVE), (london(2026, 3, 17, 11), london(2026, 3, 17, 13))],
    ids=["same range", "overlapping range"],
)
def test_joining_twice_is_refused(
    waitlist: WaitlistService, taken: int, start: object, end: object
) -> None:
    first = waitlist.join("bob", XPS, TEN, TWELVE)
    with pytest.raises(RefusedError, match=rf"already waiting .*waitlist entry {first.id}") as no:
        waitlist.join("bob", XPS, start, end)  # type: ignore[arg-type]
    assert no.value.field == "start"
    assert len(waitlist.mine("bob")) == 1


def test_joining_a_free_range_is_refused(waitlist: WaitlistService, taken: int) -> None:
    free = "is free 10:00-12:00 Wed 18 Mar 2026 GMT: book it"
    with pytest.raises(RefusedError, match=free) as no:
        waitlist.join("bob", XPS, london(2026, 3, 18, 10), london(2026, 3, 18, 12))
    assert no.value.field == "start"
    assert waitlist.mine("bob") == []


def test_joining_your_own_booking_or_a_range_no_booking_could_take_is_refused(
    waitlist: WaitlistService, taken: int
) -> None:
    with pytest.raises(RefusedError, match=f"booked WAR-XPS-01 .* yourself .booking {taken}"):
        waitlist.join("alice", XPS, TEN, TWELVE)
    with pytest.raises(RefusedError, match="is booked in 1 hour slots") as off_grid:
        waitlist.join("bob", XPS, london(2026, 3, 17, 10, 30), london(2026, 3, 17, 11, 30))
    assert off_grid.value.field == "start"
    with pytest.raises(RefusedError, match="is open to"):
        waitlist.join("dave", XPS, TEN, TWELVE)


def test_leaving_takes_you_out_of_line(
    waitlist: WaitlistService, context: ServiceContext, taken: int
) -> None:
    bob = waitlist.join("bob", XPS, TEN, TWELVE)
    later(context, 1)
    erin = waitlist.join("erin", XPS, TEN, TWELVE)
    with pytest.raises(PermissionDenied, match="not yours"):
        waitlist.leave("erin", bob.id)
    left = waitlist.leave("bob", bob.id)
    assert (left.status, left.position) == (WaitlistStatus.WITHDRAWN, 0)
    assert waitlist.mine("bob") == []
    assert [(e.id, e.position) for e in waitlist.mine("erin")] == [(erin.id, 1)]
    with pytest.raises(RefusedError, match="withdrawn") as again:
        waitlist.leave("bob", bob.id)
    assert again.value.field == "entry"
    assert [e.status for e in waitlist.mine("bob", ended=True)] == [WaitlistStatus.WITHDRAWN]


def test_a_freed_range_is_offered_to_the_first_in_line_and_held_for_them(
    waitlist: WaitlistService,
    bookings: BookingService,
    context: ServiceContext,
    world: World,
    taken: int,
) -> None:
    bob = waitlist.join("bob", XPS, TEN, TWELVE)
    later(context, 1)
    erin = waitlist.join("erin", XPS, TEN, TWELVE)
    bookings.cancel("alice", taken)
    assert statuses(context) == {bob.id: WaitlistStatus.OFFERED, erin.id: WaitlistStatus.WAITING}
    (held,) = waitlist.mine("bob")
    assert held.held_until == london(2026, 3, 16, 10, 1)  # 60 minutes from the cancellation
    ((who, body),) = offers(context, world)
    assert who == "bob"
    assert "held for you until 10:01 Mon 16 Mar 2026 GMT" in body
    assert f"equipshare waitlist accept {bob.id}" in body


def test_a_hold_keeps_everyone_else_off_the_range(
    waitlist: WaitlistService, bookings: BookingService, taken: int
) -> None:
    waitlist.join("bob", XPS, TEN, TWELVE)
    bookings.cancel("alice", taken)
    with pytest.raises(ConflictError, match="held 10:00-12:00 Tue 17 Mar 2026 GMT for the first"):
        bookings.book("alice", BookingRequest(XPS, london(2026, 3, 17, 11), TWELVE))
    with pytest.raises(ConflictError, match="held"):  # staff booking for someone, too
        bookings.book("tech", BookingRequest(XPS, TEN, TWELVE, on_behalf_of="alice"))
    made = bookings.book("alice", BookingRequest(XPS, TWELVE, london(2026, 3, 17, 13)))
    assert made.status is BookingStatus.CONFIRMED  # next to the hold is free


def test_a_hold_never_runs_past_the_booking_notice(context: ServiceContext, world: World) -> None:
    long_holds = replace(
        context.settings, booking=replace(context.settings.booking, waitlist_hold_minutes=240)
    )
    context = replace(context, settings=long_holds)
    bookings, waitlist = BookingService(context), WaitlistService(context)
    eleven = london(2026, 3, 16, 11)
    taken = bookings.book("alice", BookingRequest(XPS, eleven, london(2026, 3, 16, 12))).id
    bob = waitlist.join("bob", XPS, eleven, london(2026, 3, 16, 12))
    bookings.cancel("alice", taken)
    (held,) = waitlist.mine("bob")
    # 09:00 + 240 minutes would be 13:00; the notice of 60 minutes ends it at 10:00.
    assert held.held_until == london(2026, 3, 16, 10)
    later(context, 59)
    booked = waitlist.accept("bob", bob.id)  # a minute before the hold ends, still in notice
    assert booked.starts_at == eleven


def test_a_hold_that_runs_out_passes_to_the_next_in_line(
    waitlist: WaitlistService,
    bookings: BookingService,
    context: ServiceContext,
    world: World,
    taken: int,
) -> None:
    bob = waitlist.join("bob", XPS, TEN, TWELVE)
    later(context, 1)
    erin = waitlist.join("erin", XPS, TEN, TWELVE)
    bookings.cancel("alice", taken)  # 09:01: bob holds it until 10:01
    later(context, 59)
    assert waitlist.pass_lapsed_holds("root") == 0  # 10:00: still bob's
    later(context, 1)
    assert waitlist.pass_lapsed_holds("alice") == 1  # any user: time decided it
    assert statuses(context) == {bob.id: WaitlistStatus.EXPIRED, erin.id: WaitlistStatus.OFFERED}
    assert [who for who, _ in offers(context, world)] == ["bob", "erin"]
    (held,) = waitlist.mine("erin")
    assert held.held_until == london(2026, 3, 16, 11, 1)
    with pytest.raises(RefusedError, match="your hold on it ran out") as late:
        waitlist.accept("bob", bob.id)
    assert late.value.field == "entry"


def test_a_lapsed_hold_passes_on_lazily_before_anyone_books(
    waitlist: WaitlistService,
    bookings: BookingService,
    context: ServiceContext,
    taken: int,
) -> None:
    bob = waitlist.join("bob", XPS, TEN, TWELVE)
    later(context, 1)
    erin = waitlist.join("erin", XPS, TEN, TWELVE)
    bookings.cancel("alice", taken)
    later(context, 61)
    # Nobody ran notify: alice's booking passes bob's lapsed hold to erin first, and loses.
    with pytest.raises(ConflictError, match="held"):
        bookings.book("alice", BookingRequest(XPS, TEN, TWELVE))
    assert statuses(context) == {bob.id: WaitlistStatus.EXPIRED, erin.id: WaitlistStatus.OFFERED}


def test_the_week_shows_a_hold_to_its_holder_and_as_taken_to_others(
    waitlist: WaitlistService,
    bookings: BookingService,
    context: ServiceContext,
    taken: int,
) -> None:
    waitlist.join("bob", XPS, TEN, TWELVE)
    later(context, 1)
    waitlist.join("erin", XPS, TEN, TWELVE)
    bookings.cancel("alice", taken)
    weeks = WeekService(context)

    def shown(user: str) -> list[tuple[CalendarEntryKind, str, str]]:
        view = weeks.week(user, XPS, date(2026, 3, 17))
        return [(e.kind, e.label, e.detail) for e in view.entries if e.starts_at == TEN]

    held = "held for you until 10:01 GMT: Enter books it"
    assert shown("bob") == [(CalendarEntryKind.HELD, "Held for you", held)]
    assert shown("alice") == [
        (CalendarEntryKind.CONFIRMED, "Held", "held off the waitlist until 10:01 GMT")
    ]
    assert shown("tech") == [
        (CalendarEntryKind.CONFIRMED, "Held", "held for bob off the waitlist until 10:01 GMT")
    ]
    later(context, 60)  # reading the week passes the lapsed hold to erin
    assert shown("erin") == [
        (CalendarEntryKind.HELD, "Held for you", "held for you until 11:01 GMT: Enter books it")
    ]


def test_accepting_books_through_every_rule(
    waitlist: WaitlistService,
    bookings: BookingService,
    context: ServiceContext,
    taken: int,
) -> None:
    erin = waitlist.join("erin", XPS, TEN, TWELVE)  # erin is not trained on the XPS
    bookings.cancel("alice", taken)
    with pytest.raises(RefusedError, match="no current training") as untrained:
        waitlist.accept("erin", erin.id)
    assert untrained.value.field == "technician"
    assert statuses(context) == {erin.id: WaitlistStatus.OFFERED}  # still held for her
    booked = waitlist.accept("erin", erin.id, technician_username="tech", purpose="assisted")
    assert (booked.starts_at, booked.ends_at, booked.status) == (
        TEN,
        TWELVE,
        BookingStatus.CONFIRMED,
    )
    assert statuses(context) == {erin.id: WaitlistStatus.ACCEPTED}
    with pytest.raises(RefusedError, match="you have booked it already"):
        waitlist.accept("erin", erin.id)


def test_an_approval_instrument_accepts_into_a_pending_booking(
    waitlist: WaitlistService, bookings: BookingService, context: ServiceContext, taken: int
) -> None:
    bob = waitlist.join("bob", XPS, TEN, TWELVE)  # bob is at Aston: the XPS asks approval
    with pytest.raises(RefusedError, match="not free yet") as early:
        waitlist.accept("bob", bob.id)
    assert early.value.field == "entry"
    bookings.cancel("alice", taken)
    assert waitlist.accept("bob", bob.id).status is BookingStatus.PENDING


def test_booking_the_held_range_the_usual_way_accepts_and_frees_the_rest(
    waitlist: WaitlistService, bookings: BookingService, context: ServiceContext, taken: int
) -> None:
    bob = waitlist.join("bob", XPS, TEN, TWELVE)
    later(context, 1)
    erin = waitlist.join("erin", XPS, london(2026, 3, 17, 11), TWELVE)
    bookings.cancel("alice", taken)
    assert statuses(context)[erin.id] is WaitlistStatus.WAITING  # inside bob's hold
    bookings.book("bob", BookingRequest(XPS, TEN, london(2026, 3, 17, 11)))
    assert statuses(context) == {bob.id: WaitlistStatus.ACCEPTED, erin.id: WaitlistStatus.OFFERED}
