"""ReasonModal: ask why before cancelling a booking or rejecting a request; returns the reason.

A cancellation also says, before it is confirmed, what cancelling now costs."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

NEEDS_REASON = "Give a reason the requester can act on"


class ReasonModal(ModalScreen[str | None]):
    """Returns the reason to go ahead with, or None to keep things as they are.

    A subclass says what is asked: its wording, whether a reason is required, and its own
    Escape binding (with an id users may remap). A required reason is read by someone, so
    an empty one is refused here, beside the field, before the service would refuse it.
    """

    DEFAULT_CSS = """
    ReasonModal {
        align: center middle;
    }
    #reason-dialog {
        width: 70;
        max-width: 95%;
        height: auto;
        border: round $error;
        background: $surface;
        padding: 0 1;
    }
    #reason-question {
        text-style: bold;
        padding: 1 0;
    }
    #reason-notice {
        height: auto;
        padding: 0 0 1 0;
    }
    #reason-error {
        color: $text-error;
        height: auto;
    }
    #reason-buttons {
        height: auto;
        align-horizontal: right;
        padding: 1 0 0 0;
    }
    #reason-buttons Button {
        margin: 0 0 0 1;
    }
    """

    #: The verb of the question: "Cancel" asks "Cancel <description>?".
    VERB: ClassVar[str]
    PLACEHOLDER: ClassVar[str]
    KEEP_LABEL: ClassVar[str]
    CONFIRM_LABEL: ClassVar[str]
    #: Shown beside the field when a required reason is left empty; "" when it is optional.
    NEEDS_REASON: ClassVar[str] = ""

    def __init__(self, description: str, notice: str = "") -> None:
        """`notice` is said under the question, such as what going ahead costs."""
        super().__init__()
        self._description = description
        self._notice = notice

    def compose(self) -> ComposeResult:
        with Vertical(id="reason-dialog"):
            yield Static(f"{self.VERB} {self._description}?", id="reason-question", markup=False)
            if self._notice:
                yield Static(self._notice, id="reason-notice", markup=False)
            yield Input(placeholder=self.PLACEHOLDER, id="reason-input")
            yield Static("", id="reason-error", markup=False)
            with Horizontal(id="reason-buttons"):
                yield Button(self.KEEP_LABEL, id="reason-keep")
                yield Button(self.CONFIRM_LABEL, id="reason-confirm", variant="error")

    def on_mount(self) -> None:
        self.query_one("#reason-error", Static).display = False
        self.query_one("#reason-input", Input).focus()

    @on(Input.Submitted, "#reason-input")
    @on(Button.Pressed, "#reason-confirm")
    def _confirm(self) -> None:
        reason_input = self.query_one("#reason-input", Input)
        reason = reason_input.value.strip()
        if not reason and self.NEEDS_REASON:
            error = self.query_one("#reason-error", Static)
            error.update(self.NEEDS_REASON)
            error.display = True
            reason_input.focus()
            return
        self.dismiss(reason)

    @on(Input.Changed, "#reason-input")
    def _clear_error(self, event: Input.Changed) -> None:
        if event.value.strip():
            self.query_one("#reason-error", Static).display = False

    @on(Button.Pressed, "#reason-keep")
    def action_keep(self) -> None:
        self.dismiss(None)


class CancelBookingModal(ReasonModal):
    """Returns the reason (possibly empty) to cancel, or None to keep the booking."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "keep",
            "Keep booking",
            id="cancel_booking.keep",
            tooltip="Close without cancelling the booking",
        ),
    ]
    VERB = "Cancel"
    PLACEHOLDER = "Reason (optional)"
    KEEP_LABEL = "Keep booking"
    CONFIRM_LABEL = "Cancel booking"


class RejectBookingModal(ReasonModal):
    """Returns the (non-empty) reason to reject with, or None to leave the request pending."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "keep",
            "Keep pending",
            id="reject_booking.keep",
            tooltip="Close without rejecting; the request stays pending",
        ),
    ]
    VERB = "Reject"
    PLACEHOLDER = "Reason the requester will read (required)"
    KEEP_LABEL = "Keep pending"
    CONFIRM_LABEL = "Reject request"
    NEEDS_REASON = NEEDS_REASON
