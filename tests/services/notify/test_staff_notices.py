"""A user cancelling a booking of theirs tells the facility's staff, unless the facility says no.

Through the real mail path: the booking service queues, `NotifyService` sends to a real
local SMTP server. The clock starts at Mon 16 Mar 2026 09:00 GMT.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from equipshare.db.models.queue import Notification
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.consortium.facilities import FacilityService
from equipshare.services.notify.delivery import NotifyService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.mailbox import Mailbox, mail_settings, running_mailbox
from tests.support.world import World, london

XPS = "WAR-XPS-01"
ALICE, MGR, TECH = "alice@example.ac.uk", "mgr@example.ac.uk", "tech@example.ac.uk"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with running_mailbox() as box:
        yield box


def deliver(context: ServiceContext, box: Mailbox) -> None:
    settings = mail_settings(context.settings, box)
    NotifyService(ServiceContext(context.database, context.clock, settings)).run("root")


def queued_to(context: ServiceContext, world: World, booking_id: int) -> list[tuple[str, str]]:
    names = {user_id: name for name, user_id in world.users.items()}
    with context.database.readonly() as session:
        return [
            (names[row.user_id or 0], row.kind.value)
            for row in session.scalars(
                select(Notification)
                .where(Notification.booking_id == booking_id)
                .order_by(Notification.id)
            )
        ]


def test_a_user_cancelling_tells_the_managers_and_the_assisting_technician(
    context: ServiceContext, world: World, mailbox: Mailbox
) -> None:
    bookings = BookingService(context)
    booked = bookings.book(
        "alice",
        BookingRequest(
            XPS, london(2026, 3, 17, 10), london(2026, 3, 17, 11), technician_username="tech"
        ),
    )
    bookings.cancel("alice", booked.id, "the samples did not arrive")

    deliver(context, mailbox)

    assert queued_to(context, world, booked.id) == [
        ("alice", "booking_confirmed"),
        ("mgr", "booking_cancelled"),
        ("tech", "booking_cancelled"),
    ]
    assert mailbox.to(ALICE) == []  # her confirmation went stale; she cancelled it herself
    for address in (MGR, TECH):
        (notice,) = mailbox.to(address)
        assert notice["Subject"] == "Booking cancelled: WAR-XPS-01 Tue 17 Mar 2026 10:00-11:00 GMT"
        body = notice.get_content()
        assert (
            f"Alice (alice) cancelled booking {booked.id} on WAR-XPS-01 "
            "10:00-11:00 Tue 17 Mar 2026 GMT: the samples did not arrive" in body
        )


def test_a_facility_that_turned_it_off_is_not_told(
    context: ServiceContext, world: World, mailbox: Mailbox
) -> None:
    change = FacilityService(context).edit("root", "WAR-PRP", notify_staff_on_cancel=False)
    assert change.change.changed == (("notify_staff_on_cancel", True, False),)
    assert not FacilityService(context).show("alice", "WAR-PRP").notify_staff_on_cancel
    bookings = BookingService(context)
    booked = bookings.book(
        "alice", BookingRequest(XPS, london(2026, 3, 17, 10), london(2026, 3, 17, 11))
    )
    bookings.cancel("alice", booked.id)

    deliver(context, mailbox)

    assert queued_to(context, world, booked.id) == [("alice", "booking_confirmed")]
    assert mailbox.messages == []


def test_staff_cancelling_tell_the_user_not_themselves(
    context: ServiceContext, world: World, mailbox: Mailbox
) -> None:
    bookings = BookingService(context)
    booked = bookings.book(
        "alice", BookingRequest(XPS, london(2026, 3, 17, 10), london(2026, 3, 17, 11))
    )
    bookings.cancel("tech", booked.id, "the X-ray source failed")

    deliver(context, mailbox)

    assert queued_to(context, world, booked.id) == [
        ("alice", "booking_confirmed"),
        ("alice", "booking_cancelled"),
    ]
    assert [m["To"] for m in mailbox.messages] == [ALICE]
