"""Property tests: random booking histories, on each engine, keep every invariant.

The state machine books, modifies, cancels, approves, rejects and schedules downtime
at random on the test world, on each engine. Refusals are expected; any other
exception fails. After every step: no two active bookings overlap on an instrument
or for a technician, none overlaps a downtime, each satisfies its instrument's policy
and rule 7, and the audit trail and sequence numbers account for every change.
The pure policy rules have their own properties in tests/domain/test_policy_properties.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from itertools import combinations
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, select, update

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking, Downtime
from equipshare.db.models.catalogue import FacilityStaff, Instrument
from equipshare.db.models.queue import Notification, WaitlistEntry
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import BookingStatus, DowntimeReason, Role
from equipshare.domain.errors import RefusedError
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.rules import policy_rules
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.downtime.scheduling import DowntimeService
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import LONDON, World

T = TypeVar("T")
NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)  # the `clock` fixture's instant
MONDAY = date(2026, 3, 16)
USERS = ("alice", "bob", "carol", "dave", "erin", "mgr")
INSTRUMENTS = ("WAR-XPS-01", "WAR-MEG-01", "WAR-RAM-01", "WAR-AFM-01", "AST-SEM-01")
# Someone who may use each instrument without help (AFM is out of service for everyone).
LIKELY_USER = dict(zip(INSTRUMENTS, ("alice", "erin", "mgr", "alice", "bob"), strict=True))
EXAMPLES = {"sqlite": 40, "postgresql": 12}


def local(day: int, hour: int, minute: int) -> datetime:
    """London wall-clock time `day` days after the clock's Monday."""
    return datetime.combine(MONDAY + timedelta(days=day), time(hour, minute), tzinfo=LONDON)


# Local wall-clock starts on a 15-minute grid over three weeks, crossing the March change.
starts = st.builds(
    local,
    st.integers(0, 20),
    st.sampled_from([10, 9, 11, 14, 16, 8, 13, 17, 12, 18, 22, 1, 0]),
    st.sampled_from([0, 0, 0, 30, 15, 45]),
)
lengths = st.sampled_from([60, 120, 30, 180, 15, 240, 90, 480, 600]).map(
    lambda m: timedelta(minutes=m)
)
picks = st.integers(0, 1_000)
# Weekdays (after the clock's Monday) that sensible requests use, in three quota weeks:
# winter time, the week the clocks go forward (29 Mar), and summer time.
WEEKDAYS = [1, 2, 10, 11, 15, 16]


def sensible(
    code: str,
    users: list[str],
    hours: list[int],
    minutes: list[int],
    lengths: list[int],
    technicians: list[str | None],
) -> st.SearchStrategy[tuple[str, BookingRequest]]:
    """Requests that mostly fit `code`'s policy, so histories hold many bookings."""

    def build(user: str, day: int, hour: int, minute: int, length: int, tech: str | None) -> Any:
        start = local(day, hour, minute)
        end = start + timedelta(minutes=length)
        return user, BookingRequest(code, start, end, project_code="EP/1", technician_username=tech)

    shape = (users, WEEKDAYS, hours, minutes, lengths, technicians)
    return st.builds(build, *(st.sampled_from(x) for x in shape))


DAY = [*range(9, 17)]
EDGES = [8, 17, 17]  # just outside opening hours, in London; inside them if read as UTC in summer
# RAM is mostly booked in working hours, so that a technician is wanted twice at once.
SENSIBLE = st.one_of(
    sensible(
        "WAR-XPS-01", ["alice", "bob", "erin"], [*DAY, *EDGES], [0], [60, 120], [None, "tech"]
    ),
    sensible("WAR-MEG-01", ["alice", "erin", "mgr", "bob"], [8, 9, 10, 16, 17], [0], [120], [None]),
    sensible("WAR-RAM-01", ["alice", "mgr"], [*DAY, *range(24)], [0, 30], [60, 720], ["tech"]),
    sensible(
        "AST-SEM-01", ["bob", "carol"], [*DAY, *EDGES], [0, 30], [30, 90], [None, "otherstaff"]
    ),
)
ANY_REQUEST = st.builds(
    lambda code, start, length, tech, project: BookingRequest(
        code, start, start + length, project_code=project, technician_username=tech
    ),
    st.sampled_from(INSTRUMENTS),
    starts,
    lengths,
    st.sampled_from([None, None, "tech", "otherstaff"]),
    st.sampled_from([None, "EP/1"]),
)
# Downtime mostly where the sensible bookings are, so later bookings run into it.
DOWNTIME_STARTS = st.one_of(
    st.builds(local, st.sampled_from(WEEKDAYS), st.integers(8, 16), st.just(0)), starts
)
# Moves that keep every world instrument's grid (30, 60 and 120 minutes).
SHIFTS = st.sampled_from([-2, -1, 1, 2, 12, -12]).map(lambda k: timedelta(hours=2 * k))


