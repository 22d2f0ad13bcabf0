"""ConfirmActiveModal: ask before an admin deactivates or reactivates a user account."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from equipshare.domain.records.admin import UserListRow


class ConfirmActiveModal(ModalScreen[bool]):
    """Asks before deactivating or reactivating an account; True goes ahead."""

    DEFAULT_CSS = """
    ConfirmActiveModal { align: center middle; }
    #confirm-active-dialog {
        width: 70; max-width: 95%; height: auto;
        border: round $error; background: $surface; padding: 0 1;
    }
    #confirm-active-question { text-style: bold; padding: 1 0 0 0; }
    #confirm-active-note { color: $text-muted; padding: 1 0 0 0; }
    #confirm-active-buttons { height: auto; align-horizontal: right; padding: 1 0 0 0; }
    #confirm-active-buttons Button { margin: 0 0 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "keep",
            "Keep as is",
            id="confirm_active.keep",
            tooltip="Close without changing the account",
        ),
    ]

    def __init__(self, user: UserListRow, *, activate: bool) -> None:
        super().__init__()
        self.user = user
        self.activate = activate

    def compose(self) -> ComposeResult:
        user, verb = self.user, "Reactivate" if self.activate else "Deactivate"
        note = (
            "They may sign in and book again, with their bookings, training and history "
            "as they were."
            if self.activate
            else "They can no longer sign in to book; their bookings, training and history stay."
        )
        with Vertical(id="confirm-active-dialog"):
            yield Static(
                f"{verb} {user.username} ({user.name}, {user.institution_code})?",
                id="confirm-active-question",
                markup=False,
            )
            yield Static(note, id="confirm-active-note", markup=False)
            with Horizontal(id="confirm-active-buttons"):
                yield Button("Keep as is", id="confirm-active-keep")
                yield Button(
                    verb,
                    id="confirm-active-go",
                    variant="primary" if self.activate else "error",
                )

    def on_mount(self) -> None:
        self.query_one("#confirm-active-keep", Button).focus()

    @on(Button.Pressed, "#confirm-active-go")
    def _go(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-active-keep")
    def action_keep(self) -> None:
        self.dismiss(False)
