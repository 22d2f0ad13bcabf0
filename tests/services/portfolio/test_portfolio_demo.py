"""Every technician's portfolio on the demo consortium, recomputed from plain SQL rows (both
engines): assisted sessions and minutes by instrument and by the bookers' institutions,
training given, downtime handled, instruments looked after, and the outputs crediting them;
and the technician side of the sharing report adds up to the same assisted time."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from equipshare.config import Settings
from equipshare.db.engine import Database
from equipshare.demo.seeding import DemoService
from equipshare.domain.records.impact.reports import ReportPeriod
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.outputs.service import OutputService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.portfolio.service import PortfolioService
from equipshare.services.reports.impact import ReportService
from tests.conftest import BACKENDS
from tests.support import backends

pytestmark = pytest.mark.slow

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
READ_AT = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
ADMIN = "jane.doe"
HELD = ("confirmed", "completed", "no_show")


def _aware(value: object) -> datetime:
    """A timestamp as the engine gives it back from plain SQL, as an aware UTC datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _minutes(start: object, end: object) -> int:
    return round((_aware(end) - _aware(start)).total_seconds() / 60)


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServiceContext, ReportPeriod]]:
    directory: Path = tmp_path_factory.mktemp("portfolio-demo")
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
    context.clock.instant = READ_AT  # type: ignore[attr-defined]
    yield context, ReportService(context).period(date(2025, 12, 1), date(2026, 6, 30))
    context.close()
    if drop is not None:
        backends.drop_postgres_database(drop[0], drop[1] or "")


def _rows(context: ServiceContext, sql: str, **params: object) -> list[tuple[object, ...]]:
    with context.database.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]


def _inside(value: object, period: ReportPeriod) -> bool:
    return period.starts_at <= _aware(value) < period.ends_at


def test_every_portfolio_matches_the_rows(demo: tuple[ServiceContext, ReportPeriod]) -> None:
    context, period = demo
    portfolios = PortfolioService(context)
    staff = _rows(
        context,
        "SELECT DISTINCT u.id, u.username FROM users u JOIN facility_staff s ON s.user_id = u.id",
    )
    assert len(staff) > 3
    bookings = _rows(
        context,
        "SELECT b.technician_id, i.code, b.starts_at, b.ends_at, b.status, ui.code, b.user_id "
        "FROM bookings b JOIN instruments i ON i.id = b.instrument_id "
        "JOIN users u ON u.id = b.user_id JOIN institutions ui ON ui.id = u.institution_id "
        "WHERE b.technician_id IS NOT NULL",
    )
    training = _rows(
        context,
        "SELECT t.trainer_id, i.code, t.trained_at, t.user_id FROM training_records t "
        "JOIN instruments i ON i.id = t.instrument_id WHERE t.trainer_id IS NOT NULL",
    )
    downtime = _rows(
        context,
        "SELECT d.created_by_id, i.code, d.starts_at, d.ends_at FROM downtimes d "
        "JOIN instruments i ON i.id = d.instrument_id WHERE d.created_by_id IS NOT NULL",
    )
    contacts = _rows(context, "SELECT contact_technician_id, code FROM instruments")
    checked = 0
    for user_id, username in staff:
        portfolio = portfolios.portfolio(ADMIN, str(username), period)
        assisted: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        by_institution: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        people: dict[str, set[object]] = defaultdict(set)
        for tech, code, start, end, status, institution, booker in bookings:
            if tech == user_id and status in HELD and _inside(start, period):
                assisted[str(code)][0] += 1
                assisted[str(code)][1] += _minutes(start, end)
                by_institution[str(institution)][0] += 1
                by_institution[str(institution)][1] += _minutes(start, end)
                people[str(institution)].add(booker)
        trained = Counter(
            str(code)
            for trainer, code, at, _ in training
            if trainer == user_id and _inside(at, period)
        )
        trainees = {
            who for trainer, _, at, who in training if trainer == user_id and _inside(at, period)
        }
        handled: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for creator, code, start, end in downtime:
            if creator == user_id and _inside(start, period):
                handled[str(code)][0] += 1
                handled[str(code)][1] += _minutes(start, end)
        looked_after = {str(code) for contact, code in contacts if contact == user_id}
        rows = {r.instrument_code: r for r in portfolio.instruments}
        assert {c: [r.assisted_sessions, r.assisted_minutes] for c, r in rows.items()
                if r.assisted_sessions} == dict(assisted), username  # fmt: skip
        assert {c: r.training_records for c, r in rows.items() if r.training_records} == dict(
            trained
        )
        assert portfolio.people_trained == len(trainees)
        assert {c: [r.downtimes_handled, r.downtime_minutes] for c, r in rows.items()
                if r.downtimes_handled} == dict(handled)  # fmt: skip
        assert {c for c, r in rows.items() if r.looked_after} == looked_after
        assert {
            r.institution_code: [r.assisted_sessions, r.assisted_minutes, r.people]
            for r in portfolio.institutions
        } == {code: [*figures, len(people[code])] for code, figures in by_institution.items()}
        checked += portfolio.assisted_sessions + portfolio.training_records
    assert checked > 0  # the demo gives the technicians work to count


def test_an_output_credits_its_assisting_technician(
    demo: tuple[ServiceContext, ReportPeriod],
) -> None:
    context, period = demo
    found = _rows(
        context,
        "SELECT b.id, u.username, t.username FROM bookings b JOIN users u ON u.id = b.user_id "
        "JOIN users t ON t.id = b.technician_id WHERE b.status = 'completed' ORDER BY b.id",
    )
    assert found
    booking_id, researcher, technician = found[0]
    output = OutputService(context).add(
        str(researcher), "10.5555/demo.1", "A demo paper", 2026, booking_ids=[int(str(booking_id))]
    )
    credited = PortfolioService(context).portfolio(ADMIN, str(technician), period).outputs
    assert [(o.output_id, o.assisted) for o in credited] == [(output.id, True)]
    assert [o.id for o in OutputService(context).list_outputs(str(technician))] == [output.id]


def test_technician_sharing_adds_up_to_the_assisted_sessions(
    demo: tuple[ServiceContext, ReportPeriod],
) -> None:
    context, period = demo
    sharing = ReportService(context).sharing(ADMIN, period)
    rows = _rows(
        context,
        "SELECT b.starts_at, b.ends_at, b.status, ti.code, ui.code FROM bookings b "
        "JOIN users t ON t.id = b.technician_id JOIN users u ON u.id = b.user_id "
        "JOIN institutions ti ON ti.id = t.institution_id "
        "JOIN institutions ui ON ui.id = u.institution_id WHERE b.technician_id <> b.user_id",
    )
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for start, end, status, staff, user in rows:
        if status in HELD and _inside(start, period):
            cells[str(staff), str(user)][0] += _minutes(start, end)
            cells[str(staff), str(user)][1] += 1
    assert {
        (c.host_code, c.user_code): [c.minutes, c.bookings] for c in sharing.technician_cells
    } == dict(cells)
    assert (
        sum(m.minutes for m in sharing.technician_months)
        == sharing.cross_institution_technician_minutes
    )
    assert len(sharing.technician_months) == 7
