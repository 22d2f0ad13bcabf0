"""ReportPeriodModal: pick the days a report covers (a preset or from/to) and its filters."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from equipshare.domain.errors import InputError
from equipshare.tui.report_choice import PRESETS, ReportChoice, preset_days, read_choice


class ReportPeriodModal(ModalScreen[ReportChoice | None]):
    """Returns the chosen period and filters, or None when dismissed."""

    DEFAULT_CSS = """
    ReportPeriodModal { align: center middle; }
    #period-dialog {
        width: 72; max-width: 100%; height: auto;
        border: round $accent; background: $surface; padding: 0 1;
    }
    #period-dialog .period-row { height: auto; margin-top: 1; }
    #period-presets Button { margin-right: 2; }
    #period-dialog Label { width: 12; }
    #period-dialog Label.short { width: auto; margin-right: 1; }
    #period-dialog Input { width: 14; margin-right: 4; background: $boost; }
    #period-dialog Input:focus { background: $primary 30%; }
    #period-error { color: $error; height: auto; }
    #period-hint { color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "close", "Close", id="report_period.close", tooltip="Keep the shown period"
        ),
    ]

    def __init__(self, shown: ReportChoice, today: date) -> None:
        super().__init__()
        self._shown = shown
        self._today = today

    def compose(self) -> ComposeResult:
        shown = self._shown
        with Vertical(id="period-dialog"):
            yield Static("Report period (local days) and filters", markup=False)
            with Horizontal(id="period-presets", classes="period-row"):
                for key, words in PRESETS:
                    yield Button(words, id=f"preset-{key}", compact=True)
            with Horizontal(classes="period-row"):
                yield Label("From")
                yield Input(shown.first_day.isoformat(), id="period-from", compact=True)
                yield Label("To", classes="short")
                yield Input(shown.last_day.isoformat(), id="period-to", compact=True)
            yield Static("", id="period-error", markup=False)
            with Horizontal(classes="period-row"):
                yield Label("Institution")
                yield Input(shown.institution_code or "", id="period-institution", compact=True)
                yield Label("Facility", classes="short")
                yield Input(shown.facility_code or "", id="period-facility", compact=True)
            yield Static(
                "Dates as 2026-12-16, 16/12/2026, 1 Dec or today; codes blank for all. "
                "Enter shows, Escape keeps.",
                id="period-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        self.query_one("#period-from", Input).focus()

    def _value(self, field: str) -> str:
        return self.query_one(f"#period-{field}", Input).value

    @on(Button.Pressed, "#period-presets Button")
    def _preset(self, event: Button.Pressed) -> None:
        preset = (event.button.id or "").removeprefix("preset-")
        first, last = preset_days(preset, self._today)
        self.query_one("#period-from", Input).value = first.isoformat()
        self.query_one("#period-to", Input).value = last.isoformat()
        self._submit()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self._submit()

    def _submit(self) -> None:
        try:
            choice = read_choice(
                self._value("from"),
                self._value("to"),
                self._value("institution"),
                self._value("facility"),
                self._today,
            )
        except InputError as exc:
            self.query_one("#period-error", Static).update(str(exc))
            if exc.field in ("from", "to"):
                self.query_one(f"#period-{exc.field}", Input).focus()
            return
        self.dismiss(choice)

    def action_close(self) -> None:
        self.dismiss(None)
