"""The sharing report's technician side on the known world (both engines): hours of
technician time one institution's staff gave to another's researchers, by month."""

from __future__ import annotations

from datetime import date

from equipshare.db.engine import Database
from equipshare.domain.enums import BookingStatus
from equipshare.domain.records.impact.reports import ReportFilter, SharingCell, SharingMonth
from equipshare.services.reports.impact import ReportService
from tests.services.reports.test_reports import march  # noqa: F401 - the fixture
from tests.support.maintenance_rows import plant_booking
from tests.support.world import World, london


def test_technician_time_by_staff_and_user_institution(
    march: ReportService,  # noqa: F811
    database: Database,
    world: World,
) -> None:
    db = database
    S = BookingStatus
    tech, otherstaff = world.users["tech"], world.users["otherstaff"]
    # A Warwick technician for a Warwick researcher: the diagonal, not shared.
    plant_booking(db, world, "alice", "WAR-XPS-01", london(2026, 3, 10, 10),
                  london(2026, 3, 10, 11), S.COMPLETED, technician_id=tech)  # fmt: skip
    # Aston's technician for a Warwick researcher on Aston's SEM, in April.
    plant_booking(db, world, "alice", "AST-SEM-01", london(2026, 4, 2, 9),
                  london(2026, 4, 2, 12), S.COMPLETED, technician_id=otherstaff)  # fmt: skip
    # Not technician time: cancelled, or a technician booking for themself.
    plant_booking(db, world, "carol", "WAR-XPS-01", london(2026, 3, 11, 10),
                  london(2026, 3, 11, 11), S.CANCELLED, technician_id=tech)  # fmt: skip
    plant_booking(db, world, "tech", "WAR-XPS-01", london(2026, 3, 12, 10),
                  london(2026, 3, 12, 11), S.COMPLETED, technician_id=tech)  # fmt: skip
    report = march.sharing("mgr", march.period(date(2026, 3, 1), date(2026, 4, 30)))
    assert report.technician_cells == (
        SharingCell("ASTON", "WARWICK", 180, 1),
        SharingCell("WARWICK", "ASTON", 240, 1),  # bob's assisted XPS session of 4 March
        SharingCell("WARWICK", "WARWICK", 60, 1),
    )
    assert report.technician_months == (
        SharingMonth(date(2026, 3, 1), 240, 1),
        SharingMonth(date(2026, 4, 1), 180, 1),
    )
    assert report.cross_institution_technician_minutes == 420
    # Filters pick the host instruments, as for the rest of the report.
    aston = march.sharing(
        "root", march.period(date(2026, 3, 1), date(2026, 4, 30)), ReportFilter("ASTON")
    )
    assert aston.technician_cells == (SharingCell("ASTON", "WARWICK", 180, 1),)
