"""GoToDateModal: ask for a date to jump the week calendar to."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from equipshare.domain.errors import InputError
from equipshare.domain.time.timeparse import parse_typed_day


class GoToDateModal(ModalScreen[date | None]):
    """Returns the date typed (2026-12-16, 16/12/2026, 16 Dec, tomorrow, fri: as every date
    field of the app reads them), or None when dismissed."""

    DEFAULT_CSS = """
    GoToDateModal { align: center middle; }
    #go-dialog {
        width: 44; height: auto; border: round $accent; background: $surface; padding: 0 1;
    }
    #go-error { color: $error; height: auto; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="go_to_date.close", tooltip="Stay on this week"),
    ]

    def __init__(self, shown: date | None, today: date | None = None) -> None:
        """`today` (the instrument's) is what 16 Dec, tomorrow or fri count from: a day
        without a year is the next one, as a calendar is looked ahead in."""
        super().__init__()
        self._shown = shown
        self._today = today

    def compose(self) -> ComposeResult:
        with Vertical(id="go-dialog"):
            yield Static("Go to the week of", markup=False)
            shown = "" if self._shown is None else self._shown.isoformat()
            yield Input(shown, id="go-date", placeholder="e.g. 16 Dec, 16/12/2026 or tomorrow")
            yield Static("", id="go-error", markup=False)

    @on(Input.Submitted, "#go-date")
    def _go(self, event: Input.Submitted) -> None:
        try:
            self.dismiss(parse_typed_day(event.value, "date", self._today, ahead=True))
        except InputError as exc:
            self.query_one("#go-error", Static).update(str(exc))

    def action_close(self) -> None:
        self.dismiss(None)
