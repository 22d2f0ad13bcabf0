"""Minimal rows for DB-level tests, inserted with the ORM in the caller's transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import Facility, Institution, Instrument, User
from equipshare.domain.enums import (
    AccessLevel,
    InstitutionSector,
    InstrumentStatus,
    Role,
    UniquipType,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def institution(s: Session, code: str = "WARWICK", partner: bool = True) -> Institution:
    row = Institution(
        code=code,
        name=f"University {code.title()}",
        sector=InstitutionSector.ACADEMIC,
        is_partner=partner,
        created_at=T0,
    )
    s.add(row)
    s.flush()
    return row


def user(
    s: Session, inst: Institution, username: str = "alice", role: Role = Role.RESEARCHER
) -> User:
    row = User(
        username=username,
        display_name=username.title(),
        email=f"{username}@example.ac.uk",
        institution_id=inst.id,
        role=role,
        active=True,
        created_at=T0,
    )
    s.add(row)
    s.flush()
    return row


def facility(s: Session, inst: Institution, code: str = "WAR-PRP") -> Facility:
    row = Facility(institution_id=inst.id, code=code, name=f"Facility {code}", created_at=T0)
    s.add(row)
    s.flush()
    return row


def instrument(s: Session, fac: Facility, code: str = "WAR-XPS-01") -> Instrument:
    row = Instrument(
        facility_id=fac.id,
        code=code,
        name="Kratos Axis Supra XPS",
        category="XPS",
        status=InstrumentStatus.AVAILABLE,
        access_level=AccessLevel.CONSORTIUM,
        uniquip_type=UniquipType.EQUIPMENT,
        created_at=T0,
        updated_at=T0,
    )
    s.add(row)
    s.flush()
    return row


def world(s: Session) -> tuple[User, Instrument]:
    """One institution, one user, one facility and one instrument."""
    inst = institution(s)
    return user(s, inst), instrument(s, facility(s, inst))
