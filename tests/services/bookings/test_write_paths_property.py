"""Random operation sequences through every path that writes bookings keep `check` clean.

A state machine books (for oneself, and as staff on someone's behalf with or without an
override), books series, moves single bookings and series, cancels, approves, rejects,
imports calendars (new, moved, tentative and cancelled events, with and without an
override) and schedules downtime, at random, on each engine; and it joins, leaves and
accepts from the waitlist while the clock moves on, so holds are offered, booked and
run out (passed on by the next write, or by notify's pass). Refusals are expected;
any other exception fails. After every step `equipshare check` must find nothing: no
overlap, nothing in downtime, nobody untrained, nobody the access level refuses, nothing
confirmed that skipped approval, no series out of step, no held range taken by anyone
but its holder. Whatever path wrote a booking, it kept the rules or an override `check`
recognises.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import delete, select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking, BookingSeries, Downtime
from equipshare.db.models.catalogue import User
from equipshare.db.models.queue import Notification, WaitlistEntry
from equipshare.domain.enums import ACTIVE_BOOKING_STATUSES, DowntimeReason, WaitlistStatus
from equipshare.domain.errors import EquipshareError
from equipshare.domain.records.scheduling.bookings import BookingRequest, RecurrenceRule
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.admin.integrity import IntegrityService
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.series import SeriesService
from equipshare.services.bookings.waitlist import WaitlistService
from equipshare.services.calendar.importing import CalendarImportService
from equipshare.services.downtime.scheduling import DowntimeService
from equipshare.services.plumbing.context import ServiceContext
from tests.services.calendar.test_calendar_import import ics, vevent
from tests.support.world import LONDON, World

T = TypeVar("T")
MONDAY = date(2026, 3, 23)  # a week after the `clock` fixture's Monday
# Instruments with the staff who run them: consortium + training (XPS), approval, project
# code and quota (MEG), institution only and no hours (RAM), external academic (SEM).
STAFF = {
    "WAR-XPS-01": "tech",
    "WAR-MEG-01": "mgr",
    "WAR-RAM-01": "tech2",
    "AST-SEM-01": "otherstaff",
}
INSTRUMENTS = sorted(STAFF)
XPS = "WAR-XPS-01"
# Warwick (trained on XPS or not), Aston and Sheffield academics, an Acme industry user.
USERS = ("alice", "erin", "bob", "carol", "dave")
EXAMPLES = {"sqlite": 20, "postgresql": 8}

instruments = st.sampled_from(INSTRUMENTS)
users = st.sampled_from(USERS)
days = st.integers(0, 11)
hours = st.sampled_from([9, 10, 14, 16, 8, 18, 7])
lengths = st.sampled_from([1, 2, 1, 3])
picks = st.integers(0, 1_000)
uids = st.sampled_from(["u0@x", "u1@x", "u2@x", "u3@x"])
statuses = st.sampled_from(["", "", "", "STATUS:TENTATIVE", "STATUS:CANCELLED"])
events = st.lists(st.tuples(uids, users, days, hours, lengths, statuses), min_size=1, max_size=4)


def local(day: int, hour: int) -> datetime:
    """London wall-clock time `day` days after MONDAY."""
    return datetime.combine(MONDAY + timedelta(days=day), time(hour), tzinfo=LONDON)


def utc_text(instant: datetime) -> str:
    """As `vevent` wants it: UTC, without the Z it adds."""
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%S")


def clear_bookings(database: Database) -> None:
    """Forget every booking and what hangs off it, keeping the world's people and instruments."""
    with database.sessions.begin() as s:
        for model in (Notification, WaitlistEntry, AuditEvent, Booking, BookingSeries, Downtime):
            s.execute(delete(model))


