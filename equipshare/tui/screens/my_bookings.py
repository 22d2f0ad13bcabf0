"""MyBookingsScreen: the user's upcoming and past bookings, with who must approve them, what
each costs, and check-in/out at the instrument; moving and cancelling (with a series' scope)
come from BookingChangesScreen.

Both tabs page from the database (MyBookingsService.page) as the cursor nears the last row
loaded, so years of past bookings are all reachable, and a search (instrument, purpose or
project) narrows them as typed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Header, Static, Tab, Tabs

from equipshare.domain.display.wording import (
    booking_status_words,
    count_words,
    price_words,
    use_words,
)
from equipshare.domain.enums import BookingStatus, ExportKind
from equipshare.domain.money.charge_quotes import UseCharge, use_charge_words
from equipshare.domain.records.changes import Topic
from equipshare.domain.records.pages import MyBookingsQuery, Page, PageAfter
from equipshare.domain.records.scheduling.bookings import BookingRecord, MyBookingRow
from equipshare.domain.records.scheduling.calendar import ExportScope
from equipshare.domain.rules.check_in_rules import check_in_refusal, check_out_refusal
from equipshare.domain.time.timewords import short_range
from equipshare.services.bookings.service import CheckInService, MyBookingsService, WeekService
from equipshare.tui.messages import (
    BookingsChanged,
    CalendarRequested,
    FeedRequested,
    HistoryRequested,
)
from equipshare.tui.modals.bookings.booking_draft import BookingServices
from equipshare.tui.paged_screen import PagedScreen
from equipshare.tui.screens.booking_changes import BookingChangesScreen
from equipshare.tui.service_screen import back_binding, search_binding
from equipshare.tui.widgets.column_fit import ColumnSpec
from equipshare.tui.widgets.key_footer import KeyFooter
from equipshare.tui.widgets.paged_table import PagedTable
from equipshare.tui.widgets.search_box import SearchBox

CANCELLABLE = (BookingStatus.PENDING, BookingStatus.CONFIRMED)
USE_ACTIONS = frozenset({"check_in", "check_out"})
#: When, the instrument's code and the status are whole at 80 columns; the rest show as
#: the room allows, the instrument's name last.
COLUMNS = (
    ColumnSpec("When", "when", priority=0),
    ColumnSpec("Status", "status", priority=0),
    ColumnSpec("Price", "price", priority=1, justify="right"),
    ColumnSpec("In/out", "use", priority=3),
    ColumnSpec("Instrument", "instrument", priority=0),
    ColumnSpec("Waiting for", "approvers", priority=2, least=14, most=30),
    ColumnSpec("Name", "name", priority=4, least=12, most=30),
)


class MyBookingsScreen(BookingChangesScreen, PagedScreen[MyBookingRow]):
    """The acting user's own bookings; Escape goes back."""

    TABLE_ID, SEARCH_ID, PAGE_GROUP = "my-bookings-table", "my-bookings-search", "my_bookings"
    AUTO_FOCUS = "#my-bookings-table"  # keys act on the list; `/` moves to the search

    @dataclass
    class CheckedIn(Message):
        """The user checked in to `booking`: its session has begun."""

        booking: BookingRecord

    @dataclass
    class CheckedOut(Message):
        """The user checked out of `booking`; its charge may have changed (actual-time basis),
        and `use` says why it is what it is."""

        booking: BookingRecord
        use: UseCharge

    DEFAULT_CSS = """
    #my-bookings-search {
        margin: 0 1;
    }
    #my-bookings-table {
        height: 1fr;
        margin: 0 1;
    }
    #my-bookings-status {
        height: auto;
        padding: 0 2;
        color: $text-muted;
        background: $boost;
    }
    """

    ENTER_ACTIONS: ClassVar[dict[str, str]] = {
        "my-bookings-table": "edit_booking"
    }  # Enter on a booking: its e

    BINDINGS: ClassVar[list[BindingType]] = [
        back_binding("my_bookings"),
        Binding(
            "n",
            "check_in",
            "Check in",
            id="my_bookings.check_in",
            tooltip="Check in to the selected booking at the instrument: your session has begun",
        ),
        Binding(
            "o",
            "check_out",
            "Check out",
            id="my_bookings.check_out",
            tooltip="Check out of the selected booking: your session has ended",
        ),
        Binding(
            "t",
            "toggle_past",
            "Upcoming/Past",
            id="my_bookings.toggle",
            tooltip="Switch between upcoming and past bookings",
        ),
        Binding(
            "e",
            "edit_booking",
            "Move/edit",
            id="my_bookings.edit",
            tooltip="Move the selected booking or change its purpose, project or technician",
        ),
        Binding(
            "i",
            "download_calendar",
            "Download .ics",
            id="my_bookings.ics",
            tooltip="Save your bookings as an .ics file to import into your calendar app",
        ),
        Binding(
            "s",
            "subscribe",
            "Subscribe",
            id="my_bookings.subscribe",
            tooltip="A feed URL that keeps your calendar app up to date with your bookings",
        ),
        Binding(
            "c",
            "cancel_booking",
            "Cancel booking",
            id="my_bookings.cancel",
            tooltip="Cancel the selected booking, with an optional reason",
        ),
        Binding(
            "h",
            "history",
            "History",
            id="my_bookings.history",
            tooltip="Who changed the selected booking, and when",
        ),
        search_binding(
            "my_bookings", "Search instrument, purpose or project as you type", in_footer=False
        ),
    ]

    def __init__(
        self,
        my_bookings: MyBookingsService,
        services: BookingServices,
        weeks: WeekService,
        actor: str,
        check_ins: CheckInService | None = None,
        *,
        page_size: int = 200,
    ) -> None:
        super().__init__(services, weeks, actor)
        self._my_bookings = my_bookings
        self._check_ins = check_ins or CheckInService(my_bookings.context)
        self.page_size = page_size
        self.upcoming = True

    def compose(self) -> ComposeResult:
        yield Header()
        yield Tabs(Tab("Upcoming", id="upcoming"), Tab("Past", id="past"), id="my-bookings-tabs")
        yield SearchBox("Search instrument, purpose or project  ( / )", id=self.SEARCH_ID)
        yield PagedTable(id=self.TABLE_ID)
        yield Static("Loading your bookings...", id="my-bookings-status", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.table
        table.set_columns(COLUMNS)
        table.focus()
        self.reload()

    # Loading --------------------------------------------------------------------------

    @property
    def _today(self) -> datetime:
        """Dates near it go without their year in the When column."""
        return self._my_bookings.context.clock.now()

    def fetch_page(self, after: PageAfter | None, limit: int) -> Callable[[], Page[MyBookingRow]]:
        query = MyBookingsQuery(self.upcoming, self.search)
        return lambda: self._my_bookings.page(self._actor, query, after=after, limit=limit)

    def row_cells(self, row: MyBookingRow) -> tuple[str, tuple[str, ...]]:
        waiting = ", ".join(row.approvers) if row.status is BookingStatus.PENDING else ""
        return str(row.booking_id), (
            short_range(row.starts_at, row.ends_at, row.timezone, self._today),
            booking_status_words(row.status),
            price_words(row),
            use_words(row),
            row.instrument_code,
            waiting,
            row.instrument_name,
        )

    def list_changed(self) -> None:
        which = "upcoming" if self.upcoming else "past"
        searched = self.search.strip()
        if self.refusal:
            words = f"Not shown: {self.refusal}"
        elif not self.rows and searched:
            words = f"No {which} bookings match {searched!r}"
        else:
            more = ", more below" if self.table.more else ""
            shown = count_words(len(self.rows), f"{which} booking")
            words = f"{shown}{more}  ·  t switches upcoming/past"
        self.query_one("#my-bookings-status", Static).update(words)
        self.refresh_bindings()

    @on(PagedTable.RowHighlighted, "#my-bookings-table")
    def _row_highlighted(self) -> None:
        self.refresh_bindings()  # check in/out are offered only where they apply

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Check in and out are offered only where they apply; pressed elsewhere, the key
        says why (why_not)."""
        if action == "search":
            return super().check_action(action, parameters)
        return action not in USE_ACTIONS or self.why_not(action, parameters) is None

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """Why check-in or check-out cannot act on the highlighted booking now, judged by
        the clock now rather than when the list was read (a window opens as you wait)."""
        if action not in USE_ACTIONS:
            return None
        row = self.selected() if self.rows else None
        if row is None:
            return "Your bookings are still loading" if not self.loaded else "No booking selected"
        if action == "check_in":
            now = self._my_bookings.context.clock.now()
            return check_in_refusal(
                row.booking_id,
                row.status,
                row.starts_at,
                row.ends_at,
                row.checked_in_at,
                now,
                row.timezone,
            )
        return check_out_refusal(
            row.booking_id, row.status, row.checked_in_at, row.checked_out_at, row.timezone
        )

    # Switching tabs -------------------------------------------------------------------

    @on(Tabs.TabActivated, "#my-bookings-tabs")
    def _tab_switched(self, event: Tabs.TabActivated) -> None:
        upcoming = event.tab.id == "upcoming"
        if upcoming != self.upcoming:
            self.upcoming = upcoming
            self.reload(from_top=True)
        self.table.focus()

    def action_toggle_past(self) -> None:
        self.query_one("#my-bookings-tabs", Tabs).active = "past" if self.upcoming else "upcoming"

    # Cancelling -----------------------------------------------------------------------

    def selected(self) -> MyBookingRow | None:
        """The booking under the cursor, if any."""
        return self.highlighted()

    def action_cancel_booking(self) -> None:
        row = self.selected()
        if row is None:
            self.notify("No booking selected", severity="warning")
            return
        if not self.upcoming:
            self.notify(
                f"Booking {row.booking_id} has ended; past bookings cannot be cancelled",
                severity="error",
            )
            return
        if row.status not in CANCELLABLE:
            self.notify(
                f"Booking {row.booking_id} is {booking_status_words(row.status)}; only pending or "
                "confirmed bookings can be cancelled",
                severity="error",
            )
            return
        self.ask_to_cancel(row.booking_id)

    @on(BookingsChanged)
    def _bookings_changed(self, message: BookingsChanged) -> None:
        self.reload()

    # Checking in and out ---------------------------------------------------------------

    def action_check_in(self) -> None:
        row = self.selected()
        if row is not None:
            self.record_use(row.booking_id, checking_out=False)

    def action_check_out(self) -> None:
        row = self.selected()
        if row is not None:
            self.record_use(row.booking_id, checking_out=True)

    def record_use(self, booking_id: int, *, checking_out: bool) -> None:
        if checking_out:
            check_ins, quotes, actor = self._check_ins, self._services.quotes, self._actor

            def check_out() -> MyBookingsScreen.CheckedOut:
                booking = check_ins.check_out(actor, booking_id)
                return self.CheckedOut(booking, quotes.use(actor, booking_id))

            self.call_service(check_out, lambda done: done, group="my_bookings_write")
        else:
            self.call_service(
                lambda: self._check_ins.check_in(self._actor, booking_id),
                self.CheckedIn,
                group="my_bookings_write",
            )

    @on(CheckedIn)
    def _checked_in(self, message: CheckedIn) -> None:
        booking = message.booking
        self.notify(f"Checked in to booking {booking.id} on {booking.instrument_code}")
        self.app.post_message(BookingsChanged(frozenset({booking.instrument_code})))

    @on(CheckedOut)
    def _checked_out(self, message: CheckedOut) -> None:
        booking = message.booking
        charged = f"; {use_charge_words(message.use)}" if message.use.priced else ""
        self.notify(f"Checked out of booking {booking.id} on {booking.instrument_code}{charged}")
        self.app.post_message(BookingsChanged(frozenset({booking.instrument_code})))

    def action_download_calendar(self) -> None:
        self.post_message(CalendarRequested(ExportScope(ExportKind.USER, self._actor)))

    def action_subscribe(self) -> None:
        self.post_message(FeedRequested(ExportScope(ExportKind.USER, self._actor), "your bookings"))

    def action_history(self) -> None:
        from equipshare.domain.records.operations.history import HistoryQuery

        row = self.selected()
        if row is None:
            self.notify("No booking selected", severity="warning")
            return
        query = HistoryQuery(entity=f"booking:{row.booking_id}")
        title = f"booking {row.booking_id} on {row.instrument_code}"
        self.post_message(HistoryRequested(query, title))

    # Moving ---------------------------------------------------------------------------

    def action_edit_booking(self) -> None:
        row = self.selected()
        if row is None:
            self.notify("No booking selected", severity="warning")
            return
        if not self.upcoming or row.status not in CANCELLABLE:
            self.notify(
                f"Booking {row.booking_id} is {booking_status_words(row.status)}"
                + ("" if self.upcoming else " and has ended")
                + "; only upcoming pending or confirmed bookings can be changed",
                severity="error",
            )
            return
        self.change_booking(row.booking_id)

    # Keeping up with writes made elsewhere ----------------------------------------------------

    def live_topics(self) -> frozenset[Topic]:
        return frozenset({Topic.user(self._actor)})

    def live_changed(self, changed: frozenset[Topic]) -> None:
        self.reload()  # approved, moved or booked elsewhere: the cursor stays on its row
