"""Change stamps of topics: a write made elsewhere moves the topics it touches and no other,
read in one statement (both engines).

"Elsewhere" is a second engine on the same database, as another process (the CLI, another
terminal app, `serve`) would have: the screens' check must see what it committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event

from equipshare.db.engine import Database
from equipshare.domain.enums import DowntimeReason, TrainingLevel
from equipshare.domain.errors import PermissionDenied
from equipshare.domain.records.changes import (
    APPROVALS,
    CATALOGUE,
    DOWNTIME,
    TRAINING,
    Topic,
    TopicKind,
    TopicStamps,
)
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.changes.service import ChangesService
from equipshare.services.downtime.scheduling import DowntimeService
from equipshare.services.people.account_edits import AccountService
from equipshare.services.people.training import TrainingService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS, RAM, SEM = "WAR-XPS-01", "WAR-RAM-01", "AST-SEM-01"
XPS_TOPIC, RAM_TOPIC, SEM_TOPIC = (Topic.instrument(code) for code in (XPS, RAM, SEM))
PRP = Topic(TopicKind.FACILITY, "WAR-PRP")
ALICE, BOB = Topic.user("alice"), Topic.user("bob")
#: Everything a Warwick manager's screens might watch at once.
WATCHED = frozenset(
    {XPS_TOPIC, RAM_TOPIC, SEM_TOPIC, PRP, APPROVALS, TRAINING, DOWNTIME, CATALOGUE}
)


@pytest.fixture
def elsewhere(database_url: str, context: ServiceContext) -> Iterator[ServiceContext]:
    """Services on a second engine of the same database: another process's writes."""
    other = Database.connect(database_url)
    yield replace(context, database=other)
    other.dispose()


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """The SQL statements run meanwhile (transaction control aside)."""
    seen: list[str] = []

    def note(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", note)


def moved(
    context: ServiceContext, actor: str, topics: frozenset[Topic], write: Callable[[], object]
) -> frozenset[Topic]:
    changes = ChangesService(context)
    before = changes.stamps(actor, topics)
    write()
    return changes.stamps(actor, topics).changed_since(before)


def test_a_booking_made_elsewhere_moves_its_instrument_facility_booker_and_approvers(
    context: ServiceContext, elsewhere: ServiceContext, world: World
) -> None:
    days = iter(range(17, 28))

    def book() -> None:  # a new day each time: on weekdays, so the XPS is open
        day = next(days)
        while date(2026, 3, day).weekday() > 4:
            day = next(days)
        request = BookingRequest(XPS, london(2026, 3, day, 10), london(2026, 3, day, 12))
        BookingService(elsewhere).book("bob", request)

    assert moved(context, "mgr", WATCHED, book) == {XPS_TOPIC, PRP, APPROVALS}
    assert moved(context, "bob", frozenset({BOB, XPS_TOPIC}), book) == {BOB, XPS_TOPIC}
    assert moved(context, "alice", frozenset({ALICE}), book) == set()
    # otherstaff staffs Aston's facility only; root, an admin, watches every facility.
    assert moved(context, "otherstaff", frozenset({APPROVALS}), book) == set()
    assert moved(context, "root", frozenset({APPROVALS}), book) == {APPROVALS}


def test_downtime_training_and_people_move_their_topics_and_no_others(
    context: ServiceContext, elsewhere: ServiceContext, world: World, clock: FrozenClock
) -> None:
    hours = iter(range(10, 16))

    def downtime() -> None:  # an hour of its own each time
        hour = next(hours)
        DowntimeService(elsewhere).schedule(
            "tech",
            RAM,
            london(2026, 3, 19, hour),
            london(2026, 3, 19, hour + 1),
            DowntimeReason.MAINTENANCE,
            "new laser",
        )

    def training() -> None:
        TrainingService(elsewhere).record("mgr", "erin", XPS, TrainingLevel.INDEPENDENT, None)

    def rename() -> None:
        AccountService(elsewhere).edit("root", "carol", name="Carol B")

    # A downtime is on the week, the facility's weeks and the staff's downtime list; it
    # waits for nobody's approval. Aston's staff do not see Warwick's; an admin sees all.
    assert moved(context, "mgr", WATCHED, downtime) == {RAM_TOPIC, PRP, DOWNTIME}
    assert moved(context, "otherstaff", frozenset({DOWNTIME}), downtime) == set()
    assert moved(context, "root", frozenset({DOWNTIME}), downtime) == {DOWNTIME}
    assert moved(context, "mgr", WATCHED, training) == {TRAINING}
    # People, places and rights: every topic shows names or depends on who staffs what.
    assert moved(context, "mgr", WATCHED, rename) == WATCHED


def test_the_check_is_one_statement_whatever_it_watches(
    context: ServiceContext, database: Database, world: World
) -> None:
    changes = ChangesService(context)
    many = WATCHED | {Topic.instrument(f"NOPE-{n}") for n in range(40)} | {Topic.user("root")}
    for actor, topics in [
        ("alice", frozenset({XPS_TOPIC})),
        ("alice", frozenset({ALICE})),
        ("mgr", frozenset({APPROVALS})),
        ("root", many),
    ]:
        changes.stamps(actor, topics)  # compiled once per engine, like every statement
        with statements(database) as seen:
            stamps = changes.stamps(actor, topics)
        assert len(seen) == 1, seen
        assert set(stamps.stamps) == topics


def test_another_users_bookings_are_not_watched_and_unknown_names_read_the_catalogue(
    context: ServiceContext, world: World
) -> None:
    changes = ChangesService(context)
    with pytest.raises(PermissionDenied, match="alice's own"):
        changes.stamps("alice", [BOB])
    nothing = Topic.instrument("NO-SUCH-01")
    read = changes.stamps("alice", [nothing, CATALOGUE]).stamps
    assert read[nothing] == read[CATALOGUE]


def test_changed_since_names_only_topics_read_both_times() -> None:
    before = TopicStamps({XPS_TOPIC: 3, RAM_TOPIC: 5})
    after = TopicStamps({XPS_TOPIC: 4, RAM_TOPIC: 5, SEM_TOPIC: 9})
    assert after.changed_since(before) == {XPS_TOPIC}
    assert before.changed_since(before) == set()
