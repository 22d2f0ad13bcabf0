"""CancelBookingModal: confirm cancelling one booking, with an optional reason."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static


class CancelBookingModal(ModalScreen[str | None]):
    """Returns the reason (possibly empty) to cancel, or None to keep the booking."""

    DEFAULT_CSS = """
    CancelBookingModal {
        align: center middle;
    }
    #cancel-dialog {
        width: 70;
        max-width: 95%;
        height: auto;
        border: round $error;
        background: $surface;
        padding: 0 1;
    }
    #cancel-question {
        text-style: bold;
        padding: 1 0;
    }
    #cancel-buttons {
        height: auto;
        align-horizontal: right;
        padding: 1 0 0 0;
    }
    #cancel-buttons Button {
        margin: 0 0 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "keep",
            "Keep booking",
            id="cancel_booking.keep",
            tooltip="Close without cancelling the booking",
        ),
    ]

    def __init__(self, description: str) -> None:
        super().__init__()
        self._description = description

    def compose(self) -> ComposeResult:
        with Vertical(id="cancel-dialog"):
            yield Static(f"Cancel {self._description}?", id="cancel-question", markup=False)
            yield Input(placeholder="Reason (optional)", id="cancel-reason")
            with Horizontal(id="cancel-buttons"):
                yield Button("Keep booking", id="cancel-keep")
                yield Button("Cancel booking", id="cancel-confirm", variant="error")

    def on_mount(self) -> None:
        self.query_one("#cancel-reason", Input).focus()

    @on(Input.Submitted, "#cancel-reason")
    @on(Button.Pressed, "#cancel-confirm")
    def _confirm(self) -> None:
        self.dismiss(self.query_one("#cancel-reason", Input).value.strip())

    @on(Button.Pressed, "#cancel-keep")
    def action_keep(self) -> None:
        self.dismiss(None)
