"""PagedTable: a DataTable filled a keyset page at a time, asking for the next page as the
cursor nears the last row loaded, so a list of any size is reached by scrolling.

The screen owns the service call: it asks `restart()` for a generation before loading a
first page, hands each page back through `show_page`, and answers `MoreWanted` by loading
the page after `after`. A page for an older generation (a search typed over) is dropped.
The widget never sees a service; `PageAfter` is opaque to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from textual import on
from textual.message import Message
from textual.widgets import DataTable

from equipshare.domain.records.pages import PageAfter
from equipshare.tui.widgets.fitted_table import FittedTable

#: One row: its key and its cells in column order.
TableRow = tuple[str, Sequence[str]]


class PagedTable(FittedTable):
    """Rows in pages, columns fitted to the width; `more` says a page lies beyond the last row
    loaded."""

    @dataclass
    class MoreWanted(Message):
        """The cursor neared the last row loaded: load the page after `after`."""

        table: PagedTable
        generation: int
        after: PageAfter

        @property
        def control(self) -> PagedTable:
            return self.table

    def __init__(self, *, prefetch_rows: int = 20, id: str | None = None) -> None:
        """`prefetch_rows`: ask for the next page when the cursor is this close to the end."""
        super().__init__(id=id)
        self.prefetch_rows = prefetch_rows
        self.generation = 0
        self.next_after: PageAfter | None = None
        self.loading = False
        self._from_top = False

    @property
    def more(self) -> bool:
        """Whether rows lie beyond the last one loaded."""
        return self.next_after is not None

    def restart(self, *, from_top: bool = False) -> int:
        """Begin a new list (a reload, or `from_top` a new search): the generation its pages
        must carry. The rows shown stay until its first page arrives, so nothing flickers;
        the cursor then stays on its row number, or goes to the top."""
        self.generation += 1
        self.loading = True
        self._from_top = from_top
        return self.generation

    def is_current(self, generation: int) -> bool:
        return generation == self.generation

    def show_page(
        self,
        generation: int,
        rows: Iterable[TableRow],
        next_after: PageAfter | None,
        *,
        first: bool,
    ) -> bool:
        """Show a page (replacing every row if `first`); False, showing nothing, if it
        answers an older generation. Asks for the next page at once if the cursor is
        already near the end (a short page, or a user who went looking for more)."""
        if not self.is_current(generation):
            return False
        cursor = 0 if first and self._from_top else self.cursor_row
        if first:
            self.clear()
        for key, cells in rows:
            self.add_row(*cells, key=key)
        if first and self.row_count:
            self.move_cursor(row=min(cursor, self.row_count - 1))
        self.next_after = next_after
        self.loading = False
        self.want_more()
        return True

    def page_refused(self, generation: int, *, first: bool) -> bool:
        """A page was refused: stop loading; a refused first page empties the table, since
        the rows shown answered another search. False if it answers an older generation."""
        if not self.is_current(generation):
            return False
        self.loading = False
        if first:
            self.clear()
            self.next_after = None
        return True

    def want_more(self) -> None:
        """Ask for the next page if the cursor is near the end and one lies beyond."""
        near_end = self.cursor_row >= self.row_count - self.prefetch_rows
        if near_end and self.next_after is not None and not self.loading:
            self.loading = True
            self.post_message(self.MoreWanted(self, self.generation, self.next_after))

    @on(DataTable.RowHighlighted)
    def _cursor_moved(self) -> None:
        self.want_more()  # not stopped: screens follow the cursor too

    def action_page_down(self) -> None:
        super().action_page_down()
        self.want_more()  # PageDown on the last row moves nothing, so nothing is highlighted

    def action_cursor_down(self) -> None:
        super().action_cursor_down()
        self.want_more()

    def action_scroll_bottom(self) -> None:
        super().action_scroll_bottom()
        self.want_more()
