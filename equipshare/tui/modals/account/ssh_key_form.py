"""SshKeyForm: paste a public key line and a label; the service's refusal shows beside its field.

The key is read and checked by SshKeysService in a worker (domain/inputs/ssh_keys.py says what
is wrong with a bad line: a private key, a cut line, an RSA key too short), so a refusal
names the field and shows under it. The form closes only once the key is registered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import ClassVar

from textual.binding import BindingType

from equipshare.domain.records.users.ssh_keys import SshKeyRecord
from equipshare.services.ssh_keys.service import SshKeysService
from equipshare.tui.modals.record_form import RecordForm, Row, form_bindings


class SshKeyForm(RecordForm[SshKeyRecord]):
    """Returns the key registered to the acting user, or None when closed without adding."""

    DEFAULT_CSS = """
    SshKeyForm .form-dialog { width: 90; }
    SshKeyForm .form-title { padding: 0; }
    SshKeyForm .field-row Label { width: 8; }
    SshKeyForm .field-error { padding: 0 0 0 8; }
    """

    BINDINGS: ClassVar[list[BindingType]] = form_bindings(
        "ssh_key_form", "Add", "Register the key", close_tip="Close without adding"
    )
    PREFIX, FORM_ID = "ssh-key", "ssh_key_form"
    FIELDS = ("key", "label", "general")
    FIELD_OF: ClassVar[Mapping[str, str]] = {"public_key": "key", "label": "label"}

    def __init__(self, keys: SshKeysService, actor_username: str) -> None:
        super().__init__()
        self._keys = keys
        self._actor = actor_username

    def title_words(self) -> str:
        return "Add an SSH key"

    def hint_words(self) -> str:
        return (
            "Paste the one line of your public key, e.g. the output of "
            "cat ~/.ssh/id_ed25519.pub. Never the private key."
        )

    def save_words(self) -> str:
        return "Add"

    def rows(self) -> Iterable[Row]:
        return (
            self.input_row("Key", "key", "", "ssh-ed25519 AAAAC3Nza... you@laptop"),
            self.input_row("Label", "label", "", "e.g. work laptop (default: the key's comment)",
                           max_length=100),
        )  # fmt: skip

    def submission(self) -> Callable[[], SshKeyRecord]:
        line, label = self.value("key"), self.value("label").strip() or None
        keys, actor = self._keys, self._actor
        return lambda: keys.add(actor, line, label, actor=actor)
