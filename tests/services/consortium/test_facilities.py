"""Facilities: admins add and edit them, anyone known reads them; zones and contacts checked."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.catalogue import Facility
from equipshare.domain.enums import ChargeBasis
from equipshare.domain.errors import InputError, NotFound, PermissionDenied, RefusedError
from equipshare.domain.records.money.charging import Outcome
from equipshare.services.consortium.service import FacilityService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World

EM_DETAILS = {
    "email": "em@warwick.ac.uk",
    "building": "Physical Sciences",
    "web_address": "https://warwick.ac.uk/em",
}


def _row(database: Database, code: str) -> Facility | None:
    with database.readonly() as session:
        return session.scalars(select(Facility).where(Facility.code == code)).one_or_none()


def test_add_takes_the_organisations_zone_audits_and_is_idempotent(
    context: ServiceContext, world: World, database: Database
) -> None:
    service = FacilityService(context)
    dry = service.add("root", "WAR-EM", "Warwick EM", "warwick", dry_run=True,
                      email="EM@Warwick.AC.UK")  # fmt: skip
    assert (
        dry.change.outcome is Outcome.CREATED
        and dry.facility.id is None
        and dry.facility.email == "EM@warwick.ac.uk"
    )
    assert _row(database, "WAR-EM") is None
    change = service.add(
        "root",
        "WAR-EM",
        "Warwick EM",
        "WARWICK",
        email=EM_DETAILS["email"],
        building=EM_DETAILS["building"],
        web_address=EM_DETAILS["web_address"],
    )
    facility = change.facility
    assert (facility.timezone, facility.institution_code, facility.charge_basis) == (
        "Europe/London",
        "WARWICK",
        ChargeBasis.BOOKED,
    )
    again = service.add(
        "root",
        "WAR-EM",
        "Warwick EM",
        "WARWICK",
        email=EM_DETAILS["email"],
        building=EM_DETAILS["building"],
        web_address=EM_DETAILS["web_address"],
    )
    assert again.change.outcome is Outcome.UNCHANGED
    with pytest.raises(RefusedError, match="WAR-EM already exists"):
        service.add("root", "WAR-EM", "Something else", "WARWICK")
    with pytest.raises(RefusedError, match="already called 'Warwick Photoemission RTP'"):
        service.add("root", "WAR-2", "warwick photoemission rtp", "WARWICK")
    with pytest.raises(NotFound, match="no institution"):
        service.add("root", "X-1", "X", "NOWHERE")
    with database.readonly() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "facility.create")
        ).one()
    assert event.after is not None and event.after["building"] == "Physical Sciences"


def test_bad_values_name_their_field(context: ServiceContext, world: World) -> None:
    service = FacilityService(context)
    for given, field in [
        ({"timezone": "Europe/Nowhere"}, "timezone"),
        ({"email": "not-an-address"}, "email"),
        ({"web_address": "ftp://x.example"}, "web_address"),
        ({"building": "x" * 201}, "building"),
    ]:
        with pytest.raises(InputError) as raised:
            service.add("root", "NEW-1", "New", "WARWICK", **given)  # type: ignore[arg-type]
        assert raised.value.field == field
    with pytest.raises(InputError) as raised:
        service.add("root", "bad code", "New", "WARWICK")
    assert raised.value.field == "code"


def test_edit_changes_only_what_is_given_and_clears_blanks(
    context: ServiceContext, world: World, database: Database
) -> None:
    service = FacilityService(context)
    service.edit("root", "WAR-PRP", site="Main campus", building="MAS")
    change = service.edit("root", "WAR-PRP", site="", timezone="Europe/Paris", institution="aston")
    assert dict((f, (old, new)) for f, old, new in change.change.changed) == {
        "site": ("Main campus", None),
        "timezone": ("Europe/London", "Europe/Paris"),
        "institution_id": ("WARWICK", "ASTON"),
    }
    row = _row(database, "WAR-PRP")
    assert row is not None
    assert (row.site, row.building, row.timezone, row.institution_id) == (
        None,
        "MAS",
        "Europe/Paris",
        world.institutions["ASTON"],
    )
    assert service.edit("root", "WAR-PRP", building="MAS").change.outcome is Outcome.UNCHANGED
    with pytest.raises(RefusedError, match="AST-EM is taken"):
        service.edit("root", "WAR-PRP", new_code="AST-EM")


def test_reading_is_open_to_users_and_writing_to_admins(
    context: ServiceContext, world: World
) -> None:
    service = FacilityService(context)
    shown = service.show("alice", "WAR-PRP")
    assert (shown.managers, shown.technicians, shown.instruments) == (
        ("mgr",),
        ("tech", "tech2"),
        4,
    )
    assert [f.code for f in service.list("alice")] == ["AST-EM", "WAR-PRP"]
    assert [f.code for f in service.list("alice", "aston")] == ["AST-EM"]
    assert service.may_add("root")  # what front ends ask before offering n and e
    for actor in ("mgr", "tech", "alice", "gone"):
        assert not service.may_add(actor)
        with pytest.raises(PermissionDenied, match="needs an admin"):
            service.edit(actor, "WAR-PRP", site="x")
        with pytest.raises(PermissionDenied):
            service.add(actor, "NEW-1", "New", "WARWICK")
