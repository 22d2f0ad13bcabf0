"""find_slots: the earliest free slots honour every rule for the user; on SQLite and PostgreSQL.

The clock is Mon 16 Mar 2026 09:00 UTC (09:00 GMT in London); see tests/support/world.py.
Every search also checks its slots against the booking rules themselves (check_all),
so availability and booking cannot drift apart.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from equipshare.db.models.bookings import Downtime
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import (
    AccessLevel,
    DowntimeReason,
    TrainingLevel,
)
from equipshare.domain.errors import InputError, NotFound, PermissionDenied, RefusedError
from equipshare.domain.records.instruments.catalogue import SlotRecord
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.availability.search import AvailabilityService
from equipshare.services.bookings import checks
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.proposal import Proposal
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import T0, World, london
from tests.support.world import add_instrument as world_add_instrument

XPS = "WAR-XPS-01"
MEG = "WAR-MEG-01"
H2 = timedelta(hours=2)


@pytest.fixture
def svc(context: ServiceContext, world: World) -> AvailabilityService:
    return AvailabilityService(context)


def spans(slots: list[SlotRecord]) -> list[tuple[str, datetime, datetime]]:
    return [(s.instrument_code, s.starts_at, s.ends_at) for s in slots]


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def assert_bookable(context: ServiceContext, username: str, slots: list[SlotRecord]) -> None:
    """Each slot passes rules 1-6 for the user, as a booking would be judged now."""
    assert slots, "a test of bookability needs slots"
    with context.database.readonly() as session:
        user = row_records.load_user(session, username)
        for slot in slots:
            instrument = row_records.load_instrument(session, slot.instrument_code)
            proposal = Proposal(
                user, instrument, slot.starts_at, slot.ends_at, project_code="EP/X0001/1"
            )
            checks.check_all(session, proposal, context.clock.now())


def add_instrument(
    context: ServiceContext, world: World, code: str, facility: str, **policy: object
) -> None:
    """Another instrument with world.py's defaults but no training, open weekdays 09-17."""
    world_add_instrument(
        context.database, world, code, facility, **({"requires_training": False} | policy)
    )


def add_downtime(
    context: ServiceContext, world: World, code: str, start: datetime, end: datetime
) -> None:
    with context.database.sessions.begin() as s:
        s.add(
            Downtime(
                instrument_id=world.instruments[code],
                starts_at=start,
                ends_at=end,
                reason=DowntimeReason.CALIBRATION,
                ical_uid=f"down-{start.isoformat()}@test",
                created_at=T0,
                updated_at=T0,
            )
        )


def book(context: ServiceContext, user: str, code: str, start: datetime, end: datetime) -> int:
    request = BookingRequest(code, start, end, project_code="EP/X0001/1")
    return BookingService(context).book(user, request).id


# Earliest slot: minimum notice, then the grid.
def test_earliest_slot_is_right_after_notice(
    svc: AvailabilityService, context: ServiceContext
) -> None:
    slots = svc.find_slots("alice", instrument_code=XPS, length=H2, per_instrument=1)
    assert spans(slots) == [(XPS, utc(3, 16, 10), utc(3, 16, 12))]  # 09:00 + 60 min notice
    assert slots[0].own_institution and slots[0].timezone == "Europe/London"
    assert_bookable(context, "alice", slots)


def test_earliest_slot_rounds_up_to_the_grid(
    svc: AvailabilityService, context: ServiceContext, clock: FrozenClock
) -> None:
    clock.advance(minutes=20)  # notice ends 10:20, off the hourly grid
    slots = svc.find_slots("alice", instrument_code=XPS, length=H2, limit=3)
    assert spans(slots) == [
        (XPS, utc(3, 16, 11), utc(3, 16, 13)),
        (XPS, utc(3, 16, 13), utc(3, 16, 15)),
        (XPS, utc(3, 16, 15), utc(3, 16, 17)),
    ]
    assert_bookable(context, "alice", slots)


def test_bookings_and_downtime_are_walked_around(
    svc: AvailabilityService, context: ServiceContext, world: World
) -> None:
    book(context, "bob", XPS, london(2026, 3, 16, 11), london(2026, 3, 16, 12))  # pending holds
    add_downtime(context, world, XPS, london(2026, 3, 16, 13), london(2026, 3, 16, 15))
    cancelled = book(context, "bob", XPS, london(2026, 3, 17, 9), london(2026, 3, 17, 10))
    BookingService(context).cancel("bob", cancelled, "not needed")
    slots = svc.find_slots("alice", instrument_code=XPS, length=H2, limit=3)
    # Mon 10-11 and 12-13 are one-hour gaps; the cancelled booking frees Tue 09:00.
    assert spans(slots) == [
        (XPS, utc(3, 16, 15), utc(3, 16, 17)),
        (XPS, utc(3, 17, 9), utc(3, 17, 11)),
        (XPS, utc(3, 17, 11), utc(3, 17, 13)),
    ]
    one_hour = svc.find_slots("alice", instrument_code=XPS, length=timedelta(hours=1), limit=3)
    assert [s.starts_at for s in one_hour] == [utc(3, 16, 10), utc(3, 16, 12), utc(3, 16, 15)]
    assert_bookable(context, "alice", slots + one_hour)


