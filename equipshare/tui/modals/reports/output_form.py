"""OutputForm: record or edit a research output; returns the draft, or None to change nothing.

Keyboard first: Tab moves between the DOI, title, year, project code and the list of the
researcher's completed bookings (space ticks one); Enter in a field or ctrl+s saves. Give
a project code or tick bookings; the service checks the rest and says what is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from equipshare.domain.money.charge_quotes import instant_words
from equipshare.domain.records.impact.portfolio import OutputBooking


@dataclass(frozen=True)
class OutputDraft:
    """What the form holds: text as typed (the service checks it), and ticked bookings."""

    doi: str
    title: str
    year: str
    project_code: str
    booking_ids: tuple[int, ...]


def booking_label(booking: OutputBooking) -> str:
    """'#41 WAR-XPS-01 Tue 3 Feb 2026 10:00 GMT (EP/X1)': enough to recognise a session."""
    code = f" ({booking.project_code})" if booking.project_code else ""
    when = instant_words(booking.starts_at, booking.timezone)
    return f"#{booking.booking_id} {booking.instrument_code} {when}{code}"


class OutputForm(ModalScreen[OutputDraft | None]):
    """The output's DOI, title and year, and what it is recorded against."""

    DEFAULT_CSS = """
    OutputForm { align: center middle; }
    #output-dialog {
        width: 90; max-width: 98%; height: auto; max-height: 98%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    #output-heading { text-style: bold; padding: 0 0 1 0; }
    #output-dialog .output-field { height: 1; margin: 0 0 1 0; }
    #output-dialog .output-field Label { width: 9; }
    #output-dialog .output-field Input {
        width: 1fr; height: 1; border: none; padding: 0 1; background: $boost;
    }
    #output-dialog .output-field Input:focus { background: $primary 30%; }
    #output-bookings { height: auto; max-height: 8; border: none; padding: 0; }
    #output-hint { color: $text-muted; }
    #output-buttons { height: auto; align-horizontal: right; }
    #output-buttons Button { margin: 0 0 0 1; min-width: 10; height: 1; border: none; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="output_form.cancel",
                tooltip="Close, recording nothing"),
        Binding("ctrl+s", "save", "Save", id="output_form.save", tooltip="Save the output"),
    ]  # fmt: skip

    def __init__(
        self,
        heading: str,
        bookings: Sequence[OutputBooking],
        draft: OutputDraft | None = None,
    ) -> None:
        super().__init__()
        self.heading = heading
        self.bookings = tuple(bookings)
        self.draft = draft or OutputDraft("", "", "", "", ())

    def compose(self) -> ComposeResult:
        draft = self.draft
        with Vertical(id="output-dialog"):
            yield Static(self.heading, id="output-heading", markup=False)
            fields = (
                ("DOI", draft.doi, "10.1039/... or https://doi.org/...", "output-doi"),
                ("Title", draft.title, "as published", "output-title"),
                ("Year", draft.year, "the year it was published", "output-year"),
                ("Project", draft.project_code, "a project code, or tick bookings below",
                 "output-project"),
            )  # fmt: skip
            for label, value, hint, field_id in fields:
                with Horizontal(classes="output-field"):
                    yield Label(label)
                    yield Input(value, placeholder=hint, id=field_id)
            ticked = set(draft.booking_ids)
            yield SelectionList[int](
                *(
                    Selection(booking_label(b), b.booking_id, b.booking_id in ticked)
                    for b in self.bookings
                ),
                id="output-bookings",
            )
            hint = (
                "Space ticks a completed booking the output used; Enter or ctrl+s saves"
                if self.bookings
                else "You have no completed bookings yet: give the project code"
            )
            yield Static(hint, id="output-hint", markup=False)
            with Horizontal(id="output-buttons"):
                yield Button("Cancel", id="output-cancel")
                yield Button("Save", id="output-save", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#output-doi", Input).focus()

    def current(self) -> OutputDraft:
        """The draft as the fields now hold it."""
        value = self.query_one
        return OutputDraft(
            doi=value("#output-doi", Input).value,
            title=value("#output-title", Input).value,
            year=value("#output-year", Input).value,
            project_code=value("#output-project", Input).value,
            booking_ids=tuple(value("#output-bookings", SelectionList).selected),
        )

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#output-save")
    def action_save(self) -> None:
        self.dismiss(self.current())

    @on(Button.Pressed, "#output-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
