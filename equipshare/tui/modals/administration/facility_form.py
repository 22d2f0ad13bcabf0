"""FacilityForm: add or edit a facility, with the service's refusal shown beside its field.

The form sends what was typed to FacilityService in a worker and closes only once the
change is made. A refusal names a field (code, name, institution, timezone, email...), so
it appears under that field; a refusal for want of a right appears under the form.
Charging terms are shown on the Facilities screen but changed by `equipshare facility
policy`, so there is one way to change them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Checkbox

from equipshare.domain.errors import EquipshareError, PermissionDenied
from equipshare.domain.records.consortium import FacilityChange, FacilityRecord
from equipshare.services.consortium.service import FacilityService
from equipshare.tui.modals.record_form import RecordForm, Row

# (form field, label, placeholder), in the order shown; the field is the service's name.
INPUTS = (
    ("code", "Code", "e.g. WAR-EM"),
    ("name", "Name", "e.g. Warwick Electron Microscopy"),
    ("institution", "Institution", "institution code, e.g. WARWICK"),
    ("department", "Department", "optional"),
    ("building", "Building", "optional"),
    ("site", "Site", "optional"),
    ("timezone", "Time zone", "blank: the organisation's; e.g. Europe/London"),
    ("email", "Contact email", "optional"),
    ("web_address", "Web address", "optional, http(s)://..."),
)


class FacilityForm(RecordForm[FacilityChange]):
    """Returns what the service did (added or changed), or None when closed."""

    # Narrower labels than the other forms, and refusals take no room until shown, so the
    # nine rows and the checkbox fit a 24-line terminal.
    DEFAULT_CSS = """
    FacilityForm .field-row Label { width: 15; }
    FacilityForm .field-error { padding: 0 0 0 15; min-height: 0; display: none; }
    FacilityForm .field-error.shown { display: block; }
    FacilityForm .form-buttons { padding: 1 0 0 0; }
    #facility-notify { margin: 0 0 0 15; }
    """

    # The ids are what [keymap] remaps: kept as they were before this form was a RecordForm.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "close",
            "Close",
            id="facility_form.close",
            tooltip="Close the form without saving",
        ),
        Binding("ctrl+s", "save", "Save", id="facility_form.submit", tooltip="Save the facility"),
    ]
    PREFIX, FORM_ID = "facility", "facility_form"
    FIELDS = (*(name for name, _, _ in INPUTS), "general")
    # The services name fields as the CLI does; this is where each one shows in the form.
    FIELD_OF: ClassVar[Mapping[str, str]] = {name: name for name, _, _ in INPUTS} | {
        "new_code": "code"
    }

    def __init__(
        self, facilities: FacilityService, actor: str, facility: FacilityRecord | None = None
    ) -> None:
        """Without `facility` the form adds one; with it, it edits that one."""
        super().__init__()
        self._facilities = facilities
        self._actor = actor
        self.facility = facility

    def title_words(self) -> str:
        if self.facility is None:
            return "Add a facility"
        return f"Edit facility {self.facility.code}  {self.facility.name}"

    def save_words(self) -> str:
        return "Add" if self.facility is None else "Save"

    def first_field(self) -> str:
        return "code" if self.facility is None else "name"

    def rows(self) -> Iterable[Row]:
        for name, label, placeholder in INPUTS:
            yield self.input_row(
                label, name, self._initial(name), self._placeholder(name, placeholder)
            )

    def extras(self) -> ComposeResult:
        if self.facility is not None:
            yield Checkbox(
                "Email its staff when a user cancels a booking",
                self.facility.notify_staff_on_cancel,
                id="facility-notify",
                compact=True,
            )

    def _initial(self, field: str) -> str:
        if self.facility is None:
            return ""
        if field == "institution":
            return self.facility.institution_code
        value = getattr(self.facility, field)
        return "" if value is None else str(value)

    def _placeholder(self, field: str, placeholder: str) -> str:
        if self.facility is not None and field == "timezone":
            return "blank: keep the zone it has"
        return placeholder

    def refusal(self, error: EquipshareError) -> tuple[str, str]:
        """A missing right shows under the form, whatever field the call was about."""
        if isinstance(error, PermissionDenied):
            return str(error), "general"
        return super().refusal(error)

    def submission(self) -> Callable[[], FacilityChange]:
        facilities, actor, facility = self._facilities, self._actor, self.facility
        typed = {name: self.value(name).strip() for name, _, _ in INPUTS}
        notify = None if facility is None else self.query_one("#facility-notify", Checkbox).value

        def save() -> FacilityChange:
            if facility is None:
                return facilities.add(
                    actor,
                    typed["code"],
                    typed["name"],
                    typed["institution"],
                    timezone=typed["timezone"] or None,
                    department=typed["department"] or None,
                    building=typed["building"] or None,
                    site=typed["site"] or None,
                    email=typed["email"] or None,
                    web_address=typed["web_address"] or None,
                )
            # Only what differs: the service checks a new code is free, even one's own.
            return facilities.edit(
                actor,
                facility.code,
                new_code=typed["code"] if typed["code"] != facility.code else None,
                name=typed["name"],
                institution=typed["institution"],
                timezone=typed["timezone"] or None,  # blank keeps the zone it has
                # A blank descriptive field clears it, as `facilities edit --site ''` does.
                department=typed["department"],
                building=typed["building"],
                site=typed["site"],
                email=typed["email"],
                web_address=typed["web_address"],
                notify_staff_on_cancel=notify,
            )

        return save
