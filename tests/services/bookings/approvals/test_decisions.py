"""Bulk approval and undo: each through the booking rules, audited, on both engines.

Undo takes a decision back while the requester's notice waits unsent in the outbox; once
the real notify has sent it (to a real local SMTP server), undo says why it cannot. The
clock stands at Mon 16 Mar 2026 09:00 GMT.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.queue import Notification
from equipshare.domain.enums import BookingStatus, NotificationKind
from equipshare.domain.errors import ConflictError, InputError, PermissionDenied, RefusedError
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.approvals import ApprovalsService
from equipshare.services.bookings.decisions import UNDONE, DecisionService
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.notify.delivery import NotifyService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.mailbox import Mailbox, mail_settings, running_mailbox
from tests.support.world import World, london

XPS, MEG, SEM = "WAR-XPS-01", "WAR-MEG-01", "AST-SEM-01"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with running_mailbox() as box:
        yield box


@pytest.fixture
def requests(context: ServiceContext, world: World, clock: FrozenClock) -> dict[str, int]:
    """Pending requests five minutes apart: three for Warwick's staff, one for Aston's."""
    bookings = BookingService(context)

    def book(user: str, code: str, start: datetime, end: datetime, **extra: Any) -> int:
        clock.advance(minutes=5)
        return bookings.book(user, BookingRequest(code, start, end, **extra)).id

    return {
        "bob": book("bob", XPS, london(2026, 3, 19, 10), london(2026, 3, 19, 11)),
        "alice": book(
            "alice", MEG, london(2026, 3, 18, 10), london(2026, 3, 18, 12), project_code="GR-1"
        ),
        "erin": book(
            "erin", MEG, london(2026, 3, 19, 14), london(2026, 3, 19, 16), project_code="GR-2"
        ),
        "carol": book("carol", SEM, london(2026, 3, 17, 10), london(2026, 3, 17, 11)),
    }


def status(context: ServiceContext, booking_id: int) -> BookingStatus:
    return BookingService(context).get("root", booking_id).status


def audit_actions(context: ServiceContext, booking_id: int) -> list[tuple[str, str]]:
    """(action, actor username) of each audit event on the booking, oldest first."""
    from equipshare.db.models.catalogue import User

    with context.database.readonly() as session:
        return [
            (action, username)
            for action, username in session.execute(
                select(AuditEvent.action, User.username)
                .join(User, AuditEvent.actor_id == User.id)
                .where(AuditEvent.entity_type == "booking", AuditEvent.entity_id == str(booking_id))
                .order_by(AuditEvent.id)
            )
        ]


def notices(context: ServiceContext, booking_id: int) -> list[tuple[str, str, str]]:
    """(kind, status, reason) of the requester's notices about the booking, oldest first."""
    with context.database.readonly() as session:
        return [
            (row.kind.value, row.status.value, row.last_error or "")
            for row in session.scalars(
                select(Notification)
                .where(
                    Notification.booking_id == booking_id,
                    Notification.kind != NotificationKind.APPROVAL_NEEDED,
                )
                .order_by(Notification.id)
            )
        ]


def deliver(context: ServiceContext, box: Mailbox) -> None:
    settings = mail_settings(context.settings, box)
    NotifyService(ServiceContext(context.database, context.clock, settings)).run("root")


def test_bulk_approval_approves_each_it_may_and_reports_the_rest(
    context: ServiceContext, requests: dict[str, int]
) -> None:
    BookingService(context).approve("tech", requests["erin"])  # decided elsewhere first
    bulk = DecisionService(context).approve_many(
        "mgr", [requests["alice"], requests["carol"], requests["bob"], requests["erin"], 999_999]
    )
    assert [b.id for b in bulk.approved] == [requests["alice"], requests["bob"]]
    assert all(b.status is BookingStatus.CONFIRMED for b in bulk.approved)
    refused = {r.booking_id: r.reason for r in bulk.refused}
    assert list(refused) == [requests["carol"], requests["erin"], 999_999]
    assert "mgr may not approve bookings" in refused[requests["carol"]]
    assert "is confirmed; only pending bookings can be decided" in refused[requests["erin"]]
    assert refused[999_999] == "no booking 999999"
    assert status(context, requests["carol"]) is BookingStatus.PENDING
    for key in ("alice", "bob"):
        assert audit_actions(context, requests[key]) == [
            ("booking.create", key), ("booking.approve", "mgr"),
        ]  # fmt: skip
        assert notices(context, requests[key])[-1][:2] == ("booking_approved", "pending")
    assert ApprovalsService(context).pending_count("mgr") == 0


def test_bulk_approval_is_refused_outright_to_someone_who_decides_nothing(
    context: ServiceContext, requests: dict[str, int]
) -> None:
    decisions = DecisionService(context)
    with pytest.raises(PermissionDenied, match="alice may not approve bookings"):
        decisions.approve_many("alice", [requests["alice"]])
    with pytest.raises(InputError, match=r"^bookings: name at least one request") as empty:
        decisions.approve_many("mgr", [])
    assert empty.value.field == "bookings"
    with pytest.raises(InputError, match="at most 1,000 requests at once, not 1,001"):
        decisions.approve_many("mgr", list(range(1, 1002)))
    assert status(context, requests["alice"]) is BookingStatus.PENDING


