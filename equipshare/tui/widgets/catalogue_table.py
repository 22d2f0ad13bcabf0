"""CatalogueTable: a virtual table of catalogue rows that renders only the lines on screen.

A refill costs the same for 60 rows or 6,000: cells are plain strings, measured once as
they arrive, laid out by the tables' shared rule (column_fit: what does not fit is hidden,
a wider terminal shows more columns and fuller names) and drawn as segments, so nothing is
parsed as markup and a "[x]" in a name shows literally.
The header line never scrolls away. The widget receives rows and posts what the user
did; it never sees a service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from equipshare.domain.display.wording import status_words
from equipshare.domain.records.instruments.catalogue_rows import CatalogueRow
from equipshare.tui.widgets.column_fit import ColumnSpec, fit_columns

PADDING = 1  # blank cells on each side of a column


#: The code, name, institution and next free time show at 80 columns (the name cut if it
#: must be); the rest show as the room allows, and codes are never cut.
COLUMNS = (
    ColumnSpec("Code", "code", priority=0),
    ColumnSpec("Name", "name", priority=0, least=12, most=36),
    ColumnSpec("Institution", "institution", priority=0),
    ColumnSpec("Next free", "next_free", priority=0),
    ColumnSpec("Status", "status", priority=1),
    ColumnSpec("Category", "category", priority=2, least=10, most=24),
    ColumnSpec("Facility", "facility", priority=3, least=12, most=36),
)
KEYS = tuple(column.key for column in COLUMNS)
COLUMN_STYLES = {column.key: Style.from_meta({"column": column.key}) for column in COLUMNS}


def fit(text: str, width: int) -> str:
    """`text` cut or padded to exactly `width` cells, with an ellipsis where it was cut."""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


def cells_of(row: CatalogueRow, next_free: str) -> list[str]:
    """One row's cells, in COLUMNS order."""
    return [
        row.code,
        row.name,
        row.institution_code,
        next_free,
        status_words(row.status),
        row.category,
        row.facility_name,
    ]


