"""FittedTable: a DataTable that shows the columns that fit its width, each sized to the room.

The screen declares its columns once (`set_columns`, ColumnSpec from column_fit) and adds
rows with every column's cell, as to any DataTable. The table keeps every cell, and on
mount, on a resize and when new cells change the widest of a column, it lays the columns
out again by the shared rule (column_fit.fit_columns): what does not fit is hidden, not
cut, and a wider terminal shows more columns. `row_values` and `row_values_at` answer with
every declared column's cell, shown or not; `shown_columns` says which are on screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowDoesNotExist, RowKey

from equipshare.tui.widgets.column_fit import ColumnSpec, fit_columns


def _plain(cell: object) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


class FittedTable(DataTable[Any]):
    """A DataTable laid out by priority: see the module's docstring."""

    def __init__(
        self,
        *,
        id: str | None = None,
        classes: str | None = None,
        cursor_type: str = "row",
        zebra_stripes: bool = True,
    ) -> None:
        super().__init__(
            id=id,
            classes=classes,
            cursor_type=cursor_type,  # type: ignore[arg-type]
            zebra_stripes=zebra_stripes,
        )
        self._specs: tuple[ColumnSpec, ...] = ()
        self._rows: dict[str, list[Any]] = {}
        self._heights: dict[str, int | None] = {}
        self._labels: dict[str, Any] = {}
        self._widest: dict[str, int] = {}
        self._layout: dict[str, int] = {}
        self._next_key = 0
        self._relayout_due = False

    # Columns --------------------------------------------------------------------------

    def set_columns(self, specs: Sequence[ColumnSpec]) -> None:
        """Declare the columns, in the order they are shown; any rows are dropped."""
        self._specs = tuple(specs)
        self.clear()
        self._layout = {}
        self._relayout(force=True)

    @property
    def specs(self) -> tuple[ColumnSpec, ...]:
        return self._specs

    @property
    def shown_columns(self) -> tuple[str, ...]:
        """The keys of the columns on screen, in order."""
        return tuple(self._layout)

    @property
    def column_widths(self) -> dict[str, int]:
        """Each shown column's text width (padding aside)."""
        return dict(self._layout)

    # Rows -----------------------------------------------------------------------------

    def add_row(
        self,
        *cells: Any,
        height: int | None = 1,
        key: str | None = None,
        label: Any = None,
    ) -> RowKey:
        """Add a row with a cell for every declared column, in declared order."""
        if key is None:
            key = f"fitted-row-{self._next_key}"
            self._next_key += 1
        row = list(cells) + [""] * (len(self._specs) - len(cells))
        self._rows[key] = row
        self._heights[key] = height
        if label is not None:
            self._labels[key] = label
        for spec, cell in zip(self._specs, row, strict=False):
            self._measure(spec.key, cell)
        shown = self._shown_cells(row)
        return super().add_row(*shown, height=self._height(height), key=key, label=label)

    def update_cell(
        self,
        row_key: RowKey | str,
        column_key: ColumnKey | str,
        value: Any,
        *,
        update_width: bool = False,
    ) -> None:
        """Change one cell, shown or not."""
        key = row_key.value if isinstance(row_key, RowKey) else row_key
        column = column_key.value if isinstance(column_key, ColumnKey) else column_key
        if key is None or column is None or key not in self._rows:
            raise CellDoesNotExist(f"No cell {key!r}, {column!r}")
        index = self._index(column)
        self._rows[key][index] = value
        self._measure(column, value)
        if column in self._layout:
            super().update_cell(key, column, self._cell(self._specs[index], value))

    def remove_row(self, row_key: RowKey | str) -> None:
        key = row_key.value if isinstance(row_key, RowKey) else row_key
        self._rows.pop(key or "", None)
        self._heights.pop(key or "", None)
        self._labels.pop(key or "", None)
        super().remove_row(row_key)

    def clear(self, columns: bool = False) -> FittedTable:
        """Drop every row (and with `columns` the declared columns too)."""
        self._rows.clear()
        self._heights.clear()
        self._labels.clear()
        self._widest.clear()
        if columns:
            self._specs = ()
            self._layout = {}
        super().clear(columns=columns)
        return self

    def row_values(self, row_key: RowKey | str) -> list[Any]:
        """Every declared column's cell of a row, shown or not (`get_row` has the shown)."""
        key = row_key.value if isinstance(row_key, RowKey) else row_key
        if key not in self._rows:
            raise RowDoesNotExist(f"No row {key!r}")
        return list(self._rows[key])

    def row_values_at(self, row_index: int) -> list[Any]:
        """Every declared column's cell of the row at `row_index`, shown or not."""
        if not 0 <= row_index < self.row_count:
            raise RowDoesNotExist(f"No row at {row_index}")
        return self.row_values(self.ordered_rows[row_index].key)

    def cell_text(self, row_key: str, column_key: str) -> str:
        """The whole text of one cell, shown or not."""
        return _plain(self._rows[row_key][self._index(column_key)])

    # Laying out -----------------------------------------------------------------------

    def _index(self, column: str | None) -> int:
        for n, spec in enumerate(self._specs):
            if spec.key == column:
                return n
        raise CellDoesNotExist(f"No column {column!r}")

    def _measure(self, column: str, cell: object) -> None:
        width = max((cell_len(line) for line in _plain(cell).splitlines()), default=0)
        if width > self._widest.get(column, 0):
            self._widest[column] = width
            if not self._relayout_due:
                self._relayout_due = True
                self.call_after_refresh(self._relayout)

    def _room(self) -> int:
        room = self.size.width
        # Rows that wrap are taller than one line: keep room for the scrollbar they may need.
        wraps = any(spec.wrap for spec in self._specs)
        if wraps or len(self._rows) + self.header_height > self.size.height:
            room -= self.styles.scrollbar_size_vertical
        return max(0, room)

    def on_resize(self, _event: events.Resize) -> None:
        self._relayout()
        self._unscroll_if_all_fits()

    def _unscroll_if_all_fits(self) -> None:
        """Show from the top a table that has grown tall enough to show every row down to
        the cursor: the cursor's scroll into view, made while the table was still being
        laid out (a row or two high), would otherwise hide the rows above it for good."""
        if self.scroll_y <= 0 or self.cursor_row < 0:
            return
        above = sum(row.height for row in self.ordered_rows[: self.cursor_row + 1])
        if above + self.header_height <= self.size.height:
            self.scroll_home(animate=False, immediate=True)

    def _relayout(self, *, force: bool = False) -> None:
        """Lay the columns out for the room there is now; rebuild only if that changed."""
        self._relayout_due = False
        layout = fit_columns(self._specs, self._widest, self._room(), self.cell_padding)
        if layout == self._layout and not force:
            return
        self._layout = layout
        self._rebuild()

    def _rebuild(self) -> None:
        """Show the laid-out columns, keeping the cursor and the scroll where they were."""
        cursor_row, scroll_y = self.cursor_row, self.scroll_y
        with self.prevent(DataTable.RowHighlighted, DataTable.CellHighlighted):
            super().clear(columns=True)
            for spec in self._specs:
                if spec.key in self._layout:
                    heading = Text(spec.label, justify=spec.justify, overflow="ellipsis")
                    super().add_column(heading, key=spec.key, width=self._layout[spec.key])
            for key, row in self._rows.items():
                height = self._height(self._heights[key])
                label = self._labels.get(key)
                super().add_row(*self._shown_cells(row), height=height, key=key, label=label)
            if self.row_count:
                self.move_cursor(row=min(cursor_row, self.row_count - 1), scroll=False)
        self.call_after_refresh(self.scroll_to, y=scroll_y, animate=False)

    def _shown_cells(self, row: Sequence[Any]) -> list[Any]:
        return [
            self._cell(spec, cell)
            for spec, cell in zip(self._specs, row, strict=False)
            if spec.key in self._layout
        ]

    def _cell(self, spec: ColumnSpec, cell: Any) -> Any:
        """A cell as drawn: text never read as markup, cut with an ellipsis if too wide."""
        if isinstance(cell, Text):
            text = cell.copy()
            text.overflow = "ellipsis"
            text.no_wrap = not spec.wrap
            if text.justify is None and spec.justify == "right":
                text.justify = "right"  # left is the default, and pads no style onto the rest
            return text
        if isinstance(cell, str):
            justify: Literal["right"] | None = "right" if spec.justify == "right" else None
            return Text(cell, justify=justify, overflow="ellipsis", no_wrap=not spec.wrap)
        return cell

    def _height(self, height: int | None) -> int | None:
        """Rows grow to show a wrapped cell whole when a wrapping column is narrowed."""
        wrapped = any(
            spec.wrap and self._layout.get(spec.key, 0) < self._widest.get(spec.key, 0)
            for spec in self._specs
        )
        return None if wrapped else height
