"""Race: many threads take one held range at once and exactly one wins, on both engines.

As in test_race.py, every racer waits at a barrier and then calls the real services, each
call in its own transaction on its own connection; here the racers are threads sharing one
frozen clock. A loser is refused with a reason; any other exception is a bug.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from equipshare.db.models.bookings import Booking
from equipshare.db.models.queue import WaitlistEntry
from equipshare.domain.enums import BookingStatus, WaitlistStatus
from equipshare.domain.errors import RefusedError
from equipshare.domain.records.scheduling.bookings import BookingRecord, BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.service import BookingService, WaitlistService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"
Try = Callable[[], BookingRecord]


def race(tries: list[tuple[str, Try]]) -> list[tuple[str, str]]:
    """Run every try at once; (who, "won" or "refused" or "other: ...") for each."""
    start_line = threading.Barrier(len(tries))

    def run(who: str, attempt: Try) -> tuple[str, str]:
        start_line.wait(30)
        try:
            attempt()
        except RefusedError:
            return who, "refused"
        except Exception as exc:  # any other outcome is a bug; the test reports it
            return who, f"other: {type(exc).__name__}: {exc}"
        return who, "won"

    with ThreadPoolExecutor(len(tries)) as pool:
        return list(pool.map(lambda t: run(*t), tries))


def offered(context: ServiceContext, day: int) -> tuple[int, int]:
    """alice's booking of day `day` 10-12 is cancelled with bob then erin in line; bob holds it."""
    bookings, waitlist = BookingService(context), WaitlistService(context)
    start, end = london(2026, 3, day, 10), london(2026, 3, day, 12)
    made = bookings.book("alice", BookingRequest(XPS, start, end))
    bob = waitlist.join("bob", XPS, start, end)
    erin = waitlist.join("erin", XPS, start, end)
    bookings.cancel("alice", made.id)
    return bob.id, erin.id


def active_on(context: ServiceContext, day: int) -> list[str]:
    with context.database.readonly() as s:
        rows = s.scalars(
            select(Booking).where(
                Booking.status.in_((BookingStatus.PENDING, BookingStatus.CONFIRMED)),
                Booking.starts_at < london(2026, 3, day, 12),
                Booking.ends_at > london(2026, 3, day, 10),
            )
        ).all()
        return [row.user.username for row in rows]


def test_of_everyone_taking_a_held_range_at_once_only_its_holder_wins_and_only_once(
    context: ServiceContext, world: World
) -> None:
    bob, _ = offered(context, 17)
    bookings, waitlist = BookingService(context), WaitlistService(context)
    start, end = london(2026, 3, 17, 10), london(2026, 3, 17, 12)
    whole = BookingRequest(XPS, start, end)
    tries: list[tuple[str, Try]] = [
        ("bob accepts", lambda: waitlist.accept("bob", bob)),
        ("bob accepts again", lambda: waitlist.accept("bob", bob)),
        ("bob books", lambda: bookings.book("bob", whole)),
        ("alice books", lambda: bookings.book("alice", whole)),
        (
            "alice books 11-12",
            lambda: bookings.book("alice", BookingRequest(XPS, london(2026, 3, 17, 11), end)),
        ),
        (
            "tech books for alice",
            lambda: bookings.book("tech", BookingRequest(XPS, start, end, on_behalf_of="alice")),
        ),
    ]
    outcomes = race(tries)
    assert not [o for o in outcomes if o[1].startswith("other")], outcomes
    winners = [who for who, outcome in outcomes if outcome == "won"]
    assert len(winners) == 1 and winners[0].startswith("bob"), outcomes
    assert active_on(context, 17) == ["bob"]
    with context.database.readonly() as s:
        assert s.get_one(WaitlistEntry, bob).status is WaitlistStatus.ACCEPTED


def test_when_a_hold_runs_out_the_late_holder_and_the_next_in_line_accept_at_once(
    context: ServiceContext, world: World
) -> None:
    bob, erin = offered(context, 18)
    clock = context.clock
    assert isinstance(clock, FrozenClock)
    clock.advance(minutes=60)  # bob's hold has just run out; it passes to erin
    waitlist = WaitlistService(context)
    tries: list[tuple[str, Try]] = [
        ("bob", lambda: waitlist.accept("bob", bob)),
        ("erin", lambda: waitlist.accept("erin", erin, technician_username="tech")),
    ] * 2
    outcomes = race(tries)
    assert not [o for o in outcomes if o[1].startswith("other")], outcomes
    assert sorted(outcomes) == [
        ("bob", "refused"),
        ("bob", "refused"),
        ("erin", "refused"),
        ("erin", "won"),
    ], outcomes
    assert active_on(context, 18) == ["erin"]
    with context.database.readonly() as s:
        statuses = {e.user_id: e.status for e in s.scalars(select(WaitlistEntry))}
    assert statuses == {
        world.users["bob"]: WaitlistStatus.EXPIRED,
        world.users["erin"]: WaitlistStatus.ACCEPTED,
    }
