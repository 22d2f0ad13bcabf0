"""Who may do what: the matrix of role, action and ownership, across facility and institution lines.

The expected tables are written out by hand, cell by cell, so the test does not
reuse the logic it checks. Pure: no database.
"""

from __future__ import annotations

import pytest

from equipshare.domain.enums import InstitutionSector, Role
from equipshare.domain.errors import PermissionDenied
from equipshare.domain.records.users.people import UserRecord
from equipshare.domain.rules.permissions import Action, Actor, Target, allowed, require

# Facilities: Warwick photoemission (id 1) and Aston microscopy (id 2); Warwick also
# runs a second facility (id 3) so a same-institution technician can be a stranger.
WARWICK_PRP, ASTON_EM, WARWICK_NMR = 1, 2, 3
INSTITUTIONS = {
    "WARWICK": (1, "University of Warwick", True, InstitutionSector.ACADEMIC),
    "ASTON": (2, "Aston University", True, InstitutionSector.ACADEMIC),
    "SHEF": (3, "University of Sheffield", False, InstitutionSector.ACADEMIC),
}
OWNER_ID = 1  # alice owns the booking every target is about

# name: (id, institution, role, active, facilities staffed); MANAGES says which they manage
PEOPLE: dict[str, tuple[int, str, Role, bool, frozenset[int]]] = {
    "alice": (1, "WARWICK", Role.RESEARCHER, True, frozenset()),
    "erin": (2, "WARWICK", Role.RESEARCHER, True, frozenset()),
    "bob": (3, "ASTON", Role.RESEARCHER, True, frozenset()),
    "carol": (4, "SHEF", Role.RESEARCHER, True, frozenset()),
    "tech": (5, "WARWICK", Role.TECHNICIAN, True, frozenset({WARWICK_PRP})),
    "nmrtech": (6, "WARWICK", Role.TECHNICIAN, True, frozenset({WARWICK_NMR})),
    "otherstaff": (7, "ASTON", Role.TECHNICIAN, True, frozenset({ASTON_EM})),
    "mgr": (8, "WARWICK", Role.FACILITY_MANAGER, True, frozenset({WARWICK_PRP})),
    "astonmgr": (9, "ASTON", Role.FACILITY_MANAGER, True, frozenset({ASTON_EM})),
    # A manager by title who staffs no facility has a researcher's rights only.
    "titleonly": (10, "WARWICK", Role.FACILITY_MANAGER, True, frozenset()),
    # Aston staff seconded to the Warwick facility act for it, whatever their institution.
    "seconded": (11, "ASTON", Role.TECHNICIAN, True, frozenset({WARWICK_PRP})),
    "root": (12, "WARWICK", Role.ADMIN, True, frozenset()),
    "gone": (1, "WARWICK", Role.RESEARCHER, False, frozenset()),  # alice, deactivated
    "gonetech": (13, "WARWICK", Role.TECHNICIAN, False, frozenset({WARWICK_PRP})),
    "goneroot": (14, "WARWICK", Role.ADMIN, False, frozenset()),
}
# The facilities each person is a manager of (a staff role, not the title on the account).
MANAGES = {"mgr": frozenset({WARWICK_PRP}), "astonmgr": frozenset({ASTON_EM})}

# Column order of the tables below.
ACTIONS = (
    Action.BOOK,
    Action.BOOK_ON_BEHALF,
    Action.MODIFY_BOOKING,
    Action.CANCEL_BOOKING,
    Action.APPROVE_BOOKING,
    Action.REJECT_BOOKING,
    Action.OVERRIDE_POLICY,
    Action.SCHEDULE_DOWNTIME,
    Action.RECORD_TRAINING,
    Action.VIEW_BOOKING,
    Action.CHECK_IN,
    Action.CHANGE_INSTRUMENT_STATUS,
    Action.EDIT_INSTRUMENT,
    Action.MANAGE_STAFF,
    Action.EDIT_FACILITY,
    Action.VIEW_HISTORY,
    Action.WAIVE_CHARGE,
    Action.REPRICE_BOOKING,
)
HEADER = (
    "book behalf modify cancel approve reject override downtime training view checkin "
    "status edit staff facility history waive reprice"
)

# Y = allowed, . = refused; one row per person, for alice's booking on a Warwick
# photoemission instrument.
ON_WARWICK = {
    #              book behalf modify cancel approve reject override downtime training view checkin
    #              status edit staff facility history waive reprice
    "alice": "Y . Y Y . . . . . Y Y . . . . Y . .",
    "erin": "Y . . . . . . . . . . . . . . . . .",
    "bob": "Y . . . . . . . . . . . . . . . . .",
    "carol": "Y . . . . . . . . . . . . . . . . .",
    "tech": "Y Y Y Y Y Y Y Y Y Y Y Y . . . Y Y .",
    "nmrtech": "Y . . . . . . . . . . . . . . . . .",
    "otherstaff": "Y . . . . . . . . . . . . . . . . .",
    "mgr": "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
    "astonmgr": "Y . . . . . . . . . . . . . . . . .",
    "titleonly": "Y . . . . . . . . . . . . . . . . .",
    "seconded": "Y Y Y Y Y Y Y Y Y Y Y Y . . . Y Y .",
    "root": "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
    "gone": ". . . . . . . . . . . . . . . . . .",
    "gonetech": ". . . . . . . . . . . . . . . . . .",
    "goneroot": ". . . . . . . . . . . . . . . . . .",
}

