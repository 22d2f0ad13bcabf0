"""Random operation sequences keep the reports read from the booking roll-up equal to the
reports computed straight from the bookings, on each engine.

The machine is the write-path machine of tests/services/bookings (book, book for, series,
move, cancel, approve, import, downtime, waitlist, time passing), over days that span the
March clock change, plus bookings made together in one transaction (which add their rows
to the roll-ups instead of recomputing them) and what changes the figures besides bookings
being made: check-in and check-out, days passing and `close-past` (completed, no-show), a
user moving institution and a facility moving zone. After every step the utilisation
report (per instrument and per institution), the sharing matrix and the technician side
of sharing must be equal read both ways (the sharing matrix with its technician side, as
the service reads them together, and each side alone), over periods read from the day
rows only, from whole months and part-months (across a new year too), to date, and from
and to a time of day, and `check` must find the day rows equal to their bookings, the
month rows equal to their days and the year-to-date rows equal to their months.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, User
from equipshare.domain.errors import RefusedError
from equipshare.domain.records.impact.reports import ReportPeriod, UtilisationLevel
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.checkin import CheckInService
from equipshare.services.bookings.past import PastBookingService
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.reports.period import make_period, period_from
from equipshare.services.reports.scope import Scope
from equipshare.services.reports.technician_sharing import (
    sharing_with_technicians,
    technician_sharing,
)
from equipshare.services.reports.usage import sharing_report
from equipshare.services.reports.utilisation import utilisation_report
from tests.services.bookings.test_write_paths_property import (
    MONDAY,
    WritePaths,
    days,
    hours,
    instruments,
    local,
    picks,
    users,
)
from tests.support.world import World

EXAMPLES = {"sqlite": 6, "postgresql": 3}
ZONE = "Europe/London"


class RollupPaths(WritePaths):
    """The write paths, and what else moves a report's figures; the reports agree."""

    def __init__(self, context: ServiceContext, clock: FrozenClock, start: object) -> None:
        super().__init__(context, clock, start)  # type: ignore[arg-type]
        self.checkins = CheckInService(context)
        self.past = PastBookingService(context)
        self.world_institutions = self._institutions()
        self.rearranged = False
        self._restore()

    def _institutions(self) -> dict[str, int]:
        with self.database.readonly() as s:
            return {u.username: u.institution_id for u in s.scalars(select(User))}

    def _restore(self) -> None:
        """Each example starts from the world as built: people and zones unmoved."""
        with self.database.sessions.begin() as s:
            for user in s.scalars(select(User)):
                user.institution_id = self.world_institutions[user.username]
            for facility in s.scalars(select(Facility)):
                facility.timezone = ZONE

    @rule(n=picks, minutes=st.sampled_from([0, 10, 50]), out=st.sampled_from([None, 30, 70]))
    def use(self, n: int, minutes: int, out: int | None) -> None:
        picked = self.pick(n)
        if picked is None:
            return
        booking_id = picked[0]
        with self.database.readonly() as s:
            start = s.get_one(Booking, booking_id).starts_at
        self.attempt(
            lambda: self.checkins.check_in("root", booking_id, start + timedelta(minutes=minutes))
        )
        if out is not None:
            at = start + timedelta(minutes=minutes + out)
            self.attempt(lambda: self.checkins.check_out("root", booking_id, at))

    @rule(
        user=users,
        code=instruments,
        day=days,
        at=st.lists(hours, min_size=2, max_size=3, unique=True),
    )
    def book_together(self, user: str, code: str, day: int, at: list[int]) -> None:
        """Several bookings in one transaction (their rows added, not recomputed): on one
        day, and a week later, in the same month or the next; a refused one rolls back
        its savepoint, as a series' does."""
        with self.database.sessions.begin() as s:
            actor = row_records.load_actor(s, user)
            instrument = row_records.load_instrument(s, code)
            for when in [local(day, hour) for hour in at] + [local(day + 7, at[0])]:
                request = BookingRequest(code, when, when + timedelta(hours=1), project_code="EP/1")
                with suppress(RefusedError), s.begin_nested():
                    self.bookings.create_in(s, actor, instrument, request, False)

    @rule(days=st.integers(1, 8))
    def days_pass(self, days: int) -> None:
        self.clock.advance(minutes=days * 1440)
        self.attempt(lambda: self.past.close_past("root"))

    @rule(user=st.sampled_from(["alice", "bob", "carol", "tech"]),
          to=st.sampled_from(["WARWICK", "ASTON", "SHEF"]))  # fmt: skip
    def move_user(self, user: str, to: str) -> None:
        with self.database.sessions.begin() as s:
            code = {"WARWICK": 0, "ASTON": 1, "SHEF": 2}[to]
            institutions = sorted(set(self.world_institutions.values()))
            row = s.scalars(select(User).where(User.username == user)).one()
            row.institution_id = institutions[code]
        self.rearranged = True

    @rule(zone=st.sampled_from([ZONE, "Europe/Paris", "America/New_York"]))
    def move_facility(self, zone: str) -> None:
        with self.database.sessions.begin() as s:
            s.scalars(select(Facility).where(Facility.code == "AST-EM")).one().timezone = zone
        self.rearranged = True

    def periods(self) -> list[ReportPeriod]:
        """Days of two part-months (day rows only); whole months across a new year with a
        part-month before (year-to-date and day rows: December 2025 less November, plus
        April 2026); whole months after booked ones (May less March, from the
        year-to-date rows); whole months to date (today from the bookings)."""
        days = make_period(MONDAY - timedelta(days=3), MONDAY + timedelta(days=13), ZONE)
        months = make_period(date(2025, 11, 15), date(2026, 4, 30), ZONE)
        later = make_period(date(2026, 4, 1), date(2026, 5, 31), ZONE)
        today = self.clock.now().date()
        since = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        to_date = make_period(since, today + timedelta(days=2), ZONE, self.clock.now())
        # From 09:30 on one booked day to 15:00 on another: both partly, from the bookings.
        london = ZoneInfo(ZONE)
        first = datetime.combine(MONDAY + timedelta(days=1), time(9, 30), london)
        last = datetime.combine(MONDAY + timedelta(days=8), time(15), london)
        times = period_from(first, last, ZONE)
        return [days, months, later, to_date, times]

    @invariant()
    def reports_agree(self) -> None:
        dialect = self.database.backend
        with self.database.readonly() as s:
            for period in self.periods():
                for scope in (Scope(), Scope(institution_id=min(self.world_institutions.values()))):
                    for level in (UtilisationLevel.INSTRUMENT, UtilisationLevel.INSTITUTION):
                        assert utilisation_report(s, dialect, period, level, scope) == (
                            utilisation_report(s, dialect, period, level, scope, rollups=False)
                        )
                    both = sharing_with_technicians(s, dialect, period, scope, rollups=False)
                    assert sharing_with_technicians(s, dialect, period, scope) == both
                    assert sharing_report(s, dialect, period, scope) == replace(
                        both, technician_cells=(), technician_months=()
                    )
                    assert technician_sharing(s, dialect, period, scope) == (
                        both.technician_cells,
                        both.technician_months,
                    )

    @invariant()
    def check_is_clean(self) -> None:
        problems = self.integrity.check().problems
        assert not [p for p in problems if p.check == "booking roll-ups"], problems
        # moving people and zones by hand may break other rules; the machine's own may not
        assert self.rearranged or not problems, problems


def test_reports_from_rollups_equal_reports_from_bookings(
    context: ServiceContext, clock: FrozenClock, world: World, backend: str
) -> None:
    start = clock.now()

    class OnThisDatabase(RollupPaths):
        def __init__(self) -> None:
            super().__init__(context, clock, start)

    phases = list(Phase) if backend == "sqlite" else [Phase.reuse, Phase.generate]
    run_state_machine_as_test(
        OnThisDatabase,
        settings=settings(
            max_examples=EXAMPLES[backend],
            stateful_step_count=12,
            deadline=None,
            phases=phases,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
