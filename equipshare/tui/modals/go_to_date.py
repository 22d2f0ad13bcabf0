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
from equipshare.domain.timeparse import DAY_FORMS, parse_typed_day


class GoToDateModal(ModalScreen[date | None]):
    """Returns the date typed (2026-12-16 or 16/12/2026, as the training import reads them),
    or None when dismissed."""

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

    def __init__(self, shown: date | None) -> None:
        super().__init__()
        self._shown = shown

    def compose(self) -> ComposeResult:
        with Vertical(id="go-dialog"):
            yield Static("Go to the week of", markup=False)
            shown = "" if self._shown is None else self._shown.isoformat()
            yield Input(shown, id="go-date", placeholder=DAY_FORMS)
            yield Static("", id="go-error", markup=False)

    @on(Input.Submitted, "#go-date")
    def _go(self, event: Input.Submitted) -> None:
        try:
            self.dismiss(parse_typed_day(event.value, "date"))
        except InputError as exc:
            self.query_one("#go-error", Static).update(str(exc))

    def action_close(self) -> None:
        self.dismiss(None)
