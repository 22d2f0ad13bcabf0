"""ApprovalsScreen: requests waiting for facility staff, oldest first; approve or reject each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from equipshare.domain.enums import BookingStatus
from equipshare.domain.records.bookings import BookingRecord, PendingRequestRow
from equipshare.domain.timewords import local_range
from equipshare.domain.wording import training_words
from equipshare.services.bookings.service import ApprovalsService, BookingService
from equipshare.tui.messages import BookingsChanged, ServiceRefused
from equipshare.tui.modals.reason import RejectBookingModal
from equipshare.tui.service_screen import ServiceScreen, back_binding

EMPTY_TEXT = "No requests are waiting for you"
OTHER_INSTITUTION = "*"


def requested_words(row: PendingRequestRow) -> str:
    """'16 Mar 09:00': when the request was made, in the facility's zone."""
    local = row.requested_at.astimezone(ZoneInfo(row.timezone))
    return f"{local.day} {local:%b %H:%M}"


def requester_words(row: PendingRequestRow) -> str:
    """'Bob (ASTON) *': the star marks a requester from another institution."""
    mark = f" {OTHER_INSTITUTION}" if row.cross_institution else ""
    return f"{row.requester_name} ({row.requester_institution_code}){mark}"


def training_column(row: PendingRequestRow) -> str:
    words = training_words(row.training, row.timezone)
    return f"{words}, assisted" if row.assisted else words


def _stamp(instant: datetime, timezone: str) -> str:
    local = instant.astimezone(ZoneInfo(timezone))
    return f"{local:%a} {local.day} {local:%b %Y} {local:%H:%M} {local.tzname()}"


def detail_lines(row: PendingRequestRow) -> list[str]:
    """Everything an approver weighs, one fact a line, for the detail panel."""
    origin = (
        f"{row.requester_institution_name}, another institution"
        if row.cross_institution
        else row.requester_institution_name
    )
    return [
        f"Booking {row.booking_id}: {row.instrument_code} {row.instrument_name}, "
        f"{row.facility_name}",
        f"When: {local_range(row.starts_at, row.ends_at, row.timezone)}",
        f"Requested: {_stamp(row.requested_at, row.timezone)}",
        f"Requester: {row.requester_name} ({row.requester_username}), {origin}",
        f"Training: {training_words(row.training, row.timezone)}; "
        + (f"assisted by {row.technician_name}" if row.technician_name else "not assisted"),
        f"Project: {row.project_code or 'none given'}",
        f"Purpose: {row.purpose or 'none given'}",
    ]


