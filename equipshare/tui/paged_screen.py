"""PagedScreen: the base of screens whose list pages from a service by keyset, searched as
typed (Approvals, Training, My bookings).

A subclass says how to fetch a page of its current query (`fetch_page`, run in a thread
worker) and how a row looks (`row_cells`); the base loads the first page on `reload()`,
the next whenever its PagedTable asks, drops the answers of a search typed over, and
reloads when the SearchBox settles. `list_changed` runs after every page or refusal, for
the subclass's status line. The subclass composes the table and box with the ids it names
in TABLE_ID and SEARCH_ID.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from textual import on
from textual.message import Message
from textual.widgets import Input

from equipshare.domain.errors import EquipshareError, PermissionDenied
from equipshare.domain.records.pages import Page, PageAfter
from equipshare.tui.service_screen import ServiceScreen
from equipshare.tui.widgets.paged_table import PagedTable
from equipshare.tui.widgets.search_box import SearchBox

R = TypeVar("R")
#: Load the next page when the cursor comes this close to the last row loaded.
PREFETCH_ROWS = 20


class PagedScreen(ServiceScreen[None], Generic[R]):
    """A screen showing one keyset-paged, searchable list of `R` rows."""

    @dataclass
    class PageLoaded(Message):
        """A page arrived; `after` is None for the first page of a search."""

        generation: int
        after: PageAfter | None
        page: Page[Any]

    @dataclass
    class PageRefused(Message):
        """A page was refused; `field` names the input refused (`search`, say), `denied`
        says the actor lacks the right to list at all."""

        generation: int
        after: PageAfter | None
        text: str
        field: str | None
        denied: bool

    TABLE_ID = "paged-table"
    SEARCH_ID = "paged-search"
    #: The worker group of page loads (one at a time: a newer search cancels the older).
    PAGE_GROUP = "paged"

    def __init__(self) -> None:
        super().__init__()
        self.page_size = 200
        self.search = ""
        self.loaded = False
        self.rows: dict[str, R] = {}
        #: Why the current query's first page was refused, until one is shown.
        self.refusal: str | None = None

    # What a subclass says --------------------------------------------------------------

    def fetch_page(self, after: PageAfter | None, limit: int) -> Callable[[], Page[R]]:
        """The service call for the page after `after` of the current query."""
        raise NotImplementedError

    def row_cells(self, row: R) -> tuple[str, Sequence[str]]:
        """A row's key and its cells in column order."""
        raise NotImplementedError

    def list_changed(self) -> None:
        """A page was shown or refused: bring the status line up to date."""

    def page_refused(self, message: PageRefused) -> None:
        """A page was refused; by default the refusal is notified and stated."""
        self.notify(message.text, severity="error")

    # Loading ---------------------------------------------------------------------------

    @property
    def table(self) -> PagedTable:
        return self.query_one(f"#{self.TABLE_ID}", PagedTable)

    @property
    def search_box(self) -> SearchBox:
        return self.query_one(f"#{self.SEARCH_ID}", SearchBox)

    def reload(self, *, from_top: bool = False) -> None:
        """Load the current query from its first page; the rows shown stay until it comes.
        `from_top` for a new query (a search, another tab): the cursor goes to the top."""
        self.loaded = False
        table = self.table
        # Ask ahead by a quarter page at most: a small page must not be fetched all at once.
        table.prefetch_rows = max(1, min(PREFETCH_ROWS, self.page_size // 4))
        self.load_page(table.restart(from_top=from_top), None)

    def load_page(self, generation: int, after: PageAfter | None) -> None:
        call = self.fetch_page(after, self.page_size)

        def refused(error: EquipshareError) -> Message:
            field = getattr(error, "field", None)
            denied = isinstance(error, PermissionDenied)
            return self.PageRefused(generation, after, str(error), field, denied)

        self.call_service(
            call,
            lambda page: self.PageLoaded(generation, after, page),
            group=self.PAGE_GROUP,
            refused=refused,
            live_baseline=after is None,
        )

    @on(PagedTable.MoreWanted)
    def _more_wanted(self, message: PagedTable.MoreWanted) -> None:
        self.load_page(message.generation, message.after)

    @on(PageLoaded)
    def _show_page(self, message: PageLoaded) -> None:
        first = message.after is None
        page: Page[R] = message.page
        keyed = [(self.row_cells(row), row) for row in page.rows]
        shown = [cells for cells, _ in keyed]
        if not self.table.show_page(message.generation, shown, page.next_after, first=first):
            return  # an older search's page, overtaken by typing
        if first:
            self.rows, self.refusal = {}, None
        self.rows.update((key, row) for (key, _), row in keyed)
        self.search_box.mark_refused(False)
        self.loaded = True
        self.page_shown(page, first=first)
        self.list_changed()

    def page_shown(self, page: Page[R], *, first: bool) -> None:
        """A page was shown; a subclass may keep what else it carries (a total)."""

    @on(PageRefused)
    def _page_refused(self, message: PageRefused) -> None:
        first = message.after is None
        if not self.table.page_refused(message.generation, first=first):
            return
        if first:
            self.rows, self.refusal = {}, message.text
        self.search_box.mark_refused(message.field == "search")
        self.page_refused(message)
        self.list_changed()

    # Searching -------------------------------------------------------------------------

    @on(SearchBox.Settled)
    def _search_settled(self, message: SearchBox.Settled) -> None:
        if message.value != self.search:
            self.search = message.value
            self.reload(from_top=True)

    @on(Input.Submitted)
    def _search_submitted(self) -> None:
        self.table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """ "/" (search_binding) steps aside in a text box, where it is a character."""
        return action != "search" or not isinstance(self.focused, Input)

    def action_search(self) -> None:
        """Focus the search box at once: Widget.focus() waits behind the keys already
        queued, and those typed after "/" belong in the box."""
        self.set_focus(self.search_box)

    def highlighted(self) -> R | None:
        """The row under the cursor, if any."""
        table = self.table
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.rows.get(key) if key is not None else None
