"""Calendar import at scale, on both engines: bounded statements, freed slots, the 14-day cap.

These are about the import's mechanics, so its events are imported with the policy
overridden (half-hour sessions off the XPS's hour grid); test_import_rules.py tests the
rules themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, func, select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking, Downtime
from equipshare.domain.enums import BookingStatus, ImportAction
from equipshare.domain.records.scheduling.calendar import ImportReport
from equipshare.services.calendar.importing import CalendarImportService
from equipshare.services.plumbing.context import ServiceContext
from tests.services.calendar.test_calendar_import import ics, vevent
from tests.support.world import World, london

XPS, RAM = "WAR-XPS-01", "WAR-RAM-01"
FIRST = datetime(2026, 3, 23, 8, tzinfo=UTC)


def many(count: int, prefix: str) -> bytes:
    """`count` half-hour bookings for alice, one every 50 minutes, none overlapping."""
    events = []
    for i in range(count):
        start = FIRST + i * timedelta(minutes=50)
        end = start + timedelta(minutes=30)
        events.append(
            vevent(
                f"{prefix}-{i}@outlook",
                f"{start:%Y%m%dT%H%M%S}",
                f"{end:%Y%m%dT%H%M%S}",
                f"SUMMARY:Session {i}",
                "ORGANIZER:mailto:alice@example.ac.uk",
            )
        )
    return ics(*events)


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """Every SQL statement sent to the database inside the block (executemany counts once).

    Schema probes are left out: a process asks once whether a table exists (the roll-ups' and
    change stamps' first write), which is not work an import does per event.
    """
    sent: list[str] = []

    def seen(*args: Any) -> None:
        sql = str(args[2])
        if not sql.startswith("PRAGMA") and "pg_catalog" not in sql:
            sent.append(sql)

    event.listen(database.engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)


def run(context: ServiceContext, code: str, data: bytes, **kwargs: Any) -> ImportReport:
    kwargs.setdefault("override_policy", not kwargs.get("as_downtime", False))
    return CalendarImportService(context).import_calendar(
        "tech", code, data, source="cal.ics", **kwargs
    )


def test_statements_do_not_grow_with_the_events_and_a_reimport_changes_nothing(
    context: ServiceContext, world: World, database: Database
) -> None:
    small, large = many(200, "s"), many(600, "l")
    with statements(database) as creating_small:
        run(context, XPS, small)
    with statements(database) as creating_large:
        made = run(context, RAM, large)
    assert len(made.created) == 600
    with statements(database) as again_small:
        run(context, XPS, small)
    with statements(database) as again_large:
        again = run(context, RAM, large)
    assert [o.action for o in again.outcomes] == [ImportAction.UNCHANGED] * 600
    assert [o.record_id for o in again.outcomes] == [o.record_id for o in made.outcomes]
    # Each with one read of the waitlist's entries in line (calendar/import_waitlist.py).
    assert len(again_large) == len(again_small) <= 13, again_large
    # 17, the change stamps' one upsert at commit (equipshare.db.change_stamps) and the
    # roll-ups' recompute of the touched instrument-days, their months and those months' host
    # rows (db/rollup_upkeep.py): the instruments' zones, then one statement on PostgreSQL,
    # six on SQLite
    bound = {"postgresql": 20, "sqlite": 25}[database.backend]
    assert len(creating_large) == len(creating_small) <= bound, creating_large
    with database.readonly() as s:
        assert s.scalar(select(func.count()).select_from(Booking)) == 800
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 800


def test_a_file_may_move_bookings_into_slots_it_freed_earlier(
    context: ServiceContext, world: World, database: Database
) -> None:
    alice = "ORGANIZER:mailto:alice@example.ac.uk"
    first = run(
        context,
        XPS,
        ics(
            vevent("a@x", "20260323T100000", "20260323T110000", alice),
            vevent("b@x", "20260323T110000", "20260323T120000", alice),
            vevent("d@x", "20260323T140000", "20260323T150000", alice),
        ),
    )
    ids = {o.key: o.record_id for o in first.created}
    # a moves earlier, b into a's old slot, c takes b's; d is cancelled and e takes its time.
    second = run(
        context,
        XPS,
        ics(
            vevent("a@x", "20260323T090000", "20260323T100000", alice),
            vevent("b@x", "20260323T100000", "20260323T110000", alice),
            vevent("c@x", "20260323T110000", "20260323T120000", alice),
            vevent("d@x", "20260323T140000", "20260323T150000", alice, "STATUS:CANCELLED"),
            vevent("e@x", "20260323T143000", "20260323T153000", alice),
        ),
    )
    assert [(o.key, o.action) for o in second.outcomes] == [
        ("a@x", ImportAction.UPDATED),
        ("b@x", ImportAction.UPDATED),
        ("c@x", ImportAction.CREATED),
        ("d@x", ImportAction.UPDATED),
        ("e@x", ImportAction.CREATED),
    ]
    assert [o.record_id for o in second.outcomes][:2] == [ids["a@x"], ids["b@x"]]
    with database.readonly() as s:
        held = s.execute(
            select(Booking.ical_uid, Booking.starts_at, Booking.sequence)
            .where(Booking.status.in_([BookingStatus.CONFIRMED]))
            .order_by(Booking.starts_at)
        ).all()
    assert [(uid.rsplit(":", 1)[1], at, seq) for uid, at, seq in held] == [
        ("a@x", london(2026, 3, 23, 9), 1),
        ("b@x", london(2026, 3, 23, 10), 1),
        ("c@x", london(2026, 3, 23, 11), 0),
        ("e@x", london(2026, 3, 23, 14, 30), 0),
    ]


def test_a_booking_longer_than_fourteen_days_is_skipped_but_downtime_is_not_capped(
    context: ServiceContext, world: World, database: Database
) -> None:
    alice = "ORGANIZER:mailto:alice@example.ac.uk"
    data = ics(
        vevent("long@x", "20260323T090000", "20260407T090000", alice),  # 15 days
        vevent("odd@x", "20260501T090000", "20260515T093000", alice),  # 14 days 30 minutes
        vevent("fits@x", "20260601T090000", "20260615T090000", alice),  # exactly 14 days
    )
    report = run(context, XPS, data)
    assert [(o.key, o.action, o.reason) for o in report.outcomes] == [
        ("long@x", ImportAction.SKIPPED, "lasts 15 days; no booking may last more than 14 days"),
        (
            "odd@x",
            ImportAction.SKIPPED,
            "lasts 14 days 30 minutes; no booking may last more than 14 days",
        ),
        ("fits@x", ImportAction.CREATED, ""),
    ]
    with database.readonly() as s:
        assert s.scalars(select(Booking.ical_uid)).all() == ["import:WAR-XPS-01:fits@x"]
    downtime = run(context, RAM, ics(vevent("long@x", "20260323T090000", "20260407T090000")),
                   as_downtime=True)  # fmt: skip
    assert [o.action for o in downtime.outcomes] == [ImportAction.CREATED]
    with database.readonly() as s:
        row = s.scalars(select(Downtime)).one()
        assert row.ends_at - row.starts_at == timedelta(days=15)
