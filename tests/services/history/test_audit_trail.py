"""Reading the audit trail on both engines: bookings made, approved and cancelled through the
real services, then read back by an admin, the facility's staff, another facility's staff,
the booking's owner and another researcher; filters, keyset paging and --since."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import event, update

from equipshare.db.engine import Database
from equipshare.db.models.catalogue import Facility
from equipshare.domain.enums import DowntimeReason
from equipshare.domain.errors import InputError, NotFound, PermissionDenied
from equipshare.domain.records.operations.history import FieldChange, HistoryEvent, HistoryQuery
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.service import BookingService
from equipshare.services.downtime.service import DowntimeService
from equipshare.services.history.service import HistoryService
from equipshare.services.people.service import AccountService
from equipshare.services.plumbing.audit import audit_values, insert_audits, record_audit
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS, SEM = "WAR-XPS-01", "AST-SEM-01"


@dataclass(frozen=True)
class Story:
    """What happened, in order: the bookings' ids and the actions taken."""

    bob_xps: int
    alice_xps: int
    bob_sem: int
    downtime: int


@pytest.fixture
def story(context: ServiceContext, world: World, clock: FrozenClock, database: Database) -> Story:
    bookings = BookingService(context)
    bob_xps = bookings.book("bob", BookingRequest(XPS, london(2026, 3, 17, 10),
                                                  london(2026, 3, 17, 12)))  # fmt: skip
    clock.advance(minutes=1)
    bookings.approve("mgr", bob_xps.id)
    clock.advance(minutes=1)
    alice_xps = bookings.book("alice", BookingRequest(XPS, london(2026, 3, 18, 10),
                                                      london(2026, 3, 18, 12)))  # fmt: skip
    clock.advance(minutes=1)
    bookings.cancel("alice", alice_xps.id, "plans changed")
    clock.advance(minutes=1)
    bob_sem = bookings.book("bob", BookingRequest(SEM, london(2026, 3, 17, 10),
                                                  london(2026, 3, 17, 11)))  # fmt: skip
    clock.advance(minutes=1)
    downtime, _ = DowntimeService(context).schedule(
        "tech", XPS, london(2026, 3, 19, 9), london(2026, 3, 19, 17), DowntimeReason.MAINTENANCE
    )
    clock.advance(minutes=1)
    AccountService(context).edit("root", "erin", role="technician")
    clock.advance(minutes=1)
    with database.sessions.begin() as session:
        # Aston keeps another clock, so its events show in its zone, not the organisation's.
        session.execute(
            update(Facility).where(Facility.code == "AST-EM").values(timezone="Asia/Tokyo")
        )
    return Story(bob_xps.id, alice_xps.id, bob_sem.id, downtime.id)


def read(context: ServiceContext, who: str, **query: Any) -> list[tuple[str, str, str | None]]:
    """(action, entity, actor) of every event `who` may read for `query`, newest first."""
    page = HistoryService(context).page(who, HistoryQuery(**query), limit=1000)
    assert page.next_before is None
    return [(e.action, e.entity, e.actor) for e in page.events]


def test_an_admin_reads_everything_newest_first_with_the_changes(
    context: ServiceContext, story: Story
) -> None:
    b1, b2, b3, d = story.bob_xps, story.alice_xps, story.bob_sem, story.downtime
    assert read(context, "root") == [
        ("user.edit", "user:erin", "root"),
        ("downtime.create", f"downtime:{d}", "tech"),
        ("booking.create", f"booking:{b3}", "bob"),
        ("booking.cancel", f"booking:{b2}", "alice"),
        ("booking.create", f"booking:{b2}", "alice"),
        ("booking.approve", f"booking:{b1}", "mgr"),
        ("booking.create", f"booking:{b1}", "bob"),
    ]
    events = {
        e.action + e.entity: e for e in _events(HistoryService(context), "root", HistoryQuery())
    }
    approve = events[f"booking.approvebooking:{b1}"]
    assert approve.occurred_at == datetime(2026, 3, 16, 9, 1, tzinfo=UTC)
    assert (approve.timezone, approve.instrument_code) == ("Europe/London", XPS)
    assert FieldChange("status", "pending", "confirmed") in approve.changes
    assert all(c.before != c.after for c in approve.changes)
    created = events[f"booking.createbooking:{b1}"]
    assert FieldChange("status", None, "pending") in created.changes
    # Ids are kept and named as the trail names things elsewhere: a code, a username.
    made = {c.field: c for c in created.changes}
    assert (made["instrument_id"].after_name, made["user_id"].after_name) == (XPS, "bob")
    assert isinstance(made["user_id"].after, int) and made["user_id"].before_name is None
    assert made["technician_id"] == FieldChange("technician_id", None, None)
    assert events[f"booking.createbooking:{b3}"].timezone == "Asia/Tokyo"
    edit = events["user.edituser:erin"]
    assert (edit.timezone, edit.instrument_code) == ("Europe/London", None)
    assert edit.changes == (FieldChange("role", "researcher", "technician"),)