def test_undo_returns_an_approval_to_pending_and_withdraws_the_unsent_notice(
    context: ServiceContext, requests: dict[str, int], mailbox: Mailbox
) -> None:
    decisions = DecisionService(context)
    approved = decisions.approve_many("mgr", [requests["bob"], requests["alice"]]).approved
    undone = decisions.undo("mgr", [requests["bob"], requests["alice"]])
    assert [b.id for b in undone.bookings] == [requests["bob"], requests["alice"]]
    assert undone.withdrawn_notices == 2
    for before, after in zip(approved, undone.bookings, strict=True):
        assert after.status is BookingStatus.PENDING and after.sequence == before.sequence + 1
        assert notices(context, after.id) == [
            ("booking_approved", "skipped", "withdrawn: mgr undid the approval")
        ]
        assert audit_actions(context, after.id)[-2:] == [
            ("booking.approve", "mgr"), (UNDONE, "mgr"),
        ]  # fmt: skip
    with context.database.readonly() as session:
        after_undo = session.scalars(
            select(AuditEvent.after).where(
                AuditEvent.action == UNDONE, AuditEvent.entity_id == str(requests["bob"])
            )
        ).one()
    assert after_undo is not None
    assert (after_undo["status"], after_undo["undid"]) == ("pending", "booking.approve")
    pending = [row.booking_id for row in ApprovalsService(context).pending("mgr")]
    assert pending == [requests["bob"], requests["alice"], requests["erin"]]
    deliver(context, mailbox)
    assert mailbox.to("bob@example.ac.uk") == []  # the withdrawn notice never goes out
    # Approving again tells the requester afresh.
    BookingService(context).approve("mgr", requests["bob"])
    deliver(context, mailbox)
    assert [str(m["Subject"]) for m in mailbox.to("bob@example.ac.uk")] == [
        "Booking approved: WAR-XPS-01 Thu 19 Mar 2026 10:00-11:00 GMT"
    ]


def test_undo_is_refused_once_the_notice_is_sent_naming_when(
    context: ServiceContext, requests: dict[str, int], mailbox: Mailbox
) -> None:
    decisions = DecisionService(context)
    BookingService(context).approve("mgr", requests["bob"])
    deliver(context, mailbox)
    BookingService(context).approve("mgr", requests["alice"])  # its notice still waits
    with pytest.raises(RefusedError) as refused:
        decisions.undo("mgr", [requests["alice"], requests["bob"]])
    assert str(refused.value) == (
        f"booking {requests['bob']} (WAR-XPS-01 Thu 19 Mar 2026 10:00-11:00 GMT) cannot be "
        "undone: the notice of its approval was sent to the requester at 09:20 GMT on Mon "
        "16 Mar; cancel the booking if it must not go ahead"
    )
    # All or nothing: Alice's approval stands too, its notice still owed.
    assert status(context, requests["alice"]) is BookingStatus.CONFIRMED
    assert notices(context, requests["alice"]) == [("booking_approved", "pending", "")]
    assert audit_actions(context, requests["alice"])[-1] == ("booking.approve", "mgr")


def test_undo_of_a_rejection_restores_the_price_and_needs_the_slot_still_free(
    context: ServiceContext, requests: dict[str, int], clock: FrozenClock
) -> None:
    bookings, decisions = BookingService(context), DecisionService(context)
    booked = bookings.get("root", requests["alice"])
    rejected = bookings.reject("mgr", requests["alice"], "calibration that day")
    assert rejected.instrument_charge_pence == 0
    undone = decisions.undo("mgr", [requests["alice"]]).bookings[0]
    assert (undone.status, undone.status_reason) == (BookingStatus.PENDING, None)
    assert undone.instrument_charge_pence == booked.instrument_charge_pence
    assert notices(context, requests["alice"]) == [
        ("booking_rejected", "skipped", "withdrawn: mgr undid the rejection")
    ]

    bookings.reject("mgr", requests["alice"], "calibration that day")
    taken = bookings.book(
        "tech",
        BookingRequest(MEG, london(2026, 3, 18, 10), london(2026, 3, 18, 12), project_code="CAL"),
    )
    with pytest.raises(ConflictError, match=f"rejection cannot be undone: {MEG} is already "):
        decisions.undo("mgr", [requests["alice"]])
    assert status(context, requests["alice"]) is BookingStatus.REJECTED
    bookings.cancel("tech", taken.id)
    assert decisions.undo("mgr", [requests["alice"]]).bookings[0].status is BookingStatus.PENDING


def test_undo_is_only_the_deciders_and_only_while_nothing_has_changed_since(
    context: ServiceContext, requests: dict[str, int]
) -> None:
    bookings, decisions = BookingService(context), DecisionService(context)
    bookings.approve("mgr", requests["bob"])
    with pytest.raises(RefusedError, match="approval was mgr's; only they can undo it"):
        decisions.undo("tech", [requests["bob"]])
    with pytest.raises(PermissionDenied, match="otherstaff may not approve bookings"):
        decisions.undo("otherstaff", [requests["bob"]])
    with pytest.raises(PermissionDenied, match="bob may not approve bookings"):
        decisions.undo("bob", [requests["bob"]])
    with pytest.raises(RefusedError, match="is pending: there is no decision to undo"):
        decisions.undo("mgr", [requests["alice"]])
    bookings.modify("bob", requests["bob"], purpose="thin films")
    with pytest.raises(RefusedError, match=r"has changed since its approval \(booking.modify\)"):
        decisions.undo("mgr", [requests["bob"]])
    bookings.approve("mgr", requests["erin"])
    bookings.cancel("erin", requests["erin"])
    with pytest.raises(RefusedError, match="is cancelled: there is no decision to undo"):
        decisions.undo("mgr", [requests["erin"]])
    with context.database.readonly() as session:
        undone = session.scalar(select(func.count()).where(AuditEvent.action == UNDONE))
    assert undone == 0
