"""Approvals: pending requests for the staff who may decide them, oldest request first.

The clock starts at Mon 16 Mar 2026 09:00 UTC (09:00 GMT in London); see tests/support/world.py.
Bob's XPS training (from the world) runs until 1 Jan 2028.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, update

from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import BookingStatus, TrainingLevel, TrainingStanding
from equipshare.domain.errors import NotFound
from equipshare.domain.records.scheduling.bookings import BookingRequest, PendingRequestRow
from equipshare.domain.records.users.people import TrainingStatus
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.approvals import ApprovalsService, Training, training_standing
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS, MEG, SEM = "WAR-XPS-01", "WAR-MEG-01", "AST-SEM-01"
START = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)


@pytest.fixture
def requests(context: ServiceContext, world: World, clock: FrozenClock) -> dict[str, int]:
    """Five pending requests made minutes apart, plus bookings that are not pending."""
    svc = BookingService(context)

    def book(user: str, code: str, start: datetime, end: datetime, **extra: Any) -> int:
        booking = svc.book(user, BookingRequest(code, start, end, **extra))
        return booking.id

    ids = {"bob-xps": book("bob", XPS, london(2026, 3, 19, 10), london(2026, 3, 19, 11))}
    clock.advance(minutes=5)
    ids["alice-meg"] = book(
        "alice",
        MEG,
        london(2026, 3, 18, 10),
        london(2026, 3, 18, 12),
        project_code="GR-1",
        purpose="MEG pilot for the sleep study",
    )
    clock.advance(minutes=5)
    ids["carol-sem"] = book("carol", SEM, london(2026, 3, 17, 10), london(2026, 3, 17, 11))
    clock.advance(minutes=5)
    ids["bob-assisted"] = book(
        "bob",
        XPS,
        london(2026, 3, 20, 10),
        london(2026, 3, 20, 12),
        technician_username="tech",
    )
    # Made in the same instant as Bob's: the booking id breaks the tie.
    ids["erin-meg"] = book(
        "erin", MEG, london(2026, 3, 19, 14), london(2026, 3, 19, 16), project_code="GR-2"
    )
    ids["alice-xps"] = book("alice", XPS, london(2026, 3, 17, 10), london(2026, 3, 17, 11))
    ids["withdrawn"] = book(
        "alice", MEG, london(2026, 3, 20, 10), london(2026, 3, 20, 12), project_code="GR-1"
    )
    svc.cancel("alice", ids["withdrawn"], "no longer needed")
    clock.advance(minutes=5)
    return ids


def ids_of(rows: tuple[PendingRequestRow, ...]) -> list[int]:
    return [row.booking_id for row in rows]


def by_id(rows: tuple[PendingRequestRow, ...]) -> dict[int, PendingRequestRow]:
    return {row.booking_id: row for row in rows}


def test_a_manager_sees_their_facility_oldest_request_first(
    context: ServiceContext, requests: dict[str, int]
) -> None:
    service = ApprovalsService(context)
    rows = service.pending("mgr")
    assert ids_of(rows) == [
        requests[k] for k in ("bob-xps", "alice-meg", "bob-assisted", "erin-meg")
    ]
    assert [row.requested_at for row in rows] == sorted(row.requested_at for row in rows)
    assert service.pending_count("mgr") == 4

    bob = rows[0]
    assert (bob.instrument_code, bob.instrument_name, bob.facility_name, bob.timezone) == (
        XPS,
        XPS,
        "Warwick Photoemission RTP",
        "Europe/London",
    )
    assert (bob.starts_at, bob.ends_at) == (
        datetime(2026, 3, 19, 10, tzinfo=UTC),
        datetime(2026, 3, 19, 11, tzinfo=UTC),
    )
    assert (bob.requester_username, bob.requester_name) == ("bob", "Bob")
    assert (bob.requester_institution_code, bob.requester_institution_name) == (
        "ASTON",
        "Aston University",
    )
    assert bob.cross_institution and not bob.assisted and bob.technician_name is None
    assert bob.requested_at == START and bob.project_code is None

    alice = rows[1]
    assert not alice.cross_institution
    assert (alice.project_code, alice.purpose) == ("GR-1", "MEG pilot for the sleep study")
    assert alice.training == TrainingStatus(TrainingStanding.NOT_REQUIRED)
    assert rows[2].assisted and rows[2].technician_name == "Tech"


def test_scope_follows_the_approve_right(context: ServiceContext, requests: dict[str, int]) -> None:
    service = ApprovalsService(context)
    everyone = [
        requests[k] for k in ("bob-xps", "alice-meg", "carol-sem", "bob-assisted", "erin-meg")
    ]
    assert ids_of(service.pending("root")) == everyone
    assert service.pending_count("root") == 5
    # A technician may approve for their own facility, so sees the same list as its manager.
    assert ids_of(service.pending("tech")) == ids_of(service.pending("mgr"))
    assert ids_of(service.pending("otherstaff")) == [requests["carol-sem"]]
    assert service.pending_count("otherstaff") == 1
    carol = service.pending("otherstaff")[0]
    assert (carol.facility_name, carol.requester_institution_code) == (
        "Aston Electron Microscopy",
        "SHEF",
    )
    # Researchers and deactivated accounts may approve nothing: an empty list, not an error.
    for nobody in ("alice", "gone"):
        assert service.pending(nobody) == ()
        assert service.pending_count(nobody) == 0
        assert not service.may_approve(nobody)
    assert all(service.may_approve(staff) for staff in ("mgr", "tech", "otherstaff", "root"))
    with pytest.raises(NotFound):
        service.pending("nobody-at-all")


def test_decided_requests_leave_the_list(context: ServiceContext, requests: dict[str, int]) -> None:
    service, bookings = ApprovalsService(context), BookingService(context)
    bookings.approve("mgr", requests["bob-xps"])
    bookings.reject("tech", requests["erin-meg"], "the MEG is reserved for calibration")
    assert ids_of(service.pending("mgr")) == [requests["alice-meg"], requests["bob-assisted"]]
    assert service.pending_count("mgr") == 2
    assert bookings.get("mgr", requests["bob-xps"]).status is BookingStatus.CONFIRMED


def test_limit_keeps_the_oldest(context: ServiceContext, requests: dict[str, int]) -> None:
    rows = ApprovalsService(context).pending("root", limit=2)
    assert ids_of(rows) == [requests["bob-xps"], requests["alice-meg"]]


def set_bob_training(context: ServiceContext, world: World, **values: object) -> None:
    with context.database.sessions.begin() as session:
        session.execute(
            update(TrainingRecord)
            .where(
                TrainingRecord.user_id == world.users["bob"],
                TrainingRecord.instrument_id == world.instruments[XPS],
            )
            .values(**values)
        )


def test_training_standing_of_the_requester(
    context: ServiceContext, world: World, requests: dict[str, int]
) -> None:
    service = ApprovalsService(context)

    def standing(key: str) -> TrainingStatus:
        return by_id(service.pending("mgr"))[requests[key]].training

    assert standing("bob-xps") == TrainingStatus(
        TrainingStanding.TRAINED, datetime(2028, 1, 1, tzinfo=UTC)
    )
    lapse = datetime(2026, 3, 19, 10, 30, tzinfo=UTC)  # half way through Thursday's booking
    set_bob_training(context, world, expires_at=lapse)
    assert standing("bob-xps") == TrainingStatus(TrainingStanding.LAPSES, lapse)
    assert standing("bob-assisted") == TrainingStatus(TrainingStanding.LAPSES, lapse)
    set_bob_training(context, world, expires_at=datetime(2026, 2, 1, tzinfo=UTC))
    assert standing("bob-xps") == TrainingStatus(
        TrainingStanding.EXPIRED, datetime(2026, 2, 1, tzinfo=UTC)
    )
    set_bob_training(context, world, level=TrainingLevel.SUPERVISED, expires_at=None)
    assert standing("bob-xps") == TrainingStatus(TrainingStanding.SUPERVISED, None)
    set_bob_training(context, world, revoked_at=START)
    assert standing("bob-xps") == TrainingStatus(TrainingStanding.NOT_TRAINED)
    assert standing("erin-meg") == TrainingStatus(TrainingStanding.NOT_REQUIRED)


@contextmanager
def counting_selects(context: ServiceContext) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    engine = context.database.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_queries_do_not_grow_with_the_rows(
    context: ServiceContext, requests: dict[str, int]
) -> None:
    service = ApprovalsService(context)
    with counting_selects(context) as few:
        assert len(service.pending("mgr", limit=1)) == 1
    with counting_selects(context) as many:
        assert len(service.pending("root")) == 5
    # The actor with their facilities, the requests, and the training of every requester.
    assert len(few) == len(many) == 3
    with counting_selects(context) as counting:
        service.pending_count("mgr")
    assert len(counting) == 2


def test_standing_prefers_the_record_that_lasts_longest() -> None:
    now, end = START, datetime(2026, 3, 20, 12, tzinfo=UTC)
    short = Training(TrainingLevel.INDEPENDENT, datetime(2025, 1, 1, tzinfo=UTC), end)
    longer = Training(
        TrainingLevel.INDEPENDENT,
        datetime(2025, 6, 1, tzinfo=UTC),
        datetime(2027, 3, 3, tzinfo=UTC),
    )
    forever = Training(TrainingLevel.INDEPENDENT, datetime(2024, 1, 1, tzinfo=UTC), None)
    assert training_standing([short, longer], end, now) == TrainingStatus(
        TrainingStanding.TRAINED, datetime(2027, 3, 3, tzinfo=UTC)
    )
    assert training_standing([longer, forever], end, now).until is None
    # Expiring exactly at the booking's end does not cover it (the booking rule agrees).
    assert training_standing([short], end, now).standing is TrainingStanding.LAPSES
    # Training booked for tomorrow counts for a booking after it.
    tomorrow = Training(TrainingLevel.INDEPENDENT, datetime(2026, 3, 17, tzinfo=UTC), None)
    assert training_standing([tomorrow], end, now).standing is TrainingStanding.TRAINED
    assert training_standing([], end, now) == TrainingStatus(TrainingStanding.NOT_TRAINED)
