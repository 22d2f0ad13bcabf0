"""HoursEditor: an instrument's opening hours, a line per weekday holding one or more ranges.

A day reads as on the command line, `09:00-12:00,13:00-17:00`, empty (or `closed`) when
closed, in the facility's own zone. "Open around the clock" means no hours at all, which
the service keeps apart from a week closed every day (that is refused: out of service is
the way to take no bookings).
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Checkbox, Input

from equipshare.domain.records.instruments.catalogue import OpeningInterval
from equipshare.domain.rules.instrument_rules import DAYS, clock_text, week_of
from equipshare.tui.widgets.editor_form import EditorForm

ALWAYS_OPEN = "always_open"


def day_texts(intervals: tuple[OpeningInterval, ...]) -> dict[str, str]:
    """Each day's ranges as text, '' for a closed day."""
    return {
        day: ",".join(
            f"{clock_text(i.opens_minute)}-{clock_text(i.closes_minute)}"
            for i in sorted(intervals, key=lambda i: i.opens_minute)
            if i.weekday == number
        )
        for number, day in enumerate(DAYS)
    }


class HoursEditor(EditorForm):
    """Seven days of ranges, or open around the clock; `intervals()` reads and checks them."""

    def compose(self) -> ComposeResult:
        yield from self.row(
            "", Checkbox("Open around the clock (no hours)", compact=True), ALWAYS_OPEN
        )
        for day in DAYS:
            yield from self.row(
                day.title(),
                Input(placeholder="closed, or 09:00-12:00,13:00-17:00", compact=True),
                day,
            )
        yield self.error_line("opening_hours")  # the week as a whole

    def load(self, intervals: tuple[OpeningInterval, ...]) -> None:
        """Fill the days from the instrument's hours; none at all is open around the clock."""
        self.fill({ALWAYS_OPEN: "no" if intervals else "yes", **day_texts(intervals)})
        self._days_enabled(bool(intervals))

    @on(Checkbox.Changed, f"#field-{ALWAYS_OPEN}")
    def _always_open_changed(self, event: Checkbox.Changed) -> None:
        self._days_enabled(not event.value)

    def _days_enabled(self, enabled: bool) -> None:
        for day in DAYS:
            self.query_one(f"#field-{day}", Input).disabled = not enabled

    def intervals(self) -> tuple[OpeningInterval, ...]:
        """The week as typed; a bad range is refused naming its day (InputError)."""
        if self.text(ALWAYS_OPEN) == "yes":
            return ()
        return week_of({day: self.text(day) for day in DAYS})
