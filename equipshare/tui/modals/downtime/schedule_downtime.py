"""ScheduleDowntimeModal: preview which bookings a downtime cancels, then confirm it.

Times are typed as wall-clock time in the instrument's own zone. Nothing is written until
the user has seen the bookings in the way and confirmed; the write cancels exactly those.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from equipshare.domain.display.wording import bookings_words
from equipshare.domain.enums import DowntimeReason
from equipshare.domain.errors import EquipshareError
from equipshare.domain.records.instruments.catalogue import DowntimeRecord, InstrumentRecord
from equipshare.domain.records.scheduling.bookings import BookingRecord
from equipshare.domain.time.timewords import local_range
from equipshare.services.downtime.service import DowntimeService
from equipshare.tui.downtime_plan import (
    DowntimeDraft,
    DowntimePlan,
    ScheduledDowntime,
    read_range,
    summary,
)
from equipshare.tui.modals.downtime.downtime_fields import (
    FIELDS,
    form_rows,
    missing_fields,
    placed,
)
from equipshare.tui.service_screen import ServiceCalls
from equipshare.tui.widgets.broken_bookings import AFFECTED_COLUMNS
from equipshare.tui.widgets.fitted_table import FittedTable
from equipshare.tui.widgets.suggesters import Completions, spelled


def refusal(exc: EquipshareError) -> ScheduleDowntimeModal.Refused:
    """The message for an error, placed by the field it names (a missing right: instrument)."""
    return ScheduleDowntimeModal.Refused(*placed(exc))


class ScheduleDowntimeModal(ServiceCalls, ModalScreen[ScheduledDowntime | None]):
    """Returns the downtime written, or None when closed without writing."""

    @dataclass
    class Previewed(Message):
        """The range was read in the instrument's zone; these bookings are in the way."""

        instrument: InstrumentRecord
        starts_at: datetime
        ends_at: datetime
        bookings: tuple[BookingRecord, ...]
        #: Who holds a range off the waitlist that the downtime would end.
        holders: tuple[str, ...] = ()

    @dataclass
    class Scheduled(Message):
        """The downtime was written and the bookings in its way were cancelled."""

        downtime: DowntimeRecord
        cancelled: tuple[BookingRecord, ...]

    @dataclass
    class Refused(Message):
        """The form's input or the service was refused; `field` says where to show it."""

        text: str
        field: str | None

    DEFAULT_CSS = """
    ScheduleDowntimeModal { align: center middle; }
    #downtime-dialog {
        width: 78; max-width: 100%; height: auto; max-height: 100%;
        border: round $warning; background: $surface; padding: 0 1;
    }
    #downtime-title { text-style: bold; }
    #downtime-hint { color: $text-muted; padding: 0 0 1 0; }
    .downtime-row { height: auto; }
    .downtime-row Label { width: 13; }
    .downtime-row Input, .downtime-row Select { width: 1fr; }
    .downtime-error { color: $error; padding: 0 0 0 13; height: auto; display: none; }
    .downtime-error.shown { display: block; }
    #downtime-error-general { padding: 0; }
    #downtime-preview { height: auto; display: none; padding: 1 0 0 0; }
    #downtime-preview.shown { display: block; }
    #downtime-summary { text-style: bold; }
    #downtime-bookings { height: auto; max-height: 6; }
    #downtime-buttons { height: auto; align-horizontal: right; padding: 1 0 0 0; }
    #downtime-buttons Button { margin: 0 0 0 1; }
    #downtime-confirm { display: none; }
    #downtime-confirm.shown { display: block; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "close",
            "Close",
            id="schedule_downtime.close",
            tooltip="Close without scheduling anything",
        ),
    ]

    def __init__(
        self,
        downtime: DowntimeService,
        actor: str,
        instrument_code: str = "",
        *,
        completions: Completions | None = None,
        today: date | None = None,
    ) -> None:
        """`today`: the examples in the fields are tomorrow (a fixed day would soon be past)."""
        super().__init__()
        day = str(today + timedelta(days=1)) if today else "YYYY-MM-DD"
        self.example_start, self.example_end = f"{day} 09:00", f"{day} 17:00"
        self._downtime = downtime
        self._actor = actor
        self._instrument_code = instrument_code
        self._completions = completions
        self.plan: DowntimePlan | None = None
        self.pending: DowntimeDraft | None = None  # the draft being previewed
        self.writing = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="downtime-dialog", can_focus=False):
            yield Static("Schedule downtime", id="downtime-title")
            yield Static(
                "Times are in the instrument's own zone; the end may be a length, like 8h.",
                id="downtime-hint",
                markup=False,
            )
            rows = form_rows(
                self._instrument_code, self.example_start, self.example_end, self._completions
            )
            for field, label, widget in rows:
                with Horizontal(classes="downtime-row"):
                    yield Label(label)
                    yield widget
                yield Static(
                    "", id=f"downtime-error-{field}", classes="downtime-error", markup=False
                )
            yield Static("", id="downtime-error-general", classes="downtime-error", markup=False)
            with VerticalScroll(id="downtime-preview", can_focus=False):
                yield Static("", id="downtime-summary", markup=False)
                yield FittedTable(id="downtime-bookings")
            with Horizontal(id="downtime-buttons"):
                yield Button("Close", id="downtime-close", compact=True)
                yield Button(
                    "Preview", id="downtime-preview-button", variant="primary", compact=True
                )
                yield Button("Schedule", id="downtime-confirm", variant="error", compact=True)

    def on_mount(self) -> None:
        self.query_one("#downtime-bookings", FittedTable).set_columns(AFFECTED_COLUMNS)
        start_with = "#downtime-start" if self._instrument_code else "#downtime-instrument"
        self.query_one(start_with, Input).focus()

    # Reading the form -----------------------------------------------------------------

    def value(self, field: str) -> str:
        return self.query_one(f"#downtime-{field}", Input).value.strip()

    def draft(self) -> DowntimeDraft:
        reason = self.query_one("#downtime-reason", Select).value
        assert isinstance(reason, DowntimeReason)  # allow_blank=False: always a reason
        return DowntimeDraft(
            instrument_code=self.value("instrument"),
            start_text=self.value("start"),
            end_text=self.value("end"),
            reason=reason,
            description=self.value("description"),
        )

    def show_error(self, field: str | None, text: str) -> None:
        error = self.query_one(f"#downtime-error-{field or 'general'}", Static)
        error.update(text)
        error.set_class(bool(text), "shown")

    def clear_errors(self) -> None:
        for field in (*FIELDS, "general"):
            self.show_error(field, "")

    def errors(self) -> dict[str, str]:
        """The inline errors showing, by field ('general' for the form as a whole)."""
        return {
            field: str(widget.content)
            for field in (*FIELDS, "general")
            if (widget := self.query_one(f"#downtime-error-{field}", Static)).has_class("shown")
        }

    # Preview --------------------------------------------------------------------------

    @on(Input.Submitted)
    @on(Button.Pressed, "#downtime-preview-button")
    def action_preview(self) -> None:
        if self.writing:
            self.notify("Scheduling the downtime; wait for it to finish", severity="warning")
            return
        self.clear_errors()
        self.forget_preview()
        draft = self.draft()
        missing = missing_fields(draft, self.example_start, self.example_end)
        for field, text in missing:
            self.show_error(field, text)
        if missing:
            return
        self.pending = draft
        self.query_one("#downtime-summary", Static).update("Looking for bookings in the way...")
        self.preview_downtime(draft)

    def preview_downtime(self, draft: DowntimeDraft) -> None:
        instruments = self._completions.instruments if self._completions else None

        def preview() -> ScheduleDowntimeModal.Previewed:
            code = spelled(instruments, draft.instrument_code)  # war-xps-01 is WAR-XPS-01
            instrument = self._downtime.schedulable(self._actor, code)
            start, end = read_range(ZoneInfo(instrument.timezone), draft.start_text, draft.end_text)
            bookings = self._downtime.preview(self._actor, instrument.code, start, end)
            holds = self._downtime.preview_holds(self._actor, instrument.code, start, end)
            holders = tuple(entry.username for entry in holds)
            return self.Previewed(instrument, start, end, tuple(bookings), holders)

        self.call_service(
            preview,
            lambda found: found,
            group="downtime_preview",
            refused=refusal,
        )

    @on(Previewed)
    def _show_preview(self, message: Previewed) -> None:
        draft = self.pending
        if draft is None or draft != self.draft():
            return  # the form changed while the preview ran; it is out of date
        instrument = message.instrument
        self.plan = plan = DowntimePlan(
            draft=draft,
            instrument_code=instrument.code,
            timezone=instrument.timezone,
            starts_at=message.starts_at.astimezone(UTC),
            ends_at=message.ends_at.astimezone(UTC),
            bookings=message.bookings,
        )
        count = len(plan.bookings)
        self.query_one("#downtime-summary", Static).update(summary(plan, message.holders))
        table = self.query_one("#downtime-bookings", FittedTable)
        table.clear()
        table.display = bool(count)
        for booking in plan.bookings:
            table.add_row(
                local_range(booking.starts_at, booking.ends_at, plan.timezone),
                booking.username,
                booking.user_institution_code,
                booking.status.value.replace("_", " "),
                key=str(booking.id),
            )
        self.query_one("#downtime-preview").add_class("shown")
        confirm = self.query_one("#downtime-confirm", Button)
        confirm.label = (
            f"Schedule and cancel {bookings_words(count)}" if count else "Schedule downtime"
        )
        confirm.add_class("shown")
        confirm.focus()

    def forget_preview(self) -> None:
        self.plan = None
        self.pending = None
        self.query_one("#downtime-preview").remove_class("shown")
        self.query_one("#downtime-confirm", Button).remove_class("shown")

    @on(Input.Changed)
    @on(Select.Changed)
    def _form_changed(self) -> None:
        # A confirmation must be for exactly what was previewed.
        if self.plan is not None and self.plan.draft != self.draft():
            self.forget_preview()

    @on(Refused)
    def _show_refusal(self, message: Refused) -> None:
        # A refused preview or write leaves nothing to confirm: fix the field, preview again.
        self.writing = False
        self.forget_preview()
        self.query_one("#downtime-confirm", Button).disabled = False
        self.show_error(message.field, message.text)

    # Confirming -----------------------------------------------------------------------

    @on(Button.Pressed, "#downtime-confirm")
    def _confirm(self) -> None:
        if self.plan is None or self.writing:
            return
        self.writing = True
        self.query_one("#downtime-confirm", Button).disabled = True
        self.schedule_downtime(self.plan)

    def schedule_downtime(self, plan: DowntimePlan) -> None:
        self.call_service(
            lambda: self._downtime.schedule(
                self._actor,
                plan.instrument_code,
                plan.starts_at,
                plan.ends_at,
                plan.draft.reason,
                plan.draft.description,
                previewed=[booking.id for booking in plan.bookings],
            ),
            lambda written: self.Scheduled(written[0], tuple(written[1])),
            group="downtime_write",
            refused=refusal,
        )

    @on(Scheduled)
    def _scheduled(self, message: Scheduled) -> None:
        timezone = self.plan.timezone if self.plan is not None else "UTC"
        self.dismiss(ScheduledDowntime(message.downtime, timezone, message.cancelled))

    @on(Button.Pressed, "#downtime-close")
    def action_close(self) -> None:
        if self.writing:
            self.notify("Scheduling the downtime; wait for it to finish", severity="warning")
            return
        self.dismiss(None)
