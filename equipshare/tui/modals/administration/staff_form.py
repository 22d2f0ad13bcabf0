"""StaffForm: make someone a facility's manager or technician.

The form sends the username and role to StaffService in a worker and closes once the
change is made; a refusal shows under the field it names (an unknown or deactivated
user under the username), and one for want of a right under the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from equipshare.domain.enums import StaffRole
from equipshare.domain.errors import EquipshareError, PermissionDenied
from equipshare.domain.records.consortium import StaffChange
from equipshare.services.consortium.service import StaffService
from equipshare.tui.modals.record_form import field_error_text, show_field_error
from equipshare.tui.service_screen import ServiceCalls
from equipshare.tui.widgets.suggesters import Completions, UsernameSuggester, spelled

FIELDS = ("user", "role", "general")


def field_of(error: EquipshareError) -> str:
    """Where a refusal shows: beside the username or role, else under the form."""
    field = getattr(error, "field", None)
    if isinstance(error, PermissionDenied) or field not in FIELDS:
        return "general"
    return str(field)


class StaffForm(ServiceCalls, ModalScreen[StaffChange | None]):
    """Returns the staff change made (or 'already'), or None when closed."""

    @dataclass
    class StaffAdded(Message):
        """The service added the member, changed their role, or found them in it."""

        change: StaffChange

    @dataclass
    class StaffRefused(Message):
        """The service refused; `field` says where to show it."""

        text: str
        field: str

    DEFAULT_CSS = """
    StaffForm { align: center middle; }
    #staff-dialog {
        width: 70; max-width: 100%; height: auto;
        border: round $accent; background: $surface; padding: 0 1;
    }
    #staff-title { text-style: bold; padding: 0 0 1 0; }
    StaffForm .field-row { height: auto; }
    StaffForm .field-row Label { width: 12; padding: 0 1 0 0; }
    StaffForm .field-row Input, StaffForm .field-row Select { width: 1fr; }
    StaffForm .field-error { color: $error; padding: 0 0 0 12; height: auto; display: none; }
    StaffForm .field-error.shown { display: block; }
    #staff-buttons { height: auto; align-horizontal: right; padding: 1 0 0 0; }
    #staff-buttons Button { margin: 0 0 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "close",
            "Close",
            id="staff_form.close",
            tooltip="Close the form without changing the staff",
        ),
    ]

    def __init__(
        self,
        staff: StaffService,
        actor: str,
        facility_code: str,
        facility_name: str,
        *,
        completions: Completions | None = None,
    ) -> None:
        """`completions` make the username field complete as typed."""
        super().__init__()
        self._completions = completions
        self._staff = staff
        self._actor = actor
        self.facility_code = facility_code
        self.facility_name = facility_name
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="staff-dialog"):
            yield Static(
                f"Add staff to {self.facility_code}  {self.facility_name}",
                id="staff-title",
                markup=False,
            )
            with Horizontal(classes="field-row"):
                yield Label("Username")
                completions = self._completions
                yield Input(
                    placeholder="e.g. alice",
                    id="staff-user",
                    compact=True,
                    suggester=UsernameSuggester(completions.usernames) if completions else None,
                )
            yield self._error("user")
            with Horizontal(classes="field-row"):
                yield Label("Role")
                yield Select(
                    [(role.value, role) for role in StaffRole],
                    value=StaffRole.TECHNICIAN,
                    allow_blank=False,
                    id="staff-role",
                    compact=True,
                )
            yield self._error("role")
            yield Static(
                "Managers approve bookings, set prices and change the staff; technicians "
                "run sessions, record training and approve bookings too.",
                id="staff-note",
                markup=False,
            )
            yield self._error("general")
            with Horizontal(id="staff-buttons"):
                yield Button("Close", id="staff-close", compact=True)
                yield Button("Add", id="staff-save", variant="primary", compact=True)

    @staticmethod
    def _error(field: str) -> Static:
        return Static("", id=f"staff-{field}-error", classes="field-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#staff-user", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#staff-save")
    def action_submit(self) -> None:
        if self.busy:
            self.notify("Still saving; wait for the answer", severity="warning")
            return
        self.show_error(None, "")
        chosen = self.query_one("#staff-role", Select).value
        role = chosen if isinstance(chosen, StaffRole) else StaffRole.TECHNICIAN
        username = self.query_one("#staff-user", Input).value.strip()
        if not username:
            self.show_error("user", "say whom to add: their username")
            return
        self.busy = True
        staff, actor, code = self._staff, self._actor, self.facility_code
        usernames = self._completions.usernames if self._completions else None
        self.call_service(
            lambda: staff.add(actor, code, spelled(usernames, username), role),
            self.StaffAdded,
            group="staff_form",
            refused=lambda error: self.StaffRefused(str(error), field_of(error)),
        )

    @on(StaffAdded)
    def _added(self, message: StaffAdded) -> None:
        self.busy = False
        self.dismiss(message.change)

    @on(StaffRefused)
    def _refused(self, message: StaffRefused) -> None:
        self.busy = False
        self.show_error(message.field, message.text)

    def show_error(self, field: str | None, text: str) -> None:
        """Show `text` under the field it concerns (under the form if none), clearing others."""
        show_field_error(self, "staff", FIELDS, field, text)

    def error_text(self, field: str) -> str:
        """What the form shows under `field` (for tests and screen readers)."""
        return field_error_text(self, "staff", field)

    @on(Button.Pressed, "#staff-close")
    def action_close(self) -> None:
        self.dismiss(None)
