"""MyBookingsScreen: the user's upcoming and past bookings, with who must approve and cancel,
what each costs, and check-in/out at the instrument."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static, Tab, Tabs

from equipshare.domain.charging import gbp
from equipshare.domain.enums import BookingStatus, ExportKind
from equipshare.domain.errors import EquipshareError
from equipshare.domain.records.bookings import BookingRecord, MyBookingRow
from equipshare.domain.records.calendar import ExportScope
from equipshare.domain.timewords import local_range
from equipshare.services.bookings.service import CheckInService, MyBookingsService, WeekService
from equipshare.tui.messages import (
    BookingCancelled,
    BookingCheckedIn,
    BookingCheckedOut,
    BookingEditLoaded,
    BookingsChanged,
    CalendarRequested,
    FeedRequested,
    MyBookingsLoaded,
    ServiceRefused,
)
from equipshare.tui.modals.booking_form import BookingDraft, BookingForm, BookingServices
from equipshare.tui.modals.cancel_booking import CancelBookingModal

CANCELLABLE = (BookingStatus.PENDING, BookingStatus.CONFIRMED)
USE_ACTIONS = frozenset({"check_in", "check_out"})
USE_WIDTH = len("10:02-11:55")


def status_label(status: BookingStatus) -> str:
    return status.value.replace("_", " ")


def _clock_time(instant: datetime, timezone: str) -> str:
    return f"{instant.astimezone(ZoneInfo(timezone)):%H:%M}"


def use_label(row: MyBookingRow) -> str:
    """'in 10:02' while checked in, '10:02-11:55' once out (local, as When), else ''."""
    if row.checked_in_at is None:
        return ""
    checked_in = _clock_time(row.checked_in_at, row.timezone)
    if row.checked_out_at is None:
        return f"in {checked_in}"
    return f"{checked_in}-{_clock_time(row.checked_out_at, row.timezone)}"


def price_label(row: MyBookingRow) -> str:
    """What the booking costs now; '-' when the instrument has no price for the user."""
    return "-" if row.charge_pence is None else gbp(row.charge_pence)


class MyBookingsScreen(Screen[None]):
    """The acting user's own bookings; Escape goes back."""

    DEFAULT_CSS = """
    #my-bookings-table {
        height: 1fr;
        margin: 0 1;
    }
    #my-bookings-status {
        height: 1;
        padding: 0 2;
        color: $text-muted;
        background: $boost;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="my_bookings.back", tooltip="Back to where you were"),
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
    ]

    def __init__(
        self,
        my_bookings: MyBookingsService,
        services: BookingServices,
        weeks: WeekService,
        actor: str,
        check_ins: CheckInService | None = None,
    ) -> None:
        super().__init__()
        self._my_bookings = my_bookings
        self._check_ins = check_ins or CheckInService(my_bookings.context)
        self._services = services
        self._bookings = services.bookings
        self._weeks = weeks
        self._actor = actor
        self.upcoming = True
        self.loaded = False
        self._rows: dict[str, MyBookingRow] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Tabs(Tab("Upcoming", id="upcoming"), Tab("Past", id="past"), id="my-bookings-tabs")
        table: DataTable[str] = DataTable(
            id="my-bookings-table", cursor_type="row", zebra_stripes=True
        )
        yield table
        yield Static("Loading your bookings...", id="my-bookings-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#my-bookings-table", DataTable)
        # Price and use before the long instrument names, so they fit in 80 columns.
        table.add_column("When", key="when")
        table.add_column("Status", key="status")
        table.add_column("Price", key="price")
        table.add_column("In/out", key="use", width=USE_WIDTH)  # fixed: reloads keep widths
        table.add_column("Instrument", key="instrument")
        table.add_column("Waiting for", key="approvers")
        table.focus()
        self.reload()

    # Loading --------------------------------------------------------------------------

    def reload(self) -> None:
        """Fetch the shown tab's bookings again."""
        self.loaded = False
        self.load_bookings(self.upcoming)

    @work(thread=True, exclusive=True, exit_on_error=False, group="my_bookings")
    def load_bookings(self, upcoming: bool) -> None:
        try:
            rows = self._my_bookings.list(self._actor, upcoming=upcoming)
        except EquipshareError as exc:
            self.post_message(ServiceRefused(str(exc)))
            return
        self.post_message(MyBookingsLoaded(upcoming, rows))

    @on(MyBookingsLoaded)
    def _show_bookings(self, message: MyBookingsLoaded) -> None:
        if message.upcoming != self.upcoming:
            return  # the other tab's answer, overtaken by a switch
        table = self.query_one("#my-bookings-table", DataTable)
        table.clear()
        self._rows = {str(row.booking_id): row for row in message.rows}
        for key, row in self._rows.items():
            waiting = ", ".join(row.approvers) if row.status is BookingStatus.PENDING else ""
            table.add_row(
                local_range(row.starts_at, row.ends_at, row.timezone),
                status_label(row.status),
                price_label(row),
                use_label(row),
                f"{row.instrument_code}  {row.instrument_name}",
                waiting,
                key=key,
            )
        which = "upcoming" if self.upcoming else "past"
        self.query_one("#my-bookings-status", Static).update(
            f"{len(message.rows)} {which} bookings  ·  t switches upcoming/past"
        )
        self.loaded = True
        self.refresh_bindings()

    @on(DataTable.RowHighlighted, "#my-bookings-table")
    def _row_highlighted(self) -> None:
        self.refresh_bindings()  # check in/out are offered only where they apply

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in USE_ACTIONS:
            return True
        row = self.selected() if self._rows else None  # nothing to ask before the first load
        if row is None:
            return False
        return row.may_check_in if action == "check_in" else row.may_check_out

    @on(ServiceRefused)
    def _show_refusal(self, message: ServiceRefused) -> None:
        self.notify(message.text, severity="error")

    # Switching tabs -------------------------------------------------------------------

    @on(Tabs.TabActivated, "#my-bookings-tabs")
    def _tab_switched(self, event: Tabs.TabActivated) -> None:
        upcoming = event.tab.id == "upcoming"
        if upcoming != self.upcoming:
            self.upcoming = upcoming
            self.reload()
        self.query_one("#my-bookings-table", DataTable).focus()

    def action_toggle_past(self) -> None:
        self.query_one("#my-bookings-tabs", Tabs).active = "past" if self.upcoming else "upcoming"

    # Cancelling -----------------------------------------------------------------------

    def selected(self) -> MyBookingRow | None:
        """The booking under the cursor, if any."""
        table = self.query_one("#my-bookings-table", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._rows.get(key) if key is not None else None

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
                f"Booking {row.booking_id} is {status_label(row.status)}; only pending or "
                "confirmed bookings can be cancelled",
                severity="error",
            )
            return
        description = (
            f"{row.instrument_code} {local_range(row.starts_at, row.ends_at, row.timezone)}"
        )

        def cancel_if_confirmed(reason: str | None) -> None:
            if reason is not None:
                self.cancel_booking(row.booking_id, reason)

        self.app.push_screen(CancelBookingModal(description), cancel_if_confirmed)

    @work(thread=True, exclusive=True, exit_on_error=False, group="my_bookings_write")
    def cancel_booking(self, booking_id: int, reason: str) -> None:
        try:
            booking = self._bookings.cancel(self._actor, booking_id, reason)
        except EquipshareError as exc:
            self.post_message(ServiceRefused(str(exc)))
            return
        self.post_message(BookingCancelled(booking))

    @on(BookingCancelled)
    def _booking_cancelled(self, message: BookingCancelled) -> None:
        booking = message.booking
        self.notify(f"Cancelled booking {booking.id} on {booking.instrument_code}")
        self.app.post_message(BookingsChanged(frozenset({booking.instrument_code})))

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

    @work(thread=True, exclusive=True, exit_on_error=False, group="my_bookings_write")
    def record_use(self, booking_id: int, *, checking_out: bool) -> None:
        try:
            if checking_out:
                booking = self._check_ins.check_out(self._actor, booking_id)
            else:
                booking = self._check_ins.check_in(self._actor, booking_id)
        except EquipshareError as exc:
            self.post_message(ServiceRefused(str(exc)))
            return
        self.post_message(BookingCheckedOut(booking) if checking_out else BookingCheckedIn(booking))

    @on(BookingCheckedIn)
    def _checked_in(self, message: BookingCheckedIn) -> None:
        booking = message.booking
        self.notify(f"Checked in to booking {booking.id} on {booking.instrument_code}")
        self.app.post_message(BookingsChanged(frozenset({booking.instrument_code})))

    @on(BookingCheckedOut)
    def _checked_out(self, message: BookingCheckedOut) -> None:
        booking = message.booking
        charged = (
            "" if booking.hourly_rate_pence is None else f"; charge {gbp(booking.charge_pence)}"
        )
        self.notify(f"Checked out of booking {booking.id} on {booking.instrument_code}{charged}")
        self.app.post_message(BookingsChanged(frozenset({booking.instrument_code})))

    def action_download_calendar(self) -> None:
        self.post_message(CalendarRequested(ExportScope(ExportKind.USER, self._actor)))

    def action_subscribe(self) -> None:
        self.post_message(FeedRequested(ExportScope(ExportKind.USER, self._actor), "your bookings"))

    # Moving ---------------------------------------------------------------------------

    def action_edit_booking(self) -> None:
        row = self.selected()
        if row is None:
            self.notify("No booking selected", severity="warning")
            return
        if not self.upcoming or row.status not in CANCELLABLE:
            self.notify(
                f"Booking {row.booking_id} is {status_label(row.status)}"
                + ("" if self.upcoming else " and has ended")
                + "; only upcoming pending or confirmed bookings can be changed",
                severity="error",
            )
            return
        self.load_edit(row.booking_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="my_bookings_edit")
    def load_edit(self, booking_id: int) -> None:
        try:
            edit = self._weeks.edit(self._actor, booking_id)
        except EquipshareError as exc:
            self.post_message(ServiceRefused(str(exc)))
            return
        self.post_message(BookingEditLoaded(edit))

    @on(BookingEditLoaded)
    def _edit_loaded(self, message: BookingEditLoaded) -> None:
        edit = message.edit
        booking = edit.booking
        draft = BookingDraft(
            instrument_code=booking.instrument_code,
            instrument_name=edit.instrument_name,
            timezone=edit.timezone,
            starts_at=booking.starts_at,
            minutes=int((booking.ends_at - booking.starts_at).total_seconds() // 60),
            technicians=edit.technicians,
            booking_id=booking.id,
            purpose=booking.purpose,
            project_code=booking.project_code or "",
            technician=edit.technician_username or "",
        )

        def moved(bookings: tuple[BookingRecord, ...] | None) -> None:
            if bookings:
                after = bookings[0]
                self.notify(
                    f"Booking {after.id} is now "
                    f"{local_range(after.starts_at, after.ends_at, edit.timezone)}"
                    f" ({status_label(after.status)})"
                )
                self.app.post_message(BookingsChanged(frozenset({after.instrument_code})))

        self.app.push_screen(BookingForm(self._services, self._actor, draft), moved)

    def action_back(self) -> None:
        self.app.pop_screen()