def clear_bookings(database: Database) -> None:
    """Forget every booking and what hangs off it, keeping the world's people and instruments."""
    with database.sessions.begin() as s:
        for model in (Notification, WaitlistEntry, AuditEvent, Booking, Downtime):
            s.execute(delete(model))


def tighten_quotas(database: Database) -> None:
    """Quotas a short history can reach: two MEG sessions, or 16 Raman hours, a week."""
    with database.sessions.begin() as s:
        for code, minutes in (("WAR-MEG-01", 240), ("WAR-RAM-01", 960)):
            row = update(Instrument).where(Instrument.code == code)
            s.execute(row.values(weekly_quota_minutes=minutes))


class Facts:
    """The world as the rules see it, loaded once: it does not change during a run."""

    def __init__(self, database: Database, world: World) -> None:
        with database.readonly() as s:
            self.instruments = {
                i: row_records.load_instrument(s, code)
                for code, i in world.instruments.items()
                if code in INSTRUMENTS
            }
            self.users = {i: row_records.load_user(s, name) for name, i in world.users.items()}
            trained = select(TrainingRecord.user_id, TrainingRecord.instrument_id)
            self.trained = {(user, instrument) for user, instrument in s.execute(trained)}
            self.staff: dict[int, set[int]] = defaultdict(set)
            for facility, user in s.execute(
                select(FacilityStaff.facility_id, FacilityStaff.user_id)
            ):
                self.staff[facility].add(user)
        self.admins = {i for i, u in self.users.items() if u.role is Role.ADMIN}

    def may_decide(self, user_id: int | None, instrument: InstrumentRecord) -> bool:
        return user_id in self.staff[instrument.facility_id] | self.admins


