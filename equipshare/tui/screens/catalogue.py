"""CatalogueScreen: search-as-you-type and filters over instruments, one keyset page at a time.

A keystroke costs one small first page (FIRST_PAGE_ROWS rows, no count) and a repaint of
the rows on screen. Everything else waits until the view has rested for REST_DELAY
seconds, so it never competes with typing: the total count, by a worker of its own, and
the "Next free" column, for at most NEXT_FREE_ROWS rows from the top of the view.
Next free answers are cached per instrument for a minute; an answer (or a count) for an
older query is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Header, Input, Static

from equipshare.domain.display.wording import plural
from equipshare.domain.records.instruments.catalogue_rows import (
    CatalogueFilters,
    CataloguePage,
    CatalogueQuery,
)
from equipshare.tui.messages import PreferenceChosen, WeekRequested
from equipshare.tui.next_free import NOT_YET, NextFreeCache
from equipshare.tui.preferences import with_catalogue
from equipshare.tui.screens.catalogue_keys import CATALOGUE_KEYS
from equipshare.tui.screens.catalogue_rest import CatalogueRestWork
from equipshare.tui.widgets.catalogue_table import CatalogueTable
from equipshare.tui.widgets.filter_bar import FilterBar
from equipshare.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from collections.abc import Callable

    from equipshare.services.catalogue.service import CatalogueService, InstrumentDetailService

    #: What reads a first page before the service is built (Launch.first_page), or None.
    FirstPage = Callable[[CatalogueQuery, int], CataloguePage | None]


class CatalogueScreen(CatalogueRestWork):
    """The first screen: every partner's instruments, searchable and filterable."""

    @dataclass
    class PageLoaded(Message):
        """A keyset page of the catalogue arrived; `after` is None for the first page."""

        generation: int
        query: CatalogueQuery
        after: str | None
        page: CataloguePage

    @dataclass
    class PageRefused(Message):
        """A page was refused (a search too long, say): its rows must not stand for it."""

        generation: int
        after: str | None
        text: str

    @dataclass
    class FiltersLoaded(Message):
        """The institutions, facilities and categories the filters offer arrived."""

        filters: CatalogueFilters

    class Opened(Message):
        """The first page (or its refusal) is on screen: the app's start-up reads may begin."""

    DEFAULT_CSS = """
    #catalogue-status {
        width: 1fr;  /* its size never follows its text, so an update needs no layout */
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = CATALOGUE_KEYS

    #: Seconds to wait after a keystroke before searching, so typing stays smooth.
    SEARCH_DELAY = 0.15
    #: Rows in a query's first page: a screenful and some, cheap to fetch on every keystroke.
    FIRST_PAGE_ROWS = 60
    #: Load the next page when the cursor or view is this close to the last loaded row.
    PREFETCH_ROWS = 40

    def __init__(
        self,
        catalogue: Callable[[], CatalogueService],
        actor: str,
        *,
        page_size: int = 200,
        details: InstrumentDetailService | None = None,
        query: CatalogueQuery | None = None,
        first_page: FirstPage | None = None,
    ) -> None:
        """`query` opens the catalogue on filters (the user's last ones, kept between runs).

        `catalogue` gives the service when a worker first needs it (building it may load
        SQLAlchemy); `first_page`, if given, reads the first page before that."""
        super().__init__()
        self._catalogue_of = catalogue
        self._first_page = first_page
        self._given_details = details
        self._opened = False
        self._actor = actor
        self._page_size = page_size
        self._query = query or CatalogueQuery()
        self._generation = 0
        self._next_after: str | None = None
        self._total: int | None = None
        self._loading = False
        self._search_timer: Timer | None = None
        self._rest_timer: Timer | None = None
        self._free = NextFreeCache(self.NEXT_FREE_TTL)
        self._asked: tuple[str, ...] = ()

    @property
    def generation(self) -> int:
        """Counts the queries shown so far; answers carry it so late ones can be told apart."""
        return self._generation

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
        yield FilterBar(id="catalogue-filters", deferred=True)  # built after the first rows
        yield CatalogueTable(id="catalogue-table", near_end=self.PREFETCH_ROWS)
        yield Static("Loading the catalogue...", id="catalogue-status", markup=False)
        yield KeyFooter()

    @property
    def _table(self) -> CatalogueTable:
        return self.query_one("#catalogue-table", CatalogueTable)

    def on_mount(self) -> None:
        table = self._table
        table.focus()
        # Scrolling shows new rows: ask for theirs once the view rests.
        self.watch(table, "scroll_y", self._rest_then_fill, init=False)
        self._sync_filter_bar()
        self._reload()

    @property
    def _catalogue(self) -> CatalogueService:
        return self._catalogue_of()

    @property
    def _details(self) -> InstrumentDetailService:
        """Built when an instrument is first opened: its module loads the ORM."""
        if self._given_details is None:
            from equipshare.services.catalogue.service import InstrumentDetailService

            self._given_details = InstrumentDetailService(self._catalogue.context)
        return self._given_details

    async def _first_answer(self) -> None:
        """Once the first page (or its refusal) is on screen: start what waited for it, the
        filter bar's Selects, the filters here and the app's own (CatalogueScreen.Opened),
        so that nothing loads beside the first page and the first frame with rows comes
        sooner."""
        if not self._opened:
            self._opened = True
            await self._filter_bar.build()
            self.load_filters()
            self.post_message(self.Opened())

    # Loading --------------------------------------------------------------------------

    def _reload(self) -> None:
        """Start over from the first page of the current query."""
        self._generation += 1
        self._next_after = None
        self._total = None
        self._loading = True
        self._hold_background_work()
        self.load_page(self._generation, self._query, None, self.FIRST_PAGE_ROWS)

    def load_page(
        self, generation: int, query: CatalogueQuery, after: str | None, limit: int
    ) -> None:
        early, self._first_page = self._first_page, None  # only ever the launch's first page

        def page() -> CataloguePage:
            found = early(query, limit) if early is not None and after is None else None
            if found is not None:
                return found
            return self._catalogue.page(self._actor, query, after=after, limit=limit)

        self.call_service(
            page,
            lambda page: self.PageLoaded(generation, query, after, page),
            group="catalogue",
            refused=lambda error: self.PageRefused(generation, after, str(error)),
            live_baseline=after is None,
        )

    @on(PageLoaded)
    def _show_page(self, message: PageLoaded) -> None:
        if message.generation != self._generation:
            return  # an older query's page, overtaken by typing
        table = self._table
        if message.after is None:
            table.set_rows(message.page.rows, self._free.words)
            self.query_one("#catalogue-search", Input).remove_class("-invalid")
        else:
            table.append_rows(message.page.rows, self._free.words)
        self._next_after = message.page.next_after
        if self._next_after is None:
            self._total = table.row_count  # every match is loaded: nothing left to count
        self._loading = False
        self._update_status()
        self.call_after_refresh(self._first_answer)  # after the frame that paints the rows
        if message.after is not None:
            self._maybe_prefetch()  # the user went looking for more: keep up with them
        self._rest_then_fill()

    @on(PageRefused)
    def _page_refused(self, message: PageRefused) -> None:
        """Say why in the status line, in place of the rows: never an older query's rows."""
        if message.generation != self._generation:
            return
        self._loading = False
        if message.after is None:
            self._table.set_rows((), self._free.words)
            self._next_after, self._total = None, 0
            self.query_one("#catalogue-search", Input).add_class("-invalid")
        self.query_one("#catalogue-status", Static).update(f"Not shown: {message.text}")
        self.call_after_refresh(self._first_answer)

    def _update_status(self) -> None:
        total = NOT_YET if self._total is None else f"{self._total:,}"
        filters = self._query.describe()
        noun = plural("instrument", self._total if self._total is not None else 2)
        text = f"{self._table.row_count:,} of {total} {noun} shown"
        if filters:
            text += f"  ·  filters: {filters}"
        self.query_one("#catalogue-status", Static).update(text, layout=False)

    @on(CatalogueTable.NearEnd)
    def _maybe_prefetch(self) -> None:
        """Fetch the next (bigger) page once the cursor or view nears the end of what is loaded."""
        if self._loading or self._next_after is None or not self._table.is_near_end:
            return
        self._loading = True
        self.load_page(self._generation, self._query, self._next_after, self._page_size)

    # Search and filters ---------------------------------------------------------------

    def set_query(self, query: CatalogueQuery) -> None:
        """Show `query`'s results instead of the current ones."""
        if query != self._query:
            filtered = replace(query, search="") != replace(self._query, search="")
            self._query = query
            self._sync_filter_bar()
            self._reload()
            if filtered:  # the next start opens on these filters (the search is typed afresh)
                self.app.post_message(PreferenceChosen(partial(with_catalogue, query=query)))

    @on(Input.Changed, "#catalogue-search")
    def _search_typed(self, event: Input.Changed) -> None:
        self._hold_background_work()
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
        self._table.focus()

    def load_filters(self) -> None:
        self.call_service(
            lambda: self._catalogue.filters(self._actor),
            self.FiltersLoaded,
            group="catalogue_filters",
        )

    @on(FiltersLoaded)
    def _filters_loaded(self, message: FiltersLoaded) -> None:
        bar, query = self._filter_bar, self._query
        bar.offer(message.filters)

        def known(value: str | None, select_id: str) -> str | None:
            return value if value in bar.choices(select_id) else None

        # Filters kept from an earlier run may name what is gone: drop those, not the rows.
        known_only = replace(
            query,
            institution_code=known(query.institution_code, "filter-institution"),
            facility_code=known(query.facility_code, "filter-facility"),
            category=known(query.category, "filter-category"),
        )
        if known_only != query:
            self.set_query(known_only)

    @property
    def _filter_bar(self) -> FilterBar:
        return self.query_one(FilterBar)

    def filter_choices(self, select_id: str) -> list[str]:
        """The values a filter offers now (facilities narrow to the chosen institution)."""
        return self._filter_bar.choices(select_id)

    def _sync_filter_bar(self) -> None:
        self._filter_bar.show(self._query)

    @on(FilterBar.Chosen)
    def _filter_chosen(self, message: FilterBar.Chosen) -> None:
        self.set_query(message.query)

    @on(CatalogueTable.RowChosen, "#catalogue-table")
    def _open_instrument(self, event: CatalogueTable.RowChosen) -> None:
        from equipshare.tui.screens.instrument import InstrumentScreen

        self.app.push_screen(InstrumentScreen(self._details, self._actor, event.code))

    def action_week(self) -> None:
        code = self._table.cursor_code
        if code is None:
            self.notify("No instrument highlighted to book", severity="warning")
        else:
            self.post_message(WeekRequested(code))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action != "focus_search" or not isinstance(self.focused, Input)

    def action_focus_search(self) -> None:
        # At once, not after what is queued (Widget.focus() waits behind those keys).
        self.set_focus(self.query_one("#catalogue-search", Input))

    async def action_focus_filters(self) -> None:
        bar = self._filter_bar
        await bar.build()  # a key pressed before the first rows came: the bar is not built yet
        bar.select("filter-institution").focus()

    def action_focus_table(self) -> None:
        self._table.focus()

    def action_toggle_bookable(self) -> None:
        self.set_query(replace(self._query, bookable_by_me=not self._query.bookable_by_me))

    def action_clear_filters(self) -> None:
        cleared = CatalogueQuery(search=self._query.search)
        if cleared == self._query:
            self.notify("No filters to clear", severity="warning")
        self.set_query(cleared)