def test_opening_hours_follow_the_wall_clock_across_dst(
    svc: AvailabilityService, context: ServiceContext
) -> None:
    # London moves to BST on Sun 29 Mar 2026: 09:00-17:00 is 09-17 UTC before, 08-16 after.
    slots = svc.find_slots(
        "alice",
        instrument_code=XPS,
        length=timedelta(hours=8),
        window_start=london(2026, 3, 27, 0),
        days=5,
        per_instrument=5,
    )
    assert spans(slots) == [
        (XPS, utc(3, 27, 9), utc(3, 27, 17)),
        (XPS, utc(3, 30, 8), utc(3, 30, 16)),
        (XPS, utc(3, 31, 8), utc(3, 31, 16)),
    ]
    assert_bookable(context, "alice", slots)


def test_overnight_instrument_slots_cross_the_dst_night(
    svc: AvailabilityService, context: ServiceContext
) -> None:
    # WAR-RAM-01 is always open, on a 30-minute grid counted from local midnight.
    slots = svc.find_slots(
        "alice",
        instrument_code="WAR-RAM-01",
        length=timedelta(hours=3),
        window_start=london(2026, 3, 28, 22),
        days=1,
        per_instrument=3,
    )
    # 22:00 GMT to 02:00 BST is three hours: the clocks skip 01:00-02:00 that night.
    assert spans(slots) == [
        ("WAR-RAM-01", utc(3, 28, 22), utc(3, 29, 1)),
        ("WAR-RAM-01", utc(3, 29, 1), utc(3, 29, 4)),
        ("WAR-RAM-01", utc(3, 29, 4), utc(3, 29, 7)),
    ]
    assert_bookable(context, "alice", slots)


def test_a_one_day_window(svc: AvailabilityService, context: ServiceContext) -> None:
    slots = svc.find_slots(
        "alice",
        instrument_code=XPS,
        length=H2,
        window_start=london(2026, 3, 18, 0),
        days=1,
        per_instrument=10,
    )
    assert [s.starts_at for s in slots] == [utc(3, 18, h) for h in (9, 11, 13, 15)]
    assert_bookable(context, "alice", slots)


def test_no_slot_starts_beyond_max_days_ahead(svc: AvailabilityService) -> None:
    # 90 days after Mon 16 Mar 09:00 UTC is Sun 14 Jun: Fri 12 Jun is the last open day.
    slots = svc.find_slots(
        "alice",
        instrument_code=XPS,
        length=H2,
        window_start=london(2026, 6, 12, 0),
        days=7,
        per_instrument=10,
    )
    assert [s.starts_at for s in slots] == [utc(6, 12, h) for h in (8, 10, 12, 14)]


# Category search across institutions.
@pytest.fixture
def aston_xps(context: ServiceContext, world: World) -> None:
    add_instrument(context, world, "AST-XPS-01", "AST-EM", category="xps")


@pytest.mark.usefixtures("aston_xps")
def test_category_spans_institutions_own_first(
    svc: AvailabilityService, context: ServiceContext
) -> None:
    alice = svc.find_slots("alice", category="XPS", length=H2, per_instrument=2)
    assert spans(alice) == [
        (XPS, utc(3, 16, 10), utc(3, 16, 12)),
        ("AST-XPS-01", utc(3, 16, 10), utc(3, 16, 12)),
        (XPS, utc(3, 16, 12), utc(3, 16, 14)),
        ("AST-XPS-01", utc(3, 16, 12), utc(3, 16, 14)),
    ]
    assert [s.own_institution for s in alice] == [True, False, True, False]
    assert [s.institution_code for s in alice] == ["WARWICK", "ASTON"] * 2
    bob = svc.find_slots("bob", category="xps", length=H2, per_instrument=1)
    assert [s.instrument_code for s in bob] == ["AST-XPS-01", XPS]
    assert_bookable(context, "alice", alice)


@pytest.mark.usefixtures("aston_xps")
def test_untrained_users_get_no_training_required_instruments(
    svc: AvailabilityService, world: World, context: ServiceContext
) -> None:
    slots = svc.find_slots("erin", category="XPS", length=H2)
    assert {s.instrument_code for s in slots} == {"AST-XPS-01"}
    with pytest.raises(RefusedError, match="erin has no current training on WAR-XPS-01"):
        svc.find_slots("erin", instrument_code=XPS, length=H2)


def test_training_that_expires_mid_window_ends_the_slots(
    svc: AvailabilityService, world: World, context: ServiceContext
) -> None:
    with context.database.sessions.begin() as s:
        s.add(
            TrainingRecord(
                user_id=world.users["erin"],
                instrument_id=world.instruments[XPS],
                level=TrainingLevel.INDEPENDENT,
                trained_at=T0,
                expires_at=utc(3, 17, 11, 30),  # judged at the booking's end, as booking does
            )
        )
    slots = svc.find_slots("erin", instrument_code=XPS, length=H2, per_instrument=10)
    assert [s.starts_at for s in slots] == [utc(3, 16, h) for h in (10, 12, 14)] + [utc(3, 17, 9)]
    assert_bookable(context, "erin", slots)