# The same people, for alice's booking on an Aston microscopy instrument.
ON_ASTON = {
    #              book behalf modify cancel approve reject override downtime training view checkin
    #              status edit staff facility history waive reprice
    "alice": "Y . Y Y . . . . . Y Y . . . . Y . .",
    "erin": "Y . . . . . . . . . . . . . . . . .",
    "bob": "Y . . . . . . . . . . . . . . . . .",
    "carol": "Y . . . . . . . . . . . . . . . . .",
    "tech": "Y . . . . . . . . . . . . . . . . .",
    "nmrtech": "Y . . . . . . . . . . . . . . . . .",
    "otherstaff": "Y Y Y Y Y Y Y Y Y Y Y Y . . . Y Y .",
    "mgr": "Y . . . . . . . . . . . . . . . . .",
    "astonmgr": "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
    "titleonly": "Y . . . . . . . . . . . . . . . . .",
    "seconded": "Y . . . . . . . . . . . . . . . . .",
    "root": "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
    "gone": ". . . . . . . . . . . . . . . . . .",
    "gonetech": ". . . . . . . . . . . . . . . . . .",
    "goneroot": ". . . . . . . . . . . . . . . . . .",
}

TARGETS = {
    "warwick": Target(WARWICK_PRP, "Warwick Photoemission RTP", "WAR-XPS-01", OWNER_ID),
    "aston": Target(ASTON_EM, "Aston Electron Microscopy", "AST-SEM-01", OWNER_ID),
}
TABLES = {"warwick": ON_WARWICK, "aston": ON_ASTON}


def actor(name: str) -> Actor:
    uid, institution, role, active, staffs = PEOPLE[name]
    inst_id, inst_name, partner, sector = INSTITUTIONS[institution]
    user = UserRecord(
        id=uid,
        username=name,
        display_name=name.title(),
        email=f"{name}@example.ac.uk",
        role=role,
        active=active,
        institution_id=inst_id,
        institution_code=institution,
        institution_name=inst_name,
        institution_is_partner=partner,
        institution_sector=sector,
    )
    return Actor(
        user=user, staff_facility_ids=staffs, managed_facility_ids=MANAGES.get(name, frozenset())
    )


def expected(table: dict[str, str], name: str, action: Action) -> bool:
    cells = table[name].split()
    assert len(cells) == len(ACTIONS), f"row {name!r} must have a cell per action"
    return cells[ACTIONS.index(action)] == "Y"


def test_the_tables_cover_every_action_and_person() -> None:
    assert set(ACTIONS) == set(Action)
    assert len(HEADER.split()) == len(ACTIONS)
    for table in TABLES.values():
        assert set(table) == set(PEOPLE)


@pytest.mark.parametrize("where", sorted(TARGETS))
@pytest.mark.parametrize("name", list(PEOPLE))
def test_allowed_matches_the_table(where: str, name: str) -> None:
    who, target = actor(name), TARGETS[where]
    observed = " ".join("Y" if allowed(who, a, target) else "." for a in ACTIONS)
    assert observed == TABLES[where][name], f"{name} on {where}: columns are {HEADER}"


@pytest.mark.parametrize("where", sorted(TARGETS))
@pytest.mark.parametrize("name", list(PEOPLE))
def test_require_agrees_and_names_the_missing_right(where: str, name: str) -> None:
    who, target = actor(name), TARGETS[where]
    for action in ACTIONS:
        if expected(TABLES[where], name, action):
            require(who, action, target)
            continue
        with pytest.raises(PermissionDenied) as refused:
            require(who, action, target)
        message = str(refused.value)
        assert name in message
        assert str(action) in message
        if not who.user.active:
            assert "deactivated" in message
            continue
        managers_right = action in (
            Action.EDIT_INSTRUMENT,
            Action.MANAGE_STAFF,
            Action.EDIT_FACILITY,
            Action.REPRICE_BOOKING,
        )
        needs = "manager" if managers_right else "manager or technician"
        assert f"that needs {needs} of {target.facility_name}" in message.replace(
            "the booking's owner, ", ""
        ).replace("that needs a ", "that needs ")
        assert target.instrument_code in message
        owners_right = action in (
            Action.MODIFY_BOOKING,
            Action.CANCEL_BOOKING,
            Action.VIEW_BOOKING,
            Action.CHECK_IN,
            Action.VIEW_HISTORY,
        )
        assert ("the booking's owner" in message) is owners_right, message


def test_a_booking_without_an_owner_is_no_one_s_own() -> None:
    # An instrument-level target (owner unknown) gives a researcher no owner's rights.
    target = Target(WARWICK_PRP, "Warwick Photoemission RTP", "WAR-XPS-01")
    alice = actor("alice")
    assert allowed(alice, Action.BOOK, target)
    for action in (Action.MODIFY_BOOKING, Action.CANCEL_BOOKING, Action.VIEW_BOOKING):
        assert not allowed(alice, action, target)


def test_refusals_read_as_one_sentence() -> None:
    with pytest.raises(PermissionDenied) as refused:
        require(actor("otherstaff"), Action.APPROVE_BOOKING, TARGETS["warwick"])
    assert str(refused.value) == (
        "otherstaff may not approve bookings on WAR-XPS-01: that needs a manager or "
        "technician of Warwick Photoemission RTP, or an admin"
    )
    with pytest.raises(PermissionDenied) as refused:
        require(actor("bob"), Action.CANCEL_BOOKING, TARGETS["warwick"])
    assert str(refused.value) == (
        "bob may not cancel this booking on WAR-XPS-01: that needs the booking's owner, "
        "a manager or technician of Warwick Photoemission RTP, or an admin"
    )
    with pytest.raises(PermissionDenied) as refused:
        require(actor("gone"), Action.BOOK, TARGETS["warwick"])
    assert str(refused.value) == "gone may not book: the account is deactivated"
