"""Creating and editing instruments (both engines): rights, policy checks, broken bookings,
the profile (opening hours: test_instrument_hours.py).

The clock stands at Mon 16 Mar 2026 09:00 UTC; London's clocks go forward on Sun 29 Mar,
so the weeks of 23 and 30 March are on either side of the change.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select, update

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import FacilityStaff, Instrument
from equipshare.domain.enums import AccessLevel, StaffRole
from equipshare.domain.errors import InputError, NotFound, PermissionDenied, RefusedError
from equipshare.domain.records.instruments.instrument_changes import InstrumentChanges
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.catalogue.service import InstrumentEditingService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"
NEW = InstrumentChanges(name="Raman microscope", category="Raman")


@pytest.fixture
def editing(context: ServiceContext) -> InstrumentEditingService:
    return InstrumentEditingService(context)


@pytest.fixture
def bookings(context: ServiceContext) -> BookingService:
    return BookingService(context)


@pytest.fixture
def aston_manager(database: Database, world: World) -> str:
    """otherstaff, made manager of Aston's microscopy facility (not of Warwick's)."""
    with database.sessions.begin() as s:
        s.execute(
            update(FacilityStaff)
            .where(FacilityStaff.user_id == world.users["otherstaff"])
            .values(role=StaffRole.MANAGER)
        )
    return "otherstaff"


def audits(database: Database, action: str) -> list[AuditEvent]:
    with database.readonly() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def booking_row(database: Database, booking_id: int) -> tuple[Any, ...]:
    with database.readonly() as s:
        row = s.get_one(Booking, booking_id)
        return row.status, row.starts_at, row.ends_at, row.sequence


# -- creating -------------------------------------------------------------------------


def test_an_admin_creates_an_instrument_with_the_configured_defaults(
    editing: InstrumentEditingService, database: Database, world: World
) -> None:
    changes = InstrumentChanges(
        name="Raman microscope",
        category="Raman",
        manufacturer="Renishaw",
        contact_email="mailto:raman@example.ac.uk",
        contact_technician="tech",
        weekly_quota_minutes=600,
    )

    made = editing.create("root", "WAR-PRP", "WAR-RAM-02", changes)

    record = made.instrument
    assert (
        made.created and record.code == "WAR-RAM-02" and record.facility_name.startswith("Warwick")
    )
    assert record.policy.slot_minutes == 30 and record.policy.max_minutes == 480  # [booking]
    assert record.policy.weekly_quota_minutes == 600
    assert record.access_level is AccessLevel.CONSORTIUM
    assert record.contact_technician_id == world.users["tech"]
    assert {(i.weekday, i.opens_minute, i.closes_minute) for i in record.policy.opening_hours} == {
        (day, 540, 1020) for day in range(5)
    }
    with database.readonly() as s:
        row = s.scalars(select(Instrument).where(Instrument.code == "WAR-RAM-02")).one()
        assert (row.manufacturer, row.contact_email) == ("Renishaw", "raman@example.ac.uk")
    [event] = audits(database, "instrument.create")
    assert event.actor_id == world.users["root"] and event.before is None
    assert event.after is not None and event.after["name"] == "Raman microscope"
    assert event.after["opening_hours"] == "mon 09:00-17:00; tue 09:00-17:00; " + (
        "wed 09:00-17:00; thu 09:00-17:00; fri 09:00-17:00"
    )


def test_a_manager_creates_in_their_facility_with_given_hours(
    editing: InstrumentEditingService, world: World
) -> None:
    made = editing.create("mgr", "WAR-PRP", "WAR-NMR-01", NEW, hours=())

    assert made.instrument.policy.opening_hours == ()  # open around the clock


@pytest.mark.parametrize("who", ["tech", "alice", "otherstaff"])
def test_only_admins_and_the_facility_managers_create(
    editing: InstrumentEditingService, aston_manager: str, who: str
) -> None:
    with pytest.raises(PermissionDenied, match="a manager of Warwick Photoemission RTP"):
        editing.create(who, "WAR-PRP", "WAR-NMR-01", NEW)


def test_a_create_refuses_bad_input_naming_the_field(
    editing: InstrumentEditingService, world: World
) -> None:
    with pytest.raises(InputError, match=r"^category: a new instrument needs one") as missing:
        editing.create("root", "WAR-PRP", "WAR-NMR-01", InstrumentChanges(name="NMR"))
    assert missing.value.field == "category"
    with pytest.raises(InputError, match=r"^code: "):
        editing.create("root", "WAR-PRP", "WAR NMR", NEW)
    with pytest.raises(InputError, match=r"^contact_email: 'nobody' is not an email address"):
        editing.create("root", "WAR-PRP", "WAR-NMR-01", replace(NEW, contact_email="nobody"))
    with pytest.raises(InputError, match=r"^name: 201 characters, more than the 200 allowed"):
        editing.create("root", "WAR-PRP", "WAR-NMR-01", replace(NEW, name="x" * 201))
    with pytest.raises(InputError, match=r"^slot_minutes: 7 does not divide a day"):
        editing.create("root", "WAR-PRP", "WAR-NMR-01", replace(NEW, slot_minutes=7))
    with pytest.raises(RefusedError, match=r"^code: an instrument called WAR-XPS-01 already"):
        editing.create("root", "WAR-PRP", XPS, NEW)
    with pytest.raises(NotFound, match="no facility with code 'NOPE'"):
        editing.create("root", "NOPE", "WAR-NMR-01", NEW)
    with pytest.raises(RefusedError, match=r"^contact_technician: otherstaff is not active staff"):
        editing.create(
            "root", "WAR-PRP", "WAR-NMR-01", replace(NEW, contact_technician="otherstaff")
        )


def test_a_dry_run_create_writes_nothing(
    editing: InstrumentEditingService, database: Database, world: World
) -> None:
    made = editing.create("root", "WAR-PRP", "WAR-NMR-01", NEW, dry_run=True)

    assert made.dry_run and made.instrument.code == "WAR-NMR-01"
    with database.readonly() as s:
        assert s.scalars(select(Instrument).where(Instrument.code == "WAR-NMR-01")).first() is None
    assert audits(database, "instrument.create") == []


# -- editing --------------------------------------------------------------------------


def test_a_manager_edits_the_fields_given_and_the_audit_keeps_before_and_after(
    editing: InstrumentEditingService, database: Database, world: World
) -> None:
    changed = editing.edit(
        "mgr",
        XPS,
        InstrumentChanges(name="Kratos XPS", room="", access_level=AccessLevel.INDUSTRY),
    )

    assert changed.instrument.name == "Kratos XPS"
    assert changed.instrument.access_level is AccessLevel.INDUSTRY
    assert {c.name for c in changed.changes} == {"name", "access_level"}  # room was empty
    [event] = audits(database, "instrument.edit")
    assert event.actor_id == world.users["mgr"] and event.entity_id == str(world.instruments[XPS])
    assert event.before == {"name": XPS, "access_level": "consortium"}
    assert event.after == {"name": "Kratos XPS", "access_level": "industry"}

    again = editing.edit("mgr", XPS, InstrumentChanges(name="Kratos XPS"))
    assert again.changes == () and len(audits(database, "instrument.edit")) == 1


@pytest.mark.parametrize("who", ["tech", "alice", "otherstaff", "gone"])
def test_only_admins_and_the_facility_managers_edit(
    editing: InstrumentEditingService, aston_manager: str, who: str
) -> None:
    with pytest.raises(PermissionDenied, match=rf"^{who} may not edit this instrument"):
        editing.edit(who, XPS, InstrumentChanges(name="mine now"))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (InstrumentChanges(slot_minutes=50), "slot_minutes", "50 does not divide a day"),
        (InstrumentChanges(max_minutes=20161), "max_minutes", "at most 20160 (14 days)"),
        (InstrumentChanges(min_minutes=600), "min_minutes", "600 is longer than max_minutes"),
        (InstrumentChanges(min_minutes=0), "min_minutes", "must be above 0"),
        (InstrumentChanges(max_days_ahead=0), "max_days_ahead", "must be at least 1"),
        (InstrumentChanges(min_notice_minutes=-5), "min_notice_minutes", "must not be negative"),
        (InstrumentChanges(name="  "), "name", "must not be empty"),
    ],
)
def test_a_policy_no_booking_could_follow_is_refused_naming_the_field(
    editing: InstrumentEditingService,
    database: Database,
    world: World,
    changes: InstrumentChanges,
    field: str,
    message: str,
) -> None:
    with pytest.raises(InputError, match=rf"^{field}: {re.escape(message)}") as refused:
        editing.edit("mgr", XPS, changes)

    assert refused.value.field == field
    assert audits(database, "instrument.edit") == []


def test_a_policy_change_reports_the_bookings_it_would_break_and_leaves_them(
    editing: InstrumentEditingService,
    bookings: BookingService,
    database: Database,
    world: World,
) -> None:
    long = bookings.book(
        "alice", BookingRequest(XPS, london(2026, 3, 23, 10), london(2026, 3, 23, 14))
    )
    short = bookings.book(
        "bob", BookingRequest(XPS, london(2026, 3, 24, 10), london(2026, 3, 24, 11))
    )
    before = {b.id: booking_row(database, b.id) for b in (long, short)}

    changed = editing.edit(
        "mgr", XPS, InstrumentChanges(max_minutes=120, requires_project_code=True)
    )

    assert changed.instrument.policy.max_minutes == 120
    by_id = {b.booking_id: b.problems for b in changed.breaking}
    assert by_id == {
        long.id: ("longer than 2 h", "has no project code"),
        short.id: ("has no project code",),
    }
    assert {b.id: booking_row(database, b.id) for b in (long, short)} == before  # untouched
    with pytest.raises(RefusedError, match="bookings last at most 2 hours"):
        bookings.book(
            "alice",
            BookingRequest(
                XPS, london(2026, 3, 25, 10), london(2026, 3, 25, 13), project_code="G1"
            ),
        )


def test_quota_approval_and_training_turned_on_report_what_they_catch(
    editing: InstrumentEditingService, bookings: BookingService, world: World
) -> None:
    ram = "WAR-RAM-01"  # no training needed, 24/7, institution only
    first = bookings.book(
        "alice", BookingRequest(ram, london(2026, 3, 23, 10), london(2026, 3, 23, 13))
    )
    second = bookings.book(
        "alice", BookingRequest(ram, london(2026, 3, 24, 10), london(2026, 3, 24, 12))
    )
    erin = bookings.book(
        "erin", BookingRequest(ram, london(2026, 3, 25, 10), london(2026, 3, 25, 11))
    )

    changed = editing.edit(
        "root",
        ram,
        InstrumentChanges(weekly_quota_minutes=240, requires_approval=True, requires_training=True),
    )

    by_id = {b.booking_id: b.problems for b in changed.breaking}
    over = "alice holds 5 h that week, over the 4 h quota"
    unapproved = "confirmed without the approval new bookings need"
    assert by_id[first.id] == (over, unapproved, "alice has no current training and no technician")
    assert by_id[second.id][0] == over
    assert by_id[erin.id] == (unapproved, "erin has no current training and no technician")


def test_a_dry_run_edit_reports_and_changes_nothing(
    editing: InstrumentEditingService, bookings: BookingService, database: Database, world: World
) -> None:
    long = bookings.book(
        "alice", BookingRequest(XPS, london(2026, 3, 23, 10), london(2026, 3, 23, 14))
    )

    changed = editing.edit("mgr", XPS, InstrumentChanges(max_minutes=120), dry_run=True)

    assert changed.dry_run and [b.booking_id for b in changed.breaking] == [long.id]
    with database.readonly() as s:
        assert s.get_one(Instrument, world.instruments[XPS]).max_minutes == 480
    assert audits(database, "instrument.edit") == []


# -- the profile ----------------------------------------------------------------------


def test_the_profile_shows_every_field(editing: InstrumentEditingService, world: World) -> None:
    editing.edit("root", XPS, InstrumentChanges(contact_technician="tech", building="Physics"))

    profile = editing.profile("alice", XPS)

    fields = dict(profile.fields)
    assert fields["building"] == "Physics" and fields["status"] == "available"
    assert profile.contact_technician == "tech"
    assert profile.opening_hours.startswith("mon 09:00-17:00")


@pytest.mark.parametrize(
    ("actor", "may_edit", "may_change_status"),
    [
        ("root", True, True),
        ("mgr", True, True),
        ("tech", False, True),
        ("otherstaff", False, False),
        ("alice", False, False),
        ("gone", False, False),
    ],
)
def test_the_profile_says_what_its_reader_may_change(
    editing: InstrumentEditingService,
    world: World,
    actor: str,
    may_edit: bool,
    may_change_status: bool,
) -> None:
    """The editor offers what this says; the writes check the same rule again."""
    profile = editing.profile(actor, "WAR-XPS-01")
    assert (profile.may_edit, profile.may_change_status) == (may_edit, may_change_status)
    assert (profile.refusal == "") == may_change_status
    if not may_change_status:
        assert profile.refusal.startswith(f"{actor} may not change this instrument's status")
