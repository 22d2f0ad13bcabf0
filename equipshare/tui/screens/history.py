"""HistoryScreen: the audit trail of one instrument or booking, newest first, paged.

Opened with `h` from the instrument screen (the instrument with its bookings and
downtime) and from My bookings (the selected booking). The first page holds PAGE_SIZE
events; moving the cursor onto the last row reads the next, older page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.widgets import DataTable, Header, Static

from equipshare.domain.display.wording import count_words
from equipshare.domain.money.charging import gbp
from equipshare.domain.records.operations.history import (
    FieldChange,
    HistoryEvent,
    HistoryPage,
    HistoryQuery,
)
from equipshare.services.history.service import HistoryService
from equipshare.tui.messages import ServiceRefused
from equipshare.tui.service_screen import ServiceScreen, back_binding
from equipshare.tui.widgets.column_fit import ColumnSpec
from equipshare.tui.widgets.fitted_table import FittedTable
from equipshare.tui.widgets.key_footer import KeyFooter

#: When, who and what was done are whole at 80 columns; the changes wrap to the room left.
COLUMNS = (
    ColumnSpec("When", "when", priority=0),
    ColumnSpec("Who", "who", priority=0),
    ColumnSpec("Action", "action", priority=0),
    ColumnSpec("What", "what", priority=2),
    ColumnSpec("Changes", "changes", priority=1, least=20, wrap=True),
)

PAGE_SIZE = 50


def local_words(moment: datetime, zone: ZoneInfo) -> str:
    """A moment in `zone`, the zone's abbreviation named: '2026-03-16 09:05 GMT'."""
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def value_words(value: Any, zone: ZoneInfo | None = None) -> str:
    """A changed value as people read it; a stored UTC instant in `zone`, like the When column
    (the screen says its times are in the facility's zone)."""
    if value is None:
        return "-"
    if zone is not None and isinstance(value, str) and "T" in value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            return local_words(moment, zone)
    return str(value)


def _pounds(value: Any) -> str:
    return gbp(value) if isinstance(value, int) and not isinstance(value, bool) else "-"


def change_words(change: FieldChange, zone: ZoneInfo | None = None) -> str:
    """'status: pending -> confirmed'; a field a creation set reads '- -> value'. An id the
    trail could name reads as its name ('instrument: - -> WAR-XPS-01'), pence as pounds
    ('instrument charge: £20.00 -> £0.00')."""
    field = change.field
    if field.endswith("_pence"):
        label = field.removesuffix("_pence").replace("_", " ")
        return f"{label}: {_pounds(change.before)} -> {_pounds(change.after)}"
    before, after = value_words(change.before, zone), value_words(change.after, zone)
    named = change.before_name is not None or change.after_name is not None
    if named or (field.endswith("_id") and change.before is None and change.after is None):
        field = field.removesuffix("_id").replace("_", " ")
        before = change.before_name or before
        after = change.after_name or after
    return f"{field}: {before} -> {after}"


def when_words(event: HistoryEvent) -> str:
    """The event's time in its own zone, the zone's abbreviation named: '2026-03-16 09:05 GMT'."""
    return local_words(event.occurred_at, ZoneInfo(event.timezone))


def event_cells(event: HistoryEvent) -> tuple[str, str, str, str, str]:
    """When, who, action, what and the changed fields of one event, as the table shows them."""
    return (
        when_words(event),
        event.actor or "(system)",
        event.action,
        event.entity,
        "; ".join(change_words(change, ZoneInfo(event.timezone)) for change in event.changes),
    )


class HistoryScreen(ServiceScreen[None]):
    """Who changed what and when, for what `query` names; Escape goes back."""

    @dataclass
    class PageLoaded(Message):
        """A page of events arrived; `first` when it is the newest page."""

        page: HistoryPage
        first: bool

    DEFAULT_CSS = """
    #history-title { height: auto; padding: 0 1; text-style: bold; background: $boost; }
    #history-table { height: 1fr; margin: 0 1; }
    #history-status { height: auto; padding: 0 2; color: $text-muted; background: $boost; }
    """

    ENTER_ACTIONS: ClassVar[dict[str, str]] = {
        "history-table": "show_event"
    }  # the whole event, however narrow

    BINDINGS: ClassVar[list[BindingType]] = [back_binding("history")]

    def __init__(
        self, history: HistoryService, actor: str, query: HistoryQuery, title: str
    ) -> None:
        super().__init__()
        self._history = history
        self._actor = actor
        self.query_filter = query
        self.title_text = title
        self.events: list[HistoryEvent] = []
        self.next_before: int | None = None
        self.loaded = False
        self.refused: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"History of {self.title_text}", id="history-title", markup=False)
        yield FittedTable(id="history-table")
        yield Static("Loading the history...", id="history-status", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#history-table", FittedTable)
        table.set_columns(COLUMNS)
        table.focus()
        self.load_page(None)

    def load_page(self, before: int | None) -> None:
        query, actor = self.query_filter, self._actor
        self.call_service(
            lambda: self._history.page(actor, query, before=before, limit=PAGE_SIZE),
            lambda page: self.PageLoaded(page, before is None),
            group="history",
        )

    @on(PageLoaded)
    def _show_page(self, message: PageLoaded) -> None:
        table = self.query_one("#history-table", DataTable)
        if message.first:
            table.clear()
            self.events = []
        for event in message.page.events:
            table.add_row(*event_cells(event), key=str(event.id))
        self.events.extend(message.page.events)
        self.next_before = message.page.next_before
        self.loaded = True
        self.query_one("#history-status", Static).update(self.status_words())

    def status_words(self) -> str:
        if not self.events:
            return "No events."
        zones = sorted({event.timezone for event in self.events})
        more = "; move to the last row for older ones" if self.next_before is not None else ""
        events = count_words(len(self.events), "event")
        return f"{events}, newest first; times in {', '.join(zones)}{more}"

    @on(ServiceRefused)
    def _refused(self, message: ServiceRefused) -> None:
        self.refused = message.text  # the base class notifies it
        self.loaded = True
        self.query_one("#history-status", Static).update(f"Not shown: {message.text}")

    @on(DataTable.RowHighlighted, "#history-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        at_end = event.cursor_row >= event.data_table.row_count - 1
        if at_end and self.next_before is not None and not self.working("history"):
            self.load_page(self.next_before)

    def action_show_event(self) -> None:
        """The highlighted event whole, each change on its own line (a narrow table cuts
        the changes short)."""
        table = self.query_one("#history-table", DataTable)
        if table.row_count == 0:
            self.notify("No event selected", severity="warning")
            return
        event = self.events[table.cursor_row]
        when, who, action, what, _changes = event_cells(event)
        lines = [f"{when}  {who}  {action}  {what}"]
        zone = ZoneInfo(event.timezone)
        changes = [change_words(change, zone) for change in event.changes]
        lines += changes or ["(no fields changed)"]
        self.notify("\n".join(lines), title=f"Event {event.id}", timeout=15)
