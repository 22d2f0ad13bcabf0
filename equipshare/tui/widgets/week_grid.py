"""WeekGrid: a week of wall-clock rows, seven days across, with a keyboard and mouse cursor.

It renders only the rows that fit, under a header that never scrolls away, so a busy
week paints in one pass. It receives a WeekView and posts what the user chose.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from equipshare.domain.records.instruments.schedule import WeekView
from equipshare.tui.week_layout import Cell, CellState, fit_label, row_minutes, week_cells

TIME_WIDTH = 6
FILL = {CellState.CLOSED: "·", CellState.PAST: "\u2571", CellState.SKIPPED: "╌"}


class WeekGrid(Widget, can_focus=True):
    """The calendar grid; arrows move, shift+arrows select, Enter books the selection."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *(f"week-grid--{state.value}" for state in CellState),
        "week-grid--cursor",
        "week-grid--selected",
        "week-grid--header",
        "week-grid--today",
        "week-grid--time",
    }

    DEFAULT_CSS = """
    WeekGrid { height: 1fr; min-height: 6; }
    WeekGrid > .week-grid--free { background: $surface-lighten-1; }
    WeekGrid > .week-grid--mine { background: $success; color: $text; }
    WeekGrid > .week-grid--confirmed { background: $primary; color: $text; }
    WeekGrid > .week-grid--pending { background: $warning; color: $text; }
    WeekGrid > .week-grid--downtime { background: $error; color: $text; }
    WeekGrid > .week-grid--held { background: $accent; color: $text; }
    WeekGrid > .week-grid--closed { color: $text-disabled; }
    WeekGrid > .week-grid--past { color: $text-disabled; }
    WeekGrid > .week-grid--skipped { color: $text-disabled; }
    WeekGrid > .week-grid--cursor { background: $foreground; color: $background; text-style: bold; }
    WeekGrid > .week-grid--selected { background: $foreground 55%; color: $background; }
    WeekGrid > .week-grid--header { text-style: bold; }
    WeekGrid > .week-grid--today { text-style: bold reverse; }
    WeekGrid > .week-grid--time { color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(0, -1)", "Up", show=False, id="week.up", tooltip="Earlier row"),
        Binding("down", "move(0, 1)", "Down", show=False, id="week.down", tooltip="Later row"),
        Binding("left", "move(-1, 0)", "Left", show=False, id="week.left", tooltip="Day before"),
        Binding("right", "move(1, 0)", "Right", show=False, id="week.right", tooltip="Day after"),
        Binding(
            "shift+up",
            "extend(-1)",
            "Select up",
            show=False,
            id="week.select_up",
            tooltip="Grow the selection upwards",
        ),
        Binding(
            "shift+down",
            "extend(1)",
            "Select down",
            show=False,
            id="week.select_down",
            tooltip="Grow the selection downwards",
        ),
        Binding(
            "enter",
            "choose",
            "Book",
            id="week.book",
            tooltip="Book the selected free range (or the cell under the cursor)",
        ),
    ]

    cursor_day: reactive[int] = reactive(0)
    cursor_row: reactive[int] = reactive(0)

    class RangeChosen(Message):
        """The user pressed Enter (or double-clicked) on these cells of one day."""

        def __init__(self, cells: tuple[Cell, ...], minutes: int) -> None:
            super().__init__()
            self.cells = cells
            self.minutes = minutes

    class EdgeReached(Message):
        """The cursor left the week; `step` is -1 for earlier, 1 for later. The cursor is
        already on the new week's first (or last) day, so keys pressed before the new week
        arrives move on from there."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    class CursorMoved(Message):
        """The cursor or the selection changed."""

        def __init__(self, cells: tuple[Cell, ...]) -> None:
            super().__init__()
            self.cells = cells

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: WeekView | None = None
        self.cells: list[list[Cell]] = []
        self.range_anchor: int | None = None
        self.top = 0
        self.today: date | None = None
        self._dragging = False

    # Data -----------------------------------------------------------------------------

    def show(
        self, view: WeekView, today: date, *, day: int | None = None, to_now: bool = False
    ) -> None:
        """Show a week; the cursor keeps its row, and its day unless `day` is given.

        The first week shown, and any with `to_now`, put the cursor on today at the present
        hour (when today is in the week)."""
        first = self.view is None or to_now
        self.view = view
        self.today = today
        self.cells = week_cells(view)
        self.range_anchor = None
        if day is not None:
            self.cursor_day = day
        if first:
            self.cursor_row = self._first_open_row()
            if day is None and 0 <= (today - view.week_start).days < 7:
                self.cursor_day = (today - view.week_start).days
                now_rows = [
                    i for i, c in enumerate(self.cells[self.cursor_day]) if c.ends_at > view.now
                ]
                self.cursor_row = max(self.cursor_row, now_rows[0]) if now_rows else self.cursor_row
            self.top = max(0, self.cursor_row - 1)
        self._keep_cursor_visible()
        self.refresh()
        self._announce()

    @property
    def rows(self) -> int:
        return len(self.cells[0]) if self.cells else 0

    @property
    def minutes_per_row(self) -> int:
        return row_minutes(self.view.instrument.policy.slot_minutes) if self.view else 60

    def selection(self) -> tuple[Cell, ...]:
        """The selected cells of the cursor's day, or the cursor's cell alone."""
        if not self.cells:
            return ()
        low, high = sorted(
            (
                self.range_anchor if self.range_anchor is not None else self.cursor_row,
                self.cursor_row,
            )
        )
        return tuple(self.cells[self.cursor_day][low : high + 1])

    def _first_open_row(self) -> int:
        """Where the day usually starts: the first open row of any day, else 08:00."""
        open_rows = [
            cell.minute // self.minutes_per_row
            for column in self.cells
            for cell in column
            if cell.is_open
        ]
        return min(open_rows) if open_rows else 8 * 60 // self.minutes_per_row

    # Keys and mouse -------------------------------------------------------------------

    def action_move(self, days: int, rows: int) -> None:
        if not self._ready():
            return
        self.range_anchor = None
        day = self.cursor_day + days
        if day < 0 or day > 6:
            self.cursor_day = day % 7
            self.post_message(self.EdgeReached(-1 if day < 0 else 1))
            return
        self.cursor_day = day
        self.cursor_row = min(max(self.cursor_row + rows, 0), self.rows - 1)
        self._after_move()

    def action_extend(self, rows: int) -> None:
        if not self._ready():
            return
        if self.range_anchor is None:
            self.range_anchor = self.cursor_row
        self.cursor_row = min(max(self.cursor_row + rows, 0), self.rows - 1)
        self._after_move()

    def action_choose(self) -> None:
        cells = self.selection()
        if self._ready():
            self.post_message(self.RangeChosen(cells, len(cells) * self.minutes_per_row))

    def _ready(self) -> bool:
        """The first week has arrived; before it, a key says so rather than doing nothing."""
        if not self.cells:
            self.notify("The week is still loading; try again when it shows", severity="warning")
        return bool(self.cells)

    def clear_selection(self) -> bool:
        """Drop a selection; False when there was none (so Escape may mean 'back')."""
        if self.range_anchor is None or self.range_anchor == self.cursor_row:
            self.range_anchor = None
            return False
        self.range_anchor = None
        self._after_move()
        return True

    def _cell_at(self, x: int, y: int) -> tuple[int, int] | None:
        width = self._day_width()
        if y < 1 or x < TIME_WIDTH or not self.cells:
            return None
        day, row = (x - TIME_WIDTH) // width, self.top + y - 1
        if day > 6 or row >= self.rows:
            return None
        return day, row

    def on_mouse_down(self, event: events.MouseDown) -> None:
        found = self._cell_at(event.x, event.y)
        if found is None:
            return
        self.focus()
        self.cursor_day, self.cursor_row = found
        self.range_anchor = found[1]
        self._dragging = True
        self.capture_mouse()
        self._after_move()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if not self._dragging:
            return
        found = self._cell_at(event.x, event.y)
        if found is not None and found[0] == self.cursor_day and found[1] != self.cursor_row:
            self.cursor_row = found[1]
            self._after_move()

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragging:
            self._dragging = False
            self.release_mouse()

    def on_click(self, event: events.Click) -> None:
        if event.chain == 2 and self._cell_at(event.x, event.y) is not None:
            self.action_choose()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.top = min(self.top + 2, max(0, self.rows - self._visible_rows()))
        self.refresh()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.top = max(self.top - 2, 0)
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        # The resized frame may already be painted with the old top: paint again, or a
        # taller terminal keeps the early hours hidden above rows left blank.
        top = self.top
        self._keep_cursor_visible()
        if self.top != top:
            self.refresh()

    def _after_move(self) -> None:
        self._keep_cursor_visible()
        self.refresh()
        self._announce()

    def _announce(self) -> None:
        if self.cells:
            self.post_message(self.CursorMoved(self.selection()))

    def _visible_rows(self) -> int:
        return max(1, self.size.height - 1)

    def _keep_cursor_visible(self) -> None:
        visible = self._visible_rows()
        if self.cursor_row < self.top:
            self.top = self.cursor_row
        elif self.cursor_row >= self.top + visible:
            self.top = self.cursor_row - visible + 1
        self.top = max(0, min(self.top, max(0, self.rows - visible)))

    # Painting -------------------------------------------------------------------------

    def _day_width(self) -> int:
        return max(4, (self.size.width - TIME_WIDTH) // 7)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"week-grid--{name}")

    def render(self) -> Text:
        if not self.cells:
            return Text("Loading the week...", style=self._style("time"))
        width = self._day_width()
        labels = self._labels(width - 1)
        lines = [self._header(width)]
        selected = {cell.minute for cell in self.selection()}
        last = min(self.rows, self.top + self._visible_rows())
        for row in range(self.top, last):
            line = Text(f"{self._time_label(row):<{TIME_WIDTH}}", style=self._style("time"))
            for day, column in enumerate(self.cells):
                text = labels.get((day, row), "")
                line.append_text(self._cell_text(column[row], day, row, width, selected, text))
            lines.append(line)
        return Text("\n").join(lines)

    def _header(self, width: int) -> Text:
        header = Text(" " * TIME_WIDTH)
        for column in self.cells:
            day = column[0].day
            label = f"{day:%a} {day.day}"[: width - 1].ljust(width)
            style = self._style("header")
            if day == self.today:
                style += self._style("today")
            header.append(label, style=style)
        return header

    def _time_label(self, row: int) -> str:
        minute = row * self.minutes_per_row
        return f"{minute // 60:02d}:{minute % 60:02d}"

    def _labels(self, width: int) -> dict[tuple[int, int], str]:
        """Each entry's label fitted to its cells in each day: (day, row) to that row's line."""
        found: dict[tuple[int, int], str] = {}
        for day, column in enumerate(self.cells):
            for row, cell in enumerate(column):
                if not cell.label:
                    continue
                rows = 1
                while row + rows < len(column) and column[row + rows].entry is cell.entry:
                    rows += 1
                for n, line in enumerate(fit_label(cell.label, width, rows)):
                    found[day, row + n] = line
        return found

    def _cell_text(
        self, cell: Cell, day: int, row: int, width: int, selected: set[int], label: str
    ) -> Text:
        style = self._style(cell.state.value)
        if day == self.cursor_day and cell.minute in selected:
            focused_cursor = row == self.cursor_row and self.has_focus
            style += self._style("cursor" if focused_cursor else "selected")
        body = label or ("" if cell.entry else FILL.get(cell.state, ""))
        text = Text(body[: width - 1].ljust(width - 1), style=style)
        text.append(" ")
        return text