class ApprovalsScreen(ServiceScreen[None]):
    """Pending bookings the actor may decide; `a` approves, `r` rejects with a reason."""

    @dataclass
    class RequestsLoaded(Message):
        """The requests waiting for the actor's decision arrived, oldest first."""

        rows: tuple[PendingRequestRow, ...]

    @dataclass
    class BookingDecided(Message):
        """Staff approved or rejected a pending booking; `booking.status` says which."""

        booking: BookingRecord

    DEFAULT_CSS = """
    #approvals-table {
        height: 1fr;
        margin: 0 1;
    }
    #approvals-empty {
        height: 1fr;
        content-align: center middle;
        color: $text-muted;
    }
    #approvals-detail {
        height: auto;
        max-height: 9;
        margin: 0 1;
        padding: 0 1;
        border-top: solid $primary;
    }
    #approvals-status {
        height: 1;
        padding: 0 2;
        color: $text-muted;
        background: $boost;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        back_binding("approvals"),
        Binding(
            "a",
            "approve",
            "Approve",
            id="approvals.approve",
            tooltip="Approve the selected request; the requester is told",
        ),
        Binding(
            "r",
            "reject",
            "Reject",
            id="approvals.reject",
            tooltip="Reject the selected request, with a reason the requester will read",
        ),
        Binding(
            "enter",
            "show_detail",
            "Details",
            id="approvals.detail",
            tooltip="Show or hide the selected request's purpose, project and requester",
        ),
    ]

    def __init__(self, approvals: ApprovalsService, bookings: BookingService, actor: str) -> None:
        super().__init__()
        self._approvals = approvals
        self._bookings = bookings
        self._actor = actor
        self.loaded = False
        self._rows: dict[str, PendingRequestRow] = {}
        self._deciding: set[int] = set()

    def compose(self) -> ComposeResult:
        yield Header()
        table: DataTable[str] = DataTable(
            id="approvals-table", cursor_type="row", zebra_stripes=True
        )
        yield table
        yield Static(EMPTY_TEXT, id="approvals-empty", markup=False)
        yield Static("", id="approvals-detail", markup=False)
        yield Static("Loading requests...", id="approvals-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#approvals-table", DataTable)
        for label, key in (
            ("Requested", "requested"),
            ("When", "when"),
            ("Instrument", "instrument"),
            ("Requester", "requester"),
            ("Training", "training"),
            ("Project", "project"),
        ):
            table.add_column(label, key=key)
        self.query_one("#approvals-empty", Static).display = False
        self.query_one("#approvals-detail", Static).display = False
        table.focus()
        self.reload()

    # Loading --------------------------------------------------------------------------

    def reload(self) -> None:
        """Fetch the waiting requests again."""
        self.loaded = False
        self.load_requests()

    def load_requests(self) -> None:
        self.call_service(
            lambda: self._approvals.pending(self._actor),
            self.RequestsLoaded,
            group="approvals",
        )

    @on(RequestsLoaded)
    def _show_requests(self, message: RequestsLoaded) -> None:
        table = self.query_one("#approvals-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        self._rows = {str(row.booking_id): row for row in message.rows}
        for key, row in self._rows.items():
            table.add_row(
                requested_words(row),
                local_range(row.starts_at, row.ends_at, row.timezone),
                row.instrument_code,
                requester_words(row),
                training_column(row),
                row.project_code or "",
                key=key,
            )
        empty = not message.rows
        table.display = not empty
        self.query_one("#approvals-empty", Static).display = empty
        if empty:
            self.query_one("#approvals-detail", Static).display = False
        else:
            table.focus()
            # The request after a decided one moves up: keep the cursor where it was.
            table.move_cursor(row=min(cursor, table.row_count - 1))
            self._refresh_detail()
        count = len(message.rows)
        self.query_one("#approvals-status", Static).update(
            f"{count} request{'s' if count != 1 else ''} waiting, oldest first  ·  "
            f"{OTHER_INSTITUTION} another institution"
            if count
            else EMPTY_TEXT
        )
        self.loaded = True

    @on(ServiceRefused)
    def _reload_after_refusal(self) -> None:
        # The base shows the refusal.
        if self.loaded:
            # A decision was refused (someone else may have decided first): show the news.
            # A refused load leaves `loaded` false, so it is not retried in a loop.
            self.reload()

    # Selecting and details ------------------------------------------------------------

    def selected(self) -> PendingRequestRow | None:
        """The request under the cursor, if any."""
        table = self.query_one("#approvals-table", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._rows.get(key) if key is not None else None

    def action_show_detail(self) -> None:
        """Open the detail panel on the selected request, or close it if open."""
        detail = self.query_one("#approvals-detail", Static)
        detail.display = not detail.display and self.selected() is not None
        self._refresh_detail()

    @on(DataTable.RowSelected, "#approvals-table")
    def _row_chosen(self) -> None:
        self.action_show_detail()

    @on(DataTable.RowHighlighted, "#approvals-table")
    def _row_moved(self) -> None:
        self._refresh_detail()

    def _refresh_detail(self) -> None:
        detail = self.query_one("#approvals-detail", Static)
        row = self.selected()
        if detail.display and row is not None:
            detail.update("\n".join(detail_lines(row)))

    # Deciding -------------------------------------------------------------------------

    def _decidable(self) -> PendingRequestRow | None:
        row = self.selected()
        if row is None:
            self.notify("No request selected", severity="warning")
            return None
        if row.booking_id in self._deciding:
            return None  # the first keystroke is still being carried out
        return row

    def action_approve(self) -> None:
        row = self._decidable()
        if row is not None:
            self._deciding.add(row.booking_id)
            self.decide(row.booking_id, None)

    def action_reject(self) -> None:
        row = self._decidable()
        if row is None:
            return
        description = (
            f"{row.requester_name}'s request for {row.instrument_code} "
            f"{local_range(row.starts_at, row.ends_at, row.timezone)}"
        )

        def reject_with(reason: str | None) -> None:
            if reason is not None:
                self._deciding.add(row.booking_id)
                self.decide(row.booking_id, reason)

        self.app.push_screen(RejectBookingModal(description), reject_with)

    def decide(self, booking_id: int, reject_reason: str | None) -> None:
        """Approve (no reason) or reject (with one) in the service."""

        def decide_in_service() -> BookingRecord:
            try:
                if reject_reason is None:
                    return self._bookings.approve(self._actor, booking_id)
                return self._bookings.reject(self._actor, booking_id, reject_reason)
            finally:
                self._deciding.discard(booking_id)

        self.call_service(decide_in_service, self.BookingDecided, group="approvals_write")

    @on(BookingDecided)
    def _booking_decided(self, message: BookingDecided) -> None:
        booking = message.booking
        verb = "Approved" if booking.status is BookingStatus.CONFIRMED else "Rejected"
        self.notify(f"{verb} booking {booking.id} on {booking.instrument_code}")
        self.reload()
        # Calendars on the stack show the decision; the app's waiting count falls.
        self.app.post_message(BookingsChanged(frozenset({booking.instrument_code})))
