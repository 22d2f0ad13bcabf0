"""`equipshare check`'s access and approval invariants, on both engines, on planted rows.

A booking whose owner the access level refuses is always reported; a confirmed booking
that needs approval is reported unless someone decided it (an approval, or an import's
explicit override) or someone who may approve it made it, which an import's rows never
count as: they are made by staff whether or not anyone approved them.
"""

from __future__ import annotations

from datetime import timedelta

from equipshare.db.engine import Database
from equipshare.domain.enums import BookingStatus
from equipshare.services.admin.integrity import IntegrityService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.maintenance_rows import plant_booking
from tests.support.world import T0, World, london

MON = london(2026, 3, 23, 10)
HOUR = timedelta(hours=1)


def found(context: ServiceContext, check: str) -> list[str]:
    report = IntegrityService(context).check()
    return [p.ids for p in report.problems if p.check == check]


def test_an_active_booking_the_access_level_refuses_is_reported(
    context: ServiceContext, world: World, database: Database
) -> None:
    dave = world.users["dave"]  # Acme, industry: the institution-only Raman is not theirs
    bad = plant_booking(database, world, "dave", "WAR-RAM-01", MON, MON + HOUR,
                        BookingStatus.PENDING)  # fmt: skip
    plant_booking(database, world, "dave", "WAR-RAM-01", MON + HOUR, MON + 2 * HOUR,
                  BookingStatus.CANCELLED)  # fmt: skip
    plant_booking(database, world, "alice", "WAR-RAM-01", MON + 2 * HOUR, MON + 3 * HOUR)
    plant_booking(database, world, "bob", "WAR-XPS-01", MON, MON + HOUR, BookingStatus.PENDING)
    assert found(context, "booking without access") == [f"booking {bad}, user {dave}"]
    report = IntegrityService(context).check()
    (problem,) = [p for p in report.problems if p.check == "booking without access"]
    assert "WAR-RAM-01" in problem.detail and "ACME" in problem.detail
    assert "institution" in problem.detail


def test_a_confirmed_booking_that_skipped_approval_is_reported(
    context: ServiceContext, world: World, database: Database
) -> None:
    bob, mgr, tech = world.users["bob"], world.users["mgr"], world.users["tech"]
    # bob (Aston) on Warwick's XPS needs approval; MEG needs it of everyone.
    skipped = plant_booking(database, world, "bob", "WAR-XPS-01", MON, MON + HOUR)
    approved = plant_booking(database, world, "bob", "WAR-XPS-01", MON + HOUR, MON + 2 * HOUR,
                             decided_by_id=mgr, decided_at=T0)  # fmt: skip
    by_staff = plant_booking(database, world, "bob", "WAR-XPS-01", MON + 2 * HOUR,
                             MON + 3 * HOUR, created_by_id=tech)  # fmt: skip
    pending = plant_booking(database, world, "bob", "WAR-XPS-01", MON + 3 * HOUR,
                            MON + 4 * HOUR, BookingStatus.PENDING)  # fmt: skip
    own = plant_booking(database, world, "alice", "WAR-XPS-01", MON + 4 * HOUR, MON + 5 * HOUR)
    meg = plant_booking(database, world, "alice", "WAR-MEG-01", MON, MON + 2 * HOUR)
    assert {approved, by_staff, pending, own} and found(context, "unapproved booking") == [
        f"booking {skipped}, user {bob}",
        f"booking {meg}, user {world.users['alice']}",
    ]


def test_an_imported_row_counts_only_a_decision_not_its_staff_maker(
    context: ServiceContext, world: World, database: Database
) -> None:
    tech = world.users["tech"]
    imported = plant_booking(database, world, "bob", "WAR-XPS-01", MON, MON + HOUR,
                             created_by_id=tech, ical_uid="import:WAR-XPS-01:a@x")  # fmt: skip
    plant_booking(database, world, "bob", "WAR-XPS-01", MON + HOUR, MON + 2 * HOUR,
                  created_by_id=tech, ical_uid="import:WAR-XPS-01:b@x",
                  decided_by_id=tech, decided_at=T0)  # fmt: skip
    assert found(context, "unapproved booking") == [
        f"booking {imported}, user {world.users['bob']}"
    ]
