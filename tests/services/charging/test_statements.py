"""Monthly recharge statements on both engines, from bookings planted with known charges.

The worked example through the real booking services is in test_charging_worked_example.py;
here the charges are fixed so the test is about what is billed, where, and the totals.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from equipshare.db.engine import Database
from equipshare.domain.enums import BookingStatus
from equipshare.domain.errors import NotFound, PermissionDenied
from equipshare.domain.records.money.statements import Statement
from equipshare.services.charging.statements import StatementService, month_bounds
from equipshare.services.plumbing.context import ServiceContext
from tests.support.maintenance_rows import plant_booking
from tests.support.world import World

MARCH = date(2026, 3, 1)


def at(day: int, hour: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def plant(db: Database, world: World, user: str, instrument: str, start: datetime,
          status: BookingStatus, pence: int, technician_pence: int = 0,
          project: str | None = None) -> int:  # fmt: skip
    return plant_booking(
        db, world, user, instrument, start, start + timedelta(hours=1), status,
        project_code=project, instrument_charge_pence=pence,
        technician_charge_pence=technician_pence, hourly_rate_pence=pence,
    )  # fmt: skip


@pytest.fixture
def march(database: Database, world: World) -> dict[str, int]:
    """A month of bookings; the clock stands at Mon 16 March 2026 09:00 UTC."""
    done, cancelled = BookingStatus.COMPLETED, BookingStatus.CANCELLED
    return {
        "b1": plant(database, world, "bob", "WAR-XPS-01", at(3, 10), done, 10_000, project="EP/X1"),
        "b2": plant(
            database,
            world,
            "bob",
            "WAR-XPS-01",
            at(10, 10),
            BookingStatus.NO_SHOW,
            5_000,
            project="EP/X1",
        ),
        "b3": plant(
            database,
            world,
            "bob",
            "WAR-XPS-01",
            at(12, 10),
            cancelled,
            2_500,
            1_000,
            project="EP/Y2",
        ),
        "b11": plant(
            database,
            world,
            "bob",
            "WAR-XPS-01",
            at(13, 10),
            BookingStatus.CONFIRMED,
            2_000,
            project="EP/X1",
        ),
        "b4": plant(database, world, "carol", "WAR-XPS-01", at(5, 10), done, 7_001),
        "b5": plant(database, world, "alice", "AST-SEM-01", at(2, 10), done, 3_333, project="W1"),
        "internal": plant(database, world, "alice", "WAR-XPS-01", at(4, 10), done, 1_234),
        "first_instant": plant(database, world, "dave", "WAR-XPS-01", at(1, 0), done, 1),
        # Not billed in March: the local month of 00:30 BST on 1 April, work in progress,
        # what costs nothing, and what is not over yet.
        "april": plant(database, world, "bob", "WAR-XPS-01", at(31, 23), done, 999),
        "pending": plant(
            database, world, "bob", "WAR-XPS-01", at(6, 10), BookingStatus.PENDING, 999
        ),
        "rejected": plant(
            database, world, "bob", "WAR-XPS-01", at(6, 12), BookingStatus.REJECTED, 0
        ),
        "early_cancel": plant(database, world, "bob", "WAR-XPS-01", at(6, 14), cancelled, 0),
        "free": plant(database, world, "bob", "WAR-XPS-01", at(6, 15), done, 0),
        "future": plant(
            database, world, "bob", "WAR-XPS-01", at(20, 10), BookingStatus.CONFIRMED, 999
        ),
    }


def totals(statement: Statement) -> dict[tuple[str, str], dict[str | None, int]]:
    return {
        (pair.payer_code, pair.host_code): {p.project_code: p.total_pence for p in pair.projects}
        for pair in statement.pairs
    }


def test_month_bounds_are_local_midnights_across_the_clock_change() -> None:
    assert month_bounds(MARCH, "Europe/London") == (at(1, 0), datetime(2026, 3, 31, 23, tzinfo=UTC))
    assert month_bounds(date(2026, 12, 9), "Europe/London") == (
        datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))  # fmt: skip


def test_statement_bills_the_chargeable_bookings_of_the_local_month_with_exact_totals(
    context: ServiceContext, march: dict[str, int]
) -> None:
    statement = StatementService(context).statement("root", date(2026, 3, 17))

    assert statement.month == MARCH
    assert totals(statement) == {
        ("ACME", "WARWICK"): {None: 1},
        ("ASTON", "WARWICK"): {"EP/X1": 17_000, "EP/Y2": 3_500},
        ("SHEF", "WARWICK"): {None: 7_001},
        ("WARWICK", "ASTON"): {"W1": 3_333},
        ("WARWICK", "WARWICK"): {None: 1_234},
    }
    assert statement.total_pence == 1 + 17_000 + 3_500 + 7_001 + 3_333 + 1_234
    billed = {line.booking_id for line in statement.lines}
    assert billed == {march[k] for k in ("b1", "b2", "b3", "b11", "b4", "b5", "internal",
                                         "first_instant")}  # fmt: skip
    for pair in statement.pairs:
        assert pair.total_pence == sum(p.total_pence for p in pair.projects)
        for project in pair.projects:
            assert project.total_pence == sum(i.total_pence for i in project.instruments)
            for instrument in project.instruments:
                assert instrument.total_pence == sum(line.total_pence for line in instrument.lines)
    notes = {line.booking_id: line.note for line in statement.lines}
    assert notes[march["b2"]] == "no-show, charged in full"
    assert notes[march["b3"]] == "late cancellation"
    assert [line.booking_id for line in statement.lines][1:4] == [march["b1"], march["b2"],
                                                                  march["b11"]]  # fmt: skip


def test_managers_see_their_facilities_and_filters_narrow_by_institution(
    context: ServiceContext, march: dict[str, int]
) -> None:
    service = StatementService(context)
    managed = service.statement("mgr", MARCH)
    hosted_here = {("ACME", "WARWICK"), ("ASTON", "WARWICK"), ("SHEF", "WARWICK"),
                   ("WARWICK", "WARWICK")}  # fmt: skip
    assert {(p.payer_code, p.host_code) for p in managed.pairs} == hosted_here
    aston = service.statement("root", MARCH, "ASTON")
    assert totals(aston) == {
        ("ASTON", "WARWICK"): {"EP/X1": 17_000, "EP/Y2": 3_500},
        ("WARWICK", "ASTON"): {"W1": 3_333},
    }
    assert service.statement("root", date(2026, 5, 1)).pairs == ()
    with pytest.raises(NotFound, match="--institution: no institution with code 'NOPE'"):
        service.statement("root", MARCH, "NOPE")
    for who in ("tech", "alice"):
        with pytest.raises(PermissionDenied, match="needs a facility manager or an admin"):
            service.statement(who, MARCH)
