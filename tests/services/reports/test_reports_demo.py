"""The reports agree with each other, and with plain counts, on the demo consortium (both engines).

The issue's test of done: the sharing matrix sums to the cross-institution part of
utilisation. Also: instrument rows add up to the facility and institution rows for every
figure, the matrix holds every held booking, the months hold all cross-institution use,
and demand's histograms count every request once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import get_type_hints

import pytest
from sqlalchemy import text

from equipshare.config import Settings
from equipshare.db.engine import Database
from equipshare.demo.seeding import DemoService
from equipshare.domain.records.impact.reports import ReportPeriod, UtilisationLevel, UtilisationRow
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.reports.impact import ReportService
from tests.conftest import BACKENDS
from tests.support import backends

pytestmark = pytest.mark.slow

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
READ_AT = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
ADMIN = "jane.doe"
FIGURES = [name for name, kind in get_type_hints(UtilisationRow).items() if kind is int]
HELD = "('confirmed', 'completed', 'no_show')"


@dataclass(frozen=True)
class Demo:
    context: ServiceContext
    reports: ReportService
    period: ReportPeriod

    def scalar(self, sql: str, **params: object) -> int:
        with self.context.database.engine.connect() as conn:
            return int(conn.execute(text(sql), params).scalar_one())


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    """The demo seeded once per engine; every test here only reads it."""
    directory: Path = tmp_path_factory.mktemp("reports-demo")
    drop = None
    if request.param == "sqlite":
        url = backends.copy_sqlite(request.getfixturevalue("sqlite_template"), directory)
    else:
        admin, template = request.getfixturevalue("postgres_template")
        created = backends.create_postgres_database(admin, template=template)
        url, drop = created.render_as_string(hide_password=False), (admin, created.database)
    context = ServiceContext(
        Database.connect(url), FrozenClock(NOW), Settings().with_database_url(url)
    )
    DemoService(context).seed(seed=7, admin_username=ADMIN)
    reports = ReportService(context)
    # Whole months around the demo's 16 weeks, across the March clock change, read once
    # they are over (a report counts what has happened).
    context.clock.instant = READ_AT  # type: ignore[attr-defined]
    yield Demo(context, reports, reports.period(date(2025, 12, 1), date(2026, 6, 30)))
    context.close()
    if drop is not None:
        backends.drop_postgres_database(drop[0], drop[1] or "")


def _totals(rows: tuple[UtilisationRow, ...]) -> dict[str, int]:
    return {name: sum(getattr(row, name) for row in rows) for name in FIGURES}


def test_sharing_matrix_sums_to_the_cross_institution_part_of_utilisation(demo: Demo) -> None:
    sharing = demo.reports.sharing(ADMIN, demo.period)
    off_diagonal = [c for c in sharing.cells if c.host_code != c.user_code]
    assert off_diagonal and sharing.cross_institution_minutes > 0
    for level in UtilisationLevel:
        rows = demo.reports.utilisation(ADMIN, demo.period, level).rows
        assert sharing.cross_institution_minutes == sum(r.shared_minutes for r in rows), level
        assert sum(c.bookings for c in off_diagonal) == sum(r.shared_bookings for r in rows)
        # The whole matrix is every held booking, and its months all the shared ones.
        assert sum(c.minutes for c in sharing.cells) == sum(r.booked_minutes for r in rows)
        assert sum(c.bookings for c in sharing.cells) == sum(r.bookings for r in rows)
    assert sum(m.minutes for m in sharing.months) == sharing.cross_institution_minutes
    assert sum(m.bookings for m in sharing.months) == sum(c.bookings for c in off_diagonal)
    assert sharing.months[0].month == date(2025, 12, 1) and len(sharing.months) == 7


def test_instrument_rows_add_up_to_facility_and_institution_rows(demo: Demo) -> None:
    instruments = demo.reports.utilisation(ADMIN, demo.period).rows
    institutions = demo.reports.utilisation(ADMIN, demo.period, UtilisationLevel.INSTITUTION).rows
    facilities = demo.reports.utilisation(ADMIN, demo.period, UtilisationLevel.FACILITY).rows
    by_institution: dict[str, list[UtilisationRow]] = defaultdict(list)
    for row in instruments:
        by_institution[row.institution_code].append(row)
    assert {r.code: _totals((r,)) for r in institutions} == {
        code: _totals(tuple(rows)) for code, rows in by_institution.items()
    }
    assert _totals(facilities) == _totals(instruments) == _totals(institutions)
    totals = _totals(instruments)
    assert min(totals.values()) > 0, totals  # every figure has something to add up
    held = demo.scalar(
        f"SELECT count(*) FROM bookings WHERE status IN {HELD} "
        "AND starts_at >= :start AND starts_at < :end",
        start=_stored(demo, demo.period.starts_at),
        end=_stored(demo, demo.period.ends_at),
    )
    assert totals["bookings"] == held
    assert totals["used_minutes"] <= totals["booked_minutes"] <= totals["opening_minutes"]


def test_demand_counts_every_request_once_and_technicians_every_assist(demo: Demo) -> None:
    demand = demo.reports.demand(ADMIN, demo.period, limit=1000)
    requests = sum(r.requests for r in demand.instruments)
    assert sum(demand.by_hour) == sum(demand.by_weekday) == requests > 0
    assert [r.waitlist_entries for r in demand.instruments] == sorted(
        (r.waitlist_entries for r in demand.instruments), reverse=True
    )
    window = {
        "start": _stored(demo, demo.period.starts_at),
        "end": _stored(demo, demo.period.ends_at),
    }
    in_window = "starts_at >= :start AND starts_at < :end"
    assert requests == demo.scalar(f"SELECT count(*) FROM bookings WHERE {in_window}", **window)
    assert sum(r.refused for r in demand.instruments) == demo.scalar(
        f"SELECT count(*) FROM bookings WHERE status = 'rejected' AND {in_window}", **window
    )
    technicians = demo.reports.technicians(ADMIN, demo.period).rows
    assisted = demo.scalar(
        f"SELECT count(*) FROM bookings WHERE technician_id IS NOT NULL AND status IN {HELD} "
        f"AND {in_window}",
        **window,
    )
    assert sum(r.assisted_sessions for r in technicians) == assisted > 0
    looked_after = demo.scalar(
        "SELECT count(*) FROM instruments WHERE contact_technician_id IN "
        "(SELECT user_id FROM facility_staff)"
    )
    assert sum(r.instruments_looked_after for r in technicians) == looked_after


def _stored(demo: Demo, instant: datetime) -> object:
    """An instant as the engine stores it, for the hand-written count queries."""
    if demo.context.database.backend == "sqlite":
        return instant.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return instant
