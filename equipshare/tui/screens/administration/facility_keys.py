"""The Facilities screen's keys, and who may press them: admins add and edit facilities;
admins and a facility's own managers change its staff."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from equipshare.tui.service_screen import back_binding

#: The keys for admins only, and those for admins and the highlighted facility's managers.
FACILITY_ACTIONS = frozenset({"add", "edit"})
STAFF_ACTIONS = frozenset({"add_staff", "remove_staff"})

FACILITY_BINDINGS: list[BindingType] = [
    back_binding("facilities"),
    Binding("n", "add", "Add facility", id="facilities.add", tooltip="Add a facility (admins)"),
    Binding(
        "e",
        "edit",
        "Edit facility",
        id="facilities.edit",
        tooltip="Change the highlighted facility's name, place or contacts (admins)",
    ),
    Binding(
        "s",
        "add_staff",
        "Add staff",
        id="facilities.add_staff",
        tooltip="Make someone a manager or technician of the highlighted facility "
        "(its managers, or admins)",
    ),
    Binding(
        "x",
        "remove_staff",
        "Remove staff",
        id="facilities.remove_staff",
        tooltip="Take the highlighted person off the facility's staff, after asking",
    ),
    Binding(
        "p",
        "profile",
        "Profile",
        id="facilities.profile",
        tooltip="The highlighted staff member's credit profile: how papers name them",
    ),
    Binding(
        "h",
        "history",
        "History",
        id="facilities.history",
        tooltip="Who changed the highlighted facility, and when",
    ),
]


def refused_words(action: str, actor: str, facility_code: str | None) -> str | None:
    """What a refused n, e, s or x says, naming who may press it; None for any other key."""
    if action in FACILITY_ACTIONS:
        return f"Facilities are added and edited by admins; {actor} is not one"
    if action in STAFF_ACTIONS:
        code = facility_code or "this facility"
        return f"{code}'s staff is changed by its managers and admins; {actor} is neither"
    return None
