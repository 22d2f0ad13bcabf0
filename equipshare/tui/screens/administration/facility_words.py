"""What the Facilities screen says about a facility: its columns, its charging terms and
details in short, its staff rows, and what a save changed, as `equipshare facilities` words
them."""

from __future__ import annotations

from equipshare.domain.enums import ChargeBasis
from equipshare.domain.records.consortium import FacilityChange, FacilityRecord, StaffMember
from equipshare.tui.widgets.column_fit import ColumnSpec

#: The code and name are whole at 80 columns; the rest show as the room allows.
FACILITY_COLUMNS = (
    ColumnSpec("Code", "code", priority=0),
    ColumnSpec("Name", "name", priority=0, least=16),
    ColumnSpec("Institution", "institution", priority=1),
    ColumnSpec("Department", "department", priority=5, least=16, most=40),
    ColumnSpec("Building", "building", priority=6, least=12, most=30),
    ColumnSpec("Time zone", "timezone", priority=3),
    ColumnSpec("Contact email", "email", priority=4),
    ColumnSpec("Charging", "charging", priority=2),
)
STAFF_COLUMNS = (
    ColumnSpec("Username", "username", priority=0),
    ColumnSpec("Name", "name", priority=0, least=12),
    ColumnSpec("Role", "role", priority=0),
    ColumnSpec("Credited as", "credited", priority=3, least=12),
    ColumnSpec("Email", "email", priority=2),
    ColumnSpec("Active", "active", priority=1),
)

BASIS_WORDS = {ChargeBasis.BOOKED: "time booked", ChargeBasis.ACTUAL: "time used"}


def charging_words(facility: FacilityRecord) -> str:
    """'time booked; 50% if cancelled within 24 h': how the facility charges, in short."""
    words = (
        f"{BASIS_WORDS.get(facility.charge_basis, facility.charge_basis)}; "
        f"{facility.late_cancellation_percent}% if cancelled within "
        f"{facility.free_cancellation_hours} h"
    )
    return words + ("; check-in required" if facility.requires_check_in else "")


def detail_words(facility: FacilityRecord) -> str:
    """Everything about the facility on one line, for terminals too narrow for every column."""
    place = ", ".join(p for p in (facility.department, facility.building, facility.site) if p)
    parts = [
        f"{facility.code} ({facility.institution_name})",
        place,
        f"times in {facility.timezone}",
        facility.email or "",
        facility.web_address or "",
        f"charges {charging_words(facility)}",
        f"{facility.instruments} instrument" + ("" if facility.instruments == 1 else "s"),
    ]
    return "  ·  ".join(p for p in parts if p)


def change_words(change: FacilityChange) -> str:
    """'Added WAR-EM', 'WAR-PRP: changed name, building' or 'WAR-PRP: nothing changed'."""
    code = change.facility.code
    outcome = change.change.outcome.value
    if change.change.changed:
        return f"{code}: changed " + ", ".join(f for f, _, _ in change.change.changed)
    if outcome == "created":
        return f"Added facility {code}  {change.facility.name}"
    return f"{code}: {outcome}, nothing changed"


def facility_cells(facility: FacilityRecord) -> tuple[str, ...]:
    """A facility's row, in FACILITY_COLUMNS' order."""
    return (
        facility.code,
        facility.name,
        facility.institution_code,
        facility.department or "",
        facility.building or "",
        facility.timezone,
        facility.email or "",
        charging_words(facility),
    )


def member_cells(member: StaffMember) -> tuple[str, ...]:
    """A staff member's row, in STAFF_COLUMNS' order."""
    return (
        member.username,
        member.display_name,
        member.role.value,
        member.credited_as,
        member.email or "",
        "yes" if member.active else "no",
    )


def staff_title(facility: FacilityRecord | None, members: tuple[StaffMember, ...]) -> str:
    """The staff table's title: whose staff it is, and when nobody is on it yet."""
    title = "Staff" if facility is None else f"Staff of {facility.code}  {facility.name}"
    if facility is not None and not members:
        title += ": nobody yet"
    return title


def removal_question(member: StaffMember) -> str:
    """What is asked before someone is taken off a facility's staff."""
    return (
        f"Remove {member.username} ({member.display_name}) from {member.facility_code}? "
        f"They are its {member.role.value}."
    )
