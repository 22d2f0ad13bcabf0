"""RecordForm: the base of the forms that add or edit one record through a service: fields
in rows, the service's refusal shown beside the field it names, the save in a worker.

Each form has a `Static` with id `#<prefix>-<field>-error` under every field, and one for
`general` under the form; the service's refusal names a field (or none). A subclass
declares its prefix, fields, bindings and widths, the rows it shows (`rows`) and the
service call a save makes (`submission`); the form closes only once that call succeeds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static

from equipshare.domain.errors import EquipshareError
from equipshare.tui.service_screen import ServiceCalls

T = TypeVar("T")


def show_field_error(
    form: DOMNode, prefix: str, fields: Sequence[str], field: str | None, text: str
) -> None:
    """Show `text` under `field` (under the form if it names none of `fields`), clear the
    rest, and put the cursor in the field at fault unless it cannot take it."""
    where = field if field in fields else "general"
    for name in fields:
        shown = name == where and bool(text)
        error = form.query_one(f"#{prefix}-{name}-error", Static)
        error.update(text if shown else "")
        error.set_class(shown, "shown")
    if text and where != "general":
        widget = form.query_one(f"#{prefix}-{where}", Widget)
        if not widget.disabled:
            widget.focus()


def field_error_text(form: DOMNode, prefix: str, field: str) -> str:
    """What the form shows under `field` (for tests and screen readers)."""
    return str(form.query_one(f"#{prefix}-{field}-error", Static).content)


def form_bindings(
    form_id: str,
    save: str,
    save_tip: str,
    close_tip: str = "Close the form without saving",
) -> list[BindingType]:
    """Escape closes and ctrl+s saves; the ids (`<form_id>.close|save`) are what [keymap]
    remaps, so each form declares its own."""
    return [
        Binding("escape", "close", "Close", id=f"{form_id}.close", tooltip=close_tip),
        Binding("ctrl+s", "save", save, id=f"{form_id}.save", tooltip=save_tip),
    ]


#: One row of a form: its label, its input, and the form field it is (refusals name it).
Row = tuple[str, Input | Select[str], str]


class RecordForm(ServiceCalls, ModalScreen[T | None], Generic[T]):
    """Returns what the service saved, or None when closed without saving."""

    @dataclass
    class Saved(Message):
        """The service accepted what was typed; `value` is what the form returns."""

        value: object

    @dataclass
    class Refused(Message):
        """The service refused; `field` is the form field to show it beside."""

        text: str
        field: str

    DEFAULT_CSS = """
    RecordForm { align: center middle; }
    RecordForm .form-dialog {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    RecordForm .form-title { text-style: bold; padding: 0 0 1 0; }
    RecordForm .form-hint { color: $text-muted; padding: 0 0 1 0; }
    RecordForm .field-row { height: auto; }
    RecordForm .field-row Label { width: 16; padding: 0 1 0 0; }
    RecordForm .field-row Input, RecordForm .field-row Select { width: 1fr; }
    /* Blank until the service names this field, so it doubles as the gap between rows. */
    RecordForm .field-error { color: $error; padding: 0 0 0 16; height: auto; min-height: 1; }
    RecordForm .form-buttons { height: auto; align-horizontal: right; }
    RecordForm .form-buttons Button { margin: 0 0 0 1; }
    """

    #: The widgets' ids start with it: `#<PREFIX>-<field>`, `#<PREFIX>-<field>-error`.
    PREFIX: ClassVar[str]
    #: The worker group of the save, and the start of the binding ids.
    FORM_ID: ClassVar[str]
    #: The form's fields, with "general" (under the form) last.
    FIELDS: ClassVar[tuple[str, ...]]
    #: The services name fields as the CLI does; this is where each shows in the form.
    FIELD_OF: ClassVar[Mapping[str, str]] = {}

    def __init__(self) -> None:
        super().__init__()
        #: A save is on its way; another waits for its answer.
        self.busy = False

    # What each form says ----------------------------------------------------------------

    def title_words(self) -> str:
        raise NotImplementedError

    def hint_words(self) -> str | None:
        """A line under the title, or None for none."""
        return None

    def save_words(self) -> str:
        """The save button's text."""
        return "Save"

    def rows(self) -> Iterable[Row]:
        raise NotImplementedError

    def extras(self) -> ComposeResult:
        """Widgets under the rows and above the form's own refusal (none by default)."""
        yield from ()

    def first_field(self) -> str:
        """Where the cursor starts."""
        return self.FIELDS[0]

    def submission(self) -> Callable[[], T]:
        """Read the fields now (on the event loop); the call returned runs in a worker."""
        raise NotImplementedError

    def refusal(self, error: EquipshareError) -> tuple[str, str]:
        """The words to show and the field to show them beside."""
        return str(error), self.FIELD_OF.get(getattr(error, "field", None) or "", "")

    # The form ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        prefix = self.PREFIX
        with VerticalScroll(id=f"{prefix}-dialog", classes="form-dialog", can_focus=False):
            yield Static(self.title_words(), id=f"{prefix}-title", classes="form-title",
                         markup=False)  # fmt: skip
            hint = self.hint_words()
            if hint is not None:
                yield Static(hint, id=f"{prefix}-hint", classes="form-hint", markup=False)
            for label, field, name in self.rows():
                with Horizontal(classes="field-row"):
                    yield Label(label)
                    yield field
                yield Static("", id=f"{prefix}-{name}-error", classes="field-error", markup=False)
            yield from self.extras()
            yield Static("", id=f"{prefix}-general-error", classes="field-error", markup=False)
            with Horizontal(id=f"{prefix}-buttons", classes="form-buttons"):
                yield Button("Close", id=f"{prefix}-close", classes="form-close", compact=True)
                yield Button(self.save_words(), id=f"{prefix}-save", classes="form-save",
                             variant="primary", compact=True)  # fmt: skip

    def input_row(
        self, label: str, name: str, value: str, placeholder: str, **extra: object
    ) -> Row:
        """A row typing `name`, starting at `value`; `extra` goes to the Input."""
        field = Input(value, id=f"{self.PREFIX}-{name}", placeholder=placeholder, compact=True,
                      **extra)  # type: ignore[arg-type]  # fmt: skip
        return label, field, name

    def select_row(self, label: str, name: str, options: list[tuple[str, str]], value: str) -> Row:
        """A row choosing `name` from `options` (shown, value), starting at `value`."""
        choose = Select(options, value=value, allow_blank=False, id=f"{self.PREFIX}-{name}",
                        compact=True)  # fmt: skip
        return label, choose, name

    def on_mount(self) -> None:
        self.query_one(f"#{self.PREFIX}-{self.first_field()}").focus()

    def value(self, name: str) -> str:
        """What is typed in the input `name`."""
        return self.query_one(f"#{self.PREFIX}-{name}", Input).value

    def choice(self, name: str) -> str:
        """What is chosen in the select `name` ('' for nothing)."""
        chosen = self.query_one(f"#{self.PREFIX}-{name}", Select).value
        return chosen if isinstance(chosen, str) else ""

    @on(Input.Submitted)
    @on(Button.Pressed, ".form-save")
    def action_save(self) -> None:
        if self.busy:
            self.notify("Still saving; wait for the answer", severity="warning")
            return
        self.show_error(None, "")
        self.busy = True
        self.call_service(
            self.submission(), self.Saved, group=self.FORM_ID, refused=self._refused_message
        )

    def _refused_message(self, error: EquipshareError) -> RecordForm.Refused:
        return self.Refused(*self.refusal(error))

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        self.busy = False
        self.dismiss(cast(T, message.value))

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self.busy = False
        self.show_error(message.field, message.text)

    def show_error(self, field: str | None, text: str) -> None:
        """Show `text` under the field it concerns (under the form if none), clearing others."""
        show_field_error(self, self.PREFIX, self.FIELDS, field, text)

    def error_text(self, field: str) -> str:
        """What the form shows under `field` (for tests and screen readers)."""
        return field_error_text(self, self.PREFIX, field)

    @on(Button.Pressed, ".form-close")
    def action_close(self) -> None:
        self.dismiss(None)
