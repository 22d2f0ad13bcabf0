"""RejectBookingModal: ask staff why a pending booking is refused; a reason is required."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

NEEDS_REASON = "Give a reason the requester can act on"


class RejectBookingModal(ModalScreen[str | None]):
    """Returns the (non-empty) reason to reject with, or None to leave the request pending.

    The requester reads the reason, so an empty one is refused here, beside the field,
    before the service would refuse it.
    """

    DEFAULT_CSS = """
    RejectBookingModal {
        align: center middle;
    }
    #reject-dialog {
        width: 70;
        max-width: 95%;
        height: auto;
        border: round $error;
        background: $surface;
        padding: 0 1;
    }
    #reject-question {
        text-style: bold;
        padding: 1 0;
    }
    #reject-error {
        color: $text-error;
        height: auto;
    }
    #reject-buttons {
        height: auto;
        align-horizontal: right;
        padding: 1 0 0 0;
    }
    #reject-buttons Button {
        margin: 0 0 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "keep",
            "Keep pending",
            id="reject_booking.keep",
            tooltip="Close without rejecting; the request stays pending",
        ),
    ]

    def __init__(self, description: str) -> None:
        super().__init__()
        self._description = description

    def compose(self) -> ComposeResult:
        with Vertical(id="reject-dialog"):
            yield Static(f"Reject {self._description}?", id="reject-question", markup=False)
            yield Input(placeholder="Reason the requester will read (required)", id="reject-reason")
            yield Static("", id="reject-error", markup=False)
            with Horizontal(id="reject-buttons"):
                yield Button("Keep pending", id="reject-keep")
                yield Button("Reject request", id="reject-confirm", variant="error")

    def on_mount(self) -> None:
        self.query_one("#reject-error", Static).display = False
        self.query_one("#reject-reason", Input).focus()

    @on(Input.Submitted, "#reject-reason")
    @on(Button.Pressed, "#reject-confirm")
    def _confirm(self) -> None:
        reason_input = self.query_one("#reject-reason", Input)
        reason = reason_input.value.strip()
        if not reason:
            error = self.query_one("#reject-error", Static)
            error.update(NEEDS_REASON)
            error.display = True
            reason_input.focus()
            return
        self.dismiss(reason)

    @on(Input.Changed, "#reject-reason")
    def _clear_error(self, event: Input.Changed) -> None:
        if event.value.strip():
            self.query_one("#reject-error", Static).display = False

    @on(Button.Pressed, "#reject-keep")
    def action_keep(self) -> None:
        self.dismiss(None)
