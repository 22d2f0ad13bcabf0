"""SshKeysScreen: the SSH keys on the user's own account: listed, added and removed.

A key here is what signs the user in to equipshare's SSH server (`ssh -p 2222 host`);
removing one refuses it from the next connection and ends its open sessions within a
minute. Times are shown in the organisation's zone, named.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Header, Static

from equipshare.domain.money.charge_quotes import instant_words
from equipshare.domain.records.users.ssh_keys import SshKeyRecord
from equipshare.services.ssh_keys.service import SshKeysService
from equipshare.tui.modals.confirm import ConfirmModal
from equipshare.tui.service_screen import ServiceScreen, back_binding
from equipshare.tui.widgets.column_fit import ColumnSpec
from equipshare.tui.widgets.fitted_table import FittedTable
from equipshare.tui.widgets.key_footer import KeyFooter

#: The label and fingerprint are whole at 80 columns; the rest show as the room allows.
COLUMNS = (
    ColumnSpec("Label", "label", priority=0, least=10),
    ColumnSpec("Algorithm", "algorithm", priority=2),
    ColumnSpec("Fingerprint", "fingerprint", priority=0),
    ColumnSpec("Added", "added", priority=3),
    ColumnSpec("Last used", "used", priority=1),
)


def last_used_words(key: SshKeyRecord, timezone: str) -> str:
    """'Mon 16 Mar 2026 10:00 GMT from 192.0.2.7', or 'never'."""
    if key.last_used_at is None:
        return "never"
    where = f" from {key.last_used_from}" if key.last_used_from else ""
    return instant_words(key.last_used_at, timezone) + where


def detail_words(key: SshKeyRecord, timezone: str) -> str:
    """Everything about one key, for the line under the table."""
    return (
        f"{key.label or '(no label)'}: {key.algorithm} {key.fingerprint}\n"
        f"added {instant_words(key.created_at, timezone)}; "
        f"last used {last_used_words(key, timezone)}"
    )


class SshKeysScreen(ServiceScreen[None]):
    """The user's keys; n adds one, x removes the highlighted one, Escape goes back."""

    @dataclass
    class KeysLoaded(Message):
        """The keys on the user's account arrived, oldest first."""

        keys: tuple[SshKeyRecord, ...]

    @dataclass
    class KeyRemoved(Message):
        """A key was removed from the account; the SSH server refuses it from now on."""

        key: SshKeyRecord

    DEFAULT_CSS = """
    #ssh-keys-table { height: 1fr; margin: 0 1; }
    #ssh-keys-detail { height: auto; padding: 0 2; }
    #ssh-keys-status { height: auto; padding: 0 2; color: $text-muted; background: $boost; }
    """

    ENTER_WORDS: ClassVar[dict[str, str]] = {
        "ssh-keys-table": "An SSH key is not changed once added: x removes it, n adds another"
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        back_binding("ssh_keys"),
        Binding(
            "n", "add", "Add", id="ssh_keys.add", tooltip="Register a public key to your account"
        ),
        Binding(
            "x",
            "remove",
            "Remove",
            id="ssh_keys.remove",
            tooltip="Remove the highlighted key: it signs in nowhere from then on",
        ),
    ]

    def __init__(self, keys: SshKeysService, actor: str, timezone: str) -> None:
        super().__init__()
        self._keys = keys
        self._actor = actor
        self._timezone = timezone
        self.loaded = False
        self.keys: list[SshKeyRecord] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield FittedTable(id="ssh-keys-table")
        # The highlighted key whole, for a terminal too narrow for every column.
        yield Static("", id="ssh-keys-detail", markup=False)
        yield Static("Loading your SSH keys...", id="ssh-keys-status", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#ssh-keys-table", FittedTable)
        table.set_columns(COLUMNS)
        table.focus()
        self.load_keys()

    def load_keys(self) -> None:
        actor = self._actor
        self.call_service(
            lambda: self._keys.list(actor, actor=actor), self.KeysLoaded, group="ssh_keys"
        )

    @on(KeysLoaded)
    def _show(self, message: KeysLoaded) -> None:
        self.keys = list(message.keys)
        table = self.query_one("#ssh-keys-table", DataTable)
        table.clear()
        for key in self.keys:
            table.add_row(
                key.label or "(no label)",
                key.algorithm,
                key.fingerprint,
                instant_words(key.created_at, self._timezone),
                last_used_words(key, self._timezone),
                key=key.fingerprint,
            )
        count = len(self.keys)
        self.query_one("#ssh-keys-status", Static).update(
            f"{count} SSH key{'s' if count != 1 else ''} on your account; times in "
            f"{self._timezone}  ·  n adds your public key (the .pub line), x removes one"
        )
        self._highlighted()
        self.loaded = True

    @on(DataTable.RowHighlighted, "#ssh-keys-table")
    def _highlighted(self) -> None:
        key = self.selected()
        detail = self.query_one("#ssh-keys-detail", Static)
        detail.update("" if key is None else detail_words(key, self._timezone))

    def selected(self) -> SshKeyRecord | None:
        """The highlighted key, if the table has any."""
        table = self.query_one("#ssh-keys-table", DataTable)
        if table.row_count == 0:
            return None
        fingerprint = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((k for k in self.keys if k.fingerprint == fingerprint), None)

    def action_add(self) -> None:
        from equipshare.tui.modals.account.ssh_key_form import SshKeyForm

        def added(record: SshKeyRecord | None) -> None:
            if record is not None:
                self.notify(f"Added {record.algorithm} key {record.fingerprint}")
                self.load_keys()

        self.app.push_screen(SshKeyForm(self._keys, self._actor), added)

    def action_remove(self) -> None:
        key = self.selected()
        if key is None:
            self.notify("No key selected", severity="warning")
            return

        def answered(remove: bool | None) -> None:
            if remove:
                self.remove_key(key)

        named = f"{key.label!r} ({key.fingerprint})" if key.label else key.fingerprint
        asked = ConfirmModal(
            f"Remove the SSH key {named}?",
            "It no longer signs you in over SSH; sessions opened with it end within a minute.",
            go="Remove",
        )
        self.app.push_screen(asked, answered)

    def remove_key(self, key: SshKeyRecord) -> None:
        keys, actor = self._keys, self._actor

        def call() -> SshKeyRecord:
            keys.remove(actor, key.fingerprint, actor=actor)
            return key

        self.call_service(call, self.KeyRemoved, group="ssh_keys_write")

    @on(KeyRemoved)
    def _removed(self, message: KeyRemoved) -> None:
        self.notify(f"Removed the SSH key {message.key.fingerprint}")
        self.load_keys()
