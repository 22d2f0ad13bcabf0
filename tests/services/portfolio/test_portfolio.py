"""Technicians' portfolios on the known world (both engines): figures worked out by hand,
who may see whose, and an opted-out technician never named to anyone else."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.credit import TechnicianProfile
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import BookingStatus
from equipshare.domain.errors import PermissionDenied, RefusedError
from equipshare.domain.records.impact.credit import UNNAMED_STAFF
from equipshare.domain.records.impact.portfolio import (
    PortfolioInstitution,
    PortfolioInstrument,
    PortfolioOutput,
)
from equipshare.services.outputs.service import OutputService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.portfolio.service import PortfolioService
from equipshare.services.reports.impact import ReportService
from tests.services.reports.test_reports import AFTER_MARCH, plant_march
from tests.support.maintenance_rows import plant_booking
from tests.support.world import World, london


def opt_out(context: ServiceContext, world: World, who: str) -> None:
    with context.database.sessions.begin() as session:
        session.add(
            TechnicianProfile(
                user_id=world.users[who],
                credit_name="Dr T. Echnician",
                orcid="0000-0002-1825-0097",
                job_title="Senior Experimental Officer",
                named=False,
                updated_at=AFTER_MARCH,
            )
        )


@pytest.fixture
def march(context: ServiceContext, world: World) -> PortfolioService:
    """The reports' hand-checked March, an output crediting tech, and a renewal by tech."""
    plant_march(context.database, world)
    with context.database.sessions.begin() as session:
        record = session.query(TrainingRecord).filter_by(user_id=world.users["dave"]).first()
        assert record is not None
        session.add(
            AuditEvent(
                occurred_at=datetime(2026, 3, 20, 10, tzinfo=UTC),
                actor_id=world.users["tech"],
                action="training.renew",
                entity_type="training_record",
                entity_id=str(record.id),
            )
        )
    return PortfolioService(context)


def _assisted_output(context: ServiceContext, world: World) -> int:
    booking = plant_booking(
        context.database, world, "carol", "WAR-XPS-01", london(2026, 2, 10, 10),
        london(2026, 2, 10, 12), BookingStatus.COMPLETED, technician_id=world.users["tech"],
    )  # fmt: skip
    return (
        OutputService(context)
        .add("carol", "10.1000/xps", "Surfaces", 2026, booking_ids=[booking])
        .id
    )


def test_portfolio_by_hand(march: PortfolioService, context: ServiceContext, world: World) -> None:
    output_id = _assisted_output(context, world)
    context.clock.instant = AFTER_MARCH  # type: ignore[attr-defined]
    period = ReportService(context).period(date(2026, 3, 1), date(2026, 3, 31))
    mine = march.portfolio("tech", "tech", period)
    assert (mine.username, mine.name, mine.named) == ("tech", mine.name, True) and mine.name
    assert mine.facility_codes == ("WAR-PRP",) and mine.institution_code == "WARWICK"
    assert mine.instruments == (
        PortfolioInstrument("WAR-MEG-01", mine.instruments[0].instrument_name, "WAR-PRP",
                            0, 0, 1, 1, 0, 0, 0, True),
        PortfolioInstrument("WAR-XPS-01", mine.instruments[1].instrument_name, "WAR-PRP",
                            1, 240, 2, 2, 1, 0, 0, True),
    )  # fmt: skip
    assert mine.institutions == (PortfolioInstitution("ASTON", "Aston University", 1, 240, 1),)
    assert (mine.people_trained, mine.renewals, mine.training_records) == (2, 1, 3)
    assert (mine.assisted_sessions, mine.assisted_minutes, mine.instruments_looked_after) == (
        1,
        240,
        2,
    )
    assert mine.outputs == (
        PortfolioOutput(output_id, "10.1000/xps", "Surfaces", 2026, "SHEF", True, True),
    )
    # It agrees with the technicians report for the same period.
    row = {r.username: r for r in ReportService(context).technicians("root", period).rows}["tech"]
    assert (row.assisted_sessions, row.assisted_minutes) == (
        mine.assisted_sessions,
        mine.assisted_minutes,
    )
    assert (row.training_sessions, row.people_trained) == (
        mine.training_records,
        mine.people_trained,
    )
    assert row.instruments_looked_after == mine.instruments_looked_after
    # tech2's downtime on the MEG in March.
    other = march.portfolio("root", "tech2", period)
    assert [
        (i.instrument_code, i.downtimes_handled, i.downtime_minutes) for i in other.instruments
    ] == [("WAR-MEG-01", 1, 240)]
    assert other.outputs == ()


