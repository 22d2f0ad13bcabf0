"""Race safety: eight OS processes book, move and decide the same things at once, per engine.

Each racer is a spawned process that builds its own Database, ServiceContext (frozen
clock at the same instant) and BookingService, waits at a barrier, then runs four
contests: the same XPS slots; the same technician on different rigs; moving their own
bookings into the same slot; deciding (approve, reject, cancel) the same pending
bookings. Every contested range has exactly one winner, losers get ConflictError,
and afterwards no two active bookings overlap on an instrument or for a technician.

The racers run once per engine (a module fixture); the tests below read the results.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import select, text

from equipshare.config import Settings
from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Instrument, User
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import AccessLevel, InstrumentStatus, Role, TrainingLevel, UniquipType
from equipshare.domain.errors import ConflictError, RefusedError
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.plumbing.context import ServiceContext
from tests.conftest import BACKENDS
from tests.support import backends
from tests.support.world import World, build_world, london

RACERS = 8
NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)  # the `clock` fixture's instant
T0 = datetime(2025, 1, 1, tzinfo=UTC)
RIGS = [f"WAR-RIG-{i:02d}" for i in range(RACERS)]
TIMEOUT_S = 90.0
HOUR = timedelta(hours=1)

# Six XPS contests (open Mon-Fri 09-17 London), each at most three hours wide; neighbours
# only touch end-to-start, so each must have exactly one winner.
SLOT_CORES = {
    f"slot {day:%a} {hour}:00": day.replace(hour=hour)
    for day in (london(2026, 3, 17, 0), london(2026, 3, 18, 0), london(2026, 3, 19, 0))
    for hour in (10, 13)
}
# Every racer books its own rig with the same technician at overlapping times.
TECHNICIAN_CORES = {
    "tech Fri 10:00": ("tech", london(2026, 3, 20, 10)),
    "tech2 Fri 14:00": ("tech2", london(2026, 3, 20, 14)),
}
# Every racer moves its own XPS booking (racer i holds 09+i:00 that day) into one slot.
MOVE_CORES = {
    "move Tue->Wed 10:00": (london(2026, 3, 24, 9), london(2026, 3, 25, 10)),
    "move Thu->Fri 13:00": (london(2026, 3, 26, 9), london(2026, 3, 27, 13)),
}
# Six of bob's pending XPS bookings, each decided by all racers at once.
DECISION_STARTS = [london(2026, 3, 23, hour) for hour in range(10, 16)]
DECIDERS = [
    ("approve", "tech"),
    ("approve", "tech2"),
    ("approve", "mgr"),
    ("approve", "root"),
    ("reject", "mgr"),
    ("reject", "tech"),
    ("cancel", "bob"),
    ("cancel", "root"),
]


@dataclass(frozen=True)
class Attempt:
    """One try by one racer in one contest, and what came of it."""

    racer: int
    contest: str
    outcome: str  # "won", "conflict", "refused", or "other: ..." which is always a failure
    field: str | None = None
    booking_id: int | None = None


def variants(core: datetime) -> list[tuple[datetime, datetime]]:
    """Eight ranges that all contain the hour from `core`: identical, wider, shifted."""
    shapes = [(0, 1), (0, 1), (-1, 1), (0, 2), (-1, 2), (0, 1), (0, 2), (-1, 1)]
    return [(core + a * HOUR, core + b * HOUR) for a, b in shapes]


def attempt(racer: int, contest: str, call: Any) -> Attempt:
    try:
        record = call()
    except ConflictError as conflict:
        return Attempt(racer, contest, "conflict", conflict.field)
    except RefusedError as refusal:
        return Attempt(racer, contest, "refused", refusal.field)
    except Exception as exc:  # any other outcome is a bug; the test reports it
        return Attempt(racer, contest, f"other: {type(exc).__name__}: {exc}")
    return Attempt(racer, contest, "won", booking_id=record.id)


def race(url: str, racer: int, plan: dict[str, Any], start_line: Any, results: Any) -> None:
    """One racing process; every contest starts together with the others at the barrier."""
    attempts: list[Attempt] = []
    database = Database.connect(url)
    try:
        context = ServiceContext(database, FrozenClock(NOW), Settings().with_database_url(url))
        service = BookingService(context)
        me = plan["username"]
        with database.readonly() as session:  # connect before the start, not during the race
            session.execute(text("SELECT 1"))
        order = -1 if racer % 2 else 1  # half the racers go through each contest backwards

        start_line.wait(TIMEOUT_S)
        for contest, core in list(SLOT_CORES.items())[::order]:
            start, end = variants(core)[racer]
            request = BookingRequest("WAR-XPS-01", start, end)
            attempts.append(attempt(racer, contest, lambda r=request: service.book(me, r)))

        start_line.wait(TIMEOUT_S)
        for contest, (technician, core) in TECHNICIAN_CORES.items():
            start, end = variants(core)[racer]
            request = BookingRequest(RIGS[racer], start, end, technician_username=technician)
            attempts.append(attempt(racer, contest, lambda r=request: service.book(me, r)))

        start_line.wait(TIMEOUT_S)
        for contest in MOVE_CORES:
            start, end = variants(MOVE_CORES[contest][1])[racer]
            booking = plan["moves"][contest]
            attempts.append(
                attempt(
                    racer,
                    contest,
                    lambda b=booking, s=start, e=end: service.modify(me, b, starts_at=s, ends_at=e),
                )
            )

        start_line.wait(TIMEOUT_S)
        verb, who = DECIDERS[racer]
        for booking in plan["decisions"][::order]:
            decide = {
                "approve": lambda b=booking: service.approve(who, b, "fine"),
                "reject": lambda b=booking: service.reject(who, b, "clashes with a service"),
                "cancel": lambda b=booking: service.cancel(who, b, "no longer needed"),
            }[verb]
            attempts.append(attempt(racer, f"decide {booking}", decide))
    except BaseException as exc:
        attempts.append(Attempt(racer, "setup", f"other: {type(exc).__name__}: {exc}"))
    finally:
        results.put(attempts)
        database.dispose()


def add_racers_and_rigs(database: Database, world: World) -> list[str]:
    """Eight racers trained on the XPS (half Warwick, half Aston), and a rig for each."""
    names = [f"racer{i}" for i in range(RACERS)]
    with database.sessions.begin() as s:
        for i, name in enumerate(names):
            user = User(
                username=name,
                display_name=name.title(),
                email=f"{name}@example.ac.uk",
                institution_id=world.institutions["ASTON" if i % 2 else "WARWICK"],
                role=Role.RESEARCHER,
                active=True,
                created_at=T0,
            )
            s.add(user)
            s.flush()
            s.add(
                TrainingRecord(
                    user_id=user.id,
                    instrument_id=world.instruments["WAR-XPS-01"],
                    trainer_id=world.users["tech"],
                    level=TrainingLevel.INDEPENDENT,
                    trained_at=T0,
                )
            )
        s.add_all(
            Instrument(
                facility_id=world.facilities["WAR-PRP"],
                code=code,
                name=code,
                category="RIG",
                status=InstrumentStatus.AVAILABLE,
                access_level=AccessLevel.CONSORTIUM,
                uniquip_type=UniquipType.EQUIPMENT,
                requires_training=False,
                created_at=T0,
                updated_at=T0,
            )
            for code in RIGS
        )
    return names


def prepare_plans(context: ServiceContext, names: list[str]) -> list[dict[str, Any]]:
    """Book what the move and decision contests start from, before anyone races."""
    service = BookingService(context)
    decisions = [
        service.book("bob", BookingRequest("WAR-XPS-01", start, start + HOUR)).id
        for start in DECISION_STARTS
    ]
    plans = []
    for i, name in enumerate(names):
        moves = {}
        for contest, (day_start, _core) in MOVE_CORES.items():
            start = day_start + i * HOUR
            moves[contest] = service.book(
                name, BookingRequest("WAR-XPS-01", start, start + HOUR)
            ).id
        plans.append({"username": name, "moves": moves, "decisions": decisions})
    return plans


def run_race(url: str, plans: list[dict[str, Any]]) -> list[Attempt]:
    spawn = multiprocessing.get_context("spawn")
    start_line = spawn.Barrier(RACERS)
    results = spawn.Queue()
    processes = [
        spawn.Process(target=race, args=(url, i, plan, start_line, results), daemon=True)
        for i, plan in enumerate(plans)
    ]
    for process in processes:
        process.start()
    attempts: list[Attempt] = []
    reported = 0
    deadline = time.monotonic() + TIMEOUT_S
    try:
        # Drain the queue before joining: a child cannot exit until its results are read.
        while reported < RACERS:
            try:
                attempts.extend(results.get(timeout=0.5))
                reported += 1
            except queue.Empty:
                dead = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
                if dead or time.monotonic() > deadline:
                    start_line.abort()
                    raise AssertionError(f"racers failed (exit codes {dead})") from None
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
    return attempts


@dataclass(frozen=True)
class Race:
    """What the racers did on one engine, and the database they did it to."""

    backend: str
    database: Database
    attempts: list[Attempt]
    decisions: list[int]

    def contest(self, name: str) -> list[Attempt]:
        return [a for a in self.attempts if a.contest == name]


@pytest.fixture(scope="module", params=BACKENDS)
def raced(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Race]:
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        url = backends.copy_sqlite(template, tmp_path_factory.mktemp("race"))
        admin = None
    else:
        admin, template = request.getfixturevalue("postgres_template")
        created = backends.create_postgres_database(admin, template=template)
        url = created.render_as_string(hide_password=False)
    database = Database.connect(url)
    try:
        world = build_world(database)
        context = ServiceContext(database, FrozenClock(NOW), Settings().with_database_url(url))
        plans = prepare_plans(context, add_racers_and_rigs(database, world))
        attempts = run_race(url, plans)
        yield Race(request.param, database, attempts, plans[0]["decisions"])
    finally:
        database.dispose()
        if admin is not None:
            backends.drop_postgres_database(admin, created.database or "")


def test_every_attempt_won_or_lost_cleanly(raced: Race) -> None:
    failures = [a for a in raced.attempts if a.outcome.startswith("other")]
    assert not failures, failures
    per_racer = len(SLOT_CORES) + len(TECHNICIAN_CORES) + len(MOVE_CORES) + len(raced.decisions)
    assert len(raced.attempts) == RACERS * per_racer


@pytest.mark.parametrize("contest", [*SLOT_CORES, *TECHNICIAN_CORES, *MOVE_CORES])
def test_each_contest_has_exactly_one_winner(raced: Race, contest: str) -> None:
    outcomes = sorted(a.outcome for a in raced.contest(contest))
    assert outcomes == ["conflict"] * (RACERS - 1) + ["won"], raced.contest(contest)


@pytest.mark.parametrize("contest", list(TECHNICIAN_CORES))
def test_technician_losers_lost_to_the_technician(raced: Race, contest: str) -> None:
    # Each racer booked its own rig, so the only thing to lose to is the technician's time.
    losers = [a for a in raced.contest(contest) if a.outcome == "conflict"]
    assert {a.field for a in losers} == {"technician"}, losers


OVERLAPS = """
SELECT a.id, b.id FROM bookings a JOIN bookings b
  ON a.id < b.id AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
 AND (a.instrument_id = b.instrument_id OR a.technician_id = b.technician_id)