def test_each_person_reads_only_what_they_may(context: ServiceContext, story: Story) -> None:
    b1, b2, b3, d = story.bob_xps, story.alice_xps, story.bob_sem, story.downtime
    warwick = [f"downtime:{d}", f"booking:{b2}", f"booking:{b2}", f"booking:{b1}",
               f"booking:{b1}"]  # fmt: skip
    assert [entity for _, entity, _ in read(context, "mgr")] == warwick
    assert [entity for _, entity, _ in read(context, "tech2")] == warwick
    assert [entity for _, entity, _ in read(context, "otherstaff")] == [f"booking:{b3}"]
    assert [entity for _, entity, _ in read(context, "bob")] == [
        f"booking:{b3}", f"booking:{b1}", f"booking:{b1}",
    ]  # fmt: skip
    assert read(context, "alice") == [
        ("booking.cancel", f"booking:{b2}", "alice"),
        ("booking.create", f"booking:{b2}", "alice"),
    ]
    assert read(context, "erin") == []  # a technician now, but of no facility
    assert read(context, "dave") == []
    with pytest.raises(PermissionDenied, match="deactivated"):
        read(context, "gone")


def test_one_entity_is_refused_to_those_who_may_not_see_it(
    context: ServiceContext, story: Story
) -> None:
    entity = f"booking:{story.bob_xps}"
    expected = [("booking.approve", entity, "mgr"), ("booking.create", entity, "bob")]
    for reader in ("root", "mgr", "tech", "bob"):
        assert read(context, reader, entity=entity) == expected
    for reader in ("otherstaff", "alice", "erin"):
        with pytest.raises(PermissionDenied, match="may not see this history on WAR-XPS-01"):
            read(context, reader, entity=entity)
    downtime = f"downtime:{story.downtime}"
    assert read(context, "tech2", entity=downtime) == [("downtime.create", downtime, "tech")]
    with pytest.raises(PermissionDenied):
        read(context, "alice", entity=downtime)
    assert read(context, "root", entity="user:erin") == [("user.edit", "user:erin", "root")]
    with pytest.raises(PermissionDenied, match="needs an admin"):
        read(context, "mgr", entity="user:erin")
    with pytest.raises(PermissionDenied):
        read(context, "bob", entity=f"instrument:{XPS}")
    assert read(context, "mgr", entity=f"instrument:{XPS}") == []
    with pytest.raises(NotFound, match="no booking 999"):
        read(context, "bob", entity="booking:999")
    assert read(context, "root", entity="booking:999") == []  # perhaps purged: admins may look
    for bad in ("booking", "booking:abc", "Booking:1"):
        with pytest.raises(InputError, match="--entity"):
            read(context, "root", entity=bad)
    with pytest.raises(NotFound, match="no instrument"):
        read(context, "root", entity="instrument:NOPE")


def test_instrument_and_facility_events_reach_their_staff(
    context: ServiceContext, story: Story, world: World, clock: FrozenClock, database: Database
) -> None:
    # Written as the instrument, facility and staff editors write them: by id.
    written: list[tuple[str, int | str, str]] = [
        ("instrument", world.instruments[XPS], "instrument.status"),
        ("instrument", world.instruments[SEM], "instrument.status"),
        ("facility", world.facilities["WAR-PRP"], "facility.policy"),
        ("facility_staff", f"{world.facilities['WAR-PRP']}:{world.users['erin']}",
         "facility_staff.add"),
    ]  # fmt: skip
    with database.sessions.begin() as session:
        for kind, key, action in written:
            record_audit(session, actor_id=world.users["root"], action=action, entity_type=kind,
                         entity_id=key, at=clock.now(), before={"status": "available"},
                         after={"status": "limited"})  # fmt: skip
    assert read(context, "tech", entity=f"instrument:{XPS}") == [
        ("instrument.status", f"instrument:{XPS}", "root")
    ]
    assert [a for a, _, _ in read(context, "tech", entity="facility:war-prp")] == [
        "facility_staff.add",
        "facility.policy",
    ]
    with pytest.raises(PermissionDenied):
        read(context, "otherstaff", entity="facility:WAR-PRP")
    on_xps = read(context, "mgr", instrument=XPS)
    assert [entity for _, entity, _ in on_xps] == [
        f"instrument:{XPS}", f"downtime:{story.downtime}", f"booking:{story.alice_xps}",
        f"booking:{story.alice_xps}", f"booking:{story.bob_xps}", f"booking:{story.bob_xps}",
    ]  # fmt: skip
    assert read(context, "root", instrument=XPS) == on_xps
    assert [e for _, e, _ in read(context, "bob", instrument=XPS)] == [
        f"booking:{story.bob_xps}"
    ] * 2
    assert read(context, "otherstaff", instrument=XPS) == []
    assert [e for _, e, _ in read(context, "otherstaff")] == [
        f"instrument:{SEM}", f"booking:{story.bob_sem}",
    ]  # fmt: skip