def test_who_sees_whose(march: PortfolioService, context: ServiceContext) -> None:
    context.clock.instant = AFTER_MARCH  # type: ignore[attr-defined]
    period = ReportService(context).period(date(2026, 3, 1), date(2026, 3, 31))
    for actor, target in [
        ("tech", "tech"),
        ("mgr", "tech"),
        ("mgr", "tech2"),
        ("root", "otherstaff"),
    ]:
        assert march.portfolio(actor, target, period).facility_codes, (actor, target)
    for actor, target in [
        ("tech", "tech2"),
        ("mgr", "otherstaff"),
        ("otherstaff", "tech"),
        ("alice", "tech"),
    ]:
        with pytest.raises(PermissionDenied):
            march.portfolio(actor, target, period)
    with pytest.raises(PermissionDenied):
        march.portfolio("alice", "alice", period)
    with pytest.raises(RefusedError, match="not on a facility's staff"):
        march.portfolio("root", "alice", period)
    assert [s.username for s in march.subjects("tech")] == ["tech"]
    assert [s.username for s in march.subjects("mgr")] == ["mgr", "tech", "tech2"]
    assert {"tech", "tech2", "otherstaff", "mgr"} <= {s.username for s in march.subjects("root")}
    with pytest.raises(PermissionDenied):
        march.subjects("alice")


def test_an_opted_out_technician_is_named_only_to_themself(
    march: PortfolioService, context: ServiceContext, world: World
) -> None:
    opt_out(context, world, "tech")
    context.clock.instant = AFTER_MARCH  # type: ignore[attr-defined]
    period = ReportService(context).period(date(2026, 3, 1), date(2026, 3, 31))
    own = march.portfolio("tech", "tech", period)
    assert (own.name, own.username, own.orcid) == ("Dr T. Echnician", "tech", "0000-0002-1825-0097")
    for viewer in ("mgr", "root"):
        seen = march.portfolio(viewer, "tech", period)
        assert (seen.name, seen.username, seen.orcid, seen.job_title) == (
            UNNAMED_STAFF,
            "",
            None,
            "",
        )
        assert seen.instruments == own.instruments  # the work counts, the name does not show
    subjects = {s.username: s for s in march.subjects("mgr")}
    assert (subjects["tech"].name, subjects["tech"].named) == (UNNAMED_STAFF, False)
    assert "Echnician" not in repr(march.subjects("root"))


def test_the_technicians_report_does_not_name_one_who_opted_out(
    march: PortfolioService, context: ServiceContext, world: World
) -> None:
    opt_out(context, world, "tech")
    context.clock.instant = AFTER_MARCH  # type: ignore[attr-defined]
    reports = ReportService(context)
    period = reports.period(date(2026, 3, 1), date(2026, 3, 31))
    for viewer in ("mgr", "root"):
        rows = {r.user_id: r for r in reports.technicians(viewer, period).rows}
        hidden = rows[world.users["tech"]]
        assert (hidden.username, hidden.display_name) == ("", UNNAMED_STAFF)
        assert hidden.assisted_minutes == 240  # the work still counts
        assert rows[world.users["tech2"]].username == "tech2"
    (own,) = reports.technicians("tech", period).rows
    assert own.username == "tech"
