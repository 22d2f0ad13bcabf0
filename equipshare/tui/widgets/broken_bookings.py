"""BrokenBookings: the future bookings a saved policy or hours change now breaks, and why.

Also the words for what a saved change did, as the command line prints them. The
bookings are reported, never changed: the facility decides whether to move or cancel them.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from equipshare.domain.display.wording import bookings_words
from equipshare.domain.records.instruments.instrument_changes import BrokenBooking, InstrumentChange
from equipshare.domain.time.timewords import local_range
from equipshare.tui.widgets.column_fit import ColumnSpec
from equipshare.tui.widgets.fitted_table import FittedTable

#: The bookings a downtime or a closing status would cancel: when and who whole at any
#: width; the status, then the institution, only if they fit (dialogs are narrow).
AFFECTED_COLUMNS = (
    ColumnSpec("When", "when", priority=0),
    ColumnSpec("Who", "who", priority=0),
    ColumnSpec("Institution", "institution", priority=2),
    ColumnSpec("Status", "status", priority=1),
)
#: The bookings a saved change breaks: the problems wrap rather than run off the edge.
BROKEN_COLUMNS = (
    ColumnSpec("When", "when", priority=0),
    ColumnSpec("User", "user", priority=0),
    ColumnSpec("Booking", "booking", priority=3),
    ColumnSpec("Status", "status", priority=2),
    ColumnSpec("Problems", "problems", priority=1, least=20, wrap=True),
)


def broken_summary(count: int) -> str:
    """The command line's words for them: '2 bookings break the new rules and stay ...'."""
    if count == 1:
        return "1 booking breaks the new rules and stays as it is: tell its owner"
    return f"{bookings_words(count)} break the new rules and stay as they are: tell their owners"


def shown(value: object) -> str:
    """A value in a change line, as the command line prints it."""
    if isinstance(value, bool):
        return str(value).lower()
    return "(none)" if value in (None, "") else str(value)


def change_lines(change: InstrumentChange) -> list[str]:
    """'WAR-XPS-01 changed max_minutes: 480 -> 240', a line per field."""
    code = change.instrument.code
    return [
        f"{code} changed {c.name}: {shown(c.before)} -> {shown(c.after)}" for c in change.changes
    ]


class BrokenBookings(Vertical):
    """Hidden until a change breaks something; `show_broken(())` hides it again."""

    DEFAULT_CSS = """
    BrokenBookings { height: auto; max-height: 10; display: none; padding: 0 1; }
    BrokenBookings.shown { display: block; }
    BrokenBookings #broken-summary { color: $warning; text-style: bold; }
    BrokenBookings FittedTable { height: auto; max-height: 8; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="broken-summary", markup=False)
        yield FittedTable(id="broken-table")

    def on_mount(self) -> None:
        self.query_one("#broken-table", FittedTable).set_columns(BROKEN_COLUMNS)

    def show_broken(self, broken: tuple[BrokenBooking, ...], timezone: str) -> None:
        self.set_class(bool(broken), "shown")
        self.query_one("#broken-summary", Static).update(
            broken_summary(len(broken)) if broken else ""
        )
        table = self.query_one("#broken-table", FittedTable)
        table.clear()
        for booking in broken:
            table.add_row(
                local_range(booking.starts_at, booking.ends_at, timezone),
                booking.username,
                str(booking.booking_id),
                booking.status.value.replace("_", " "),
                "; ".join(booking.problems),
                key=str(booking.booking_id),
            )

    def rows(self) -> list[tuple[str, ...]]:
        """The table as text, row by row, every column (shown or not)."""
        table = self.query_one("#broken-table", FittedTable)
        return [tuple(str(c) for c in table.row_values_at(i)) for i in range(table.row_count)]
