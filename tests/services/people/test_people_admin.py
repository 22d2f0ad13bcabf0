"""People and training imports, user listing and deactivation, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.catalogue import User
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import ImportAction, Role, TrainingLevel
from equipshare.domain.errors import NotFound, PermissionDenied, RefusedError
from equipshare.services.people.accounts import PeopleService
from equipshare.services.people.training_import import TrainingImportService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.sheets.csv_files import BadRowsError
from tests.support.world import World

TRAINING_HEAD = "username,instrument,level,trained_at,expires_at,trainer\n"


def _audits(database: Database, action: str) -> int:
    with database.readonly() as session:
        query = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        return int(session.scalar(query) or 0)


def test_user_import_upserts_keeps_roles_when_blank_and_audits_changes(
    context: ServiceContext, world: World, database: Database
) -> None:
    data = (
        b"username,name,email,institution,role\n"
        b"mgr,Morag Grant,mgr@warwick.ac.uk,WARWICK,\n"
        b"newbie,New Person,,aston,\n"
    )
    report = PeopleService(context).import_users("root", data, "people.csv")
    assert [(o.key, o.action) for o in report.outcomes] == [
        ("mgr", ImportAction.UPDATED),
        ("newbie", ImportAction.CREATED),
    ]
    with database.readonly() as session:
        rows = {u.username: u for u in session.scalars(select(User))}
        assert (rows["mgr"].display_name, rows["mgr"].role) == (
            "Morag Grant",
            Role.FACILITY_MANAGER,
        )
        assert (rows["newbie"].role, rows["newbie"].email, rows["newbie"].active) == (
            Role.RESEARCHER, None, True,
        )  # fmt: skip
    assert _audits(database, "user.import") == 2
    again = PeopleService(context).import_users("root", data, "people.csv")
    assert not again.changed and _audits(database, "user.import") == 2


def test_user_import_refuses_to_leave_no_active_admin_and_names_duplicate_lines(
    context: ServiceContext, world: World
) -> None:
    service = PeopleService(context)
    with pytest.raises(RefusedError, match="would leave no active admin"):
        service.import_users(
            "root", b"username,name,institution,role\nroot,Root,WARWICK,researcher\n", "p.csv"
        )
    with pytest.raises(BadRowsError) as raised:
        service.import_users(
            "root", b"username,name,institution\nzoe,Zoe,WARWICK\nzoe,Zoe B,WARWICK\n", "p.csv"
        )
    assert [(b.line, b.problem) for b in raised.value.bad] == [
        (3, "username 'zoe' is on line 2 too")
    ]
    with pytest.raises(PermissionDenied):
        service.import_users("mgr", b"username,name,institution\nzoe,Zoe,WARWICK\n", "p.csv")


def test_listing_and_deactivating_users(
    context: ServiceContext, world: World, database: Database
) -> None:
    service = PeopleService(context)
    assert [
        u.username for u in service.list_users("root", role="researcher", institution="ACME")
    ] == ["dave"]
    dry = service.deactivate("root", ["dave"], dry_run=True)
    assert dry.deactivated == ("dave",) and _audits(database, "user.deactivate") == 0
    assert service.deactivate("root", ["dave", "gone"]).deactivated == ("dave",)
    assert service.deactivate("root", ["dave"]).already_inactive == ("dave",)
    assert _audits(database, "user.deactivate") == 1
    with pytest.raises(NotFound):
        service.deactivate("root", ["dave", "nosuch"])
    with pytest.raises(RefusedError, match="no active admin"):
        service.deactivate("root", ["root"])


def test_training_rows_are_idempotent_dated_in_the_facility_zone_and_updatable(
    context: ServiceContext, world: World, database: Database
) -> None:
    service = TrainingImportService(context)
    row = "erin,WAR-XPS-01,supervised,2026-03-02,2026-06-30,tech\n"
    first = service.import_records("tech", (TRAINING_HEAD + row).encode(), "t.csv")
    twice = service.import_records("tech", (TRAINING_HEAD + row + row).encode(), "t.csv")
    assert first.outcomes[0].action is ImportAction.CREATED
    assert [o.action for o in twice.outcomes] == [ImportAction.UNCHANGED] * 2
    with database.readonly() as session:
        records = session.scalars(
            select(TrainingRecord).where(TrainingRecord.user_id == world.users["erin"])
        ).all()
    assert len(records) == 1
    # "Through 30 June" in London: the record ends at midnight BST, 23:00 UTC.
    assert records[0].trained_at == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    assert records[0].expires_at == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
    assert records[0].trainer_id == world.users["tech"]

    changed = row.replace("supervised", "independent")
    update = service.import_records("tech", (TRAINING_HEAD + changed).encode(), "t.csv")
    assert update.outcomes[0].action is ImportAction.UPDATED
    with database.readonly() as session:
        assert session.get_one(TrainingRecord, records[0].id).level is TrainingLevel.INDEPENDENT


def test_training_history_is_welcome_but_not_a_second_active_record(
    context: ServiceContext, world: World
) -> None:
    service = TrainingImportService(context)
    data = TRAINING_HEAD + (
        "gone,WAR-XPS-01,independent,2020-01-06,2021-01-05,\n"  # history of a deactivated user
        "alice,WAR-XPS-01,independent,2026-01-05,,\n"  # alice holds active XPS training
        "gone,WAR-RAM-01,independent,2026-01-05,,\n"  # no new active record when deactivated
        "bob,WAR-XPS-01,supervised,2026-01-05,2025-12-01,\n"
        "bob,NOPE-01,supervised,2026-01-05,,nobody\n"
    )
    with pytest.raises(BadRowsError) as raised:
        service.import_records("root", data.encode(), "t.csv")
    problems = {b.line: b.problem for b in raised.value.bad}
    assert sorted(problems) == [3, 4, 5, 6]
    assert problems[3].startswith("alice already holds active independent training on WAR-XPS-01")
    assert problems[4] == "gone's account is deactivated"
    assert problems[5] == "expires_at: the training would expire before it was given"
    assert problems[6] == "instrument: no instrument with code 'NOPE-01'"
    with pytest.raises(PermissionDenied):
        service.import_records("otherstaff", data.encode(), "t.csv")
