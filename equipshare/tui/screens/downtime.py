"""DowntimeScreen: facility staff see current and coming downtime, schedule and cancel it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Header, Static

from equipshare.domain.display.wording import bookings_words, plural, reason_words
from equipshare.domain.records.changes import DOWNTIME, Topic
from equipshare.domain.records.instruments.catalogue import DowntimeRecord
from equipshare.domain.records.instruments.schedule import DowntimeBoard, DowntimeRow
from equipshare.domain.time.timewords import local_range, short_range
from equipshare.services.downtime.service import DowntimeService
from equipshare.tui.downtime_plan import ScheduledDowntime
from equipshare.tui.messages import BookingsChanged
from equipshare.tui.modals.confirm import ConfirmModal
from equipshare.tui.modals.downtime.schedule_downtime import ScheduleDowntimeModal
from equipshare.tui.service_screen import ServiceScreen, back_binding
from equipshare.tui.widgets.column_fit import ColumnSpec
from equipshare.tui.widgets.fitted_table import FittedTable
from equipshare.tui.widgets.key_footer import KeyFooter
from equipshare.tui.widgets.suggesters import Completions

#: When and on what are whole at 80 columns; the rest show as the room allows.
COLUMNS = (
    ColumnSpec("When", "when", priority=0),
    ColumnSpec("Instrument", "instrument", priority=0),
    ColumnSpec("Reason", "reason", priority=1),
    ColumnSpec("Description", "description", priority=2, least=12, most=40),
    ColumnSpec("Scheduled by", "by", priority=3),
)


def describe(row: DowntimeRow) -> str:
    """'maintenance of WAR-XPS-01 Wed 18 Mar 2026 09:00-17:00 GMT'."""
    when = local_range(row.starts_at, row.ends_at, row.timezone)
    return f"{reason_words(row.reason)} of {row.instrument_code} {when}"


class DowntimeScreen(ServiceScreen[None]):
    """The downtime of the facilities the actor staffs (all, for an admin); Escape goes back."""

    @dataclass
    class BoardLoaded(Message):
        """The current and future downtime of the actor's facilities arrived."""

        board: DowntimeBoard

    @dataclass
    class Cancelled(Message):
        """A downtime was removed; its range is free again."""

        downtime: DowntimeRecord

    DEFAULT_CSS = """
    #downtime-table {
        height: 1fr;
        margin: 0 1;
    }
    #downtime-status {
        height: auto;
        padding: 0 2;
        color: $text-muted;
        background: $boost;
    }
    """

    ENTER_WORDS: ClassVar[dict[str, str]] = {
        "downtime-table": "A downtime is not changed once scheduled: x cancels it, "
        "n schedules another"
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        back_binding("downtime"),
        Binding(
            "n",
            "schedule",
            "Schedule",
            id="downtime.schedule",
            tooltip="Schedule downtime, seeing first which bookings it cancels",
        ),
        Binding(
            "x",
            "cancel_downtime",
            "Cancel downtime",
            id="downtime.cancel",
            tooltip="Remove the selected downtime so the instrument can be booked again",
        ),
    ]

    def __init__(
        self, downtime: DowntimeService, actor: str, *, completions: Completions | None = None
    ) -> None:
        """`completions` make the scheduling form's instrument field complete as typed."""
        super().__init__()
        self._downtime = downtime
        self._actor = actor
        self._completions = completions
        self.loaded = False
        self.board: DowntimeBoard | None = None
        self._rows: dict[str, DowntimeRow] = {}
        self._keep: int | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield FittedTable(id="downtime-table")
        yield Static("Loading downtime...", id="downtime-status", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#downtime-table", FittedTable)
        table.set_columns(COLUMNS)
        table.focus()
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer scheduling and cancelling only to facility staff and admins."""
        if action in ("schedule", "cancel_downtime"):
            if self.board is None or not self.board.may_schedule:
                return False
            if action == "cancel_downtime" and not self._rows:
                return None  # shown, but greyed out: nothing to cancel
        return True

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """What a refused n or x says (KeyAnswers)."""
        if self.board is None:
            return "The downtime list is still loading"
        if not self.board.may_schedule:
            return "Downtime is scheduled by facility staff; you staff no facility"
        if action == "cancel_downtime" and not self._rows:
            return "No downtime to cancel: none is current or coming"
        return None

    # Loading --------------------------------------------------------------------------

    def reload(self, keep: int | None = None) -> None:
        """Read the board again; the cursor goes to downtime `keep`, else stays on its row."""
        self.loaded = False
        self._keep = keep
        self.load_board()

    def load_board(self) -> None:
        self.call_service(
            lambda: self._downtime.upcoming(self._actor),
            self.BoardLoaded,
            group="downtime",
            live_baseline=True,
        )

    @on(BoardLoaded)
    def _show_board(self, message: BoardLoaded) -> None:
        self.board = board = message.board
        table = self.query_one("#downtime-table", DataTable)
        selected = self.selected()  # a reload keeps the cursor on its downtime, or near it
        kept = self._keep if self._keep is not None else selected and selected.downtime_id
        row_at, self._keep = table.cursor_row, None
        table.clear()
        self._rows = {str(row.downtime_id): row for row in board.rows}
        for key, row in self._rows.items():
            when = short_range(row.starts_at, row.ends_at, row.timezone, board.now)
            under_way = row.starts_at <= board.now
            table.add_row(
                f"now, {when}" if under_way else when,
                row.instrument_code,
                reason_words(row.reason),
                row.description,
                row.scheduled_by,
                key=key,
            )
        if kept is not None and str(kept) in self._rows:
            table.move_cursor(row=table.get_row_index(str(kept)))
        elif table.row_count:
            table.move_cursor(row=min(row_at, table.row_count - 1))
        if not board.may_schedule:
            status = "Downtime is scheduled by facility staff; you staff no facility"
        else:
            count = len(board.rows)
            status = f"{count} current or coming {plural('downtime', count)}  ·  n schedules one"
        self.query_one("#downtime-status", Static).update(status)
        self.refresh_bindings()
        self.loaded = True

    def selected(self) -> DowntimeRow | None:
        """The downtime under the cursor, if any."""
        table = self.query_one("#downtime-table", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._rows.get(key) if key is not None else None

    # Scheduling -----------------------------------------------------------------------

    def action_schedule(self) -> None:
        row = self.selected()
        modal = ScheduleDowntimeModal(
            self._downtime,
            self._actor,
            row.instrument_code if row else "",
            completions=self._completions,
            today=self.board.now.date() if self.board else None,
        )
        self.app.push_screen(modal, self._scheduled)

    def _scheduled(self, result: ScheduledDowntime | None) -> None:
        if result is None:
            return
        downtime = result.downtime
        when = local_range(downtime.starts_at, downtime.ends_at, result.timezone)
        text = f"Scheduled {reason_words(downtime.reason)} of {downtime.instrument_code} {when}"
        if result.cancelled:
            text += f"; cancelled {bookings_words(len(result.cancelled))} and told their owners"
        self.notify(text)
        # Calendars on the stack show downtime and the bookings it cancelled.
        self.app.post_message(BookingsChanged(frozenset({downtime.instrument_code})))
        self.reload(keep=downtime.id)  # the cursor on the downtime just scheduled

    # Cancelling -----------------------------------------------------------------------

    def action_cancel_downtime(self) -> None:
        row = self.selected()
        if row is None:
            self.notify("No downtime selected", severity="warning")
            return

        def cancel_if_confirmed(confirmed: bool | None) -> None:
            if confirmed:
                self.cancel_downtime(row.downtime_id)

        asked = ConfirmModal(
            f"Cancel the {describe(row)}?",
            "The instrument can be booked again then; bookings the downtime cancelled stay "
            "cancelled, and anyone waiting for that time is offered it.",
            keep="Keep downtime",
            go="Cancel downtime",
        )
        self.app.push_screen(asked, cancel_if_confirmed)

    def cancel_downtime(self, downtime_id: int) -> None:
        self.call_service(
            lambda: self._downtime.cancel(self._actor, downtime_id),
            self.Cancelled,
            group="downtime_write",
        )

    @on(Cancelled)
    def _downtime_cancelled(self, message: Cancelled) -> None:
        downtime = message.downtime
        self.notify(
            f"Cancelled the {reason_words(downtime.reason)} of {downtime.instrument_code}; "
            "it can be booked again"
        )
        self.app.post_message(BookingsChanged(frozenset({downtime.instrument_code})))
        self.reload()

    # Keeping up with writes made elsewhere ----------------------------------------------------

    def live_topics(self) -> frozenset[Topic]:
        return frozenset({DOWNTIME})

    def live_changed(self, changed: frozenset[Topic]) -> None:
        self.reload()  # scheduled or cancelled elsewhere: the cursor stays on its row