@pytest.mark.usefixtures("aston_xps")
def test_access_level_excludes_instruments(
    svc: AvailabilityService, context: ServiceContext, world: World
) -> None:
    add_instrument(context, world, "AST-XPS-02", "AST-EM", access_level=AccessLevel.INDUSTRY)
    slots = svc.find_slots("dave", category="XPS", length=H2)
    assert {s.instrument_code for s in slots} == {"AST-XPS-02"}
    with pytest.raises(RefusedError, match="WAR-XPS-01 is open to users of consortium partner"):
        svc.find_slots("dave", instrument_code=XPS, length=H2)


def test_weekly_quota_moves_slots_to_next_week(
    svc: AvailabilityService, context: ServiceContext
) -> None:
    # WAR-MEG-01: fixed 2 h on a 2 h grid, 6 h a week per user, weekdays 08:00-18:00.
    assert svc.find_slots("alice", instrument_code=MEG, length=H2, per_instrument=1)[
        0
    ].starts_at == utc(3, 16, 10)
    for day in (17, 18):
        book(context, "alice", MEG, london(2026, 3, day, 8), london(2026, 3, day, 10))
    after_four = svc.find_slots("alice", instrument_code=MEG, length=H2, per_instrument=1)
    assert after_four[0].starts_at == utc(3, 16, 10)  # 2 h left this week
    book(context, "alice", MEG, london(2026, 3, 19, 8), london(2026, 3, 19, 10))
    full = svc.find_slots("alice", instrument_code=MEG, length=H2, limit=3)
    assert [s.starts_at for s in full] == [utc(3, 23, 8), utc(3, 23, 10), utc(3, 23, 12)]
    assert_bookable(context, "alice", full)
    # The quota is per user: bob still gets this week, around alice's pending bookings.
    bob = svc.find_slots(
        "bob", instrument_code=MEG, length=H2, window_start=london(2026, 3, 17, 0), limit=3
    )
    assert [s.starts_at for s in bob] == [utc(3, 17, 10), utc(3, 17, 12), utc(3, 17, 14)]


@pytest.mark.usefixtures("aston_xps")
def test_per_instrument_and_limit(svc: AvailabilityService) -> None:
    slots = svc.find_slots("alice", category="XPS", length=H2, per_instrument=3, limit=4)
    assert spans(slots) == [
        (XPS, utc(3, 16, 10), utc(3, 16, 12)),
        ("AST-XPS-01", utc(3, 16, 10), utc(3, 16, 12)),
        (XPS, utc(3, 16, 12), utc(3, 16, 14)),
        ("AST-XPS-01", utc(3, 16, 12), utc(3, 16, 14)),
    ]
    one_each = svc.find_slots("alice", category="XPS", length=H2, per_instrument=1)
    assert len(one_each) == 2


def test_refusals_for_one_instrument(svc: AvailabilityService) -> None:
    with pytest.raises(RefusedError, match="WAR-AFM-01 is out of service and cannot be booked"):
        svc.find_slots("alice", instrument_code="WAR-AFM-01", length=H2)
    with pytest.raises(NotFound):
        svc.find_slots("alice", instrument_code="NOPE-1", length=H2)
    with pytest.raises(RefusedError, match="WAR-RAM-01 is open to University of Warwick users"):
        svc.find_slots("bob", instrument_code="WAR-RAM-01", length=H2)
    with pytest.raises(PermissionDenied, match="deactivated"):
        svc.find_slots("gone", instrument_code=XPS, length=H2)
    with pytest.raises(PermissionDenied, match="deactivated"):
        svc.find_slots("gone", category="XPS", length=H2)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"instrument_code": MEG, "length": timedelta(hours=3)}, "length"),  # fixed 2 h
        ({"instrument_code": XPS, "length": timedelta(minutes=30)}, "length"),  # min 1 h
        ({"instrument_code": XPS, "length": timedelta(minutes=90)}, "length"),  # hourly grid
        ({"instrument_code": XPS, "length": timedelta(0)}, "length"),
        ({"instrument_code": XPS, "length": H2, "days": 0}, "days"),
        ({"instrument_code": XPS, "length": H2, "limit": 0}, "limit"),
        ({"length": H2}, None),
        ({"instrument_code": XPS, "category": "XPS", "length": H2}, None),
        ({"instrument_code": XPS, "length": H2, "window_start": datetime(2026, 3, 17)}, "from"),  # noqa: DTZ001
    ],
)
def test_bad_input(svc: AvailabilityService, kwargs: dict[str, object], field: str | None) -> None:
    with pytest.raises(InputError) as caught:
        svc.find_slots("alice", **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_a_category_length_no_instrument_takes_is_empty(svc: AvailabilityService) -> None:
    assert svc.find_slots("alice", category="MEG", length=timedelta(hours=3)) == []
    assert svc.find_slots("alice", category="NOSUCH", length=H2) == []
