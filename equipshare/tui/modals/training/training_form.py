"""TrainingForm: record that someone was trained on an instrument, with refusals beside fields.

The form sends what was typed to the training service in a worker. A refusal names the
field it concerns (user, instrument, level, expires_at), so it shows under that field;
anything else shows under the form. The form closes only once the record exists.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from equipshare.domain.enums import TrainingLevel
from equipshare.domain.errors import EquipshareError, InputError
from equipshare.domain.records.users.people import TrainingRecordView
from equipshare.domain.time.timeparse import parse_typed_day
from equipshare.services.people.service import TrainingService
from equipshare.tui.messages import TrainingRefused, TrainingSaved
from equipshare.tui.service_screen import ServiceCalls
from equipshare.tui.widgets.suggesters import (
    Completions,
    InstrumentSuggester,
    UsernameSuggester,
    spelled,
)

# Where each field the service names shows in the form; others show under the form.
FIELD_OF = {
    "user": "user",
    "instrument": "instrument",
    "level": "level",
    "expires_at": "expiry",
    "notes": "notes",
}
FIELDS = ("user", "instrument", "level", "expiry", "notes", "general")
#: What a renewal's field offers as examples of the forms it reads.
EXPIRY_EXAMPLES = "e.g. 16 Dec 2027, 16/12/2027 or 2027-12-16"


def training_refusal(error: EquipshareError) -> TrainingRefused:
    """The refusal, to show beside the field it names (under the form if none)."""
    return TrainingRefused(str(error), getattr(error, "field", None))


def parse_day(text: str, today: date) -> date | None:
    """The last valid day as people type it (16 Dec, 16/12/2027, 2027-12-16, tomorrow: the
    week's `g` reads the same), or None when blank; a day without a year is the next one."""
    if not text.strip():
        return None
    try:
        return parse_typed_day(text, "expiry", today, ahead=True)
    except InputError as exc:
        raise InputError(str(exc), "expires_at") from None


def parse_renewal(text: str, today: date) -> date | None:
    """A renewal's last valid day, or None for `never`: no expiry must be asked for by name,
    so a blank field (one Enter) is refused rather than taken as permanent."""
    if text.strip().casefold() == "never":
        return None
    if not text.strip():
        raise InputError(
            f"expiry: give the last day the training is valid ({EXPIRY_EXAMPLES}), or never",
            "expires_at",
        )
    return parse_day(text, today)


class TrainingForm(ServiceCalls, ModalScreen[TrainingRecordView | None]):
    """Returns the new training record, or None when closed without recording."""

    DEFAULT_CSS = """
    TrainingForm { align: center middle; }
    #training-dialog {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    #training-title { text-style: bold; padding: 0 0 1 0; }
    .training-row { height: auto; }
    .training-field { width: 1fr; height: auto; padding: 0 1 0 0; }
    .training-field Label { color: $text-muted; }
    .field-error { color: $error; display: none; }
    .field-error.shown { display: block; }
    #training-buttons { height: auto; align-horizontal: right; }
    #training-buttons Button { margin: 0 0 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "close",
            "Close",
            id="training_form.close",
            tooltip="Close the form without recording training",
        ),
    ]

    def __init__(
        self,
        training: TrainingService,
        actor: str,
        instrument_code: str = "",
        *,
        completions: Completions | None = None,
    ) -> None:
        super().__init__()
        self._training = training
        self._actor = actor
        self._instrument_code = instrument_code
        self._completions = completions

    def compose(self) -> ComposeResult:
        completions = self._completions  # without them, the fields take exact input only
        with Vertical(id="training-dialog"):
            yield Static("Record training", id="training-title")
            with Horizontal(classes="training-row"):
                with Vertical(classes="training-field"):
                    yield Label("Username")
                    yield Input(
                        placeholder="e.g. alice",
                        id="training-user",
                        suggester=UsernameSuggester(completions.usernames) if completions else None,
                    )
                    yield self._error("user")
                with Vertical(classes="training-field"):
                    yield Label("Instrument code")
                    yield Input(
                        self._instrument_code,
                        placeholder="e.g. WAR-XPS-01",
                        id="training-instrument",
                        suggester=(
                            InstrumentSuggester(completions.instruments) if completions else None
                        ),
                    )
                    yield self._error("instrument")
            with Horizontal(classes="training-row"):
                with Vertical(classes="training-field"):
                    yield Label("Level")
                    yield Select(
                        [(level.value.title(), level) for level in TrainingLevel],
                        value=TrainingLevel.INDEPENDENT,
                        allow_blank=False,
                        id="training-level",
                    )
                    yield self._error("level")
                with Vertical(classes="training-field"):
                    yield Label("Valid until")
                    yield Input(placeholder="blank: never, or 16/12/2027", id="training-expiry")
                    yield self._error("expiry")
            with Vertical(classes="training-field"):
                yield Label("Notes")
                yield Input(placeholder="optional", id="training-notes")
                yield self._error("notes")
            yield self._error("general")
            with Horizontal(id="training-buttons"):
                yield Button("Close", id="training-close")
                yield Button("Record", id="training-record", variant="primary")

    @staticmethod
    def _error(field: str) -> Static:
        return Static("", id=f"training-{field}-error", classes="field-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#training-user", Input).focus()

    def _value(self, field: str) -> str:
        return self.query_one(f"#training-{field}", Input).value

    # Submitting -----------------------------------------------------------------------

    @on(Input.Submitted)
    @on(Button.Pressed, "#training-record")
    def _submit(self) -> None:
        self.show_error(None, "")
        level = self.query_one("#training-level", Select).value
        try:
            expires = parse_day(self._value("expiry"), self._training.today())
        except InputError as exc:
            self.show_error(exc.field, str(exc))
            return
        self.record(
            self._value("user"),
            self._value("instrument"),
            level if isinstance(level, TrainingLevel) else "",
            expires,
            self._value("notes"),
        )

    def record(
        self, username: str, code: str, level: TrainingLevel | str, expires: date | None, notes: str
    ) -> None:
        completions = self._completions

        def record() -> TrainingRecordView:
            # Typed in any case, a username or code is taken as the directory spells it.
            user = spelled(completions.usernames if completions else None, username)
            instrument = spelled(completions.instruments if completions else None, code)
            return self._training.record(self._actor, user, instrument, level, expires, notes)

        self.call_service(
            record,
            lambda view: TrainingSaved(view, "recorded"),
            group="training_form",
            refused=training_refusal,
        )

    @on(TrainingRefused)
    def _refused(self, message: TrainingRefused) -> None:
        self.show_error(message.field, message.text)

    @on(TrainingSaved)
    def _saved(self, message: TrainingSaved) -> None:
        self.dismiss(message.record)

    def show_error(self, field: str | None, text: str) -> None:
        """Show `text` under the field the service named (clearing every other message)."""
        where = FIELD_OF.get(field or "", "general")
        for name in FIELDS:
            error = self.query_one(f"#training-{name}-error", Static)
            shown = name == where and bool(text)
            error.update(text if shown else "")
            error.set_class(shown, "shown")
        if text and where != "general":
            target = "#training-level" if where == "level" else f"#training-{where}"
            self.query_one(target).focus()

    def error_text(self, field: str) -> str:
        """What the form shows under `field` (for tests and screen readers)."""
        return str(self.query_one(f"#training-{field}-error", Static).content)

    @on(Button.Pressed, "#training-close")
    def action_close(self) -> None:
        self.dismiss(None)
