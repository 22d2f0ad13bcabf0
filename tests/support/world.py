"""A small, fully known consortium for booking tests, on whichever engine the test runs.

People: alice (Warwick researcher, trained on the XPS), bob (Aston researcher, trained),
carol (Sheffield, non-partner academic, trained), dave (industry, untrained), erin
(Warwick researcher, untrained), mgr (manager of Warwick's photoemission facility),
tech (its technician), tech2 (a second technician there), otherstaff (technician of
Aston's microscopy facility), root (admin), gone (deactivated).

Instruments (Warwick photoemission facility unless said):
- WAR-XPS-01: consortium, training required, 60-min slots, 1-8 h, 60 min notice,
  90 days ahead, Mon-Fri 09:00-17:00.
- WAR-MEG-01: project code required, approval required, 120-min slots (2 h fixed),
  6 h weekly quota, Mon-Fri 08:00-18:00, no training needed.
- WAR-RAM-01: institution-only Raman, 30-min slots, 24/7 (no opening hours), overnight.
- WAR-AFM-01: out of service.
- AST-SEM-01 (Aston microscopy): external_academic, 30-min slots, weekdays 09-17.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from equipshare.db.engine import Database
from equipshare.db.models.catalogue import (
    Facility,
    FacilityStaff,
    Institution,
    Instrument,
    OpeningHours,
    User,
)
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import (
    AccessLevel,
    InstitutionSector,
    InstrumentStatus,
    Role,
    StaffRole,
    TrainingLevel,
    UniquipType,
)

LONDON = ZoneInfo("Europe/London")
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def london(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in London as an aware datetime (use for booking starts and ends)."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


@dataclass(frozen=True)
class World:
    institutions: dict[str, int]
    users: dict[str, int]
    instruments: dict[str, int]
    facilities: dict[str, int]


def _hours(
    instrument_id: int, opens: int, closes: int, days: range = range(5)
) -> list[OpeningHours]:
    return [
        OpeningHours(
            instrument_id=instrument_id, weekday=d, opens_minute=opens, closes_minute=closes
        )
        for d in days
    ]


def instrument_row(facility_id: int, code: str, **policy: object) -> Instrument:
    """An instrument with the world's default policy (XPS-like), overridden by `policy`."""
    values: dict[str, object] = dict(
        category=code.split("-")[1],
        status=InstrumentStatus.AVAILABLE,
        access_level=AccessLevel.CONSORTIUM,
        slot_minutes=60,
        min_minutes=60,
        max_minutes=480,
        min_notice_minutes=60,
        max_days_ahead=90,
        requires_approval=False,
        requires_training=True,
        requires_project_code=False,
        allow_overnight=False,
        weekly_quota_minutes=None,
    )
    values.update(policy)
    return Instrument(
        facility_id=facility_id,
        code=code,
        name=code,
        uniquip_type=UniquipType.EQUIPMENT,
        created_at=T0,
        updated_at=T0,
        **values,
    )


def add_instrument(db: Database, world: World, code: str, facility: str, **policy: object) -> int:
    """Add an instrument to a built world, open weekdays 09:00-17:00; returns its id."""
    with db.sessions.begin() as s:
        row = instrument_row(world.facilities[facility], code, **policy)
        s.add(row)
        s.flush()
        s.add_all(_hours(row.id, 540, 1020))
        return row.id


