"""FacilityForm: add or edit a facility, with the service's refusal shown beside its field.

The form sends what was typed to FacilityService in a worker and closes only once the
change is made. A refusal names a field (code, name, institution, timezone, email...), so
it appears under that field; a refusal for want of a right appears under the form.
Charging terms are shown on the Facilities screen but changed by `equipshare facility
policy`, so there is one way to change them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from equipshare.domain.errors import EquipshareError, PermissionDenied
from equipshare.domain.records.consortium import FacilityChange, FacilityRecord
from equipshare.services.consortium.service import FacilityService
from equipshare.tui.modals.record_form import field_error_text, show_field_error
from equipshare.tui.service_screen import ServiceCalls

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
FIELDS = (*(name for name, _, _ in INPUTS), "general")
# The services name fields as the CLI does; this is where each one shows in the form.
FIELD_OF = {name: name for name, _, _ in INPUTS} | {"new_code": "code"}
DESCRIBED = ("department", "building", "site", "email", "web_address")


def field_of(error: EquipshareError) -> str:
    """The form field an error belongs beside; 'general' for a missing right or no field."""
    if isinstance(error, PermissionDenied):
        return "general"
    return FIELD_OF.get(getattr(error, "field", None) or "", "general")


class FacilityForm(ServiceCalls, ModalScreen[FacilityChange | None]):
    """Returns what the service did (added or changed), or None when closed."""

    @dataclass
    class FacilitySaved(Message):
        """The facility was added or edited (or was already so)."""

        change: FacilityChange

    @dataclass
    class FacilityRefused(Message):
        """The service refused; `field` says where to show it."""

        text: str
        field: str

    DEFAULT_CSS = """
    FacilityForm { align: center middle; }
    #facility-dialog {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    #facility-title { text-style: bold; padding: 0 0 1 0; }
    FacilityForm .field-row { height: auto; }
    #facility-notify { margin: 0 0 0 15; }
    FacilityForm .field-row Label { width: 15; padding: 0 1 0 0; }
    FacilityForm .field-row Input { width: 1fr; }
    FacilityForm .field-error { color: $error; padding: 0 0 0 15; height: auto; display: none; }
    FacilityForm .field-error.shown { display: block; }
    #facility-buttons { height: auto; align-horizontal: right; padding: 1 0 0 0; }
    #facility-buttons Button { margin: 0 0 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "close",
            "Close",
            id="facility_form.close",
            tooltip="Close the form without saving",
        ),
        Binding("ctrl+s", "submit", "Save", id="facility_form.submit", tooltip="Save the facility"),
    ]

    def __init__(
        self, facilities: FacilityService, actor: str, facility: FacilityRecord | None = None
    ) -> None:
        """Without `facility` the form adds one; with it, it edits that one."""
        super().__init__()
        self._facilities = facilities
        self._actor = actor
        self.facility = facility
        self.busy = False

    def _initial(self, field: str) -> str:
        if self.facility is None:
            return ""
        if field == "institution":
            return self.facility.institution_code
        value = getattr(self.facility, field)
        return "" if value is None else str(value)

    def compose(self) -> ComposeResult:
        title = (
            "Add a facility"
            if self.facility is None
            else f"Edit facility {self.facility.code}  {self.facility.name}"
        )
        with VerticalScroll(id="facility-dialog", can_focus=False):
            yield Static(title, id="facility-title", markup=False)
            for field, label, placeholder in INPUTS:
                with Horizontal(classes="field-row"):
                    yield Label(label)
                    yield Input(
                        self._initial(field),
                        placeholder=self._placeholder(field, placeholder),
                        id=f"facility-{field}",
                        compact=True,
                    )
                yield self._error(field)
            if self.facility is not None:
                yield Checkbox(
                    "Email its staff when a user cancels a booking",
                    self.facility.notify_staff_on_cancel,
                    id="facility-notify",
                    compact=True,
                )
            yield self._error("general")
            with Horizontal(id="facility-buttons"):
                yield Button("Close", id="facility-close", compact=True)
                yield Button(
                    "Add" if self.facility is None else "Save",
                    id="facility-save",
                    variant="primary",
                    compact=True,
                )

    def _placeholder(self, field: str, placeholder: str) -> str:
        if self.facility is not None and field == "timezone":
            return "blank: keep the zone it has"
        return placeholder

    @staticmethod
    def _error(field: str) -> Static:
        return Static("", id=f"facility-{field}-error", classes="field-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#facility-code" if self.facility is None else "#facility-name").focus()

    def value(self, field: str) -> str:
        return self.query_one(f"#facility-{field}", Input).value.strip()

    # Sending --------------------------------------------------------------------------

    @on(Input.Submitted)
    @on(Button.Pressed, "#facility-save")
    def action_submit(self) -> None:
        if self.busy:
            self.notify("Still saving; wait for the answer", severity="warning")
            return
        self.show_error(None, "")
        self.busy = True
        facilities, actor, facility = self._facilities, self._actor, self.facility
        typed = {field: self.value(field) for field, _, _ in INPUTS}
        described = {field: typed[field] for field in DESCRIBED}
        notify = None if facility is None else self.query_one("#facility-notify", Checkbox).value

        def save() -> FacilityChange:
            if facility is None:
                return facilities.add(
                    actor,
                    typed["code"],
                    typed["name"],
                    typed["institution"],
                    timezone=typed["timezone"] or None,
                    department=described["department"] or None,
                    building=described["building"] or None,
                    site=described["site"] or None,
                    email=described["email"] or None,
                    web_address=described["web_address"] or None,
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
                department=described["department"],
                building=described["building"],
                site=described["site"],
                email=described["email"],
                web_address=described["web_address"],
                notify_staff_on_cancel=notify,
            )

        self.call_service(
            save,
            self.FacilitySaved,
            group="facility_form",
            refused=lambda error: self.FacilityRefused(str(error), field_of(error)),
        )

    @on(FacilitySaved)
    def _saved(self, message: FacilitySaved) -> None:
        self.busy = False
        self.dismiss(message.change)

    @on(FacilityRefused)
    def _refused(self, message: FacilityRefused) -> None:
        self.busy = False
        self.show_error(message.field, message.text)

    def show_error(self, field: str | None, text: str) -> None:
        """Show `text` under the field it concerns (under the form if none), clearing others."""
        show_field_error(self, "facility", FIELDS, field, text)

    def error_text(self, field: str) -> str:
        """What the form shows under `field` (for tests and screen readers)."""
        return field_error_text(self, "facility", field)

    @on(Button.Pressed, "#facility-close")
    def action_close(self) -> None:
        self.dismiss(None)
