"""InstitutionForm: add or edit an institution, with the service's refusal beside its field.

The form sends what was typed to InstitutionService in a worker; the service checks
every value and names the field it refuses (code, name, sector, email_domain), so the
refusal shows under that field, and anything else (a missing right) under the form.
The form closes only once the institution is saved.
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
from textual.widgets import Button, Input, Label, Select, Static

from equipshare.domain.enums import InstitutionSector
from equipshare.domain.errors import EquipshareError
from equipshare.domain.records.consortium import InstitutionChange, InstitutionRecord
from equipshare.services.consortium.service import InstitutionService
from equipshare.tui.modals.field_errors import field_error_text, show_field_error
from equipshare.tui.service_screen import ServiceCalls

FIELDS = ("code", "name", "sector", "partner", "domains", "general")
# The services name fields as the CLI's options do; this is where each shows in the form.
FIELD_OF = {
    "code": "code",
    "name": "name",
    "sector": "sector",
    "is_partner": "partner",
    "email_domain": "domains",
}


def shown_value(value: object) -> str:
    """A field's value as `equipshare institutions` prints it: '(none)' for nothing."""
    if value is None or value == "":
        return "(none)"
    return value.value if isinstance(value, InstitutionSector) else str(value)


def change_words(change: InstitutionChange) -> str:
    """What a save did, in the CLI's words: 'ASTON: created', 'ASTON changed name: A -> B'."""
    code, result = change.institution.code, change.change
    if not result.changed:
        return f"{code}: {result.outcome.value}"
    return "\n".join(
        f"{code} changed {field}: {shown_value(old)} -> {shown_value(new)}"
        for field, old, new in result.changed
    )


class InstitutionForm(ServiceCalls, ModalScreen[InstitutionChange | None]):
    """Returns what the save did, or None when closed without saving.

    Without a record it adds an institution; with one it edits that institution, the
    fields starting from its current values (the service changes only those that differ).
    """

    @dataclass
    class Saved(Message):
        """The service accepted the institution."""

        change: InstitutionChange

    @dataclass
    class Refused(Message):
        """The service refused; `field` is the form field to show it beside."""

        text: str
        field: str

    DEFAULT_CSS = """
    InstitutionForm { align: center middle; }
    #institution-dialog {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    #institution-title { text-style: bold; padding: 0 0 1 0; }
    InstitutionForm .field-row { height: auto; }
    InstitutionForm .field-row Label { width: 16; padding: 0 1 0 0; }
    InstitutionForm .field-row Input, InstitutionForm .field-row Select { width: 1fr; }
    /* Blank until the service names this field, so it doubles as the gap between rows. */
    InstitutionForm .field-error { color: $error; padding: 0 0 0 16; height: auto; min-height: 1; }
    #institution-buttons { height: auto; align-horizontal: right; }
    #institution-buttons Button { margin: 0 0 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "close",
            "Close",
            id="institution_form.close",
            tooltip="Close the form without saving",
        ),
        Binding(
            "ctrl+s", "save", "Save", id="institution_form.save", tooltip="Save the institution"
        ),
    ]

    def __init__(
        self,
        institutions: InstitutionService,
        actor_username: str,
        record: InstitutionRecord | None = None,
    ) -> None:
        super().__init__()
        self._institutions = institutions
        self._actor = actor_username
        self.record = record
        self.busy = False

    def compose(self) -> ComposeResult:
        record = self.record
        title = f"Edit institution {record.code}" if record else "Add an institution"
        with VerticalScroll(id="institution-dialog", can_focus=False):
            yield Static(title, id="institution-title", markup=False)
            yield from self._row(
                "Code",
                Input(
                    record.code if record else "",
                    id="institution-code",
                    placeholder="e.g. ASTON (stored upper-case)",
                    compact=True,
                ),
                "code",
            )
            yield from self._row(
                "Name",
                Input(
                    record.name if record else "",
                    id="institution-name",
                    placeholder="e.g. Aston University",
                    compact=True,
                ),
                "name",
            )
            yield from self._row(
                "Sector",
                Select(
                    [(sector.value, sector.value) for sector in InstitutionSector],
                    value=(record.sector if record else InstitutionSector.ACADEMIC).value,
                    allow_blank=False,
                    id="institution-sector",
                    compact=True,
                ),
                "sector",
            )
            yield from self._row(
                "Partner",
                Select(
                    [("yes: books on partner terms", "yes"), ("no", "no")],
                    value="yes" if record and record.is_partner else "no",
                    allow_blank=False,
                    id="institution-partner",
                    compact=True,
                ),
                "partner",
            )
            yield from self._row(
                "Email domains",
                Input(
                    ", ".join(record.email_domains) if record else "",
                    id="institution-domains",
                    placeholder="e.g. aston.ac.uk, aston.com",
                    compact=True,
                ),
                "domains",
            )
            yield Static("", id="institution-general-error", classes="field-error", markup=False)
            with Horizontal(id="institution-buttons"):
                yield Button("Close", id="institution-close", compact=True)
                yield Button(
                    "Save" if record else "Add",
                    id="institution-save",
                    variant="primary",
                    compact=True,
                )

    @staticmethod
    def _row(label: str, field: Input | Select[str], name: str) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield Label(label)
            yield field
        yield Static("", id=f"institution-{name}-error", classes="field-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#institution-name" if self.record else "#institution-code").focus()

    # Reading and sending --------------------------------------------------------------

    def value(self, name: str) -> str:
        return self.query_one(f"#institution-{name}", Input).value

    def choice(self, name: str) -> str:
        chosen = self.query_one(f"#institution-{name}", Select).value
        return chosen if isinstance(chosen, str) else ""

    @on(Input.Submitted)
    @on(Button.Pressed, "#institution-save")
    def action_save(self) -> None:
        if self.busy:
            self.notify("Still saving; wait for the answer", severity="warning")
            return
        self.show_error(None, "")
        self.busy = True
        code, name, domains = self.value("code"), self.value("name"), self.value("domains")
        sector = InstitutionSector(self.choice("sector"))
        partner = self.choice("partner") == "yes"
        record, service, actor = self.record, self._institutions, self._actor

        def save() -> InstitutionChange:
            if record is None:
                return service.add(
                    actor, code, name, sector, is_partner=partner, email_domains=(domains,)
                )
            return service.edit(
                actor, record.code, new_code=code, name=name, sector=sector,
                is_partner=partner, email_domains=(domains,),
            )  # fmt: skip

        self.call_service(save, self.Saved, group="institution_form", refused=self._refusal)

    def _refusal(self, error: EquipshareError) -> InstitutionForm.Refused:
        return self.Refused(str(error), FIELD_OF.get(getattr(error, "field", None) or "", ""))

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        self.busy = False
        self.dismiss(message.change)

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self.busy = False
        self.show_error(message.field, message.text)

    def show_error(self, field: str | None, text: str) -> None:
        """Show `text` under the field it concerns (under the form if none), clearing others."""
        show_field_error(self, "institution", FIELDS, field, text)

    def error_text(self, field: str) -> str:
        """What the form shows under `field` (for tests and screen readers)."""
        return field_error_text(self, "institution", field)

    @on(Button.Pressed, "#institution-close")
    def action_close(self) -> None:
        self.dismiss(None)
