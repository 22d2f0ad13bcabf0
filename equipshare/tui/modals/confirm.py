"""ConfirmModal: one question before a change that is hard to undo; True goes ahead.

Removing staff, cancelling a downtime and (de)activating an account each asked with a
copy of the same dialog; this is the one they share, worded by the caller.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmModal(ModalScreen[bool]):
    """Asks `question`, with an optional `note` on what follows; Keep is focused first."""

    DEFAULT_CSS = """
    ConfirmModal { align: center middle; }
    #confirm-dialog {
        width: 70; max-width: 95%; height: auto;
        border: round $error; background: $surface; padding: 0 1;
    }
    ConfirmModal.gentle #confirm-dialog { border: round $primary; }
    #confirm-question { text-style: bold; padding: 1 0 0 0; }
    #confirm-note { color: $text-muted; padding: 1 0 0 0; }
    #confirm-note.warning { color: $warning; }
    #confirm-buttons { height: auto; align-horizontal: right; padding: 1 0 0 0; }
    #confirm-buttons Button { margin: 0 0 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "keep", "Keep", id="confirm.keep", tooltip="Close, changing nothing"),
    ]

    def __init__(
        self,
        question: str,
        note: str | None = None,
        *,
        keep: str = "Keep",
        go: str = "Go ahead",
        destructive: bool = True,
        warning: bool = False,
    ) -> None:
        """`keep` and `go` label the buttons; `warning` marks the note as one to heed."""
        super().__init__(classes="" if destructive else "gentle")
        self.question = question
        self.note = note
        self._labels = (keep, go)
        self._destructive = destructive
        self._warning = warning

    def compose(self) -> ComposeResult:
        keep, go = self._labels
        with Vertical(id="confirm-dialog"):
            yield Static(self.question, id="confirm-question", markup=False)
            if self.note:
                classes = "warning" if self._warning else ""
                yield Static(self.note, id="confirm-note", classes=classes, markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(keep, id="confirm-keep")
                yield Button(
                    go, id="confirm-go", variant="error" if self._destructive else "primary"
                )

    def on_mount(self) -> None:
        self.query_one("#confirm-keep", Button).focus()

    @on(Button.Pressed, "#confirm-go")
    def _go(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-keep")
    def action_keep(self) -> None:
        self.dismiss(False)
