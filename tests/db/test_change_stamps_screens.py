"""Change stamps of what screens show besides bookings: an instrument's downtime, opening
hours and waitlist ("schedule") and its training records ("training"), however written, and
never a feed's stamps (both engines)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, insert, update
from sqlalchemy.orm import Session

from equipshare.db.engine import Database
from equipshare.db.models.bookings import Downtime
from equipshare.db.models.catalogue import OpeningHours
from equipshare.db.models.queue import WaitlistEntry
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import DowntimeReason, TrainingLevel, WaitlistStatus
from tests.db.test_change_stamps import bumped, stamps
from tests.support.world import T0, World, london


def test_schedule_and_training_rows_bump_their_instruments_kind_only(
    database: Database, world: World
) -> None:
    xps, ram = world.instruments["WAR-XPS-01"], world.instruments["WAR-RAM-01"]
    alice, erin = world.users["alice"], world.users["erin"]
    writes: list[tuple[Callable[[Session], object], set[tuple[str, int]]]] = [
        (
            lambda s: s.add(
                Downtime(
                    instrument_id=ram,
                    starts_at=london(2026, 3, 19, 13),
                    ends_at=london(2026, 3, 19, 15),
                    reason=DowntimeReason.MAINTENANCE,
                    ical_uid="down@test",
                    created_at=T0,
                    updated_at=T0,
                )
            ),
            {("schedule", ram)},
        ),
        # a Core update by filter: the rows it touches are read by its own WHERE
        (
            lambda s: s.execute(
                update(OpeningHours)
                .where(OpeningHours.instrument_id == xps, OpeningHours.weekday == 0)
                .values(opens_minute=8 * 60)
            ),
            {("schedule", xps)},
        ),
        (
            lambda s: s.execute(
                insert(WaitlistEntry).values(
                    instrument_id=xps,
                    user_id=alice,
                    starts_at=london(2026, 3, 17, 10),
                    ends_at=london(2026, 3, 17, 12),
                    status=WaitlistStatus.WAITING,
                    created_at=T0,
                )
            ),
            {("schedule", xps)},
        ),
        (lambda s: s.execute(delete(WaitlistEntry)), {("all", 0)}),  # no WHERE: everything
        (
            lambda s: s.add(
                TrainingRecord(
                    user_id=erin, instrument_id=xps, level=TrainingLevel.INDEPENDENT, trained_at=T0
                )
            ),
            {("training", xps)},
        ),
        # moved to another instrument: both sides are counted
        (
            lambda s: s.execute(
                update(TrainingRecord)
                .where(TrainingRecord.user_id == erin)
                .values(instrument_id=ram)
            ),
            {("training", xps), ("training", ram)},
        ),
    ]
    for write, expected in writes:
        before = stamps(database)
        with database.sessions.begin() as session:
            write(session)
        assert bumped(before, stamps(database)) == expected