def build_world(db: Database) -> World:
    with db.sessions.begin() as s:
        inst = {
            code: Institution(
                code=code, name=name, sector=sector, is_partner=partner, created_at=T0
            )
            for code, name, sector, partner in [
                ("WARWICK", "University of Warwick", InstitutionSector.ACADEMIC, True),
                ("ASTON", "Aston University", InstitutionSector.ACADEMIC, True),
                ("SHEF", "University of Sheffield", InstitutionSector.ACADEMIC, False),
                ("ACME", "Acme Materials Ltd", InstitutionSector.INDUSTRY, False),
            ]
        }
        s.add_all(inst.values())
        s.flush()
        people = [
            ("alice", "WARWICK", Role.RESEARCHER, True),
            ("bob", "ASTON", Role.RESEARCHER, True),
            ("carol", "SHEF", Role.RESEARCHER, True),
            ("dave", "ACME", Role.RESEARCHER, True),
            ("erin", "WARWICK", Role.RESEARCHER, True),
            ("mgr", "WARWICK", Role.FACILITY_MANAGER, True),
            ("tech", "WARWICK", Role.TECHNICIAN, True),
            ("tech2", "WARWICK", Role.TECHNICIAN, True),
            ("otherstaff", "ASTON", Role.TECHNICIAN, True),
            ("root", "WARWICK", Role.ADMIN, True),
            ("gone", "WARWICK", Role.RESEARCHER, False),
        ]
        users = {
            name: User(
                username=name,
                display_name=name.title(),
                email=f"{name}@example.ac.uk",
                institution_id=inst[code].id,
                role=role,
                active=active,
                created_at=T0,
            )
            for name, code, role, active in people
        }
        s.add_all(users.values())
        s.flush()
        fac = {
            "WAR-PRP": Facility(
                institution_id=inst["WARWICK"].id,
                code="WAR-PRP",
                name="Warwick Photoemission RTP",
                created_at=T0,
            ),
            "AST-EM": Facility(
                institution_id=inst["ASTON"].id,
                code="AST-EM",
                name="Aston Electron Microscopy",
                created_at=T0,
            ),
        }
        s.add_all(fac.values())
        s.flush()
        s.add_all(
            [
                FacilityStaff(
                    facility_id=fac["WAR-PRP"].id, user_id=users["mgr"].id, role=StaffRole.MANAGER
                ),
                FacilityStaff(
                    facility_id=fac["WAR-PRP"].id,
                    user_id=users["tech"].id,
                    role=StaffRole.TECHNICIAN,
                ),
                FacilityStaff(
                    facility_id=fac["WAR-PRP"].id,
                    user_id=users["tech2"].id,
                    role=StaffRole.TECHNICIAN,
                ),
                FacilityStaff(
                    facility_id=fac["AST-EM"].id,
                    user_id=users["otherstaff"].id,
                    role=StaffRole.TECHNICIAN,
                ),
            ]
        )

        instruments = {
            "WAR-XPS-01": instrument_row(fac["WAR-PRP"].id, "WAR-XPS-01"),
            "WAR-MEG-01": instrument_row(
                fac["WAR-PRP"].id,
                "WAR-MEG-01",
                slot_minutes=120,
                min_minutes=120,
                max_minutes=120,
                requires_project_code=True,
                requires_approval=True,
                requires_training=False,
                weekly_quota_minutes=360,
            ),
            "WAR-RAM-01": instrument_row(
                fac["WAR-PRP"].id,
                "WAR-RAM-01",
                access_level=AccessLevel.INSTITUTION,
                slot_minutes=30,
                min_minutes=30,
                max_minutes=24 * 60,
                allow_overnight=True,
                requires_training=False,
            ),
            "WAR-AFM-01": instrument_row(
                fac["WAR-PRP"].id, "WAR-AFM-01", status=InstrumentStatus.OUT_OF_SERVICE
            ),
            "AST-SEM-01": instrument_row(
                fac["AST-EM"].id,
                "AST-SEM-01",
                access_level=AccessLevel.EXTERNAL_ACADEMIC,
                slot_minutes=30,
                min_minutes=30,
                requires_training=False,
            ),
        }
        s.add_all(instruments.values())
        s.flush()
        hours = [
            *_hours(instruments["WAR-XPS-01"].id, 540, 1020),
            *_hours(instruments["WAR-MEG-01"].id, 480, 1080),
            *_hours(instruments["WAR-AFM-01"].id, 540, 1020),
            *_hours(instruments["AST-SEM-01"].id, 540, 1020),
        ]
        s.add_all(hours)
        for name in ("alice", "bob", "carol"):
            s.add(
                TrainingRecord(
                    user_id=users[name].id,
                    instrument_id=instruments["WAR-XPS-01"].id,
                    trainer_id=users["tech"].id,
                    level=TrainingLevel.INDEPENDENT,
                    trained_at=T0,
                    expires_at=T0 + timedelta(days=3 * 365),
                )
            )
        return World(
            institutions={k: v.id for k, v in inst.items()},
            users={k: v.id for k, v in users.items()},
            instruments={k: v.id for k, v in instruments.items()},
            facilities={k: v.id for k, v in fac.items()},
        )
