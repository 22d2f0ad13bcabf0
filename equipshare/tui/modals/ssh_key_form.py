"""SshKeyForm: paste a public key line and a label; the service's refusal shows beside its field.

The key is read and checked by SshKeysService in a worker (domain/ssh_keys.py says what
is wrong with a bad line: a private key, a cut line, an RSA key too short), so a refusal
names the field and shows under it. The form closes only once the key is registered.
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
from textual.widgets import Button, Input, Label, Static

from equipshare.domain.errors import EquipshareError
from equipshare.domain.records.ssh_keys import SshKeyRecord
from equipshare.services.ssh_keys.service import SshKeysService
from equipshare.tui.modals.field_errors import field_error_text, show_field_error
from equipshare.tui.service_screen import ServiceCalls

FIELDS = ("key", "label", "general")
# The service names fields as the CLI does; this is where each shows in the form.
FIELD_OF = {"public_key": "key", "label": "label"}


class SshKeyForm(ServiceCalls, ModalScreen[SshKeyRecord | None]):
    """Returns the key registered to the acting user, or None when closed without adding."""

    @dataclass
    class Saved(Message):
        """The service registered the key."""

        record: SshKeyRecord

    @dataclass
    class Refused(Message):
        """The service refused; `field` is the form field to show it beside."""

        text: str
        field: str

    DEFAULT_CSS = """
    SshKeyForm { align: center middle; }
    #ssh-key-dialog {
        width: 90; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    #ssh-key-title { text-style: bold; }
    #ssh-key-hint { color: $text-muted; padding: 0 0 1 0; }
    SshKeyForm .field-row { height: auto; }
    SshKeyForm .field-row Label { width: 8; padding: 0 1 0 0; }
    SshKeyForm .field-row Input { width: 1fr; }
    /* Blank until the service names this field, so it doubles as the gap between rows. */
    SshKeyForm .field-error { color: $error; padding: 0 0 0 8; height: auto; min-height: 1; }
    #ssh-key-buttons { height: auto; align-horizontal: right; }
    #ssh-key-buttons Button { margin: 0 0 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "close", "Close", id="ssh_key_form.close", tooltip="Close without adding"
        ),
        Binding("ctrl+s", "save", "Add", id="ssh_key_form.save", tooltip="Register the key"),
    ]

    def __init__(self, keys: SshKeysService, actor_username: str) -> None:
        super().__init__()
        self._keys = keys
        self._actor = actor_username
        self.busy = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="ssh-key-dialog", can_focus=False):
            yield Static("Add an SSH key", id="ssh-key-title", markup=False)
            yield Static(
                "Paste the one line of your public key, e.g. the output of "
                "cat ~/.ssh/id_ed25519.pub. Never the private key.",
                id="ssh-key-hint",
                markup=False,
            )
            yield from self._row(
                "Key",
                Input(
                    id="ssh-key-key",
                    placeholder="ssh-ed25519 AAAAC3Nza... you@laptop",
                    compact=True,
                ),
                "key",
            )
            yield from self._row(
                "Label",
                Input(
                    id="ssh-key-label",
                    placeholder="e.g. work laptop (default: the key's comment)",
                    max_length=100,
                    compact=True,
                ),
                "label",
            )
            yield Static("", id="ssh-key-general-error", classes="field-error", markup=False)
            with Horizontal(id="ssh-key-buttons"):
                yield Button("Close", id="ssh-key-close", compact=True)
                yield Button("Add", id="ssh-key-save", variant="primary", compact=True)

    @staticmethod
    def _row(label: str, field: Input, name: str) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield Label(label)
            yield field
        yield Static("", id=f"ssh-key-{name}-error", classes="field-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#ssh-key-key", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#ssh-key-save")
    def action_save(self) -> None:
        if self.busy:
            self.notify("Still saving; wait for the answer", severity="warning")
            return
        self.show_error(None, "")
        self.busy = True
        line = self.query_one("#ssh-key-key", Input).value
        label = self.query_one("#ssh-key-label", Input).value.strip() or None
        keys, actor = self._keys, self._actor
        self.call_service(
            lambda: keys.add(actor, line, label, actor=actor),
            self.Saved,
            group="ssh_key_form",
            refused=self._refusal,
        )

    def _refusal(self, error: EquipshareError) -> SshKeyForm.Refused:
        return self.Refused(str(error), FIELD_OF.get(getattr(error, "field", None) or "", ""))

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        self.busy = False
        self.dismiss(message.record)

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self.busy = False
        self.show_error(message.field, message.text)

    def show_error(self, field: str | None, text: str) -> None:
        """Show `text` under the field it concerns (under the form if none), clearing others."""
        show_field_error(self, "ssh-key", FIELDS, field, text)

    def error_text(self, field: str) -> str:
        """What the form shows under `field` (for tests and screen readers)."""
        return field_error_text(self, "ssh-key", field)

    @on(Button.Pressed, "#ssh-key-close")
    def action_close(self) -> None:
        self.dismiss(None)
