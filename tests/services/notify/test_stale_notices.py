"""A queued message whose subject has moved on is skipped with its reason, never sent.

Through the real mail path: the services queue, `NotifyService` claims, checks and sends
to a real local SMTP server. The clock starts at Mon 16 Mar 2026 09:00 GMT.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time

import pytest
from sqlalchemy import select, update

from equipshare.db.models.queue import Notification, WaitlistEntry
from equipshare.domain.enums import NotificationKind, NotificationStatus, WaitlistStatus
from equipshare.domain.records.scheduling.bookings import BookingRequest, RecurrenceRule
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.past import PastBookingService
from equipshare.services.bookings.series import SeriesService
from equipshare.services.bookings.waitlist import WaitlistService
from equipshare.services.consortium.staff import StaffService
from equipshare.services.notify.delivery import NotifyService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.mailbox import Mailbox, mail_settings, running_mailbox
from tests.support.world import World, london

XPS, MEG = "WAR-XPS-01", "WAR-MEG-01"
ALICE, BOB, MGR = "alice@example.ac.uk", "bob@example.ac.uk", "mgr@example.ac.uk"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with running_mailbox() as box:
        yield box


def deliver(context: ServiceContext, box: Mailbox) -> None:
    settings = mail_settings(context.settings, box)
    NotifyService(ServiceContext(context.database, context.clock, settings)).run("root")


def outcomes(context: ServiceContext, booking_id: int) -> list[tuple[str, str, str]]:
    """(kind, status, reason) of each message about the booking, oldest first."""
    with context.database.readonly() as session:
        return [
            (row.kind.value, row.status.value, row.last_error or "")
            for row in session.scalars(
                select(Notification)
                .where(Notification.booking_id == booking_id)
                .order_by(Notification.id)
            )
        ]


def subjects(box: Mailbox, address: str) -> list[str]:
    return [str(m["Subject"]) for m in box.to(address)]


def test_approval_needed_for_a_booking_approved_since_is_skipped(
    context: ServiceContext, world: World, mailbox: Mailbox
) -> None:
    bookings = BookingService(context)
    meg = bookings.book(
        "bob",
        BookingRequest(MEG, london(2026, 3, 17, 10), london(2026, 3, 17, 12), project_code="P1"),
    )
    bookings.approve("mgr", meg.id)

    deliver(context, mailbox)

    assert outcomes(context, meg.id) == [
        ("approval_needed", "skipped", f"booking {meg.id} is confirmed now, no longer pending"),
        ("booking_approved", "sent", ""),
    ]
    assert subjects(mailbox, MGR) == []
    assert subjects(mailbox, BOB) == [
        "Booking approved: WAR-MEG-01 Tue 17 Mar 2026 10:00-12:00 GMT"
    ]


def test_a_confirmation_for_a_booking_cancelled_since_is_skipped_and_the_cancellation_sent(
    context: ServiceContext, world: World, mailbox: Mailbox
) -> None:
    bookings = BookingService(context)
    booked = bookings.book(
        "alice", BookingRequest(XPS, london(2026, 3, 17, 10), london(2026, 3, 17, 11))
    )
    bookings.cancel("mgr", booked.id, "the X-ray source is being replaced")

    deliver(context, mailbox)

    assert outcomes(context, booked.id) == [
        (
            "booking_confirmed",
            "skipped",
            f"booking {booked.id} is cancelled now, no longer confirmed",
        ),
        ("booking_cancelled", "sent", ""),
    ]
    (only,) = mailbox.to(ALICE)
    assert only["Subject"] == "Booking cancelled: WAR-XPS-01 Tue 17 Mar 2026 10:00-11:00 GMT"
    assert "the X-ray source is being replaced" in only.get_content()


def test_a_moved_booking_skips_its_old_confirmation_and_confirms_the_new_times(
    context: ServiceContext, world: World, mailbox: Mailbox
) -> None:
    bookings = BookingService(context)
    booked = bookings.book(
        "alice", BookingRequest(XPS, london(2026, 3, 17, 10), london(2026, 3, 17, 11))
    )
    bookings.modify(
        "alice", booked.id, starts_at=london(2026, 3, 17, 14), ends_at=london(2026, 3, 17, 15)
    )

    deliver(context, mailbox)

    assert outcomes(context, booked.id) == [
        ("booking_confirmed", "skipped", f"booking {booked.id} was moved since this was queued"),
        ("booking_confirmed", "sent", ""),
    ]
    (only,) = mailbox.to(ALICE)
    assert only["Subject"] == "Booked: WAR-XPS-01 Tue 17 Mar 2026 14:00-15:00 GMT"
    assert "10:00" not in only.get_content()


def test_moved_away_and_back_sends_only_the_newest_notice(
    context: ServiceContext, world: World, mailbox: Mailbox
) -> None:
    bookings = BookingService(context)
    start, end = london(2026, 3, 17, 10), london(2026, 3, 17, 11)
    booked = bookings.book("alice", BookingRequest(XPS, start, end))
    bookings.modify(
        "alice", booked.id, starts_at=london(2026, 3, 17, 14), ends_at=london(2026, 3, 17, 15)
    )
    bookings.modify("alice", booked.id, starts_at=start, ends_at=end)

    deliver(context, mailbox)

    with context.database.readonly() as session:
        newest = session.scalar(
            select(Notification.id)
            .where(Notification.booking_id == booked.id)
            .order_by(Notification.id.desc())
        )
    assert outcomes(context, booked.id) == [
        (
            "booking_confirmed",
            "skipped",
            f"superseded by message {newest} about booking {booked.id}",
        ),
        ("booking_confirmed", "skipped", f"booking {booked.id} was moved since this was queued"),
        ("booking_confirmed", "sent", ""),
    ]
    assert subjects(mailbox, ALICE) == ["Booked: WAR-XPS-01 Tue 17 Mar 2026 10:00-11:00 GMT"]


def test_an_approved_booking_moved_back_to_pending_asks_the_approvers_again(
    context: ServiceContext, world: World, mailbox: Mailbox
) -> None:
    bookings = BookingService(context)
    meg = bookings.book(
        "bob",
        BookingRequest(MEG, london(2026, 3, 17, 10), london(2026, 3, 17, 12), project_code="P1"),
    )
    bookings.approve("mgr", meg.id)
    bookings.modify(
        "bob", meg.id, starts_at=london(2026, 3, 18, 10), ends_at=london(2026, 3, 18, 12)
    )

    deliver(context, mailbox)

    assert outcomes(context, meg.id) == [
        ("approval_needed", "skipped", f"booking {meg.id} was moved since this was queued"),
        ("booking_approved", "skipped", f"booking {meg.id} is pending now, no longer confirmed"),
        ("approval_needed", "sent", ""),
    ]
    assert subjects(mailbox, MGR) == ["Approval needed: WAR-MEG-01 Wed 18 Mar 2026 10:00-12:00 GMT"]
    assert subjects(mailbox, BOB) == []


def test_a_confirmation_for_a_booking_already_over_is_skipped(
    context: ServiceContext, world: World, clock: FrozenClock, mailbox: Mailbox
) -> None:
    bookings = BookingService(context)
    booked = bookings.book(
        "alice", BookingRequest(XPS, london(2026, 3, 16, 11), london(2026, 3, 16, 12))
    )
    clock.advance(hours=4)  # the booking is over before notify first runs
    PastBookingService(context).close_past("root")

    deliver(context, mailbox)

    assert outcomes(context, booked.id) == [
        (
            "booking_confirmed",
            "skipped",
            f"booking {booked.id} is completed now, no longer confirmed",
        )
    ]
    assert mailbox.messages == []


def test_a_waitlist_offer_no_longer_standing_is_skipped(
    context: ServiceContext, world: World, mailbox: Mailbox
) -> None:
    bookings = BookingService(context)
    start, end = london(2026, 3, 20, 10), london(2026, 3, 20, 11)
    taken = bookings.book("bob", BookingRequest(XPS, start, end))
    entry = WaitlistService(context).join("alice", XPS, start, end).id
    bookings.cancel("bob", taken.id)
    with context.database.sessions.begin() as session:  # the waiter left the line since
        session.execute(
            update(WaitlistEntry)
            .where(WaitlistEntry.id == entry)
            .values(status=WaitlistStatus.WITHDRAWN)
        )

    deliver(context, mailbox)

    with context.database.readonly() as session:
        offer = session.scalars(
            select(Notification).where(Notification.kind == NotificationKind.WAITLIST_OFFER)
        ).one()
    assert (offer.status, offer.last_error) == (
        NotificationStatus.SKIPPED,
        f"waitlist entry {entry} is withdrawn now, no longer offered",
    )
    assert mailbox.to(ALICE) == []


def test_a_waitlist_offer_whose_hold_ran_out_is_skipped(
    context: ServiceContext, world: World, clock: FrozenClock, mailbox: Mailbox
) -> None:
    bookings = BookingService(context)
    start, end = london(2026, 3, 20, 10), london(2026, 3, 20, 11)
    taken = bookings.book("bob", BookingRequest(XPS, start, end))
    entry = WaitlistService(context).join("alice", XPS, start, end).id
    bookings.cancel("bob", taken.id)  # offered at 09:00, held for an hour
    clock.advance(hours=2)  # notify did not run while the hold lasted

    deliver(context, mailbox)

    with context.database.readonly() as session:
        offer = session.scalars(
            select(Notification).where(Notification.kind == NotificationKind.WAITLIST_OFFER)
        ).one()
    assert (offer.status, offer.last_error) == (
        NotificationStatus.SKIPPED,
        f"the hold of waitlist entry {entry} ran out at 2026-03-16 10:00 UTC",
    )
    assert mailbox.to(ALICE) == []


def test_moving_a_series_confirms_each_occurrence_at_its_new_time_only(
    context: ServiceContext, world: World, mailbox: Mailbox
) -> None:
    series = SeriesService(context).book_series(
        "alice",
        BookingRequest(XPS, london(2026, 3, 17, 10), london(2026, 3, 17, 11)),
        RecurrenceRule("daily", count=2),
    )
    first = series.bookings[0]
    SeriesService(context).modify_occurrences(
        "alice", first.id, scope="all", new_start_time=time(14, 0)
    )

    deliver(context, mailbox)

    for booking in series.bookings:
        assert outcomes(context, booking.id) == [
            (
                "booking_confirmed",
                "skipped",
                f"booking {booking.id} was moved since this was queued",
            ),
            ("booking_confirmed", "sent", ""),
        ]
    assert sorted(subjects(mailbox, ALICE)) == [
        "Booked: WAR-XPS-01 Tue 17 Mar 2026 14:00-15:00 GMT",
        "Booked: WAR-XPS-01 Wed 18 Mar 2026 14:00-15:00 GMT",
    ]


def test_approval_needed_for_someone_no_longer_on_the_staff_is_skipped(
    context: ServiceContext, world: World, mailbox: Mailbox
) -> None:
    meg = BookingService(context).book(
        "bob",
        BookingRequest(MEG, london(2026, 3, 17, 10), london(2026, 3, 17, 12), project_code="P1"),
    )
    StaffService(context).remove("root", "WAR-PRP", "mgr")  # before notify ran

    deliver(context, mailbox)

    assert outcomes(context, meg.id) == [
        (
            "approval_needed",
            "skipped",
            f"the recipient is no longer on the staff of booking {meg.id}'s facility",
        )
    ]
    assert mailbox.messages == []
