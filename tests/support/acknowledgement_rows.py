"""The known world with March 2026's completed work, for the acknowledgement tests.

alice (Warwick) used WAR-XPS-01 twice (4 h assisted by tech, then 2 h alone) and
AST-SEM-01 once (1 h assisted by otherstaff), all under project P1; tech trained her on
the XPS (world T0). bob, her collaborator, used WAR-XPS-01 for 3 h under P1, assisted by
tech2, who opted out of being named. Cancelled, no-show and future bookings, assisted
too, must never count.
"""

from __future__ import annotations

from datetime import UTC, datetime

from equipshare.db.models.credit import TechnicianProfile
from equipshare.domain.enums import BookingStatus
from equipshare.services.plumbing.context import ServiceContext
from tests.support.maintenance_rows import plant_booking
from tests.support.world import World, london

HIDDEN_NAME = "Tess Hidden-Two"
HIDDEN_ORCID = "0000-0002-1825-0097"
COMPLETED = BookingStatus.COMPLETED


def plant_march_work(context: ServiceContext, world: World) -> tuple[tuple[int, ...], int]:
    """Plant the work the module's docstring tells; returns alice's booking ids and bob's."""
    db, users = context.database, world.users
    xps, sem = "WAR-XPS-01", "AST-SEM-01"
    p1 = {"project_code": "P1"}
    tech = users["tech"]
    alice = (
        plant_booking(db, world, "alice", xps, london(2026, 3, 2, 10), london(2026, 3, 2, 14),
                      COMPLETED, technician_id=users["tech"], **p1),
        plant_booking(db, world, "alice", xps, london(2026, 3, 3, 10), london(2026, 3, 3, 12),
                      COMPLETED, **p1),
        plant_booking(db, world, "alice", sem, london(2026, 3, 4, 10), london(2026, 3, 4, 11),
                      COMPLETED, technician_id=users["otherstaff"], **p1),
    )  # fmt: skip
    for status, day in ((BookingStatus.CANCELLED, 5), (BookingStatus.NO_SHOW, 9)):
        start, end = london(2026, 3, day, 10), london(2026, 3, day, 12)
        plant_booking(db, world, "alice", xps, start, end, status, technician_id=tech, **p1)
    plant_booking(db, world, "alice", xps, london(2026, 3, 20, 10), london(2026, 3, 20, 12),
                  BookingStatus.CONFIRMED, technician_id=users["tech"], **p1)  # fmt: skip
    bob = plant_booking(db, world, "bob", xps, london(2026, 3, 6, 10), london(2026, 3, 6, 13),
                        COMPLETED, technician_id=users["tech2"], **p1)  # fmt: skip
    with db.sessions.begin() as session:
        session.add(
            TechnicianProfile(
                user_id=users["tech2"],
                credit_name=HIDDEN_NAME,
                orcid=HIDDEN_ORCID,
                job_title="Senior Experimental Officer",
                expertise="XPS",
                named=False,
                updated_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
    return alice, bob
