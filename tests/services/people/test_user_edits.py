"""Adding, editing and reactivating users one at a time, on both engines: the import's rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.catalogue import User
from equipshare.domain.enums import Role
from equipshare.domain.errors import InputError, NotFound, PermissionDenied, RefusedError
from equipshare.services.people.service import AccountService, PeopleService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World


def _user(database: Database, username: str) -> User | None:
    with database.readonly() as session:
        return session.scalar(select(User).where(User.username == username))


def _trail(database: Database) -> list[tuple[str, dict[str, object] | None, dict[str, object]]]:
    with database.readonly() as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.entity_type == "user").order_by(AuditEvent.id)
        )
        return [(e.action, e.before, e.after or {}) for e in rows]


def test_add_creates_an_active_account_and_audits_it(
    context: ServiceContext, world: World, database: Database
) -> None:
    row = AccountService(context).add(
        "root", "jsmith", name=" Jo Smith ", email="j.smith@warwick.ac.uk",
        institution="warwick", role="facility_manager",
    )  # fmt: skip
    assert (row.username, row.name, row.institution_code, row.role, row.active) == (
        "jsmith", "Jo Smith", "WARWICK", Role.FACILITY_MANAGER, True,
    )  # fmt: skip
    assert row.created_at == context.clock.now()
    [(action, before, after)] = _trail(database)
    assert (action, before, after["username"], after["role"]) == (
        "user.create", None, "jsmith", "facility_manager",
    )  # fmt: skip
    listed = PeopleService(context).list_users(
        "root", institution="WARWICK", role="facility_manager"
    )
    assert [u.username for u in listed] == ["jsmith", "mgr"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"username": "x y"}, "username", "username: 'x y' is not a username"),
        ({"username": ""}, "username", "username: missing"),
        ({"name": " "}, "name", "name: missing"),
        ({"name": "N" * 201}, "name", "name: 201 characters, more than the 200 allowed"),
        ({"email": "not-an-address"}, "email", "email: 'not-an-address' is not an email"),
        ({"institution": "MARS"}, "institution", "institution: no institution with code 'MARS'"),
        ({"role": "boss"}, "role", "role: 'boss' is not one of researcher, technician"),
    ],
)
def test_add_refuses_bad_values_naming_the_field_and_writes_nothing(
    context: ServiceContext,
    world: World,
    database: Database,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    values = {"username": "zoe", "name": "Zoe", "email": "", "institution": "ASTON",
              "role": "researcher"} | changes  # fmt: skip
    username = values.pop("username")
    with pytest.raises(InputError, match=message) as raised:
        AccountService(context).add("root", username, **values)
    assert raised.value.field == field
    assert _user(database, "zoe") is None and _trail(database) == []


def test_add_refuses_a_taken_username_and_anyone_but_an_admin(
    context: ServiceContext, world: World, database: Database
) -> None:
    service = AccountService(context)
    with pytest.raises(RefusedError, match="'alice' is taken") as taken:
        service.add("root", "alice", name="Another Alice", email=None, institution="ASTON")
    assert taken.value.field == "username"
    with pytest.raises(PermissionDenied, match="needs an admin"):
        service.add("mgr", "zoe", name="Zoe", email=None, institution="WARWICK")
    assert _user(database, "zoe") is None and _trail(database) == []


def test_edit_changes_only_the_fields_given_and_audits_before_and_after(
    context: ServiceContext, world: World, database: Database
) -> None:
    service = AccountService(context)
    edit = service.edit("root", "erin", email="", institution="aston", role=Role.TECHNICIAN)
    assert edit.changed == ("email", "role", "institution")
    assert (edit.user.name, edit.user.email, edit.user.institution_code, edit.user.role) == (
        "Erin", None, "ASTON", Role.TECHNICIAN,
    )  # fmt: skip
    [(action, before, after)] = _trail(database)
    assert action == "user.edit" and before is not None
    assert (before["email"], after["email"]) == ("erin@example.ac.uk", None)
    assert (before["role"], after["role"]) == ("researcher", "technician")
    same = service.edit("root", "erin", name="Erin", role="technician")
    assert same.changed == () and len(_trail(database)) == 1


def test_edit_refuses_nothing_to_change_unknown_users_bad_values_and_the_last_admin(
    context: ServiceContext, world: World, database: Database
) -> None:
    service = AccountService(context)
    with pytest.raises(InputError, match="give at least one of"):
        service.edit("root", "erin")
    with pytest.raises(NotFound, match="no user called 'nobody'"):
        service.edit("root", "nobody", name="Nobody")
    with pytest.raises(InputError, match="institution: no institution") as bad:
        service.edit("root", "erin", name="Erin Changed", institution="MARS")
    assert bad.value.field == "institution"
    with pytest.raises(RefusedError, match="would leave no active admin"):
        service.edit("root", "root", name="Root Changed", role="researcher")
    with pytest.raises(PermissionDenied):
        service.edit("tech", "erin", name="Erin Changed")
    erin, root = _user(database, "erin"), _user(database, "root")
    assert erin is not None and root is not None
    assert (erin.display_name, root.display_name, root.role) == ("Erin", "Root", Role.ADMIN)
    assert _trail(database) == []
    service.edit("root", "tech", role="admin")
    assert service.edit("root", "root", role="researcher").changed == ("role",)


def test_reactivate_brings_accounts_back_and_reports_those_already_active(
    context: ServiceContext, world: World, database: Database
) -> None:
    service = AccountService(context)
    dry = service.reactivate("root", ["gone", "alice"], dry_run=True)
    assert (dry.reactivated, dry.already_active) == (("gone",), ("alice",))
    gone = _user(database, "gone")
    assert gone is not None and not gone.active and _trail(database) == []
    done = service.reactivate("root", ["gone", "alice", "gone"])
    assert (done.reactivated, done.already_active) == (("gone",), ("alice",))
    gone = _user(database, "gone")
    assert gone is not None and gone.active
    assert [(a, (b or {}).get("active"), c["active"]) for a, b, c in _trail(database)] == [
        ("user.reactivate", False, True)
    ]
    assert service.reactivate("root", ["gone"]).reactivated == ()
    with pytest.raises(NotFound, match="nobody reactivated"):
        service.reactivate("root", ["nobody", "gone"])
    with pytest.raises(PermissionDenied):
        service.reactivate("mgr", ["gone"])
    with pytest.raises(InputError):
        service.reactivate("root", [])
