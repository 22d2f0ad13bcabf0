"""Purge, anonymise and close-past on both engines: what they change, dry runs, second runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import User
from equipshare.db.models.queue import Notification
from equipshare.db.models.web import WebSession
from equipshare.domain.enums import BookingStatus, NotificationKind
from equipshare.domain.errors import PermissionDenied
from equipshare.services.admin.retention import RetentionService
from equipshare.services.bookings.past import PastBookingService
from equipshare.services.identity.service import SessionsService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.maintenance_rows import plant_audit, plant_booking
from tests.support.world import World, london

OLD = london(2025, 1, 10, 10)  # long past every retention floor but audit's
RECENT = london(2026, 3, 10, 10)  # within cancelled_days (90) of the clock's 2026-03-16


def count(db: Database, model: type[object]) -> int:
    with db.readonly() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_purge_deletes_only_what_is_past_date_and_retention(
    context: ServiceContext, world: World, database: Database
) -> None:
    old = plant_booking(database, world, "alice", "WAR-XPS-01", OLD, OLD + timedelta(hours=1),
                        BookingStatus.CANCELLED)  # fmt: skip
    plant_booking(database, world, "bob", "WAR-XPS-01", OLD, OLD + timedelta(hours=1),
                  BookingStatus.COMPLETED)  # fmt: skip
    plant_booking(database, world, "bob", "WAR-XPS-01", RECENT, RECENT + timedelta(hours=1),
                  BookingStatus.REJECTED)  # fmt: skip
    with database.sessions.begin() as session:
        session.add(
            Notification(
                user_id=world.users["alice"], kind=NotificationKind.BOOKING_CANCELLED,
                booking_id=old, subject="s", body="b", created_at=OLD, next_attempt_at=OLD,
            )
        )  # fmt: skip
    plant_audit(database, datetime(2019, 6, 1, tzinfo=UTC))
    plant_audit(database, datetime(2024, 6, 1, tzinfo=UTC))  # within audit_days (6 years)
    service = RetentionService(context)

    dry = service.purge("root", date(2026, 3, 16), dry_run=True)
    assert (dry.bookings, dry.notifications, dry.audit_events) == (1, 1, 1)
    assert count(database, Booking) == 3 and count(database, AuditEvent) == 2

    real = service.purge("root", date(2026, 3, 16))
    assert (real.bookings, real.notifications, real.audit_events) == (1, 1, 1)
    assert real.bookings_before == datetime(2025, 12, 16, 9, tzinfo=UTC)  # the 90-day floor
    with database.readonly() as session:
        assert session.get(Booking, old) is None
        assert session.scalar(select(func.count()).select_from(Notification)) == 0
        actions = set(session.scalars(select(AuditEvent.action)))
    assert actions == {"test.event", "retention.purge"}

    again = service.purge("root", date(2026, 3, 16))
    assert (again.bookings, again.notifications, again.series, again.audit_events) == (0,) * 4
    assert count(database, AuditEvent) == 2  # a run that deletes nothing writes nothing


def test_purge_and_close_past_are_for_admins_only(context: ServiceContext, world: World) -> None:
    with pytest.raises(PermissionDenied, match="mgr may not purge old data: that needs an admin"):
        RetentionService(context).purge("mgr", date(2025, 1, 1))
    with pytest.raises(PermissionDenied, match="needs an admin"):
        PastBookingService(context).close_past("tech")
    with pytest.raises(PermissionDenied, match="needs an admin"):
        RetentionService(context).anonymise("alice", date(2025, 1, 1))


def test_anonymise_replaces_personal_data_of_the_inactive_and_keeps_their_bookings(
    context: ServiceContext, world: World, database: Database
) -> None:
    since = date(2026, 1, 1)
    kept = plant_booking(database, world, "dave", "WAR-RAM-01", OLD, OLD + timedelta(hours=1),
                         BookingStatus.COMPLETED)  # fmt: skip
    plant_booking(database, world, "alice", "WAR-XPS-01", RECENT, RECENT + timedelta(hours=1))
    plant_audit(database, datetime(2026, 2, 1, tzinfo=UTC), actor_id=world.users["mgr"])
    service = RetentionService(context)

    dry = service.anonymise("root", since, dry_run=True)
    names = {user.user_id for user in dry.users}
    assert world.users["dave"] in names
    assert not names & {world.users[n] for n in ("alice", "mgr", "root")}
    with database.readonly() as session:
        assert session.get_one(User, world.users["dave"]).username == "dave"

    real = service.anonymise("root", since)
    assert {user.user_id for user in real.users} == names
    dave_id = world.users["dave"]
    with database.readonly() as session:
        dave = session.get_one(User, dave_id)
        assert (dave.username, dave.display_name, dave.email, dave.active) == (
            f"anon-{dave_id}", f"anon-{dave_id}", None, False,
        )  # fmt: skip
        assert session.get_one(Booking, kept).user_id == dave_id
        assert session.get_one(User, world.users["alice"]).username == "alice"
        assert session.get_one(User, world.users["root"]).username == "root"
        event = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "user.anonymise", AuditEvent.entity_id == str(dave_id)
            )
        ).one()
    assert event.before is None and "dave" not in str(event.after)
    dave_row = next(user for user in real.users if user.user_id == dave_id)
    assert (dave_row.institution_code, dave_row.bookings) == ("ACME", 1)

    assert service.anonymise("root", since).users == ()


def test_close_past_completes_finished_confirmed_bookings_once(
    context: ServiceContext, world: World, database: Database
) -> None:
    now = context.clock.now()
    done = plant_booking(database, world, "alice", "WAR-XPS-01", now - timedelta(hours=3),
                         now - timedelta(hours=1))  # fmt: skip
    running = plant_booking(database, world, "bob", "WAR-XPS-01", now - timedelta(hours=1),
                            now + timedelta(hours=1))  # fmt: skip
    waiting = plant_booking(database, world, "bob", "WAR-MEG-01", now - timedelta(hours=4),
                            now - timedelta(hours=2), BookingStatus.PENDING)  # fmt: skip
    service = PastBookingService(context)

    dry = service.close_past("root", dry_run=True)
    assert (dry.completed_ids, dry.lapsed_ids) == ((done,), (waiting,))
    closed = service.close_past("root")
    assert (closed.completed_ids, closed.lapsed_ids) == ((done,), (waiting,))
    with database.readonly() as session:
        statuses = {row.id: row.status for row in session.scalars(select(Booking))}
        audited = session.scalars(
            select(AuditEvent.entity_id).where(AuditEvent.action == "booking.complete")
        ).all()
    assert statuses == {
        done: BookingStatus.COMPLETED,
        running: BookingStatus.CONFIRMED,
        waiting: BookingStatus.REJECTED,  # undecided until it ended: lapsed
    }
    assert audited == [str(done)]
    again = service.close_past("root")
    assert (again.completed_ids, again.lapsed_ids) == ((), ())


def test_browser_sign_ins_go_with_the_audit_trail_and_with_anonymised_people(
    context: ServiceContext, world: World, database: Database
) -> None:
    """A web session keeps a browser's user agent and address: purge lets old ones go with
    the audit events, anonymise drops the person's, and a recent sign-in is a sign of life."""
    sessions = SessionsService(context)
    since = date(2026, 1, 1)
    retention = RetentionService(context)
    before = retention.anonymise("root", since, dry_run=True).users
    assert world.users["erin"] in {u.user_id for u in before}

    sessions.start("erin", how="email", user_agent="Firefox/140", address="192.0.2.7")
    old = sessions.start("bob", how="email", user_agent="Safari/19", address="198.51.100.4")
    assert sessions.check(old.secret, touch=False).username == "bob"
    long_ago = datetime(2019, 1, 1, tzinfo=UTC)
    with database.sessions.begin() as session:
        row = session.scalars(
            select(WebSession).where(WebSession.user_id == world.users["bob"])
        ).one()
        row.created_at = row.last_seen_at = long_ago

    report = retention.purge("root", date(2026, 3, 1))
    assert report.sign_ins == 1
    with database.readonly() as session:
        left = session.scalars(select(WebSession.user_id)).all()
    assert left == [world.users["erin"]]

    last_june = datetime(2025, 6, 1, tzinfo=UTC)  # before `since`, and its audit with it
    with database.sessions.begin() as session:
        session.add(
            WebSession(
                secret_hash="0" * 64, user_id=world.users["dave"], created_at=last_june,
                last_seen_at=last_june, user_agent="Safari/19", address="198.51.100.4",
            )
        )  # fmt: skip

    anonymised = {u.user_id for u in retention.anonymise("root", since).users}
    assert world.users["erin"] not in anonymised  # signed in this morning
    assert world.users["dave"] in anonymised  # last signed in before `since`
    with database.readonly() as session:
        assert session.scalars(select(WebSession.user_id)).all() == [world.users["erin"]]
