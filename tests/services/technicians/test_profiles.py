"""Technicians' profiles: the defaults, an edit and its audit event, ORCID iDs checked
and kept to one person, opting out of being named, and one-line refusals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update

from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.catalogue import User
from equipshare.db.models.credit import TechnicianProfile
from equipshare.domain.enums import StaffRole
from equipshare.domain.errors import InputError, NotFound, RefusedError
from equipshare.domain.inputs.technician_profiles import ProfileChanges
from equipshare.domain.records.impact.credit import UNNAMED_STAFF, StaffPost
from equipshare.domain.records.operations.history import HistoryQuery
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.admin.service import RetentionService
from equipshare.services.history.service import HistoryService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.technicians.credit_names import credit_profiles
from equipshare.services.technicians.service import TechnicianProfileService
from tests.support.permission_matrix import database_state
from tests.support.world import World

ORCID = "0000-0002-1825-0097"  # ORCID's own example iD: its check digit holds
OTHER_ORCID = "0000-0000-0000-4029"  # a block ORCID never issued: nobody's


@pytest.fixture
def profiles(context: ServiceContext, world: World) -> TechnicianProfileService:
    return TechnicianProfileService(context)


def audits(context: ServiceContext) -> list[AuditEvent]:
    with context.database.readonly() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "technician_profile.edit")
                .order_by(AuditEvent.id)
            )
        )


def test_a_profile_never_edited_is_the_default(profiles: TechnicianProfileService) -> None:
    view = profiles.show("tech", actor="tech")
    record = view.profile
    assert (record.credit_name, record.orcid, record.job_title, record.expertise) == (
        "", None, "", "",
    )  # fmt: skip
    assert record.named and record.printed_name == "Tech"
    assert view.posts == (StaffPost("WAR-PRP", "Warwick Photoemission RTP", StaffRole.TECHNICIAN),)
    assert (view.updated_at, view.updated_by, view.editable, view.active) == (
        None, None, True, True,
    )  # fmt: skip


def test_an_edit_sets_the_fields_given_and_is_audited(
    context: ServiceContext, profiles: TechnicianProfileService, world: World, clock: FrozenClock
) -> None:
    edit = profiles.edit(
        "tech",
        ProfileChanges(
            credit_name="  Dr   Tess  Echnician ", orcid=f"https://orcid.org/{ORCID}",
            job_title="Senior XPS technician", expertise="XPS, UPS,\n  depth profiling",
        ),
        actor="mgr",
    )  # fmt: skip
    assert edit.changed == ("credit_name", "orcid", "job_title", "expertise")
    record = edit.view.profile
    assert (record.credit_name, record.orcid, record.expertise) == (
        "Dr Tess Echnician", ORCID, "XPS, UPS, depth profiling",
    )  # fmt: skip
    assert (edit.view.updated_at, edit.view.updated_by) == (clock.now(), "mgr")
    assert profiles.show("tech", actor="tech2") == replace(edit.view, editable=False)
    [event] = audits(context)
    assert (event.actor_id, event.entity_type, event.entity_id) == (
        world.users["mgr"], "technician_profile", str(world.users["tech"]),
    )  # fmt: skip
    assert event.before == {
        "user": "tech", "credit_name": "", "orcid": None, "job_title": "", "expertise": "",
        "named": True,
    }  # fmt: skip
    assert event.after is not None and event.after["orcid"] == ORCID
    # The audit trail names whose profile it was, as the --entity filter takes it.
    trail = HistoryService(context).page("root", HistoryQuery(entity="technician_profile:tech"))
    assert [(e.action, e.entity, e.actor) for e in trail.events] == [
        ("technician_profile.edit", "technician_profile:tech", "mgr")
    ]
    again = profiles.edit("tech", ProfileChanges(job_title="Senior XPS technician"), actor="tech")
    assert again.changed == () and len(audits(context)) == 1  # nothing changed, nothing written
    cleared = profiles.edit("tech", ProfileChanges(orcid="  "), actor="tech")
    assert cleared.changed == ("orcid",) and cleared.view.profile.orcid is None


def test_a_mistyped_orcid_is_refused_naming_the_field_and_nothing_is_written(
    context: ServiceContext, profiles: TechnicianProfileService
) -> None:
    before = database_state(context.database)
    with pytest.raises(InputError, match=r"^orcid: .*fails the ORCID check digit") as bad:
        profiles.edit(
            "tech", ProfileChanges(credit_name="T", orcid="0000-0002-1825-0098"), actor="tech"
        )
    assert bad.value.field == "orcid"
    with pytest.raises(InputError, match=r"^orcid: 'not an id' is not an ORCID iD"):
        profiles.edit("tech", ProfileChanges(orcid="not an id"), actor="tech")
    with pytest.raises(InputError, match=r"^credit_name: 201 characters"):
        profiles.edit("tech", ProfileChanges(credit_name="x" * 201), actor="tech")
    with pytest.raises(InputError, match=r"^job_title: .*cannot be printed \(U\+0007\)"):
        profiles.edit("tech", ProfileChanges(job_title="bell\a"), actor="tech")
    with pytest.raises(InputError, match="give at least one of"):
        profiles.edit("tech", ProfileChanges(), actor="tech")
    assert database_state(context.database) == before


def test_an_orcid_belongs_to_one_person(
    context: ServiceContext, profiles: TechnicianProfileService
) -> None:
    profiles.edit("tech", ProfileChanges(orcid=ORCID), actor="tech")
    before = database_state(context.database)
    with pytest.raises(RefusedError, match=rf"^orcid: {ORCID} is already on another person's"):
        profiles.edit("tech2", ProfileChanges(orcid=ORCID.replace("-", "")), actor="tech2")
    with pytest.raises(RefusedError, match=rf"^orcid: {ORCID} is already on tech's profile"):
        profiles.edit("otherstaff", ProfileChanges(orcid=ORCID), actor="root")
    assert database_state(context.database) == before
    # their own iD again is no clash, and another iD is theirs to take
    assert profiles.edit("tech", ProfileChanges(orcid=ORCID), actor="tech").changed == ()
    assert profiles.edit("tech2", ProfileChanges(orcid=OTHER_ORCID), actor="tech2").changed == (
        "orcid",
    )


def test_an_opted_out_technician_is_printed_as_the_facilitys_staff(
    context: ServiceContext, profiles: TechnicianProfileService, world: World
) -> None:
    edit = profiles.edit(
        "tech2", ProfileChanges(credit_name="Dr Two", orcid=ORCID, named=False), actor="tech2"
    )
    assert edit.view.profile.printed_name == UNNAMED_STAFF
    with context.database.readonly() as session:
        found = credit_profiles(session, [world.users["tech2"]])[world.users["tech2"]]
    assert (found.named, found.printed_name, found.orcid) == (False, UNNAMED_STAFF, ORCID)
    back = profiles.edit("tech2", ProfileChanges(named=True), actor="mgr")
    assert back.view.profile.printed_name == "Dr Two"


def test_refusals_name_the_person_in_one_line(profiles: TechnicianProfileService) -> None:
    with pytest.raises(RefusedError, match=r"^alice is not facility staff: only technicians"):
        profiles.show("alice", actor="root")
    with pytest.raises(NotFound, match="no user called 'nobody'"):
        profiles.edit("nobody", ProfileChanges(named=False), actor="root")
    with pytest.raises(RefusedError, match=r"^mgr may not change otherstaff's profile"):
        profiles.edit("otherstaff", ProfileChanges(named=False), actor="mgr")
    with pytest.raises(NotFound, match="no facility with code 'NOPE'"):
        profiles.facility_staff("NOPE", actor="root")


def test_a_deactivated_technician_is_still_edited_by_their_manager(
    context: ServiceContext, profiles: TechnicianProfileService, clock: FrozenClock
) -> None:
    with context.database.sessions.begin() as session:
        session.execute(update(User).where(User.username == "tech").values(active=False))
    edit = profiles.edit("tech", ProfileChanges(named=False), actor="mgr")
    assert edit.view.active is False and edit.view.profile.named is False
    assert edit.view.updated_at == clock.now()


def test_anonymise_drops_the_profile_of_a_person_it_anonymises(
    context: ServiceContext, profiles: TechnicianProfileService, world: World
) -> None:
    profiles.edit("tech", ProfileChanges(orcid=ORCID), actor="tech")  # audited: a sign of life
    with context.database.sessions.begin() as session:  # written long ago, with no audit event
        session.add(
            TechnicianProfile(
                user_id=world.users["tech2"], credit_name="Dr Two", orcid=OTHER_ORCID,
                job_title="Technician", expertise="Raman", named=True,
                updated_at=datetime(2025, 1, 2, tzinfo=UTC),
            )
        )  # fmt: skip
    report = RetentionService(context).anonymise("root", date(2026, 1, 1))
    gone = {user.user_id for user in report.users}
    assert world.users["tech2"] in gone and world.users["tech"] not in gone
    with context.database.readonly() as session:
        kept = session.scalars(select(TechnicianProfile.user_id)).all()
    assert kept == [world.users["tech"]]