def test_filters_by_actor_and_since_combine(context: ServiceContext, story: Story) -> None:
    assert read(context, "root", actor="tech") == [
        ("downtime.create", f"downtime:{story.downtime}", "tech")
    ]
    # What bob did, as each reader may see it.
    assert len(read(context, "root", actor="bob")) == 2
    assert read(context, "mgr", actor="bob") == [
        ("booking.create", f"booking:{story.bob_xps}", "bob")
    ]
    assert read(context, "alice", actor="bob") == []
    assert [a for a, _, _ in read(context, "bob", actor="mgr")] == ["booking.approve"]
    with pytest.raises(NotFound, match="no user called 'nobody'"):
        read(context, "root", actor="nobody")

    since = datetime(2026, 3, 16, 9, 3, tzinfo=UTC)
    assert [a for a, _, _ in read(context, "root", since=since)] == [
        "user.edit", "downtime.create", "booking.create", "booking.cancel",
    ]  # fmt: skip
    assert [a for a, _, _ in read(context, "alice", since=since)] == ["booking.cancel"]
    assert len(read(context, "root", since=date(2026, 3, 16))) == 7
    assert read(context, "root", since=date(2026, 3, 17)) == []
    # A time without an offset is wall-clock time in the instrument's facility's zone:
    # bob booked the SEM at 09:04 UTC, 18:04 in Tokyo.
    tokyo = datetime.fromisoformat("2026-03-16T18:04")
    assert len(read(context, "root", instrument=SEM, since=tokyo)) == 1
    assert read(context, "root", instrument=SEM, since=tokyo.replace(minute=5)) == []
    assert read(context, "root", actor="bob", instrument=SEM) == [
        ("booking.create", f"booking:{story.bob_sem}", "bob")
    ]


def test_pages_follow_one_another_even_at_one_instant(
    context: ServiceContext, story: Story, world: World, clock: FrozenClock, database: Database
) -> None:
    with database.sessions.begin() as session:
        insert_audits(session, [
            audit_values(actor_id=world.users["tech"], action="booking.note", entity_type="booking",
                         entity_id=story.bob_xps, at=clock.now(), after={"n": n})
            for n in range(5)
        ])  # fmt: skip
    service = HistoryService(context)
    everything = _events(service, "mgr", HistoryQuery())
    assert len(everything) == 10 and everything[0].changes == (FieldChange("n", None, 4),)
    pages: list[HistoryEvent] = []
    before: int | None = None
    while True:
        page = service.page("mgr", HistoryQuery(), before=before, limit=3)
        pages.extend(page.events)
        assert len(page.events) == 3 or page.next_before is None
        if page.next_before is None:
            break
        before = page.next_before
    assert [e.id for e in pages] == [e.id for e in everything]
    keys = [(e.occurred_at, e.id) for e in pages]
    assert keys == sorted(keys, reverse=True)
    with pytest.raises(InputError, match="--before: no audit event 99999"):
        service.page("mgr", HistoryQuery(), before=99999)
    with pytest.raises(InputError, match="--limit"):
        service.page("mgr", HistoryQuery(), limit=0)


def test_a_page_is_one_bounded_query_however_long_the_trail(
    context: ServiceContext, world: World, clock: FrozenClock, database: Database
) -> None:
    with database.sessions.begin() as session:
        insert_audits(session, [
            audit_values(actor_id=None, action="catalogue.import", entity_type="catalogue",
                         entity_id=f"sheet-{n}.csv", at=clock.now(), after={"created": n})
            for n in range(3000)
        ])  # fmt: skip
    fetched: list[int] = []

    def count_rows(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM audit_events" in statement and "ORDER BY" in statement:
            fetched.append(1)

    event.listen(database.engine, "after_cursor_execute", count_rows)
    try:
        page = HistoryService(context).page("root", HistoryQuery(), limit=20)
    finally:
        event.remove(database.engine, "after_cursor_execute", count_rows)
    assert len(page.events) == 20 and page.next_before == page.events[-1].id
    assert fetched == [1]
    assert page.events[0].entity == "catalogue:sheet-2999.csv" and page.events[0].actor is None
    assert HistoryService(context).page("mgr", HistoryQuery(), limit=20).events == ()


def _events(service: HistoryService, who: str, query: HistoryQuery) -> list[HistoryEvent]:
    return list(service.page(who, query, limit=1000).events)
