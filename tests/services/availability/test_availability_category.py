"""find_slots over a category: exactly what a plain search of every instrument would give.

The category search lets the database choose the instruments, reads them a page at a
time in growing batches and stops early. The reference here loads the whole category
with the ORM, keeps the instruments the user may book, takes each one's earliest slots
with `free_slots` (with opening hours computed afresh, not from the cache) and sorts
them all. Random small worlds, seeded so a failure replays: random policies, opening
hours, zones and institutions, bookings (one that began days before the window and is as
long as a booking may be), downtime and training that starts, expires or is revoked
inside the window; searched by users of every kind of institution with random windows
(some across the March clock change), lengths, limits and per-instrument counts. On
SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from equipshare.db.models.bookings import Booking, Downtime
from equipshare.db.models.catalogue import Facility, Instrument, OpeningHours
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import (
    LONGEST_BOOKING_MINUTES,
    AccessLevel,
    BookingStatus,
    DowntimeReason,
    InstrumentStatus,
    TrainingLevel,
)
from equipshare.domain.records.instruments.catalogue import SlotRecord
from equipshare.domain.rules import policy_rules
from equipshare.services.availability import category as availability_category
from equipshare.services.availability import slots as availability_slots
from equipshare.services.availability.search import AvailabilityService
from equipshare.services.availability.slots import Search, free_slots, load_occupancy, slot_order
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import T0, World, instrument_row, london

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)  # the `clock` fixture's instant
SEARCHERS = ("alice", "bob", "carol", "dave", "erin")
ZONES = ("Europe/London", "America/New_York", "Asia/Kolkata")


def reference(
    context: ServiceContext,
    monkeypatch: pytest.MonkeyPatch,
    username: str,
    category: str,
    length: timedelta,
    window_start: datetime | None,
    days: int,
    limit: int,
    per_instrument: int,
) -> list[SlotRecord]:
    """Every instrument of the category, each searched in full, all sorted: no shortcuts."""
    start = (window_start or NOW).astimezone(UTC)  # a day is 24 hours, even across DST
    with context.database.readonly() as session:
        user = row_records.load_user(session, username)
        search = Search(user, length, NOW, start, start + timedelta(days=days))
        codes = session.execute(select(Instrument.code, Instrument.category)).all()
        records = [
            row_records.load_instrument(session, code)
            for code, spelling in codes
            if spelling.lower() == category.strip().lower()
        ]
        bookable = [i for i in records if i.status.bookable and policy_rules.may_access(user, i)]
        occupancy = load_occupancy(session, search, bookable)
    with monkeypatch.context() as patch:
        patch.setattr(availability_slots, "opening", policy_rules.open_intervals)
        slots = [s for i in bookable for s in free_slots(i, search, occupancy, per_instrument)]
    return sorted(slots, key=slot_order)[:limit]


def random_hours(rng: random.Random, instrument_id: int) -> list[OpeningHours]:
    """No hours (always open), office hours, split days, weekends only or evenings."""
    shape = rng.choice(["always", "office", "split", "weekend", "evening", "random"])
    spans: list[tuple[int, int, int]] = []
    if shape == "office":
        spans = [(d, 540, 1020) for d in range(5)]
    elif shape == "split":
        spans = [(d, a, b) for d in range(5) for a, b in ((480, 720), (780, 1080))]
    elif shape == "weekend":
        spans = [(d, 600, 960) for d in (5, 6)]
    elif shape == "evening":
        spans = [(d, 1080, 1440) for d in range(7)] + [(d, 0, 120) for d in range(7)]
    elif shape == "random":
        for day in rng.sample(range(7), rng.randint(1, 7)):
            opens = rng.randrange(0, 1380, 30)
            spans.append((day, opens, rng.randrange(opens + 30, 1441, 30)))
    return [OpeningHours(instrument_id=instrument_id, weekday=d, opens_minute=a, closes_minute=b)
            for d, a, b in spans]  # fmt: skip


def build(context: ServiceContext, world: World, rng: random.Random) -> None:
    """A random category "probe" (in mixed spellings) across four institutions and zones."""
    with context.database.sessions.begin() as s:
        facilities = list(world.facilities.values())
        for n, code in enumerate(("WARWICK", "SHEF", "ACME", "ASTON")):
            facility = Facility(
                institution_id=world.institutions[code],
                code=f"{code}-PROBE",
                name=f"{code} probe lab",
                timezone=ZONES[n % len(ZONES)],
                created_at=T0,
            )
            s.add(facility)
            s.flush()
            facilities.append(facility.id)
        instruments = []
        for n in range(rng.randint(12, 24)):
            slot = rng.choice([30, 60, 120])
            row = instrument_row(
                rng.choice(facilities),
                # Mixed case: PostgreSQL must order codes as Python does, not by locale.
                f"{rng.choice('ABCxyz')}{rng.choice('Za_')}-PRB-{n:02d}",
                category=rng.choice(["probe", "PROBE", "Probe", "probe", "other"]),
                status=rng.choice(list(InstrumentStatus) + [InstrumentStatus.AVAILABLE] * 4),
                access_level=rng.choice([*AccessLevel, AccessLevel.INDUSTRY, AccessLevel.INDUSTRY]),
                slot_minutes=slot,
                min_minutes=slot * rng.choice([1, 1, 1, 2]),
                max_minutes=slot * rng.choice([2, 4, 16, 16]),
                min_notice_minutes=rng.choice([0, 0, 60, 600, 2880]),
                max_days_ahead=rng.choice([2, 30, 90]),
                requires_training=rng.random() < 0.3,
                allow_overnight=rng.random() < 0.3,
                weekly_quota_minutes=rng.choice([None, None, 240, 600]),
            )
            s.add(row)
            s.flush()
            s.add_all(random_hours(rng, row.id))
            instruments.append(row.id)
        for instrument_id in instruments:
            plant_occupancy(s, world, rng, instrument_id)


def plant_occupancy(s: object, world: World, rng: random.Random, instrument_id: int) -> None:
    """Non-overlapping bookings (one may have begun weeks ago), downtime and training."""
    add = s.add  # type: ignore[attr-defined]
    # A first booking that began up to 12 days before the window, lasting up to the cap.
    weeks_ago = rng.random() < 0.3
    cursor = NOW - timedelta(days=12 if weeks_ago else 2)
    for n in range(rng.randint(0, 8)):
        start = cursor + timedelta(minutes=rng.randrange(0, 2 * 1440, 30))
        longest = LONGEST_BOOKING_MINUTES if weeks_ago and n == 0 else 8 * 60
        end = start + timedelta(minutes=rng.randrange(30, longest, 30))
        user = world.users[rng.choice(SEARCHERS)]
        add(
            Booking(
                instrument_id=instrument_id,
                user_id=user,
                created_by_id=user,
                starts_at=start,
                ends_at=end,
                status=rng.choice([BookingStatus.CONFIRMED, BookingStatus.PENDING,
                                   BookingStatus.CANCELLED]),
                purpose="random",
                ical_uid=f"random-{uuid.uuid4()}@test",
                sequence=0,
                created_at=T0,
                updated_at=T0,
            )
        )  # fmt: skip
        cursor = end
    for _ in range(rng.randint(0, 2)):
        start = NOW + timedelta(minutes=rng.randrange(-1440, 10 * 1440, 15))
        add(
            Downtime(
                instrument_id=instrument_id,
                starts_at=start,
                ends_at=start + timedelta(minutes=rng.randrange(60, 3 * 1440, 15)),
                reason=DowntimeReason.MAINTENANCE,
                ical_uid=f"down-{uuid.uuid4()}@test",
                created_at=T0,
                updated_at=T0,
            )
        )
    for username in rng.sample(SEARCHERS, rng.randint(0, len(SEARCHERS))):
        trained = NOW + timedelta(hours=rng.choice([-400, -1, 30, 100]))
        expires = rng.choice([None, trained + timedelta(hours=rng.choice([2, 40, 200, 2000]))])
        add(
            TrainingRecord(
                user_id=world.users[username],
                instrument_id=instrument_id,
                level=rng.choice([TrainingLevel.INDEPENDENT] * 3 + [TrainingLevel.SUPERVISED]),
                trained_at=trained,
                expires_at=expires,
                revoked_at=rng.choice([None, None, None, NOW - timedelta(days=1)]),
            )
        )


@pytest.mark.parametrize("seed", range(6))
def test_category_search_matches_the_plain_reference(
    context: ServiceContext, world: World, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    rng = random.Random(seed)
    build(context, world, rng)
    # Small pages make the search read each tier in several pages, as at national scale.
    monkeypatch.setattr(availability_category, "FIRST_PAGE", rng.choice([1, 2, 3, 256]))
    service = AvailabilityService(context)
    compared = 0
    for _ in range(30):
        ask = dict(
            username=rng.choice(SEARCHERS),
            category=rng.choice(["probe", "PROBE", " Probe "]),
            length=timedelta(minutes=rng.choice([30, 60, 60, 120, 120, 240, 480])),
            window_start=rng.choice(
                [None, NOW + timedelta(hours=rng.randint(1, 200)), london(2026, 3, 28, 20)]
            ),
            days=rng.choice([1, 2, 7, 14]),
            limit=rng.choice([1, 2, 3, 7, 20]),
            per_instrument=rng.choice([1, 2, 3, 5]),
        )
        expected = reference(context, monkeypatch, **ask)  # type: ignore[arg-type]
        username = ask.pop("username")
        assert service.find_slots(username, **ask) == expected, (seed, username, ask)  # type: ignore[arg-type]
        compared += len({slot.instrument_code for slot in expected}) > 1
    assert compared, "no search found slots on two instruments: the world tests too little"


def test_an_early_opener_later_in_the_order_is_not_missed(
    context: ServiceContext, world: World
) -> None:
    """Many own-institution instruments open at 09:00 fill the first batches; an Aston one
    that opens at 06:00 sorts after them all until its hours are read, and still comes first."""
    with context.database.sessions.begin() as s:
        for n in range(30):
            row = instrument_row(world.facilities["WAR-PRP"], f"WAR-PRB-{n:02d}", category="probe")
            row.requires_training = False
            s.add(row)
            s.flush()
            s.add_all(
                OpeningHours(instrument_id=row.id, weekday=d, opens_minute=540, closes_minute=1020)
                for d in range(5)
            )
        early = instrument_row(world.facilities["AST-EM"], "AST-PRB-99", category="probe")
        early.requires_training = False
        s.add(early)
        s.flush()
        s.add(OpeningHours(instrument_id=early.id, weekday=1, opens_minute=360, closes_minute=480))
    slots = AvailabilityService(context).find_slots(
        "alice",
        category="probe",
        length=timedelta(hours=1),
        window_start=london(2026, 3, 17, 0),
        limit=4,
        per_instrument=1,
    )
    assert [(s.instrument_code, s.starts_at.hour) for s in slots] == [
        ("AST-PRB-99", 6),
        ("WAR-PRB-00", 9),
        ("WAR-PRB-01", 9),
        ("WAR-PRB-02", 9),
    ]


def test_equal_slots_come_in_python_code_order_a_page_at_a_time(
    context: ServiceContext, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Identical instruments free at the same instant tie on the code. Read one per page,
    the database must hand them over in Python's code-point order (on PostgreSQL, not the
    en-GB collation, which puts "Aa" before "AZ"), or the search settles on the first
    batch it read and returns the wrong instrument."""
    monkeypatch.setattr(availability_category, "FIRST_PAGE", 1)
    codes = ["AZ-PRB", *(f"Aa-PRB-{n}" for n in range(8))]
    with context.database.sessions.begin() as s:
        for code in codes:
            row = instrument_row(world.facilities["WAR-PRP"], code, category="probe")
            row.requires_training = False
            s.add(row)
    slots = AvailabilityService(context).find_slots(
        "alice", category="probe", length=timedelta(hours=1), limit=2, per_instrument=1
    )
    assert [slot.instrument_code for slot in slots] == ["AZ-PRB", "Aa-PRB-0"]
    assert slots[0].starts_at == slots[1].starts_at