class WritePaths(RuleBasedStateMachine):
    """Every booking-writing path, called at random; `check` is the invariant."""

    def __init__(self, context: ServiceContext, clock: FrozenClock, start: datetime) -> None:
        super().__init__()
        clear_bookings(context.database)
        clock.instant = start  # each example starts at the same moment
        self.clock = clock
        self.database = context.database
        self.waitlist = WaitlistService(context)
        self.bookings = BookingService(context)
        self.series = SeriesService(context)
        self.importer = CalendarImportService(context)
        self.downtime = DowntimeService(context)
        self.integrity = IntegrityService(context)

    @staticmethod
    def attempt(call: Callable[[], T]) -> T | None:
        try:
            return call()
        except EquipshareError:
            return None  # a refusal (or a bad request) is a fine answer; anything else fails

    def pick(self, n: int) -> tuple[int, str, str] | None:
        """A booking's id, owner and instrument code, or None when there are none."""
        with self.database.readonly() as s:
            rows = s.execute(
                select(Booking.id, Booking.user_id, Booking.instrument_id).order_by(Booking.id)
            ).all()
            if not rows:
                return None
            booking_id, _, _ = rows[n % len(rows)]
            row = s.get_one(Booking, booking_id)
            return booking_id, row.user.username, row.instrument.code

    @rule(user=users, code=instruments, day=days, hour=hours, length=lengths)
    def book(self, user: str, code: str, day: int, hour: int, length: int) -> None:
        start = local(day, hour)
        request = BookingRequest(code, start, start + timedelta(hours=length), project_code="EP/1")
        self.attempt(lambda: self.bookings.book(user, request))

    @rule(
        user=users, code=instruments, day=days, hour=hours, length=lengths, override=st.booleans()
    )
    def book_for(
        self, user: str, code: str, day: int, hour: int, length: int, override: bool
    ) -> None:
        start = local(day, hour)
        request = BookingRequest(
            code, start, start + timedelta(hours=length), project_code="EP/1", on_behalf_of=user
        )
        staff = STAFF[code]
        self.attempt(lambda: self.bookings.book(staff, request, override_policy=override))

    @rule(
        user=users,
        code=instruments,
        day=st.integers(0, 4),
        hour=hours,
        count=st.integers(2, 4),
        skip=st.booleans(),
    )
    def book_series(
        self, user: str, code: str, day: int, hour: int, count: int, skip: bool
    ) -> None:
        start = local(day, hour)
        request = BookingRequest(code, start, start + timedelta(hours=2), project_code="EP/1")
        rule_ = RecurrenceRule(freq="weekly" if day % 2 else "daily", count=count)
        self.attempt(lambda: self.series.book_series(user, request, rule_, skip_conflicts=skip))

    @rule(n=picks, by_staff=st.booleans(), shift=st.sampled_from([-2, 2, 24, -24, 4]))
    def move(self, n: int, by_staff: bool, shift: int) -> None:
        picked = self.pick(n)
        if picked is None:
            return
        booking_id, owner, code = picked
        actor = STAFF[code] if by_staff else owner
        with self.database.readonly() as s:
            row = s.get_one(Booking, booking_id)
            start, end = row.starts_at, row.ends_at
        delta = timedelta(hours=shift)
        self.attempt(
            lambda: self.bookings.modify(
                actor, booking_id, starts_at=start + delta, ends_at=end + delta
            )
        )

    @rule(n=picks, scope=st.sampled_from(["this", "following", "all"]), hour=hours)
    def move_series(self, n: int, scope: str, hour: int) -> None:
        picked = self.pick(n)
        if picked is None:
            return
        booking_id, owner, _ = picked
        self.attempt(
            lambda: self.series.modify_occurrences(
                owner,
                booking_id,
                scope=scope,  # type: ignore[arg-type]
                new_start_time=time(hour),
            )
        )

    @rule(n=picks, by_staff=st.booleans(), whole_series=st.booleans())
    def cancel(self, n: int, by_staff: bool, whole_series: bool) -> None:
        picked = self.pick(n)
        if picked is None:
            return
        booking_id, owner, code = picked
        actor = STAFF[code] if by_staff else owner
        if whole_series:
            self.attempt(
                lambda: self.series.cancel_occurrences(
                    actor, booking_id, scope="following", reason="no longer needed"
                )
            )
        else:
            self.attempt(lambda: self.bookings.cancel(actor, booking_id, "no longer needed"))

    @rule(n=picks, approve=st.booleans())
    def decide(self, n: int, approve: bool) -> None:
        picked = self.pick(n)
        if picked is None:
            return
        booking_id, _, code = picked
        staff = STAFF[code]
        if approve:
            self.attempt(lambda: self.bookings.approve(staff, booking_id))
        else:
            self.attempt(lambda: self.bookings.reject(staff, booking_id, "the slot is needed"))

    @rule(code=instruments, listed=events, override=st.booleans(), owner=st.sampled_from(USERS))
    def import_ics(
        self,
        code: str,
        listed: list[tuple[str, str, int, int, int, str]],
        override: bool,
        owner: str,
    ) -> None:
        body = []
        for uid, user, day, hour, length, status in listed:
            start = local(day, hour)
            end = start + timedelta(hours=length)
            extra = [f"ORGANIZER:mailto:{user}@example.ac.uk", "SUMMARY:imported"]
            if status:
                extra.append(status)
            body.append(vevent(uid, utc_text(start), utc_text(end), *extra))
        data = ics(*body)
        staff = STAFF[code]
        self.attempt(
            lambda: self.importer.import_calendar(
                staff, code, data, owner_username=owner, override_policy=override
            )
        )

    @rule(code=instruments, day=days, hour=hours, length=lengths)
    def schedule_downtime(self, code: str, day: int, hour: int, length: int) -> None:
        start = local(day, hour)
        end = start + timedelta(hours=length)
        staff = STAFF[code]
        self.attempt(
            lambda: self.downtime.schedule(
                staff, code, start, end, DowntimeReason.MAINTENANCE, confirm_cancellations=True
            )
        )

    def pick_entry(self, n: int, *statuses: WaitlistStatus) -> tuple[int, str] | None:
        """A waitlist entry's id and owner, among those in `statuses`; None when none are."""
        with self.database.readonly() as s:
            rows = s.execute(
                select(WaitlistEntry.id, User.username)
                .join(User, User.id == WaitlistEntry.user_id)
                .where(WaitlistEntry.status.in_(statuses))
                .order_by(WaitlistEntry.id)
            ).all()
            if not rows:
                return None
            entry_id, owner = rows[n % len(rows)]
            return entry_id, owner

    @rule(n=picks, user=users)
    def join_taken(self, n: int, user: str) -> None:
        """Someone else waits for an active booking's range, as `j` on it in the week does."""
        with self.database.readonly() as s:
            rows = s.scalars(
                select(Booking)
                .where(Booking.status.in_(ACTIVE_BOOKING_STATUSES))
                .order_by(Booking.id)
            ).all()
            if not rows:
                return
            row = rows[n % len(rows)]
            if row.user.username == user:
                user = USERS[(USERS.index(user) + 1) % len(USERS)]
            code, start, end = row.instrument.code, row.starts_at, row.ends_at
        self.attempt(lambda: self.waitlist.join(user, code, start, end))

    @rule(
        day=days,
        hour=st.sampled_from([9, 10, 14]),
        waiters=st.lists(st.sampled_from(["bob", "erin", "dave"]), min_size=1, max_size=2),
        shift=st.sampled_from([0, 24]),
    )
    def wait_then_free(self, day: int, hour: int, waiters: list[str], shift: int) -> None:
        """Alice books the XPS, others wait for it, and she cancels (0) or moves it a day
        on (24): a hold is offered, which later steps accept, leave, or let run out."""
        start = local(day, hour)
        end = start + timedelta(hours=2)
        made = self.attempt(lambda: self.bookings.book("alice", BookingRequest(XPS, start, end)))
        if made is None:
            return
        for waiter in waiters:
            self.attempt(lambda: self.waitlist.join(waiter, XPS, start, end))  # noqa: B023
        if not shift:
            self.attempt(lambda: self.bookings.cancel("alice", made.id, "plans changed"))
            return
        later = timedelta(hours=shift)
        self.attempt(
            lambda: self.bookings.modify(
                "alice", made.id, starts_at=start + later, ends_at=end + later
            )
        )

    @rule(n=picks)
    def leave(self, n: int) -> None:
        picked = self.pick_entry(n, WaitlistStatus.WAITING, WaitlistStatus.OFFERED)
        if picked is not None:
            entry_id, owner = picked
            self.attempt(lambda: self.waitlist.leave(owner, entry_id))

    @rule(n=picks)
    def accept(self, n: int) -> None:
        picked = self.pick_entry(n, WaitlistStatus.OFFERED)
        if picked is not None:
            entry_id, owner = picked
            self.attempt(lambda: self.waitlist.accept(owner, entry_id, project_code="EP/1"))

    @rule(minutes=st.sampled_from([20, 45, 90]), notify=st.booleans())
    def time_passes(self, minutes: int, notify: bool) -> None:
        """Holds run out; notify passes them on, or the next write on the instrument does."""
        self.clock.advance(minutes=minutes)
        if notify:
            self.waitlist.pass_lapsed_holds("root")

    @invariant()
    def check_is_clean(self) -> None:
        report = self.integrity.check()
        assert report.clean, report.problems


def test_every_write_path_keeps_check_clean(
    context: ServiceContext, clock: FrozenClock, world: World, backend: str
) -> None:
    start = clock.now()

    class OnThisDatabase(WritePaths):
        def __init__(self) -> None:
            super().__init__(context, clock, start)

    assert set(USERS) <= set(world.users)
    phases = list(Phase) if backend == "sqlite" else [Phase.reuse, Phase.generate]
    run_state_machine_as_test(
        OnThisDatabase,
        settings=settings(
            max_examples=EXAMPLES[backend],
            stateful_step_count=16,
            deadline=None,
            phases=phases,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
