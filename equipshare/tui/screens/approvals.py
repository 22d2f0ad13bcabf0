"""ApprovalsScreen: requests waiting for facility staff, every one reachable, searched as
typed; approve or reject each, approve a selection at once, and undo the last decision.

The list pages from the database (ApprovalsService.page): the first page on opening or on a
new search or order, the next as the cursor nears the last row loaded. A decided request
leaves the list in place, so the cursor stays where the approver was working. Undo takes
back the last decision taken here (one request, or a bulk approval) while its notices are
unsent; the service says why when it cannot.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, Static

from equipshare.domain.records.changes import APPROVALS, Topic
from equipshare.domain.records.pages import (
    ApprovalOrder,
    ApprovalsQuery,
    Page,
    PageAfter,
)
from equipshare.domain.records.scheduling.bookings import PendingRequestRow
from equipshare.services.bookings.service import (
    ApprovalsService,
    BookingService,
    DecisionService,
)
from equipshare.tui.approval_words import (
    COLUMNS,
    EMPTY_TEXT,
    SELECTED,
    detail_lines,
    request_cells,
    status_words,
)
from equipshare.tui.messages import PreferenceChosen, ServiceRefused
from equipshare.tui.preferences import with_approvals_order
from equipshare.tui.screens.approval_decisions import ApprovalDecisions
from equipshare.tui.service_screen import back_binding, search_binding
from equipshare.tui.widgets.key_footer import KeyFooter
from equipshare.tui.widgets.paged_table import PagedTable
from equipshare.tui.widgets.search_box import SearchBox

__all__ = ["EMPTY_TEXT", "ApprovalsScreen"]


def _binding(key: str, action: str, text: str, tip: str, **extra: object) -> Binding:
    return Binding(key, action, text, id=f"approvals.{action}", tooltip=tip, **extra)  # type: ignore[arg-type]


class ApprovalsScreen(ApprovalDecisions):
    """Pending bookings the actor may decide, a page at a time."""

    TABLE_ID, SEARCH_ID, PAGE_GROUP = "approvals-table", "approvals-search", "approvals"
    AUTO_FOCUS = "#approvals-table"  # keys act on the list; `/` moves to the search

    DEFAULT_CSS = """
    #approvals-search { margin: 0 1; }
    #approvals-table { height: 1fr; margin: 0 1; }
    #approvals-table.-empty { height: auto; }
    #approvals-empty { height: 1fr; content-align: center middle; color: $text-muted; }
    #approvals-detail {
        height: auto; max-height: 9; margin: 0 1; padding: 0 1; border-top: solid $primary;
    }
    #approvals-status { height: auto; padding: 0 2; color: $text-muted; background: $boost; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        back_binding("approvals"),
        Binding(
            "a",
            "approve",
            "Approve",
            id="approvals.approve",
            tooltip="Approve the highlighted request; the requester is told",
        ),
        Binding(
            "r",
            "reject",
            "Reject",
            id="approvals.reject",
            tooltip="Reject the highlighted request, with a reason the requester will read",
        ),
        Binding(
            "enter",
            "show_detail",
            "Details",
            id="approvals.detail",
            tooltip="Show or hide the highlighted request's purpose, project and requester",
            show=False,  # Enter on a row, as everywhere; the footer keeps room for the rest
        ),
        _binding(
            "space",
            "select",
            "Select",
            "Select the highlighted request for a bulk approval, or unselect it",
            key_display="space",
        ),
        _binding("b", "approve_selected", "Bulk approve", "Approve every selected request"),
        _binding(
            "u",
            "undo",
            "Undo",
            "Take back your last decision here while the requester has not been told",
        ),
        search_binding("approvals", "Search requester or instrument as you type", in_footer=False),
        _binding("o", "order", "Order", "Oldest request first, or soonest start first", show=False),
    ]

    def __init__(
        self,
        approvals: ApprovalsService,
        bookings: BookingService,
        actor: str,
        *,
        decisions: DecisionService | None = None,
        page_size: int = 200,
        order: ApprovalOrder = ApprovalOrder.REQUESTED,
    ) -> None:
        """`order` is the one chosen last time (kept between runs)."""
        super().__init__()
        self._approvals = approvals
        self._bookings = bookings
        self._decisions = decisions or DecisionService(approvals.context)
        self._actor = actor
        self.page_size = page_size
        self.order = order
        self.total: int | None = None
        #: The requests selected for a bulk approval, loaded or not (a search may hide some).
        self.selected_rows: dict[int, PendingRequestRow] = {}
        #: The bookings of the last decision taken here, and its words, for undo.
        self.last_decision: tuple[tuple[int, ...], str] | None = None
        self._deciding: set[int] = set()

    def compose(self) -> ComposeResult:
        yield Header()
        yield SearchBox("Search requester or instrument  ( / )", id="approvals-search")
        yield PagedTable(id="approvals-table")
        yield Static(EMPTY_TEXT, id="approvals-empty", markup=False)
        yield Static("", id="approvals-detail", markup=False)
        yield Static("Loading requests...", id="approvals-status", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.table
        table.set_columns(COLUMNS)
        self.query_one("#approvals-empty", Static).display = False
        self.query_one("#approvals-detail", Static).display = False
        table.focus()
        self.reload()

    # Loading --------------------------------------------------------------------------

    def fetch_page(
        self, after: PageAfter | None, limit: int
    ) -> Callable[[], Page[PendingRequestRow]]:
        query = ApprovalsQuery(self.search, self.order)
        return lambda: self._approvals.page(self._actor, query, after=after, limit=limit)

    def row_cells(self, row: PendingRequestRow) -> tuple[str, tuple[str, ...]]:
        selected = row.booking_id in self.selected_rows
        return str(row.booking_id), request_cells(row, selected, self._now)

    @property
    def _now(self) -> datetime:
        """Dates near today go without their year in the When column."""
        return self._approvals.context.clock.now()

    def page_shown(self, page: Page[PendingRequestRow], *, first: bool) -> None:
        if first:
            self.total = page.total

    def list_changed(self) -> None:
        """Show the list or the empty text, the detail and the status line as they now are."""
        table = self.table
        empty = table.row_count == 0
        table.set_class(empty, "-empty")  # shown, so it keeps the focus and the keys
        self.query_one("#approvals-empty", Static).display = empty
        if empty:
            self.query_one("#approvals-detail", Static).display = False
        elif not self.query_one("#approvals-search", SearchBox).has_focus:
            table.focus()
        self._refresh_detail()
        words = status_words(len(self.rows), self.total, table.more, self.search, self.order,
                             len(self.selected_rows))  # fmt: skip
        status = f"Not shown: {self.refusal}" if self.refusal else words
        self.query_one("#approvals-status", Static).update(status)

    @on(ServiceRefused)
    def _reload_after_refusal(self) -> None:
        # The base shows the refusal. A decision was refused (someone else may have decided
        # first): show the news. Page refusals come as PageRefused, so nothing loops.
        self.reload()

    # Ordering -------------------------------------------------------------------------

    def action_order(self) -> None:
        """Oldest request first, or soonest start first."""
        requested = self.order is ApprovalOrder.REQUESTED
        self.order = ApprovalOrder.STARTS if requested else ApprovalOrder.REQUESTED
        self.reload(from_top=True)
        kept = partial(with_approvals_order, order=self.order.value)
        self.app.post_message(PreferenceChosen(kept))  # the next start opens in this order

    # Selecting and details ------------------------------------------------------------

    def selected(self) -> PendingRequestRow | None:
        """The request under the cursor, if any."""
        return self.highlighted()

    def action_select(self) -> None:
        """Select or unselect the highlighted request, and move on to the next."""
        row = self.selected()
        if row is None:
            self.notify("No request highlighted", severity="warning")
            return
        chosen = row.booking_id not in self.selected_rows
        if chosen:
            self.selected_rows[row.booking_id] = row
        else:
            del self.selected_rows[row.booking_id]
        self.table.update_cell(str(row.booking_id), "mark", SELECTED if chosen else "")
        self.table.action_cursor_down()
        self.list_changed()

    def action_show_detail(self) -> None:
        """Open the detail panel on the highlighted request, or close it if open."""
        detail = self.query_one("#approvals-detail", Static)
        if not detail.display and self.selected() is None:
            self.notify("No request highlighted", severity="warning")
        detail.display = not detail.display and self.selected() is not None
        self._refresh_detail()

    @on(PagedTable.RowSelected, "#approvals-table")
    def _row_chosen(self) -> None:
        self.action_show_detail()

    @on(PagedTable.RowHighlighted, "#approvals-table")
    def _row_moved(self) -> None:
        self._refresh_detail()

    def _refresh_detail(self) -> None:
        detail = self.query_one("#approvals-detail", Static)
        row = self.selected()
        if detail.display and row is not None:
            detail.update("\n".join(detail_lines(row)))

    # Keeping up with writes made elsewhere ----------------------------------------------------

    def live_topics(self) -> frozenset[Topic]:
        return frozenset({APPROVALS})

    def live_changed(self, changed: frozenset[Topic]) -> None:
        self.reload()  # requested, decided or withdrawn elsewhere; the selection stays
