"""Rate cards and facility charging policy on both engines: who may set them, what is refused,
second runs and dry runs, and that bookings keep the price and terms of their own time."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.catalogue import Facility
from equipshare.db.models.charging import RateCard
from equipshare.domain.enums import ChargeBasis, UserClass
from equipshare.domain.errors import InputError, NotFound, PermissionDenied
from equipshare.domain.records.money.charging import CardState, Outcome
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.charging.rates import FacilityPolicyService, RateService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"
TODAY = date(2026, 3, 16)  # the conftest clock's day in London


@pytest.fixture
def rates(context: ServiceContext, world: World) -> RateService:
    return RateService(context)


@pytest.fixture
def policies(context: ServiceContext, world: World) -> FacilityPolicyService:
    return FacilityPolicyService(context)


def counts(database: Database) -> tuple[int, int]:
    with database.readonly() as s:
        cards = s.scalar(select(func.count()).select_from(RateCard)) or 0
        audits = s.scalar(select(func.count()).select_from(AuditEvent)) or 0
        return cards, audits


def test_a_manager_sets_a_card_and_a_second_run_changes_nothing(
    rates: RateService, database: Database
) -> None:
    made = rates.set("mgr", XPS, UserClass.PARTNER, Decimal("81.5"), Decimal("40"))
    assert made.outcome is Outcome.CREATED and not made.dry_run
    assert (made.card.hourly_rate, made.card.technician_hourly_rate) == (
        Decimal("81.50"),
        Decimal("40.00"),
    )
    assert made.card.valid_from == TODAY and made.card.state is CardState.IN_FORCE
    before = counts(database)
    again = rates.set("mgr", XPS, UserClass.PARTNER, Decimal("81.50"), Decimal("40.00"))
    assert again.outcome is Outcome.UNCHANGED and counts(database) == before
    fixed = rates.set("root", XPS, UserClass.PARTNER, Decimal("82"))  # admin; keeps tech rate
    assert fixed.outcome is Outcome.UPDATED
    assert fixed.card.technician_hourly_rate == Decimal("40.00")
    assert counts(database) == (before[0], before[1] + 1)  # corrected in place, audited
    listed = rates.list("alice", XPS)
    assert [(c.user_class, c.hourly_rate, c.state) for c in listed] == [
        (UserClass.PARTNER, Decimal("82.00"), CardState.IN_FORCE)
    ]


def test_cards_are_listed_by_class_and_date_with_their_state(
    rates: RateService, database: Database, world: World
) -> None:
    with database.sessions.begin() as s:  # history the service itself would refuse to write
        for day, price in ((date(2025, 8, 1), "50"), (date(2026, 2, 1), "52")):
            s.add(
                RateCard(
                    instrument_id=world.instruments[XPS],
                    user_class=UserClass.INTERNAL,
                    hourly_rate=Decimal(price),
                    technician_hourly_rate=Decimal("30"),
                    currency="GBP",
                    valid_from=day,
                )
            )
    rates.set("mgr", XPS, UserClass.INTERNAL, Decimal("55"), valid_from=date(2026, 8, 1))
    rates.set("mgr", XPS, UserClass.INDUSTRY, Decimal("180"), Decimal("60"))
    listed = [(c.user_class, c.valid_from, c.state) for c in rates.list("bob", XPS)]
    assert listed == [
        (UserClass.INTERNAL, date(2025, 8, 1), CardState.PAST),
        (UserClass.INTERNAL, date(2026, 2, 1), CardState.IN_FORCE),
        (UserClass.INTERNAL, date(2026, 8, 1), CardState.FUTURE),
        (UserClass.INDUSTRY, TODAY, CardState.IN_FORCE),
    ]
    # The future card kept the technician rate of the card in force before it.
    assert rates.list("bob", XPS)[2].technician_hourly_rate == Decimal("30.00")


@pytest.mark.parametrize(
    ("hourly", "technician", "field"),
    [
        (Decimal("12.345"), None, "hourly"),
        (Decimal("-1"), None, "hourly"),
        (Decimal("NaN"), None, "hourly"),
        (Decimal("10"), Decimal("-0.01"), "technician_hourly"),
        (Decimal("10"), Decimal("0.001"), "technician_hourly"),
    ],
)
def test_bad_rates_name_their_field_and_write_nothing(
    rates: RateService, database: Database, hourly: Decimal, technician: Decimal | None, field: str
) -> None:
    before = counts(database)
    with pytest.raises(InputError) as refused:
        rates.set("mgr", XPS, UserClass.INTERNAL, hourly, technician)
    assert refused.value.field == field and counts(database) == before


def test_a_card_in_the_past_is_refused_because_prices_are_frozen(
    rates: RateService, database: Database
) -> None:
    before = counts(database)
    with pytest.raises(InputError, match="past") as refused:
        rates.set("mgr", XPS, UserClass.INTERNAL, Decimal("10"), valid_from=date(2026, 3, 15))
    assert refused.value.field == "valid_from" and counts(database) == before


@pytest.mark.parametrize("who", ["tech", "alice", "otherstaff", "gone"])
def test_only_the_facility_managers_and_admins_set_prices(
    rates: RateService, database: Database, who: str
) -> None:
    before = counts(database)
    with pytest.raises(PermissionDenied, match="manager of"):
        rates.set(who, XPS, UserClass.INTERNAL, Decimal("10"))
    assert counts(database) == before
    with pytest.raises(NotFound):
        rates.set("mgr", "NO-SUCH-01", UserClass.INTERNAL, Decimal("10"))


def test_a_dry_run_shows_the_card_and_writes_nothing(
    rates: RateService, database: Database
) -> None:
    before = counts(database)
    shown = rates.set("mgr", XPS, UserClass.INTERNAL, Decimal("60"), dry_run=True)
    assert shown.outcome is Outcome.CREATED and shown.dry_run
    assert shown.card.hourly_rate == Decimal("60.00") and counts(database) == before
    rates.set("mgr", XPS, UserClass.INTERNAL, Decimal("60"))
    would = rates.set("mgr", XPS, UserClass.INTERNAL, Decimal("65"), dry_run=True)
    assert would.outcome is Outcome.UPDATED and would.card.hourly_rate == Decimal("65.00")
    assert rates.list("mgr", XPS)[0].hourly_rate == Decimal("60.00")


def test_a_later_price_leaves_bookings_already_made_at_theirs(
    rates: RateService, context: ServiceContext, clock: FrozenClock
) -> None:
    bookings = BookingService(context)
    rates.set("mgr", XPS, UserClass.INTERNAL, Decimal("60"), Decimal("30"))
    rates.set("mgr", XPS, UserClass.INTERNAL, Decimal("90"), valid_from=date(2026, 3, 18))
    early = bookings.book(
        "alice", BookingRequest(XPS, london(2026, 3, 24, 10), london(2026, 3, 24, 12))
    )
    clock.advance(days=2)  # Wednesday 18 March: the new card is in force
    late = bookings.book(
        "alice", BookingRequest(XPS, london(2026, 3, 25, 10), london(2026, 3, 25, 12))
    )
    assert (early.hourly_rate_pence, early.charge_pence) == (6000, 12000)
    assert (late.hourly_rate_pence, late.charge_pence) == (9000, 18000)
    assert bookings.get("alice", early.id).charge_pence == 12000


def test_policy_shows_and_changes_only_what_is_given(
    policies: FacilityPolicyService, database: Database
) -> None:
    shown = policies.show("alice", "WAR-PRP")
    assert (shown.charge_basis, shown.free_cancellation_hours) == (ChargeBasis.BOOKED, 24)
    assert (shown.late_cancellation_percent, shown.requires_check_in) == (50, False)
    dry = policies.set("mgr", "WAR-PRP", late_cancellation_percent=100, dry_run=True)
    assert dry.changed == [("late_cancellation_percent", 50, 100)]
    assert policies.show("mgr", "WAR-PRP") == shown
    before = counts(database)
    change = policies.set(
        "mgr",
        "WAR-PRP",
        charge_basis=ChargeBasis.ACTUAL,
        late_cancellation_percent=100,
        requires_check_in=True,
    )
    assert [name for name, _, _ in change.changed] == [
        "charge_basis",
        "late_cancellation_percent",
        "requires_check_in",
    ]
    assert counts(database) == (before[0], before[1] + 1)
    after = policies.show("alice", "WAR-PRP")
    assert after == change.after and after.free_cancellation_hours == 24
    again = policies.set("root", "WAR-PRP", charge_basis=ChargeBasis.ACTUAL)
    assert again.changed == [] and counts(database) == (before[0], before[1] + 1)


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"late_cancellation_percent": 101}, "late_cancellation_percent"),
        ({"late_cancellation_percent": -5}, "late_cancellation_percent"),
        ({"free_cancellation_hours": -1}, "free_cancellation_hours"),
    ],
)
def test_bad_policy_values_name_their_field(
    policies: FacilityPolicyService, database: Database, settings: dict[str, Any], field: str
) -> None:
    with pytest.raises(InputError) as refused:
        policies.set("mgr", "WAR-PRP", **settings)
    assert refused.value.field == field
    with database.readonly() as s:
        row = s.scalars(select(Facility).where(Facility.code == "WAR-PRP")).one()
        assert (row.late_cancellation_percent, row.free_cancellation_hours) == (50, 24)


@pytest.mark.parametrize("who", ["tech", "alice", "otherstaff"])
def test_only_managers_and_admins_change_the_policy(
    policies: FacilityPolicyService, who: str
) -> None:
    with pytest.raises(PermissionDenied, match="charging policy"):
        policies.set(who, "WAR-PRP", late_cancellation_percent=0)
    assert policies.show(who, "WAR-PRP").late_cancellation_percent == 50
    with pytest.raises(NotFound):
        policies.show(who, "NOPE")


def test_a_cancellation_is_judged_by_the_policy_when_it_happens(
    rates: RateService, policies: FacilityPolicyService, context: ServiceContext
) -> None:
    bookings = BookingService(context)
    rates.set("mgr", XPS, UserClass.INTERNAL, Decimal("60"))
    # Booked under a 24-hour free window: 30 hours ahead is free to cancel...
    booking = bookings.book(
        "alice", BookingRequest(XPS, london(2026, 3, 17, 15), london(2026, 3, 17, 17))
    )
    assert booking.charge_pence == 12000
    # ...until the manager widens the window to 48 hours at 100%: now it is late.
    policies.set("mgr", "WAR-PRP", free_cancellation_hours=48, late_cancellation_percent=100)
    cancelled = bookings.cancel("alice", booking.id, "plans changed")
    assert cancelled.charge_pence == 12000 and cancelled.cancelled_at is not None
