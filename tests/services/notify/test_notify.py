"""`NotifyService`: the outbox goes out through a real local SMTP server, each message once.

The clock starts at Mon 16 Mar 2026 09:00 UTC (09:00 GMT in London); see tests/support/world.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from equipshare.config import NotificationSettings
from equipshare.db.models.queue import Notification
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import (
    DowntimeReason,
    NotificationKind,
    NotificationStatus,
    TrainingLevel,
)
from equipshare.domain.errors import ConfigError, PermissionDenied, RefusedError
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.waitlist import WaitlistService
from equipshare.services.downtime.scheduling import DowntimeService
from equipshare.services.identity.service import SignInService
from equipshare.services.notify.delivery import NotifyService
from equipshare.services.notify.mailer import Outgoing, SmtpMailer
from equipshare.services.notify.outbox import enqueue_due, queue_notification
from equipshare.services.plumbing.context import ServiceContext
from tests.support.mailbox import Mailbox, mail_settings, running_mailbox
from tests.support.world import World, london

XPS, MEG = "WAR-XPS-01", "WAR-MEG-01"
ALICE = "alice@example.ac.uk"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with running_mailbox() as box:
        yield box


def notifier(context: ServiceContext, box: Mailbox, **notifications: int) -> NotifyService:
    settings = mail_settings(context.settings, box, **notifications)
    return NotifyService(ServiceContext(context.database, context.clock, settings))


def queue_for(context: ServiceContext, world: World, user: str, subject: str = "Hello") -> int:
    with context.database.sessions.begin() as session:
        row = queue_notification(
            session,
            user_id=world.users[user],
            kind=NotificationKind.BOOKING_CONFIRMED,
            subject=subject,
            body="A message.",
            at=context.clock.now(),
        )
        session.flush()
        return row.id


def rows(context: ServiceContext) -> list[Notification]:
    with context.database.readonly() as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)))


def add_training(context: ServiceContext, world: World, user: str, expires_in_days: int) -> int:
    with context.database.sessions.begin() as session:
        record = TrainingRecord(
            user_id=world.users[user],
            instrument_id=world.instruments[XPS],
            trainer_id=world.users["tech"],
            level=TrainingLevel.INDEPENDENT,
            trained_at=context.clock.now() - timedelta(days=300),
            expires_at=context.clock.now() + timedelta(days=expires_in_days),
        )
        session.add(record)
        session.flush()
        return record.id


def test_every_kind_goes_out_once_and_a_second_run_sends_nothing(
    context: ServiceContext, world: World, clock: FrozenClock, mailbox: Mailbox
) -> None:
    bookings, downtime = BookingService(context), DowntimeService(context)
    # Confirmation (alice), and a reminder later: made 25 h before it starts.
    bookings.book("alice", BookingRequest(XPS, london(2026, 3, 17, 10), london(2026, 3, 17, 11)))
    # Approval needed (mgr) for a booking still pending; approved (bob); approved and then
    # cancelled by staff (bob): the notices each later step made stale are skipped.
    bookings.book(
        "bob",
        BookingRequest(MEG, london(2026, 3, 17, 10), london(2026, 3, 17, 12), project_code="P0"),
    )
    approved = bookings.book(
        "bob",
        BookingRequest(MEG, london(2026, 3, 17, 14), london(2026, 3, 17, 16), project_code="P1"),
    )
    bookings.approve("mgr", approved.id)
    meg = bookings.book(
        "bob",
        BookingRequest(MEG, london(2026, 3, 18, 10), london(2026, 3, 18, 12), project_code="P1"),
    )
    bookings.approve("mgr", meg.id)
    bookings.cancel("mgr", meg.id, "the magnet is being shimmed")
    rejected = bookings.book(
        "alice",
        BookingRequest(MEG, london(2026, 3, 19, 10), london(2026, 3, 19, 12), project_code="P2"),
    )
    bookings.reject("mgr", rejected.id, "no project funds left")
    # Cancelled by downtime (bob).
    downtimed = bookings.book(
        "bob", BookingRequest(XPS, london(2026, 3, 19, 10), london(2026, 3, 19, 11))
    )
    downtime.schedule(
        "tech",
        XPS,
        london(2026, 3, 19, 9),
        london(2026, 3, 19, 12),
        DowntimeReason.REPAIR,
        confirm_cancellations=True,
    )
    # A waitlist offer (alice) when bob gives his slot up, held for her until 12:00.
    mine = bookings.book(
        "bob", BookingRequest(XPS, london(2026, 3, 20, 10), london(2026, 3, 20, 11))
    )
    WaitlistService(context).join("alice", XPS, london(2026, 3, 20, 10), london(2026, 3, 20, 11))
    # Training that expires in ten days (erin); a deactivated user's message (gone).
    add_training(context, world, "erin", expires_in_days=10)
    queue_for(context, world, "gone")
    clock.advance(hours=2)  # Mon 11:00: alice's Tue 10:00 booking is now within 24 h
    bookings.cancel("bob", mine.id)
    SignInService(context).request_link("carol@example.ac.uk")  # a sign-in link (carol)

    report = notifier(context, mailbox).run("root")

    assert (report.reminders_queued, report.training_warnings_queued) == (1, 1)
    stored = rows(context)
    sent = [r for r in stored if r.status is NotificationStatus.SENT]
    assert {r.kind for r in sent} == set(NotificationKind)
    assert len(mailbox.messages) == len(sent) == report.count(NotificationStatus.SENT)
    ids = [m["Message-ID"] for m in mailbox.messages]
    assert len(set(ids)) == len(ids)
    skipped = [r for r in stored if r.status is NotificationStatus.SKIPPED]
    mgr, bob, gone = (world.users[name] for name in ("mgr", "bob", "gone"))
    approval = NotificationKind.APPROVAL_NEEDED
    stale = "booking {} is {} now, no longer {}"
    assert [(r.user_id, r.kind, r.last_error) for r in skipped] == [
        (mgr, approval, stale.format(approved.id, "confirmed", "pending")),
        (mgr, approval, stale.format(meg.id, "cancelled", "pending")),
        (bob, NotificationKind.BOOKING_APPROVED, stale.format(meg.id, "cancelled", "confirmed")),
        (mgr, approval, stale.format(rejected.id, "rejected", "pending")),
        (mgr, approval, stale.format(downtimed.id, "cancelled", "pending")),
        (mgr, approval, stale.format(mine.id, "cancelled", "pending")),
        (gone, NotificationKind.BOOKING_CONFIRMED, "recipient's account is deactivated"),
    ]
    assert all(r.attempts == 1 and r.sent_at == clock.now() for r in sent)

    (reminder,) = [m for m in mailbox.to(ALICE) if m["Subject"].startswith("Reminder:")]
    assert reminder["Subject"] == "Reminder: WAR-XPS-01 Tue 17 Mar 2026 10:00-11:00 GMT"
    body = reminder.get_content()
    assert "Hello Alice," in body
    assert "When:       Tue 17 Mar 2026 10:00-11:00 GMT (Europe/London)" in body
    assert "http" not in body and "www." not in body
    (warning,) = [m for m in mailbox.messages if m["Subject"].startswith("Training expiring")]
    assert warning["To"] == "erin@example.ac.uk"
    assert "expires Thu 26 Mar 2026 09:00 GMT" in warning.get_content()
    assert warning["Auto-Submitted"] == "auto-generated"

    again = notifier(context, mailbox).run("root")
    assert again.deliveries == () and again.reminders_queued == 0
    assert len(mailbox.messages) == len(sent)


def test_a_dry_run_sends_nothing_and_changes_nothing(
    context: ServiceContext, world: World, clock: FrozenClock, mailbox: Mailbox
) -> None:
    queue_for(context, world, "alice", "Queued earlier")
    queue_for(context, world, "gone")
    add_training(context, world, "erin", expires_in_days=3)
    before = [(r.id, r.status, r.attempts, r.claimed_at) for r in rows(context)]

    report = notifier(context, mailbox).run("root", dry_run=True)

    assert report.dry_run and report.training_warnings_queued == 1
    assert [(d.notification_id, d.username, d.status) for d in report.deliveries] == [
        (before[0][0], "alice", NotificationStatus.SENT),
        (before[1][0], "gone", NotificationStatus.SKIPPED),
        (None, "erin", NotificationStatus.SENT),  # queued by this run, rolled back
    ]
    assert [(r.id, r.status, r.attempts, r.claimed_at) for r in rows(context)] == before
    assert mailbox.messages == []


def test_a_temporary_refusal_is_retried_later_with_doubling_waits(
    context: ServiceContext, world: World, clock: FrozenClock, mailbox: Mailbox
) -> None:
    service = notifier(context, mailbox, retry_base_seconds=600, max_attempts=5)
    queued = queue_for(context, world, "alice")
    mailbox.temporary.add(ALICE)

    (first,) = service.run("root").deliveries
    assert first.status is NotificationStatus.PENDING and first.attempts == 1
    (row,) = rows(context)
    assert row.next_attempt_at == clock.now() + timedelta(minutes=10)
    assert row.last_error is not None and row.last_error.startswith("451")
    assert service.run("root").deliveries == ()  # not due yet

    clock.advance(minutes=10)
    service.run("root")
    (row,) = rows(context)
    assert (row.attempts, row.next_attempt_at) == (2, clock.now() + timedelta(minutes=20))

    mailbox.temporary.clear()
    clock.advance(minutes=20)
    (last,) = service.run("root").deliveries
    assert (last.notification_id, last.status, last.attempts) == (
        queued,
        NotificationStatus.SENT,
        3,
    )
    assert len(mailbox.to(ALICE)) == 1


def test_a_permanent_refusal_fails_at_once_and_temporary_ones_after_max_attempts(
    context: ServiceContext, world: World, clock: FrozenClock, mailbox: Mailbox
) -> None:
    service = notifier(context, mailbox, retry_base_seconds=60, max_attempts=2)
    queue_for(context, world, "alice")
    queue_for(context, world, "bob")
    mailbox.permanent.add(ALICE)
    mailbox.temporary.add("bob@example.ac.uk")

    service.run("root")
    clock.advance(minutes=1)
    service.run("root")
    clock.advance(hours=1)
    assert service.run("root").deliveries == ()

    alice, bob = rows(context)
    assert (alice.status, alice.attempts) == (NotificationStatus.FAILED, 1)
    assert alice.last_error is not None and alice.last_error.startswith("550")
    assert (bob.status, bob.attempts) == (NotificationStatus.FAILED, 2)
    assert mailbox.messages == []


class CrashAfterSending(SmtpMailer):
    """Sends for real, then dies before notify can mark the message sent."""

    def send(self, message: Outgoing) -> None:
        super().send(message)
        raise RuntimeError("killed between send and mark")


def test_a_crash_after_sending_never_resends_and_is_reported_after_the_timeout(
    context: ServiceContext, world: World, clock: FrozenClock, mailbox: Mailbox
) -> None:
    settings = mail_settings(context.settings, mailbox, claim_timeout_minutes=15)
    crashing = NotifyService(
        ServiceContext(context.database, clock, settings),
        mailer_factory=lambda: CrashAfterSending(settings.smtp),
    )
    queued = queue_for(context, world, "alice")
    with pytest.raises(RuntimeError, match="killed"):
        crashing.run("root")
    assert len(mailbox.messages) == 1
    (row,) = rows(context)
    assert row.status is NotificationStatus.SENDING and row.claimed_at == clock.now()

    service = notifier(context, mailbox, claim_timeout_minutes=15)
    report = service.run("root")
    assert report.deliveries == () and report.stuck == ()  # maybe another run: not yet
    clock.advance(minutes=16)
    report = service.run("root")
    assert report.deliveries == ()
    assert [(s.notification_id, s.to) for s in report.stuck] == [(queued, ALICE)]
    assert len(mailbox.messages) == 1

    service.settle("root", [queued], sent=True)
    assert service.run("root").stuck == ()
    assert rows(context)[0].status is NotificationStatus.SENT
    with pytest.raises(RefusedError, match="is sent; only sending"):
        service.settle("root", [queued], sent=False)


def test_a_connection_cut_mid_send_leaves_the_message_unresent_and_stops_the_run(
    context: ServiceContext, world: World, clock: FrozenClock, mailbox: Mailbox
) -> None:
    cut = queue_for(context, world, "alice")
    queue_for(context, world, "bob")
    mailbox.drop.add(ALICE)
    service = notifier(context, mailbox, claim_timeout_minutes=15)

    report = service.run("root")

    assert report.stopped is not None and "connection broke" in report.stopped
    assert [(d.notification_id, d.status) for d in report.deliveries] == [
        (cut, NotificationStatus.SENDING)
    ]
    alice, bob = rows(context)
    assert alice.last_error is not None and alice.last_error.startswith("outcome unknown")
    assert (bob.status, bob.attempts) == (NotificationStatus.PENDING, 0)
    mailbox.drop.clear()
    clock.advance(minutes=20)
    later = service.run("root")
    assert [d.username for d in later.deliveries] == ["bob"]
    assert [s.notification_id for s in later.stuck] == [cut]
    assert len(mailbox.to(ALICE)) == 1  # the server had it all along: never sent twice


def test_requeueing_a_stuck_message_sends_it_again(
    context: ServiceContext, world: World, clock: FrozenClock, mailbox: Mailbox
) -> None:
    settings = mail_settings(context.settings, mailbox)
    queued = queue_for(context, world, "alice")
    with pytest.raises(RuntimeError):
        NotifyService(
            ServiceContext(context.database, clock, settings),
            mailer_factory=lambda: CrashAfterSending(settings.smtp),
        ).run("root")
    service = notifier(context, mailbox)
    service.settle("root", [queued], sent=False)  # the admin found it lost in the mail log
    (again,) = service.run("root").deliveries
    assert again.status is NotificationStatus.SENT
    assert len(mailbox.to(ALICE)) == 2


def test_reminders_and_training_warnings_are_queued_once_across_runs(
    context: ServiceContext, world: World, clock: FrozenClock, mailbox: Mailbox
) -> None:
    bookings = BookingService(context)
    booked = bookings.book(
        "alice", BookingRequest(XPS, london(2026, 3, 17, 14), london(2026, 3, 17, 15))
    )
    # Made inside the window: the confirmation is enough, no reminder.
    bookings.book("bob", BookingRequest(XPS, london(2026, 3, 16, 14), london(2026, 3, 16, 15)))
    add_training(context, world, "erin", expires_in_days=29)
    add_training(context, world, "dave", expires_in_days=31)  # not yet within 30 days
    service = notifier(context, mailbox)
    queued = []
    for _ in range(4):
        clock.advance(hours=2)
        report = service.run("root")
        queued.append((report.reminders_queued, report.training_warnings_queued))
    # Mon 11:00 nothing due for the 14:00 Tue booking; 15:00 it is within 24 h.
    assert queued == [(0, 1), (0, 0), (1, 0), (0, 0)]
    kinds = [r.kind for r in rows(context) if r.dedupe_key]
    assert sorted(kinds) == [NotificationKind.BOOKING_REMINDER, NotificationKind.TRAINING_EXPIRING]
    assert [m["Subject"] for m in mailbox.to(ALICE)][-1].startswith("Reminder: WAR-XPS-01")

    # Moved inside the window: the booking's new version earns a new reminder.
    bookings.modify(
        "alice", booked.id, starts_at=london(2026, 3, 17, 15), ends_at=london(2026, 3, 17, 16)
    )
    assert service.run("root").reminders_queued == 1
    assert service.run("root").reminders_queued == 0


def test_a_reminder_for_a_booking_cancelled_since_is_skipped_with_its_reason(
    context: ServiceContext, world: World, clock: FrozenClock, mailbox: Mailbox
) -> None:
    bookings = BookingService(context)
    booked = bookings.book(
        "alice", BookingRequest(XPS, london(2026, 3, 17, 10), london(2026, 3, 17, 11))
    )
    clock.advance(hours=2)
    with context.database.sessions.begin() as session:  # queued by an earlier run...
        enqueue_due(session, clock.now(), NotificationSettings())
    bookings.cancel("alice", booked.id)  # ...and the booking cancelled before it went out
    notifier(context, mailbox).run("root")
    reminder = next(r for r in rows(context) if r.kind is NotificationKind.BOOKING_REMINDER)
    assert reminder.status is NotificationStatus.SKIPPED
    assert reminder.last_error == f"booking {booked.id} is cancelled now, no longer confirmed"
    assert not any(m["Subject"].startswith("Reminder") for m in mailbox.messages)


def test_only_an_admin_may_deliver_and_smtp_must_be_configured(
    context: ServiceContext, world: World, mailbox: Mailbox
) -> None:
    with pytest.raises(PermissionDenied, match="alice may not deliver"):
        notifier(context, mailbox).run("alice")
    with pytest.raises(ConfigError, match=r"\[smtp\] host is not set"):
        NotifyService(context).run("root")
