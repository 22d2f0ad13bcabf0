"""CatalogueScreen: search-as-you-type over instruments, shown one keyset page at a time."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, Static

from equipshare.errors import EquipshareError
from equipshare.records import CataloguePage, CatalogueQuery
from equipshare.services.catalogue import CatalogueService
from equipshare.tui.messages import CataloguePageLoaded, ServiceRefused
from equipshare.tui.screens.instrument import InstrumentScreen
from equipshare.tui.wording import status_words

# (label, key, width): the columns that matter most come first, so 80 columns show them.
COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("Code", "code", None),
    ("Name", "name", 32),
    ("Institution", "institution", 11),
    ("Status", "status", 14),
    ("Category", "category", 16),
    ("Facility", "facility", 30),
)


class CatalogueScreen(Screen[None]):
    """The first screen: every partner's instruments, searchable and filterable."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", id="catalogue.search", tooltip="Type to search"),
        Binding(
            "b",
            "toggle_bookable",
            "Bookable by me",
            id="catalogue.bookable",
            tooltip="Show only instruments you may book now",
        ),
        Binding(
            "escape",
            "focus_table",
            "To table",
            show=False,
            id="catalogue.table",
            tooltip="Leave the search box for the table",
        ),
    ]

    #: Seconds to wait after a keystroke before searching, so typing stays smooth.
    SEARCH_DELAY = 0.15
    #: Load the next page when the cursor is this close to the last loaded row.
    PREFETCH_ROWS = 40

    def __init__(self, catalogue: CatalogueService, actor: str, *, page_size: int = 200) -> None:
        super().__init__()
        self._catalogue = catalogue
        self._actor = actor
        self._page_size = page_size
        self._query = CatalogueQuery()
        self._generation = 0
        self._next_after: str | None = None
        self._total: int | None = None
        self._loading = False
        self._search_timer: Timer | None = None

    @property
    def query_state(self) -> CatalogueQuery:
        """The query the table shows (or is loading)."""
        return self._query

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(
            placeholder="Search code, name, category, manufacturer, model  ( / )",
            id="catalogue-search",
        )
        table: DataTable[str] = DataTable(
            id="catalogue-table", cursor_type="row", zebra_stripes=True
        )
        yield table
        yield Static("Loading the catalogue...", id="catalogue-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#catalogue-table", DataTable)
        for label, key, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        table.focus()
        self._reload()

    # Loading --------------------------------------------------------------------------

    def _reload(self) -> None:
        """Start over from the first page of the current query."""
        self._generation += 1
        self._next_after = None
        self._loading = True
        self.load_page(self._generation, self._query, None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="catalogue")
    def load_page(self, generation: int, query: CatalogueQuery, after: str | None) -> None:
        try:
            page = self._catalogue.page(self._actor, query, after=after, limit=self._page_size)
        except EquipshareError as exc:
            self.post_message(ServiceRefused(str(exc)))
            return
        self.post_message(CataloguePageLoaded(generation, query, after, page))

    @on(CataloguePageLoaded)
    def _show_page(self, message: CataloguePageLoaded) -> None:
        if message.generation != self._generation:
            return  # an older query's page, overtaken by typing
        table = self.query_one("#catalogue-table", DataTable)
        if message.after is None:
            table.clear()
            self._total = message.page.total
        self._add_rows(table, message.page)
        self._next_after = message.page.next_after
        self._loading = False
        self._update_status(table.row_count)
        self._maybe_prefetch(table)

    @on(ServiceRefused)
    def _show_refusal(self, message: ServiceRefused) -> None:
        self._loading = False
        self.notify(message.text, severity="error")

    @staticmethod
    def _add_rows(table: DataTable[str], page: CataloguePage) -> None:
        for row in page.rows:
            table.add_row(
                row.code,
                row.name,
                row.institution_code,
                status_words(row.status),
                row.category,
                row.facility_name,
                key=row.code,
            )

    def _update_status(self, shown: int) -> None:
        total = f" of {self._total:,}" if self._total is not None else ""
        filters = self._query.describe()
        text = f"{shown:,}{total} instruments shown"
        if filters:
            text += f"  ·  filters: {filters}"
        self.query_one("#catalogue-status", Static).update(text)

    def _maybe_prefetch(self, table: DataTable[str]) -> None:
        """Fetch the next page once the cursor nears the end of what is loaded."""
        if self._loading or self._next_after is None:
            return
        if table.cursor_row >= table.row_count - self.PREFETCH_ROWS:
            self._loading = True
            self.load_page(self._generation, self._query, self._next_after)

    @on(DataTable.RowHighlighted, "#catalogue-table")
    def _cursor_moved(self, _event: DataTable.RowHighlighted) -> None:
        self._maybe_prefetch(self.query_one("#catalogue-table", DataTable))

    # Search and filters ---------------------------------------------------------------

    def set_query(self, query: CatalogueQuery) -> None:
        """Show `query`'s results instead of the current ones."""
        if query != self._query:
            self._query = query
            self._reload()

    @on(Input.Changed, "#catalogue-search")
    def _search_typed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        text = event.value
        self._search_timer = self.set_timer(
            self.SEARCH_DELAY, lambda: self.set_query(replace(self._query, search=text))
        )

    @on(Input.Submitted, "#catalogue-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self.set_query(replace(self._query, search=event.value))
        self.query_one("#catalogue-table", DataTable).focus()

    @on(DataTable.RowSelected, "#catalogue-table")
    def _open_instrument(self, event: DataTable.RowSelected) -> None:
        code = event.row_key.value
        if code is not None:
            self.app.push_screen(InstrumentScreen(self._catalogue, self._actor, code))

    def action_focus_search(self) -> None:
        self.query_one("#catalogue-search", Input).focus()

    def action_focus_table(self) -> None:
        self.query_one("#catalogue-table", DataTable).focus()

    def action_toggle_bookable(self) -> None:
        self.set_query(replace(self._query, bookable_by_me=not self._query.bookable_by_me))
