"""TrainingPrompt: ask one thing about a training record (a new expiry, a reason) and act on it.

The screen passes the action as a callable, so one dialog serves renew and revoke. The
callable runs in a worker; a refusal shows under the input and the dialog stays open. An
`offer` (also run in a worker) fills the input with a default, such as a renewal's day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from equipshare.domain.records.users.people import TrainingRecordView
from equipshare.tui.messages import TrainingRefused, TrainingSaved
from equipshare.tui.modals.training.training_form import training_refusal
from equipshare.tui.service_screen import ServiceCalls


class TrainingPrompt(ServiceCalls, ModalScreen[TrainingRecordView | None]):
    """Returns the changed record once `act` succeeds, or None when closed."""

    @dataclass
    class Offered(Message):
        """The default answer arrived (the offer's worker); it fills an untouched input."""

        text: str

    DEFAULT_CSS = """
    TrainingPrompt { align: center middle; }
    #prompt-dialog {
        width: 70; max-width: 100%; height: auto;
        border: round $primary; background: $surface; padding: 0 1;
    }
    #prompt-dialog.danger { border: round $error; }
    #prompt-question { text-style: bold; padding: 1 0; }
    #prompt-error { color: $error; display: none; }
    #prompt-error.shown { display: block; }
    #prompt-buttons { height: auto; align-horizontal: right; padding: 1 0 0 0; }
    #prompt-buttons Button { margin: 0 0 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "close",
            "Close",
            id="training_prompt.close",
            tooltip="Close without changing the training record",
        ),
    ]

    def __init__(
        self,
        question: str,
        placeholder: str,
        confirm: str,
        done: str,
        act: Callable[[str], TrainingRecordView],
        *,
        danger: bool = False,
        offer: Callable[[], str] | None = None,
    ) -> None:
        """`confirm` labels the button ("Renew"); `done` is its past tense ("renewed")."""
        super().__init__()
        self._question = question
        self._placeholder = placeholder
        self._confirm = confirm
        self._done = done
        self._act = act
        self._danger = danger
        self._offer = offer

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-dialog", classes="danger" if self._danger else ""):
            yield Static(self._question, id="prompt-question", markup=False)
            yield Input(placeholder=self._placeholder, id="prompt-input")
            yield Static("", id="prompt-error", markup=False)
            with Horizontal(id="prompt-buttons"):
                yield Button("Close", id="prompt-close")
                yield Button(
                    self._confirm,
                    id="prompt-confirm",
                    variant="error" if self._danger else "primary",
                )

    def on_mount(self) -> None:
        self.query_one("#prompt-input", Input).focus()
        if self._offer is not None:
            self.call_service(self._offer, self.Offered, group="training_prompt_offer")

    @on(Offered)
    def _offered(self, message: Offered) -> None:
        field = self.query_one("#prompt-input", Input)
        if not field.value:  # what the user typed first stays
            field.value = message.text
            field.cursor_position = len(message.text)

    @on(Input.Submitted, "#prompt-input")
    @on(Button.Pressed, "#prompt-confirm")
    def _submit(self) -> None:
        self.act(self.query_one("#prompt-input", Input).value)

    def act(self, text: str) -> None:
        self.call_service(
            lambda: self._act(text),
            lambda view: TrainingSaved(view, self._done),
            group="training_prompt",
            refused=training_refusal,
        )

    @on(TrainingRefused)
    def _refused(self, message: TrainingRefused) -> None:
        error = self.query_one("#prompt-error", Static)
        error.update(message.text)
        error.add_class("shown")

    @on(TrainingSaved)
    def _saved(self, message: TrainingSaved) -> None:
        self.dismiss(message.record)

    def error_text(self) -> str:
        return str(self.query_one("#prompt-error", Static).content)

    @on(Button.Pressed, "#prompt-close")
    def action_close(self) -> None:
        self.dismiss(None)
