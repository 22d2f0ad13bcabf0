"""A grant estimate equals, to the penny, what the same bookings are charged (issue 21).

For random rate cards, grant starts, lengths, uplifts and hours, on each engine: the plan
is estimated and saved; then, for each grant year, the clock is set to that year's first
day and the real booking service books the year's hours (assisted sessions with a
technician, the rest as own use, in whole hours and one part-hour session each). Each
year's frozen charges must equal its estimated line exactly. An uplift is the facility
publishing a card raised by that percentage on each anniversary of its latest one, so
those cards are added before booking, after the plan was saved: the saved plan keeps its
figures, and its comparison with the project code then shows exactly what was planned.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Instrument
from equipshare.db.models.charging import RateCard
from equipshare.db.models.grants import GrantPlan, GrantPlanLine
from equipshare.db.models.queue import Notification, WaitlistEntry
from equipshare.domain.enums import BookingStatus, UserClass
from equipshare.domain.money.grant_costing import anniversaries, grant_year_start, uplifted
from equipshare.domain.records.money.grants import PlanLine, PlanRequest
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.service import BookingService
from equipshare.services.grants.service import GrantCostingService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import LONDON, World, instrument_row

CODE = "WAR-GRT-01"
PROJECT = "EP/PROP-1"
EXAMPLES = {"sqlite": 30, "postgresql": 10}
LONGEST = 8 * 60  # the test instrument's longest session, in minutes

cards = st.lists(
    st.tuples(
        st.dates(date(2025, 1, 1), date(2031, 12, 31)),
        st.integers(0, 30_000),  # pence an hour
        st.integers(0, 15_000),
    ),
    min_size=1,
    max_size=3,
    unique_by=lambda card: card[0],
)
# Quarter hours: (assisted, total) with assisted <= total, up to 30 h a year.
quarters = st.tuples(st.integers(0, 120), st.integers(0, 120)).map(sorted)
plans = st.tuples(
    st.dates(date(2026, 3, 17), date(2029, 2, 28)),
    st.integers(1, 3),
    st.sampled_from(["0", "3", "2.5", "7.25"]),
    st.lists(quarters, min_size=3, max_size=3),
)


def add_test_instrument(db: Database, world: World) -> None:
    """Open 24/7 on a 15-minute grid, no training, notice or quota, a year ahead."""
    with db.sessions.begin() as s:
        s.add(
            instrument_row(
                world.facilities["WAR-PRP"], CODE, slot_minutes=15, min_minutes=15,
                max_minutes=LONGEST, min_notice_minutes=0, max_days_ahead=365,
                requires_training=False, allow_overnight=True,
            )
        )  # fmt: skip


def forget(db: Database, world: World) -> None:
    """Back to the world as built, between examples."""
    with db.sessions.begin() as s:
        for model in (Notification, WaitlistEntry, AuditEvent, GrantPlanLine, GrantPlan, Booking):
            s.execute(delete(model))
        s.execute(delete(RateCard))


def plant_cards(db: Database, world: World, found: list[tuple[date, int, int]]) -> None:
    with db.sessions.begin() as s:
        instrument = s.scalars(select(Instrument.id).where(Instrument.code == CODE)).one()
        for valid_from, hourly, technician in found:
            s.add(
                RateCard(
                    instrument_id=instrument,
                    user_class=UserClass.PARTNER,
                    hourly_rate=Decimal(hourly) / 100,
                    technician_hourly_rate=Decimal(technician) / 100,
                    currency="GBP",
                    valid_from=valid_from,
                )
            )


def uplift_cards(
    found: list[tuple[date, int, int]], uplift: Decimal, last_day: date
) -> list[tuple[date, int, int]]:
    """The cards a facility raising its latest card by `uplift` each anniversary publishes."""
    valid_from, hourly, technician = max(found)
    return [
        (
            grant_year_start(valid_from, k + 1),
            uplifted(hourly, uplift, k),
            uplifted(technician, uplift, k),
        )
        for k in range(1, anniversaries(valid_from, last_day) + 1)
    ]


def sessions(minutes: int) -> list[int]:
    """Whole-hour sessions of at most LONGEST, and one part-hour session for the rest."""
    lengths = [LONGEST] * (minutes // LONGEST)
    rest = minutes % LONGEST
    lengths += [60] * (rest // 60) if rest >= 60 else []
    return [*lengths, rest % 60] if rest % 60 else lengths


def book_year(
    bookings: BookingService, clock: FrozenClock, first_day: date, assisted: int, total: int
) -> tuple[int, int]:
    """Book a year's hours from its first day on; returns the frozen (instrument, technician)."""
    clock.instant = datetime.combine(first_day, time(12), LONDON).astimezone(UTC)
    start = clock.instant + timedelta(hours=12)
    instrument = technician = 0
    for length, helper in [(m, "tech") for m in sessions(assisted)] + [
        (m, None) for m in sessions(total - assisted)
    ]:
        end = start + timedelta(minutes=length)
        made = bookings.book(
            "bob",
            BookingRequest(CODE, start, end, project_code=PROJECT, technician_username=helper),
        )
        if made.status is BookingStatus.PENDING:  # an Aston user on Warwick's instrument
            made = bookings.approve("mgr", made.id)
        instrument += made.instrument_charge_pence
        technician += made.technician_charge_pence
        start = end + timedelta(hours=1)
    return instrument, technician


def test_a_grant_estimate_equals_what_its_bookings_are_charged(
    context: ServiceContext, world: World, clock: FrozenClock, backend: str
) -> None:
    db = context.database
    add_test_instrument(db, world)
    grants = GrantCostingService(context)
    bookings = BookingService(context)
    start_instant = clock.instant

    @settings(
        max_examples=EXAMPLES[backend],
        deadline=None,
        phases=list(Phase) if backend == "sqlite" else [Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(found=cards, plan=plans)
    def check(
        found: list[tuple[date, int, int]],
        plan: tuple[date, int, str, list[list[int]]],
    ) -> None:
        forget(db, world)
        clock.instant = start_instant
        starts_on, years, uplift_text, hours = plan
        uplift = Decimal(uplift_text)
        lines = tuple(
            PlanLine(CODE, year, hours[year - 1][1] * 15, hours[year - 1][0] * 15)
            for year in range(1, years + 1)
        )
        plant_cards(db, world, found)
        request = PlanRequest("bob", starts_on, years, uplift, lines)
        estimate = grants.estimate("bob", request)
        saved = grants.save("bob", request, title="Property", project_code=PROJECT)
        assert saved.estimate == estimate
        if uplift:
            plant_cards(db, world, uplift_cards(found, uplift, grant_year_start(starts_on, years)))
        for costed in estimate.lines:
            charged = book_year(
                bookings,
                clock,
                costed.priced_on,
                costed.assisted_minutes,
                costed.instrument_minutes,
            )
            assert charged == (costed.instrument_pence, costed.technician_pence), costed
        assert grants.show("bob", saved.id).estimate == estimate
        clock.instant = datetime.combine(estimate.ends_on, time(23), LONDON).astimezone(UTC)
        total = grants.compare("bob", saved.id).total
        assert (total.used_pence, total.used_minutes) == (
            estimate.total_pence, estimate.instrument_minutes,
        )  # fmt: skip
        assert total.used_assisted_minutes == estimate.assisted_minutes

    check()
