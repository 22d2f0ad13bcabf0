"""Grant costing through the real service, on both engines: which card prices each grant
year, the uplift past the latest card, frozen saved figures, the comparison with a project
code's charges, who may do what, and bad plans refused with nothing saved."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.grants import GrantPlan, GrantPlanLine
from equipshare.domain.enums import BookingStatus, UserClass
from equipshare.domain.errors import InputError, NotFound, PermissionDenied
from equipshare.domain.records.money.grants import PlanLine, PlanRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.grants.service import GrantCostingService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.maintenance_rows import plant_booking
from tests.support.pricing import plant_rate
from tests.support.world import World

XPS, SEM = "WAR-XPS-01", "AST-SEM-01"


def request(
    *lines: PlanLine, applicant: str | None = None, years: int = 3, uplift: str = "0"
) -> PlanRequest:
    return PlanRequest(applicant, date(2026, 10, 1), years, Decimal(uplift), lines)


def line(code: str, year: int, hours: int, assisted: int = 0, where: str = "") -> PlanLine:
    return PlanLine(code, year, hours * 60, assisted * 60, where)


@pytest.fixture
def priced(context: ServiceContext, world: World) -> World:
    """XPS for partners: £50 (+£30 assisted) since 2020, £60 (+£35) from 2027-01-01."""
    db = context.database
    plant_rate(db, world, XPS, UserClass.PARTNER, "50", "30", date(2020, 1, 1))
    plant_rate(db, world, XPS, UserClass.PARTNER, "60", "35", date(2027, 1, 1))
    plant_rate(db, world, XPS, UserClass.INTERNAL, "20", "10", date(2020, 1, 1))
    plant_rate(db, world, SEM, UserClass.PARTNER, "40.01", "25", date(2020, 1, 1))
    return world


def test_each_year_is_priced_at_the_card_in_force_on_its_first_day(
    context: ServiceContext, priced: World
) -> None:
    estimate = GrantCostingService(context).estimate(
        "bob",
        request(line(XPS, 1, 10, 4), line(XPS, 2, 10, 4), line(XPS, 3, 10, 4), uplift="3"),
    )
    first, second, third = estimate.lines
    assert (first.priced_on, first.card_valid_from, first.uplift_years) == (
        date(2026, 10, 1), date(2020, 1, 1), 0,
    )  # fmt: skip
    # Not the latest card in year 1, so no uplift: the facility's own next card applies later.
    assert (first.hourly_rate_pence, first.technician_rate_pence) == (5_000, 3_000)
    assert (first.instrument_pence, first.technician_pence) == (50_000, 12_000)
    # Year 2 (from 2027-10-01): the latest card, less than a year old, so no uplift yet.
    assert (second.hourly_rate_pence, second.uplift_years) == (6_000, 0)
    # Year 3 (from 2028-10-01): one anniversary of the latest card, so 3% once.
    assert (third.hourly_rate_pence, third.technician_rate_pence) == (6_180, 3_605)
    assert (third.uplift_years, third.instrument_pence, third.technician_pence) == (
        1, 61_800, 14_420,
    )  # fmt: skip
    assert first.user_class is UserClass.PARTNER and first.host_code == "WARWICK"
    assert estimate.total_pence == 62_000 + 74_000 + 76_220
    years = estimate.year_totals()
    assert [y.total_pence for y in years] == [62_000, 74_000, 76_220]
    assert [y.starts_on for y in years] == [date(2026, 10, 1), date(2027, 10, 1), date(2028, 10, 1)]
    assert estimate.ends_on == date(2029, 9, 30)


def test_the_class_is_the_applicants_at_each_host_and_parts_round_as_sessions(
    context: ServiceContext, priced: World
) -> None:
    # alice is Warwick's own (internal on XPS); on Aston's SEM a Warwick user is a partner.
    # 1.5 h at £40.01 rounds half up as one session would: 6001.5 -> 6002 pence.
    plan = request(PlanLine(XPS, 1, 90, 30), PlanLine(SEM, 1, 90, 0))
    estimate = GrantCostingService(context).estimate("alice", plan)
    sem, xps = estimate.lines
    assert (xps.user_class, xps.hourly_rate_pence) == (UserClass.INTERNAL, 2_000)
    assert (sem.user_class, sem.host_code, sem.instrument_pence) == (
        UserClass.PARTNER, "ASTON", 6_002,
    )  # fmt: skip
    # XPS: 30 assisted minutes (1000p + 500p) and 60 own-use minutes (2000p).
    assert (xps.instrument_pence, xps.technician_pence) == (3_000, 500)


def test_no_card_in_force_is_free_as_a_booking_would_be(
    context: ServiceContext, world: World
) -> None:
    plant_rate(context.database, world, XPS, UserClass.PARTNER, "50", "30", date(2027, 6, 1))
    estimate = GrantCostingService(context).estimate(
        "bob", request(line(XPS, 1, 10), line(XPS, 2, 10))
    )
    first, second = estimate.lines
    assert not first.priced and first.total_pence == 0
    assert second.priced and second.instrument_pence == 50_000


def test_a_saved_plan_keeps_its_figures_when_the_rates_change(
    context: ServiceContext, priced: World
) -> None:
    service = GrantCostingService(context)
    plan = request(line(XPS, 1, 120, 20), line(XPS, 3, 40), uplift="2.5")
    saved = service.save("bob", plan, title="  Operando XPS  ", project_code="EP/X01")
    assert (saved.title, saved.project_code, saved.created_by) == ("Operando XPS", "EP/X01", "bob")
    # The facility raises every price; a new estimate sees it, the saved plan does not.
    plant_rate(context.database, priced, XPS, UserClass.PARTNER, "99", "77", date(2026, 4, 1))
    plant_rate(context.database, priced, XPS, UserClass.PARTNER, "99", "77", date(2027, 2, 1))
    again = service.show("bob", saved.id)
    assert again.estimate == saved.estimate
    assert (
        again.estimate.total_pence
        == saved.estimate.total_pence
        == (120 * 5_000 + 20 * 3_000 + 40 * 6_150)
    )
    assert service.estimate("bob", plan).total_pence != saved.estimate.total_pence
    with context.database.readonly() as s:
        audit = s.scalars(select(AuditEvent).where(AuditEvent.action == "grant_plan.create")).one()
    assert audit.entity_id == str(saved.id) and audit.after is not None
    assert audit.after["project_code"] == "EP/X01" and audit.after["applicant"] == "bob"


def test_comparison_counts_the_project_codes_charges_within_the_grant(
    context: ServiceContext, priced: World, clock: FrozenClock
) -> None:
    service = GrantCostingService(context)
    saved = service.save(
        "bob", request(line(XPS, 1, 10, 2)), title="Catalysis", project_code="EP/C1"
    )  # planned: 10 h at £50 + 2 h at £30 = £560
    db = context.database
    day = datetime(2026, 11, 2, 10, tzinfo=UTC)

    def book(
        user: str, start: datetime, hours: int, status: BookingStatus, **extra: object
    ) -> None:
        pence = {"instrument_charge_pence": 5_000 * hours, "technician_charge_pence": 0}
        plant_booking(
            db, priced, user, XPS, start, start + timedelta(hours=hours), status,
            project_code=extra.pop("code", "EP/C1"), **(pence | extra),
        )  # fmt: skip

    book("bob", day, 3, BookingStatus.COMPLETED)
    book("bob", day + timedelta(days=1), 1, BookingStatus.NO_SHOW)
    book("bob", day + timedelta(days=2), 2, BookingStatus.CANCELLED, instrument_charge_pence=5_000)
    book("bob", day + timedelta(days=3), 2, BookingStatus.CANCELLED, instrument_charge_pence=0)
    book("bob", day + timedelta(days=4), 2, BookingStatus.CONFIRMED)  # ahead at the clock below
    book("bob", day + timedelta(days=5), 1, BookingStatus.COMPLETED, code="OTHER")
    book("alice", day + timedelta(days=6), 1, BookingStatus.COMPLETED)  # Warwick pays, not Aston
    book("bob", datetime(2026, 9, 30, 10, tzinfo=UTC), 1, BookingStatus.COMPLETED)  # before it
    clock.instant = day + timedelta(days=3, hours=12)
    comparison = service.compare("bob", saved.id)
    (row,) = comparison.rows
    assert (row.instrument_code, row.planned_minutes, row.planned_pence) == (XPS, 600, 56_000)
    assert (row.used_minutes, row.used_pence) == (4 * 60, 3 * 5_000 + 5_000 + 5_000)
    assert (row.ahead_minutes, row.ahead_pence) == (120, 10_000)
    assert comparison.total.words() == "planned 10 h, used 4 h, £250.00 of £560.00"


def test_staff_cost_for_others_and_see_only_their_facilities_lines(
    context: ServiceContext, priced: World
) -> None:
    service = GrantCostingService(context)
    plan = request(line(XPS, 1, 10), line(SEM, 1, 5), applicant="bob")
    with pytest.raises(PermissionDenied, match="may not cost a grant for bob"):
        service.estimate("carol", plan)
    saved = service.save("mgr", plan, title="For Bob", project_code="EP/B")
    assert saved.estimate.applicant == "bob" and saved.created_by == "mgr"
    assert [p.id for p in service.list("bob")] == [saved.id]
    assert service.list("carol") == []
    with pytest.raises(NotFound):
        service.show("carol", saved.id)
    seen = service.show("otherstaff", saved.id)  # Aston's technician: Aston's line only
    assert [c.instrument_code for c in seen.estimate.lines] == [SEM]
    assert [c.instrument_code for c in service.compare("otherstaff", saved.id).rows] == [SEM]
    assert len(service.show("root", saved.id).estimate.lines) == 2
    with pytest.raises(PermissionDenied, match="deactivated"):
        service.estimate("gone", request(line(XPS, 1, 1)))


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (request(line(XPS, 4, 1, where="--line 1")), "--line 1: year 4 is not a year of a 3-year"),
        (request(line(XPS, 1, 1, 2, where="plan.csv:2")), "plan.csv:2: assisted hours are more"),
        (
            request(line(XPS, 1, 1, where="plan.csv:2"), line(XPS, 1, 3, where="plan.csv:5")),
            "plan.csv:5: WAR-XPS-01 year 1 is already planned on plan.csv:2",
        ),
        (
            request(line("NOPE-1", 1, 1, where="--line 2")),
            "--line 2: no instrument with code .NOPE-1.",
        ),
        (request(), "at least one line"),
        (request(line(XPS, 1, 1), years=11), "1 to 10 years"),
    ],
)
def test_bad_plans_are_refused_naming_the_line_and_nothing_is_saved(
    context: ServiceContext, priced: World, plan: PlanRequest, message: str
) -> None:
    service = GrantCostingService(context)
    with pytest.raises(InputError, match=message):
        service.save("bob", plan, title="T", project_code="P")
    with pytest.raises(InputError, match="project code is empty"):
        service.save("bob", request(line(XPS, 1, 1)), title="T", project_code="  ")
    with context.database.readonly() as s:
        assert s.scalar(select(func.count()).select_from(GrantPlan)) == 0
        assert s.scalar(select(func.count()).select_from(GrantPlanLine)) == 0