class CatalogueTable(ScrollView, can_focus=True):
    """Instruments one per line; the cursor row opens with Enter or a second click."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "catalogue-table--header",
        "catalogue-table--cursor",
        "catalogue-table--even-row",
    }

    DEFAULT_CSS = """
    CatalogueTable {
        height: 1fr;
        background: $surface;
        color: $foreground;
    }
    CatalogueTable:focus { background-tint: $foreground 5%; }
    CatalogueTable > .catalogue-table--header {
        text-style: bold;
        background: $panel;
        color: $foreground;
    }
    CatalogueTable > .catalogue-table--even-row { background: $surface-lighten-1 50%; }
    CatalogueTable:dark > .catalogue-table--even-row { background: $surface-darken-1 40%; }
    CatalogueTable > .catalogue-table--cursor {
        background: $block-cursor-blurred-background;
        color: $block-cursor-blurred-foreground;
        text-style: $block-cursor-blurred-text-style;
    }
    CatalogueTable:focus > .catalogue-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "Open", show=False, id="catalogue_table.open",
                tooltip="Open the highlighted instrument"),
        Binding("up", "move(-1)", "Up", show=False, id="catalogue_table.up",
                tooltip="Previous instrument"),
        Binding("down", "move(1)", "Down", show=False, id="catalogue_table.down",
                tooltip="Next instrument"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="catalogue_table.page_up",
                tooltip="One screen of instruments up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="catalogue_table.page_down",
                tooltip="One screen of instruments down"),
        Binding("home,ctrl+home", "ends(-1)", "First", show=False, id="catalogue_table.first",
                tooltip="The first instrument"),
        Binding("end,ctrl+end", "ends(1)", "Last", show=False, id="catalogue_table.last",
                tooltip="The last instrument loaded (loading more as it nears them)"),
        Binding("left", "sideways(-4)", "Left", show=False, id="catalogue_table.left",
                tooltip="Scroll the columns left"),
        Binding("right", "sideways(4)", "Right", show=False, id="catalogue_table.right",
                tooltip="Scroll the columns right"),
    ]  # fmt: skip

    class RowChosen(Message):
        """The user chose an instrument (Enter, or a click on the highlighted row)."""

        def __init__(self, table: CatalogueTable, code: str) -> None:
            super().__init__()
            self.table = table
            self.code = code

        @property
        def control(self) -> CatalogueTable:
            return self.table

    class NearEnd(Message):
        """The cursor or the view came close to the last loaded row: time for the next page."""

        def __init__(self, table: CatalogueTable) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> CatalogueTable:
            return self.table

    def __init__(self, *, near_end: int = 40, id: str | None = None) -> None:
        super().__init__(id=id)
        self.near_end = near_end
        self._codes: list[str] = []
        self._cells: list[list[str]] = []
        self._index: dict[str, int] = {}
        self._cursor = 0
        self._widest: dict[str, int] = {}
        self._layout: dict[str, int] = fit_columns(COLUMNS, {}, 0, PADDING)
        self._base_style = Style()
        #: Counts refills, so an observer can tell a new first page from the old one.
        self.refills = 0

    # Data in --------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._codes)

    @property
    def codes(self) -> list[str]:
        """The loaded instruments' codes, in table order (a copy)."""
        return list(self._codes)

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def cursor_code(self) -> str | None:
        """The highlighted instrument's code; None when the table is empty."""
        return self._codes[self._cursor] if self._codes else None

    def cell(self, code: str, key: str) -> str:
        """The text of one cell, by instrument code and column key."""
        return self._cells[self._index[code]][KEYS.index(key)]

    @property
    def shown_columns(self) -> tuple[str, ...]:
        """The keys of the columns on screen, in order."""
        return tuple(self._layout)

    @property
    def column_widths(self) -> dict[str, int]:
        """Each shown column's text width (padding aside)."""
        return dict(self._layout)

    def set_rows(self, rows: Iterable[CatalogueRow], next_free: Callable[[str], str]) -> None:
        """Show `rows` instead of what was there, cursor and view back at the top."""
        self._codes, self._cells, self._index = [], [], {}
        self._widest = {}
        self._cursor = 0
        self.refills += 1
        self._add(rows, next_free)
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()

    def append_rows(self, rows: Iterable[CatalogueRow], next_free: Callable[[str], str]) -> None:
        """Add the next page's rows below the loaded ones."""
        self._add(rows, next_free)
        self.refresh()

    def _add(self, rows: Iterable[CatalogueRow], next_free: Callable[[str], str]) -> None:
        for row in rows:
            self._index[row.code] = len(self._codes)
            self._codes.append(row.code)
            cells = cells_of(row, next_free(row.code))
            self._cells.append(cells)
            for key, text in zip(KEYS, cells, strict=True):
                self._widest[key] = max(self._widest.get(key, 0), cell_len(text))
        self._resize_virtual()

    def update_next_free(self, code: str, text: str) -> None:
        """Fill one instrument's Next free cell; a code not loaded is ignored."""
        row = self._index.get(code)
        if row is None or self._cells[row][KEYS.index("next_free")] == text:
            return
        self._cells[row][KEYS.index("next_free")] = text
        if cell_len(text) > self._widest.get("next_free", 0):
            self._widest["next_free"] = cell_len(text)
            if self._resize_virtual():
                return  # laid out again: every line is redrawn
        self.refresh_line(row + 1)

    def codes_in_view(self, limit: int) -> list[str]:
        """Up to `limit` codes from the first row in view down."""
        first = max(0, int(self.scroll_y))
        return self._codes[first : first + limit]

    # Geometry -------------------------------------------------------------------------

    def _rows_in_view(self) -> int:
        """How many data rows fit under the header."""
        return max(1, self.scrollable_content_region.height - 1)

    def _resize_virtual(self) -> bool:
        """Lay the columns out for the room there is; True if that changed what is drawn."""
        room = self.size.width
        if len(self._codes) + 1 > self.size.height:
            room -= self.styles.scrollbar_size_vertical
        layout = fit_columns(COLUMNS, self._widest, max(0, room), PADDING)
        width = sum(layout.values()) + 2 * PADDING * len(layout)
        self.virtual_size = Size(width, len(self._codes) + 1)
        if layout == self._layout:
            return False
        self._layout = layout
        self.refresh()
        return True

    def on_resize(self, _event: events.Resize) -> None:
        self._resize_virtual()

    @property
    def is_near_end(self) -> bool:
        """True when the cursor or the bottom of the view is within `near_end` of the last row."""
        last_seen = int(self.scroll_y) + self._rows_in_view()
        return max(self._cursor, last_seen) >= len(self._codes) - self.near_end

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value > old_value and self._codes and self.is_near_end:
            self.post_message(self.NearEnd(self))

    # Drawing --------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's own style walks every ancestor: work it out once per paint, not per line.
        self._base_style = self.rich_style
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self._base_style
        if y == 0:
            style = base + self.get_component_rich_style("catalogue-table--header")
            cells: Sequence[str] = [column.label for column in COLUMNS]
        else:
            row = int(self.scroll_y) + y - 1
            if row >= len(self._codes):
                return Strip.blank(width, base)
            style = base
            if row % 2:
                style += self.get_component_rich_style("catalogue-table--even-row")
            if row == self._cursor:
                style += self.get_component_rich_style("catalogue-table--cursor")
            cells = self._cells[row]
        pad = " " * PADDING
        # Each cell keeps its column in its style, so cells stay separate segments (an SVG
        # export places each at its own column instead of spacing one long run of text).
        segments = [
            Segment(pad + fit(text, self._layout[key]) + pad, style + COLUMN_STYLES[key])
            for key, text in zip(KEYS, cells, strict=True)
            if key in self._layout
        ]
        scroll_x = int(self.scroll_x)
        strip = Strip(segments, self.virtual_size.width)
        return strip.crop(scroll_x, scroll_x + width).adjust_cell_length(width, style)

    def _on_focus(self, event: events.Focus) -> None:
        super()._on_focus(event)
        self.refresh()

    def _on_blur(self, event: events.Blur) -> None:
        super()._on_blur(event)
        self.refresh()

    # Moving ---------------------------------------------------------------------------

    def move_cursor(self, row: int) -> None:
        """Highlight `row` (clamped to the loaded rows) and bring it into view."""
        if not self._codes:
            return
        row = max(0, min(row, len(self._codes) - 1))
        old, self._cursor = self._cursor, row
        self.refresh_line(old + 1)
        self.refresh_line(row + 1)
        top, shown = int(self.scroll_y), self._rows_in_view()
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + shown:
            self.scroll_to(y=row - shown + 1, animate=False, immediate=True)
        if self.is_near_end:
            self.post_message(self.NearEnd(self))

    def action_move(self, rows: int) -> None:
        self.move_cursor(self._cursor + rows)

    def action_page(self, pages: int) -> None:
        self.move_cursor(self._cursor + pages * self._rows_in_view())

    def action_ends(self, end: int) -> None:
        self.move_cursor(0 if end < 0 else len(self._codes) - 1)

    def action_sideways(self, cells: int) -> None:
        self.scroll_to(x=self.scroll_x + cells, animate=False, immediate=True)

    def action_choose(self) -> None:
        code = self.cursor_code
        if code is None:
            self.notify("No instrument highlighted to open", severity="warning")
        else:
            self.post_message(self.RowChosen(self, code))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return  # the header
        row = int(self.scroll_y) + offset.y - 1
        if row >= len(self._codes):
            return
        event.stop()
        if row == self._cursor:
            self.action_choose()
        else:
            self.move_cursor(row)