class BookingMachine(RuleBasedStateMachine):
    """Random booking histories against the real services, with a model of what changed."""

    def __init__(self, context: ServiceContext, facts: Facts) -> None:
        super().__init__()
        clear_bookings(context.database)
        self.database = context.database
        self.bookings = BookingService(context)
        self.downtime = DowntimeService(context)
        self.facts = facts
        self.owner: dict[int, str] = {}
        self.changes: dict[int, int] = {}  # successful changes after creation, per booking
        self.ended: set[int] = set()
        self.times: dict[int, tuple[str, datetime, datetime]] = {}
        self.downtimes: dict[int, tuple[str, datetime, datetime]] = {}

    @staticmethod
    def attempt(call: Callable[[], T]) -> T | None:
        try:
            return call()
        except RefusedError:
            return None  # a refusal is a fine answer; anything else fails the test

    def pick(self, n: int) -> int:
        return sorted(self.owner)[n % len(self.owner)]

    def actor(self, who: str, booking: int) -> str:
        return self.owner[booking] if who == "owner" else who

    def changed(self, booking: int, record: Any) -> None:
        if record is not None:
            self.changes[booking] += 1
            self.times[booking] = (record.instrument_code, record.starts_at, record.ends_at)
            if not record.status.holds_slot:
                self.ended.add(booking)

    def book_as(self, user: str, request: BookingRequest) -> None:
        record = self.attempt(lambda: self.bookings.book(user, request))
        if record is not None:
            self.owner[record.id], self.changes[record.id] = user, -1
            self.changed(record.id, record)  # its creation counts as no change

    @initialize(wishes=st.lists(SENSIBLE, min_size=4, max_size=16))
    def book_busy_weeks(self, wishes: list[tuple[str, BookingRequest]]) -> None:
        for wish in wishes:
            self.book(wish)

    @rule(wish=st.one_of(SENSIBLE, st.tuples(st.sampled_from(USERS), ANY_REQUEST)))
    def book(self, wish: tuple[str, BookingRequest]) -> None:
        self.book_as(*wish)

    @precondition(lambda self: self.times)
    @rule(n=picks)
    def book_a_taken_range(self, n: int) -> None:
        """Ask for exactly the range of a booking, held or not any more."""
        code, start, end = self.times[sorted(self.times)[n % len(self.times)]]
        request = BookingRequest(code, start, end, project_code="EP/X012345/1")
        self.book_as(LIKELY_USER[code], request)

    @precondition(lambda self: self.downtimes)
    @rule(n=picks)
    def book_into_downtime(self, n: int) -> None:
        """Ask for the first two hours of a downtime (every world instrument's grid fits)."""
        code, start, _ = self.downtimes[sorted(self.downtimes)[n % len(self.downtimes)]]
        request = BookingRequest(code, start, start + timedelta(hours=2), project_code="EP/1")
        self.book_as(LIKELY_USER[code], request)

    @precondition(lambda self: self.owner)
    @rule(n=picks, who=st.sampled_from(["owner", "owner", "mgr"]), shift=SHIFTS)
    def shift(self, n: int, who: str, shift: timedelta) -> None:
        b = self.pick(n)
        _, start, end = self.times[b]
        call = lambda: self.bookings.modify(  # noqa: E731
            self.actor(who, b), b, starts_at=start + shift, ends_at=end + shift
        )
        self.changed(b, self.attempt(call))

    @precondition(lambda self: self.owner)
    @rule(n=picks, who=st.sampled_from(["owner", "mgr", "alice"]), start=starts, length=lengths)
    def modify(self, n: int, who: str, start: datetime, length: timedelta) -> None:
        b = self.pick(n)
        actor = self.actor(who, b)
        call = lambda: self.bookings.modify(actor, b, starts_at=start, ends_at=start + length)  # noqa: E731
        self.changed(b, self.attempt(call))

    @precondition(lambda self: self.owner)
    @rule(n=picks, who=st.sampled_from(["owner", "mgr", "erin"]))
    def cancel(self, n: int, who: str) -> None:
        b = self.pick(n)
        self.changed(b, self.attempt(lambda: self.bookings.cancel(self.actor(who, b), b, "x")))

    @precondition(lambda self: self.owner)
    @rule(n=picks, who=st.sampled_from(["mgr", "tech", "otherstaff", "owner"]))
    def approve(self, n: int, who: str) -> None:
        b = self.pick(n)
        self.changed(b, self.attempt(lambda: self.bookings.approve(self.actor(who, b), b)))

    @precondition(lambda self: self.owner)
    @rule(n=picks, who=st.sampled_from(["mgr", "otherstaff"]))
    def reject(self, n: int, who: str) -> None:
        b = self.pick(n)
        self.changed(b, self.attempt(lambda: self.bookings.reject(who, b, "full that week")))

    @rule(
        code=st.sampled_from(INSTRUMENTS),
        start=DOWNTIME_STARTS,
        length=lengths,
        who=st.sampled_from(["mgr", "tech", "otherstaff"]),
    )
    def schedule_downtime(self, code: str, start: datetime, length: timedelta, who: str) -> None:
        args = (who, code, start, start + length, DowntimeReason.MAINTENANCE, "pump service")
        done = self.attempt(lambda: self.downtime.schedule(*args, confirm_cancellations=True))
        if done is not None:
            downtime, cancelled = done
            self.downtimes[downtime.id] = (code, downtime.starts_at, downtime.ends_at)
            for record in cancelled:
                self.changed(record.id, record)
                assert record.status is BookingStatus.CANCELLED

    @precondition(lambda self: self.downtimes)
    @rule(n=picks)
    def remove_downtime(self, n: int) -> None:
        downtime = sorted(self.downtimes)[n % len(self.downtimes)]
        if self.attempt(lambda: self.downtime.cancel("root", downtime)) is not None:
            del self.downtimes[downtime]

    @invariant()
    def the_rules_hold(self) -> None:
        with self.database.readonly() as s:
            rows = s.scalars(select(Booking)).all()
            downtimes = s.execute(
                select(Downtime.id, Downtime.instrument_id, Downtime.starts_at, Downtime.ends_at)
            ).all()
            trail: dict[int, list[AuditEvent]] = defaultdict(list)
            events = select(AuditEvent).where(AuditEvent.entity_type == "booking")
            for e in s.scalars(events.order_by(AuditEvent.id)):
                trail[int(e.entity_id)].append(e)
        assert sorted(r.id for r in rows) == sorted(self.owner), "a refusal left a booking"
        assert sorted(d.id for d in downtimes) == sorted(self.downtimes)
        for row in rows:
            assert row.sequence == self.changes[row.id], row.id
            assert len(trail[row.id]) == 1 + self.changes[row.id], row.id
            assert row.status.holds_slot is (row.id not in self.ended), row.id
            instrument = self.facts.instruments[row.instrument_id]
            for e in trail[row.id]:  # only owners and those who may decide ever acted
                owners = e.action in ("booking.create", "booking.modify", "booking.cancel")
                mine = owners and e.actor_id == row.user_id
                assert mine or self.facts.may_decide(e.actor_id, instrument), (row.id, e.action)
        active = [r for r in rows if r.status.holds_slot]
        for a, b in combinations(active, 2):
            if a.starts_at < b.ends_at and b.starts_at < a.ends_at:
                assert a.instrument_id != b.instrument_id, (a.id, b.id)
                assert a.technician_id is None or a.technician_id != b.technician_id, (a.id, b.id)
        for row in active:
            for d in downtimes:
                overlaps = d.starts_at < row.ends_at and row.starts_at < d.ends_at
                assert not (overlaps and d.instrument_id == row.instrument_id), (row.id, d.id)
            self.check_booking(row, trail[row.id])
        self.check_quotas(active)

    def check_booking(self, row: Booking, trail: list[AuditEvent]) -> None:
        """Rules 1-4 and 7, read back from what the database holds."""
        instrument = self.facts.instruments[row.instrument_id]
        user = self.facts.users[row.user_id]
        policy, tz = instrument.policy, instrument.timezone
        assert instrument.status.bookable
        assert policy_rules.may_access(user, instrument)
        if row.technician_id is not None:
            assert row.technician_id in self.facts.staff[instrument.facility_id]
        elif policy.requires_training:
            assert (user.id, instrument.id) in self.facts.trained
        for instant in (row.starts_at, row.ends_at):  # on the grid of London's wall clock
            wall = instant.astimezone(LONDON)
            assert (wall.hour * 60 + wall.minute) % policy.slot_minutes == 0, row.id
        minutes = (row.ends_at - row.starts_at) // timedelta(minutes=1)
        assert policy.min_minutes <= minutes <= policy.max_minutes
        assert row.starts_at >= NOW + timedelta(minutes=policy.min_notice_minutes)
        assert row.starts_at <= NOW + timedelta(days=policy.max_days_ahead)
        assert policy_rules.within_opening_hours(policy, tz, row.starts_at, row.ends_at)
        assert row.project_code or not policy.requires_project_code
        assert all(e.action != "booking.override" for e in trail)
        if row.status is BookingStatus.PENDING:
            assert policy_rules.needs_approval(user, instrument), row.id
        elif policy_rules.needs_approval(user, instrument):
            # The last change of status or times (a booking, a move, an approval) that left
            # this booking confirmed was made by someone who may approve it.
            def decisive(e: AuditEvent) -> bool:
                before, after = e.before or {}, e.after or {}
                keys = ("status", "starts_at", "ends_at")
                return any(before.get(k) != after.get(k) for k in keys)

            last = [e for e in trail if decisive(e)][-1]
            assert self.facts.may_decide(last.actor_id, instrument), row.id

    def check_quotas(self, active: list[Booking]) -> None:
        """Rule 5: per user, instrument and local week, active minutes stay within the quota."""
        used: dict[tuple[int, int, datetime], timedelta] = defaultdict(timedelta)
        for row in active:
            instrument = self.facts.instruments[row.instrument_id]
            week = policy_rules.quota_week(row.starts_at, instrument.timezone)[0]
            used[row.user_id, row.instrument_id, week] += row.ends_at - row.starts_at
        for (_, instrument_id, _), total in used.items():
            quota = self.facts.instruments[instrument_id].policy.weekly_quota_minutes
            assert quota is None or total <= timedelta(minutes=quota)


def test_random_histories_keep_the_invariants(
    context: ServiceContext, world: World, backend: str
) -> None:
    tighten_quotas(context.database)
    facts = Facts(context.database, world)

    class OnThisDatabase(BookingMachine):
        def __init__(self) -> None:
            super().__init__(context, facts)

    # Shrinking replays whole histories for up to five minutes; the SQLite run shrinks a
    # failure to a short story, the PostgreSQL run reports it as found.
    phases = list(Phase) if backend == "sqlite" else [Phase.reuse, Phase.generate]
    run_state_machine_as_test(
        OnThisDatabase,
        settings=settings(
            max_examples=EXAMPLES[backend],
            stateful_step_count=25,
            deadline=None,
            phases=phases,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