WHERE a.status IN ('pending', 'confirmed') AND b.status IN ('pending', 'confirmed')
"""


def test_no_active_bookings_overlap_afterwards(raced: Race) -> None:
    with raced.database.engine.connect() as conn:
        assert conn.execute(text(OVERLAPS)).all() == []
        held = conn.execute(
            select(Booking.id).where(
                Booking.status.in_(("pending", "confirmed")), Booking.id.not_in(raced.decisions)
            )
        ).scalars()
        # The slot and technician winners, and every racer's two bookings, moved or not.
        expected = len(SLOT_CORES) + len(TECHNICIAN_CORES) + RACERS * len(MOVE_CORES)
        assert len(list(held)) == expected


@pytest.mark.parametrize("contest", list(MOVE_CORES))
def test_losing_moves_leave_the_booking_where_it_was(raced: Race, contest: str) -> None:
    day_start, core = MOVE_CORES[contest]
    with raced.database.readonly() as s:
        starts = s.scalars(
            select(Booking.starts_at).where(
                Booking.starts_at >= day_start, Booking.starts_at < day_start + RACERS * HOUR
            )
        ).all()
        moved = s.scalars(
            select(Booking.id).where(
                Booking.starts_at >= core - HOUR, Booking.starts_at < core + HOUR
            )
        ).all()
    assert len(starts) == RACERS - 1
    assert len(moved) == 1


def test_decisions_are_serialised(raced: Race) -> None:
    """Each successful decision saw the state the one before it left: no lost update."""
    problems = []
    with raced.database.readonly() as s:
        for booking_id in raced.decisions:
            wins = [a for a in raced.contest(f"decide {booking_id}") if a.outcome == "won"]
            row = s.get(Booking, booking_id)
            assert row is not None
            trail = s.scalars(
                select(AuditEvent)
                .where(AuditEvent.entity_type == "booking", AuditEvent.entity_id == str(booking_id))
                .order_by(AuditEvent.id)
            ).all()
            chain = [
                (e.action, (e.before or {}).get("sequence"), (e.after or {}).get("sequence"))
                for e in trail
            ]
            decided = sum(1 for a in wins if DECIDERS[a.racer][0] != "cancel")
            consistent = (
                row.sequence == len(wins) == len(trail) - 1
                and all(e.before == p.after for p, e in pairwise(trail))
                and decided <= 1
            )
            if not consistent:
                problems.append((booking_id, row.status.value, row.sequence, chain))
    assert not problems, problems
