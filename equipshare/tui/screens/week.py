"""WeekScreen: an instrument's week as a grid of days and hours, in the facility's zone;
books free time (or a range held for you), moves or cancels the booking under the cursor,
and joins the waitlist for taken time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Header, Static

from equipshare.domain.records.changes import Topic
from equipshare.domain.records.instruments.schedule import WeekView
from equipshare.domain.records.scheduling.waitlist import WaitlistEntryRecord
from equipshare.services.bookings.service import WeekService
from equipshare.tui.messages import BookingsChanged
from equipshare.tui.modals.bookings.booking_draft import (
    BookingDraft,
    BookingOutcome,
    BookingServices,
    booked_words,
    skipped_words,
)
from equipshare.tui.modals.bookings.booking_form import BookingForm
from equipshare.tui.modals.bookings.go_to_date import GoToDateModal
from equipshare.tui.screens.booking_changes import BookingChangesScreen
from equipshare.tui.screens.week_words import (
    BOOKABLE,
    LEGEND,
    describe,
    standing_words,
    waitlist_range,
)
from equipshare.tui.service_screen import back_binding
from equipshare.tui.week_layout import clock_change
from equipshare.tui.widgets.key_footer import KeyFooter
from equipshare.tui.widgets.week_grid import WeekGrid


class WeekScreen(BookingChangesScreen):
    """One instrument's week; pages between weeks, opens the booking form on free time, and
    moves or cancels the booking under the cursor (asking a series' scope first)."""

    @dataclass
    class WeekLoaded(Message):
        """The instrument's week arrived; `day` places the cursor, if given, and `to_now`
        puts it on today's column at the present hour. `serial` says which load it answers:
        only the latest is shown."""

        view: WeekView
        day: int | None
        serial: int = 0
        to_now: bool = False

    @dataclass
    class WaitlistJoined(Message):
        """The viewer joined the waitlist for a taken range."""

        entry: WaitlistEntryRecord

    DEFAULT_CSS = """
    #week-title { height: auto; padding: 0 1; text-style: bold; background: $boost; }
    #week-notice { height: auto; padding: 0 1; color: $warning; display: none; }
    #week-notice.shown { display: block; }
    #week-legend { height: 1; padding: 0 1; }
    #week-grid { margin: 0 1; }
    #week-status { height: auto; padding: 0 1; color: $text-muted; background: $boost; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        back_binding("week"),
        Binding(
            "left_square_bracket,pageup",
            "page(-1)",
            "Prev week",
            id="week.previous",
            tooltip="The week before",
        ),
        Binding(
            "right_square_bracket,pagedown",
            "page(1)",
            "Next week",
            id="week.next",
            tooltip="The week after",
        ),
        Binding("t", "today", "Today", id="week.today", tooltip="This week, the cursor on today"),
        Binding(
            "g", "go_to_date", "Go to date", id="week.go", tooltip="Jump to the week of a date"
        ),
        Binding(
            "e",
            "edit_booking",
            "Move",
            id="week.edit",
            tooltip="Move or edit the booking under the cursor",
        ),
        Binding(
            "c",
            "cancel_booking",
            "Cancel",
            id="week.cancel",
            tooltip="Cancel the booking under the cursor",
        ),
        Binding(
            "j",
            "join_waitlist",
            "Waitlist",
            show=False,  # the footer is full; Enter on taken time and ? point to it
            id="week.waitlist",
            tooltip="Join the waitlist for the taken time under the cursor or selected",
        ),
    ]

    def __init__(
        self, weeks: WeekService, services: BookingServices, actor: str, code: str
    ) -> None:
        super().__init__(services, weeks, actor)
        self.code = code
        self.view: WeekView | None = None
        self.loaded = False
        #: Today in the instrument's zone, from the last week read: what g's 16 Dec counts from.
        self.today: date | None = None
        # The week wanted: the one holding this day (None: today's) plus some weeks. Keys
        # change it at once, so a press made while a week loads counts from the week it
        # asked for, not from the one still shown.
        self._wanted: tuple[date | None, int] = (None, 0)
        self._asked = 0  # the serial of the latest load; answers to earlier ones are stale

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self.code, id="week-title", markup=False)
        yield Static("", id="week-notice", markup=False)
        yield Static(LEGEND, id="week-legend")
        yield WeekGrid(id="week-grid")
        yield Static("Loading...", id="week-status", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(WeekGrid).focus()
        self.load_week(None, None)

    # Loading --------------------------------------------------------------------------

    def load_week(self, day: date | None, cursor_day: int | None, *, to_now: bool = False) -> None:
        """Go to the week holding `day` (None: today's); `cursor_day` places the cursor."""
        self._wanted = (day, 0)
        self._fetch(cursor_day, to_now)

    def reload(self) -> None:
        """Read the week wanted again (what it shows may have changed)."""
        self._fetch(None, False)

    def _step(self, weeks: int) -> None:
        base, ahead = self._wanted
        self._wanted = (None, ahead + weeks) if base is None else (base + timedelta(weeks=weeks), 0)
        self._fetch(None, False)

    def _fetch(self, cursor_day: int | None, to_now: bool) -> None:
        self.loaded = False
        self._asked += 1
        serial, (base, ahead) = self._asked, self._wanted
        weeks, actor, code = self._weeks, self._actor, self.code

        def read() -> WeekView:
            view = weeks.week(actor, code, base)
            if ahead:  # today's week was not known yet when the weeks were counted
                view = weeks.week(actor, code, view.week_start + timedelta(weeks=ahead))
            return view

        self.call_service(
            read,
            lambda view: self.WeekLoaded(view, cursor_day, serial, to_now),
            group="week",
            drop_if_cancelled=True,
            live_baseline=True,
        )

    @on(WeekLoaded)
    def _show_week(self, message: WeekLoaded) -> None:
        if message.serial != self._asked:
            return  # a later key asked for another week: its answer is on the way
        view = message.view
        self.view = view
        self._wanted = (view.week_start, 0)
        instrument = view.instrument
        zone = ZoneInfo(instrument.timezone)
        monday = view.week_start
        # Wraps at a narrow width rather than cutting; the name only when it says more.
        name = f" · {instrument.name}" if instrument.name != instrument.code else ""
        self.query_one("#week-title", Static).update(
            f"{instrument.code} · week of {monday:%a} {monday.day} {monday:%b %Y} · "
            f"{instrument.timezone}{name}"
        )
        notes = [note for note in (view.notice, clock_change(view)) if note]
        notice = self.query_one("#week-notice", Static)
        notice.update("\n".join(notes))
        notice.set_class(bool(notes), "shown")
        today = self.today = view.now.astimezone(zone).date()
        self.query_one(WeekGrid).show(view, today, day=message.day, to_now=message.to_now)
        self.loaded = True

    @on(BookingsChanged)
    def _bookings_changed(self, message: BookingsChanged) -> None:
        if self.code in message.instrument_codes and self.view is not None:
            self.reload()

    # Moving between weeks: every press counts, however fast ----------------------------

    def action_page(self, step: int) -> None:
        self._step(step)

    @on(WeekGrid.EdgeReached)
    def _edge(self, message: WeekGrid.EdgeReached) -> None:
        self._step(message.step)  # the grid has already moved its cursor to the new day

    def action_today(self) -> None:
        self.load_week(None, None, to_now=True)

    def action_go_to_date(self) -> None:
        base, ahead = self._wanted
        shown = None if base is None else base + timedelta(weeks=ahead)

        def go(day: date | None) -> None:
            if day is not None:
                self.load_week(day, day.weekday())

        self.app.push_screen(GoToDateModal(shown, self.today), go)

    # Status and booking ---------------------------------------------------------------

    @on(WeekGrid.CursorMoved)
    def _cursor_moved(self, message: WeekGrid.CursorMoved) -> None:
        if self.view is not None:
            self.query_one("#week-status", Static).update(
                describe(message.cells, self.view.instrument.timezone)
            )

    @on(WeekGrid.RangeChosen)
    def _range_chosen(self, message: WeekGrid.RangeChosen) -> None:
        view = self.view
        if view is None:
            return
        if not view.may_book:
            self.notify(view.notice, severity="error")
            return
        if any(cell.state not in BOOKABLE for cell in message.cells):
            self.notify(
                "Choose free time to book, or press j to join the waitlist for taken time: "
                + describe(message.cells, view.instrument.timezone),
                severity="warning",
            )
            return
        instrument = view.instrument
        draft = BookingDraft(
            instrument_code=instrument.code,
            instrument_name=instrument.name,
            timezone=instrument.timezone,
            starts_at=message.cells[0].starts_at,
            minutes=max(message.minutes, instrument.policy.min_minutes),
            technicians=view.technicians,
            technician=view.technician,
            notice=view.notice,
        )
        self.app.push_screen(BookingForm(self._services, self._actor, draft), self._booked)

    def _booked(self, outcome: BookingOutcome | None) -> None:
        if outcome is None or not outcome.bookings:
            return
        zone = self.view.instrument.timezone if self.view else "UTC"
        self.notify(booked_words(outcome, zone))
        if outcome.skipped:
            self.notify(skipped_words(outcome, zone), severity="warning", timeout=30)
        codes = frozenset(b.instrument_code for b in outcome.bookings)
        self.app.post_message(BookingsChanged(codes))

    # Moving and cancelling ----------------------------------------------------------------

    def _booking_under_cursor(self) -> int | None:
        """The booking the cursor is on; warns and gives None on free time or downtime."""
        grid = self.query_one(WeekGrid)
        entry = grid.cells[grid.cursor_day][grid.cursor_row].entry if grid.cells else None
        if entry is None or entry.booking_id is None:
            self.notify("No booking under the cursor", severity="warning")
            return None
        return entry.booking_id

    def action_edit_booking(self) -> None:
        booking_id = self._booking_under_cursor()
        if booking_id is not None:
            self.change_booking(booking_id)

    def action_cancel_booking(self) -> None:
        booking_id = self._booking_under_cursor()
        if booking_id is not None:
            self.ask_to_cancel(booking_id)

    def action_join_waitlist(self) -> None:
        view, grid = self.view, self.query_one(WeekGrid)
        wanted = waitlist_range(grid.selection())
        if view is None or wanted is None:
            self.notify("The week is still loading; try again when it shows", severity="warning")
            return
        code, (start, end) = view.instrument.code, wanted
        self.call_service(
            lambda: self._services.waitlist.join(self._actor, code, start, end),
            self.WaitlistJoined,
            group="waitlist",
        )

    @on(WaitlistJoined)
    def _waitlist_joined(self, message: WaitlistJoined) -> None:
        self.query_one(WeekGrid).clear_selection()
        self.notify(standing_words(message.entry, self._services.waitlist.hold_minutes), timeout=10)

    def action_back(self) -> None:
        """Escape first drops a selection; with none, it goes back."""
        if not self.query_one(WeekGrid).clear_selection():
            super().action_back()

    # Keeping up with others' bookings -------------------------------------------------------

    def live_topics(self) -> frozenset[Topic]:
        return frozenset({Topic.instrument(self.code)})

    def live_changed(self, changed: frozenset[Topic]) -> None:
        """Someone wrote to this instrument's week: read it again as after our own writes,
        keeping a selection being made on the week shown."""
        grid = self.query_one(WeekGrid)
        if self.view is not None and grid.range_anchor is not None:
            self._kept_selection = (self.view.week_start, grid.range_anchor)
        self.post_message(BookingsChanged(frozenset({self.code})))

    _kept_selection: tuple[date, int] | None = None

    @on(WeekLoaded)
    def _keep_selection(self, message: WeekLoaded) -> None:
        # Runs after _show_week, which drops any selection with the week it replaces.
        kept, self._kept_selection = self._kept_selection, None
        if kept is None or self.view is not message.view or kept[0] != message.view.week_start:
            return
        grid = self.query_one(WeekGrid)
        grid.range_anchor = min(kept[1], grid.rows - 1)
        grid.refresh()
        status = describe(grid.selection(), message.view.instrument.timezone)
        self.query_one("#week-status", Static).update(status)
