"""Institutions: admins add, edit and list them; codes upper-case, domains checked, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.catalogue import Institution
from equipshare.domain.enums import InstitutionSector
from equipshare.domain.errors import InputError, NotFound, PermissionDenied, RefusedError
from equipshare.domain.records.money.charging import Outcome
from equipshare.services.consortium.service import InstitutionService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World

ACADEMIC = InstitutionSector.ACADEMIC


def _stored(database: Database, code: str) -> tuple[str, bool, str | None]:
    with database.readonly() as session:
        row = session.scalars(select(Institution).where(Institution.code == code)).one()
        return row.name, row.is_partner, row.email_domain


def test_add_normalises_audits_and_is_idempotent(
    context: ServiceContext, world: World, database: Database
) -> None:
    service = InstitutionService(context)
    domains = ("Keele.AC.uk, @keele.com", "keele.ac.uk")
    change = service.add("root", " keele ", "Keele University", ACADEMIC, is_partner=True,
                         email_domains=domains)  # fmt: skip
    assert change.change.outcome is Outcome.CREATED
    assert (change.institution.code, change.institution.email_domains) == (
        "KEELE",
        ("keele.ac.uk", "keele.com"),
    )
    assert _stored(database, "KEELE") == ("Keele University", True, "keele.ac.uk,keele.com")
    again = service.add("root", "KEELE", "Keele University", ACADEMIC, is_partner=True,
                        email_domains=("keele.ac.uk", "keele.com"))  # fmt: skip
    assert again.change.outcome is Outcome.UNCHANGED
    with pytest.raises(RefusedError, match=r"KEELE already exists.*institutions edit KEELE"):
        service.add("root", "KEELE", "Keele", ACADEMIC, is_partner=False)
    with pytest.raises(RefusedError, match="already called 'University of Warwick'"):
        service.add("root", "UOW", "university of warwick", ACADEMIC, is_partner=True)
    with database.readonly() as session:
        events = list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == "institution.create"))
        )
    assert len(events) == 1 and events[0].actor_id == world.users["root"]
    assert events[0].after is not None and events[0].after["code"] == "KEELE"


def test_bad_values_name_their_field_and_write_nothing(
    context: ServiceContext, world: World, database: Database
) -> None:
    service = InstitutionService(context)
    cases: list[tuple[str, str, tuple[str, ...], str]] = [
        ("no spaces", "New", (), "code"),
        ("X" * 33, "New", (), "code"),
        ("NEW", "  ", (), "name"),
        ("NEW", "New", ("warwick",), "email_domain"),
        ("NEW", "New", ("bad_domain.ac.uk",), "email_domain"),
    ]
    for code, name, domains, field in cases:
        with pytest.raises(InputError) as raised:
            service.add("root", code, name, ACADEMIC, is_partner=False, email_domains=domains)
        assert raised.value.field == field, (code, name, domains)
    assert [i.code for i in service.list("root")] == ["ACME", "ASTON", "SHEF", "WARWICK"]


def test_edit_changes_only_what_is_given(
    context: ServiceContext, world: World, database: Database
) -> None:
    service = InstitutionService(context)
    dry = service.edit("root", "shef", is_partner=True, dry_run=True)
    assert dry.change.changed == (("is_partner", False, True),) and dry.institution.is_partner
    assert _stored(database, "SHEF") == ("University of Sheffield", False, None)
    done = service.edit("root", "SHEF", is_partner=True, email_domains=("sheffield.ac.uk",))
    assert done.change.outcome is Outcome.UPDATED
    assert _stored(database, "SHEF") == ("University of Sheffield", True, "sheffield.ac.uk")
    same = service.edit("root", "SHEF", is_partner=True, name="University of Sheffield")
    assert same.change.outcome is Outcome.UNCHANGED
    cleared = service.edit("root", "SHEF", email_domains=())
    assert cleared.change.changed == (("email_domain", "sheffield.ac.uk", None),)
    with pytest.raises(RefusedError, match="ASTON is taken"):
        service.edit("root", "SHEF", new_code="aston")
    with pytest.raises(NotFound):
        service.edit("root", "NOPE", name="x")
    with database.readonly() as session:
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "institution.update")
            .order_by(AuditEvent.id)
        ).first()
    assert event is not None
    assert (event.before, event.after) == (
        {"is_partner": False, "email_domain": None},
        {"is_partner": True, "email_domain": "sheffield.ac.uk"},
    )


def test_listing_counts_and_only_admins_may(context: ServiceContext, world: World) -> None:
    service = InstitutionService(context)
    warwick = next(i for i in service.list("root") if i.code == "WARWICK")
    assert (warwick.facilities, warwick.users, warwick.is_partner) == (1, 7, True)
    for actor in ("mgr", "tech", "alice", "gone"):
        with pytest.raises(PermissionDenied, match="needs an admin"):
            service.list(actor)
        with pytest.raises(PermissionDenied):
            service.add(actor, "NEW", "New", ACADEMIC, is_partner=False)
        with pytest.raises(PermissionDenied):
            service.edit(actor, "SHEF", is_partner=True)
