"""BookingForm: book (or move) a slot, with the service's refusal shown beside its field.

The form sends what was typed to the booking services in a worker. A refusal names a
field, so it appears under that field; a clash also offers the nearest free slots. A
repeating booking may skip the occurrences that clash, as the CLI's --skip-conflicts does;
moving several occurrences of a series changes their time of day, length and purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from equipshare.domain.errors import ConflictError, EquipshareError, InputError, TooSoon
from equipshare.domain.records.instruments.catalogue import SlotRecord
from equipshare.domain.records.scheduling.bookings import BookingRequest, RecurrenceRule
from equipshare.domain.time.timeparse import parse_instant, parse_length
from equipshare.domain.time.timewords import local_range
from equipshare.tui.messages import BookingsChanged
from equipshare.tui.modals.bookings.booking_draft import (
    BookingDraft,
    BookingOutcome,
    BookingServices,
    length_words,
    series_start,
)
from equipshare.tui.service_screen import ServiceCalls

__all__ = ["BookingDraft", "BookingForm", "BookingOutcome", "BookingServices", "length_words"]

FIELDS = ("start", "length", "purpose", "project", "technician", "repeat", "general")
# The services name fields as the CLI does; this is where each one shows in the form.
FIELD_OF = {
    "start": "start",
    "--start": "start",
    "end": "length",
    "length": "length",
    "--length": "length",
    "project_code": "project",
    "technician": "technician",
    "repeat": "repeat",
    "until": "repeat",
    "count": "repeat",
}
NEAREST = 5
SERIES_NOTICE = (
    "Each occurrence keeps its own day: give a new time of day, length or purpose "
    "(project and technician change one booking at a time)."
)


class BookingForm(ServiceCalls, ModalScreen[BookingOutcome | None]):
    """Returns what was booked or moved (several for a series), or None when dismissed."""

    @dataclass
    class BookingsCreated(Message):
        """The request was accepted: one booking, a series' occurrences, or those moved."""

        outcome: BookingOutcome

    @dataclass
    class BookingRefused(Message):
        """The service refused the request; `field` says where to show it."""

        text: str
        field: str
        nearest: tuple[SlotRecord, ...] = ()
        label: str = "Free"  # what each offered slot is: free alone, or for a whole series

    DEFAULT_CSS = """
    BookingForm { align: center middle; }
    #booking-dialog {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    #booking-title { text-style: bold; padding: 0 0 1 0; }
    #booking-notice { color: $warning; }
    .field-row { height: auto; }
    .field-row Label { width: 14; padding: 0 1 0 0; }
    .field-row Input, .field-row Select { width: 1fr; }
    /* Blank until the service names this field, so it doubles as the gap between rows. */
    .field-error { color: $error; padding: 0 0 0 14; height: auto; min-height: 1; }
    #booking-count { width: 6; margin: 0 0 0 1; }
    .field-row #booking-count-label { width: auto; padding: 0 0 0 1; }
    #booking-skip { margin: 0 0 0 1; }
    #booking-nearest { height: auto; max-height: 7; display: none; }
    #booking-nearest.shown { display: block; }
    #booking-buttons { height: auto; align-horizontal: right; }
    #booking-buttons Button { margin: 0 0 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "close", "Close", id="booking_form.close", tooltip="Close without booking"
        ),
        Binding("ctrl+s", "submit", "Book", id="booking_form.submit", tooltip="Send the booking"),
    ]

    def __init__(self, services: BookingServices, actor: str, draft: BookingDraft) -> None:
        super().__init__()
        self._services = services
        self._actor = actor
        self.draft = draft
        self.zone = ZoneInfo(draft.timezone)
        self.busy = False

    def compose(self) -> ComposeResult:
        draft = self.draft
        start = draft.starts_at.astimezone(self.zone)
        # The dialog scrolls to the focused field itself; as a Tab stop it showed no focus.
        with VerticalScroll(id="booking-dialog", can_focus=False):
            yield Static(draft.title(), id="booking-title", markup=False)
            notice = SERIES_NOTICE if draft.moves_series else draft.notice
            if notice:
                yield Static(notice, id="booking-notice", markup=False)
            yield from self._row(
                f"Start ({start:%Z})",
                Input(
                    f"{start:%Y-%m-%d %H:%M}",
                    id="booking-start",
                    placeholder="YYYY-MM-DD HH:MM",
                    compact=True,
                ),
                "start",
            )
            yield from self._row(
                "Length",
                Input(
                    length_words(draft.minutes),
                    id="booking-length",
                    placeholder="2h, 90m, 1h30m",
                    compact=True,
                ),
                "length",
            )
            yield from self._row(
                "Purpose",
                Input(
                    draft.purpose,
                    id="booking-purpose",
                    placeholder="what the session is for",
                    compact=True,
                ),
                "purpose",
            )
            yield from self._row(
                "Project code",
                Input(
                    draft.project_code,
                    id="booking-project",
                    placeholder="grant or project",
                    compact=True,
                    disabled=draft.moves_series,
                ),
                "project",
            )
            options = [("No technician (unassisted)", "")] + [
                (f"{name} ({username})", username) for username, name in draft.technicians
            ]
            yield from self._row(
                "Technician",
                Select(
                    options,
                    value=draft.technician,
                    allow_blank=False,
                    id="booking-technician",
                    compact=True,
                    disabled=draft.moves_series,
                ),
                "technician",
            )
            if draft.booking_id is None:
                with Horizontal(classes="field-row"):
                    yield Label("Repeat")
                    yield Select(
                        [("Does not repeat", ""), ("Daily", "daily"), ("Weekly", "weekly")],
                        value="",
                        allow_blank=False,
                        id="booking-repeat",
                        compact=True,
                    )
                    yield Input(
                        "4",
                        id="booking-count",
                        placeholder="2-200",
                        disabled=True,
                        compact=True,
                        tooltip="How many bookings the series makes, the first included",
                    )
                    yield Label("times", id="booking-count-label")
                    yield Checkbox(
                        "Skip conflicts",
                        id="booking-skip",
                        disabled=True,
                        compact=True,
                        tooltip="Book the occurrences that are free and list those that clash",
                    )
                yield Static("", id="repeat-error", classes="field-error", markup=False)
            yield Static("", id="general-error", classes="field-error", markup=False)
            yield OptionList(id="booking-nearest")
            with Horizontal(id="booking-buttons"):
                yield Button("Close", id="booking-close", compact=True)
                yield Button(
                    "Move" if draft.booking_id else "Book",
                    id="booking-submit",
                    variant="primary",
                    compact=True,
                )

    @staticmethod
    def _row(label: str, field: Input | Select[str], name: str) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield Label(label)
            yield field
        yield Static("", id=f"{name}-error", classes="field-error", markup=False)

    def on_mount(self) -> None:
        self.query_one(
            "#booking-purpose" if self.draft.booking_id is None else "#booking-start", Input
        ).focus()

    # Reading the form -----------------------------------------------------------------

    def value(self, name: str) -> str:
        return self.query_one(f"#booking-{name}", Input).value.strip()

    def select_value(self, name: str) -> str:
        found = self.query(f"#booking-{name}")
        if not found:
            return ""
        chosen = self.query_one(f"#booking-{name}", Select).value
        return chosen if isinstance(chosen, str) else ""

    @on(Select.Changed, "#booking-repeat")
    def _repeat_changed(self, event: Select.Changed) -> None:
        self.query_one("#booking-count", Input).disabled = not event.value
        self.query_one("#booking-skip", Checkbox).disabled = not event.value

    def skip_conflicts(self) -> bool:
        found = self.query("#booking-skip")
        return bool(found) and self.query_one("#booking-skip", Checkbox).value

    # Sending --------------------------------------------------------------------------

    @on(Input.Submitted)
    @on(Button.Pressed, "#booking-submit")
    def action_submit(self) -> None:
        if self.busy:
            self.notify("Still saving; wait for the answer", severity="warning")
            return
        self.show_errors({})
        try:
            if self.draft.moves_series:
                start = series_start(self.value("start"), self.draft)
            else:
                start = parse_instant(self.value("start"), "start", self.zone)
            length = parse_length(self.value("length"), "length")
            rule = self._rule()
        except EquipshareError as exc:
            self.show_errors({where(exc): plain(str(exc))})
            return
        request = BookingRequest(
            self.draft.instrument_code,
            start,
            start + length,
            purpose=self.value("purpose"),
            project_code=self.value("project") or None,
            technician_username=self.select_value("technician") or None,
        )
        self.busy = True
        self.send(request, rule)

    def _rule(self) -> RecurrenceRule | None:
        freq = self.select_value("repeat")
        if not freq:
            return None
        text = self.value("count")
        if not text.isdigit() or not 2 <= int(text) <= 200:
            raise InputError(f"repeat: {text!r} is not a number of times from 2 to 200", "repeat")
        return RecurrenceRule(freq=freq, count=int(text))

    def send(self, request: BookingRequest, rule: RecurrenceRule | None) -> None:
        services, draft, actor, app = self._services, self.draft, self._actor, self.app
        skip_conflicts = self.skip_conflicts()

        def book() -> BookingOutcome:
            return services.submit(actor, draft, request, rule, skip_conflicts=skip_conflicts)

        def refused(error: EquipshareError) -> BookingForm.BookingRefused:
            # A clash offers the nearest free slots (for a series, where all of it is free);
            # a start inside the notice, the first free ones from the earliest start.
            # Finding them is a service call too.
            nearest: tuple[SlotRecord, ...] = ()
            if isinstance(error, ConflictError):
                # Someone else's write: the week behind the form must show it now.
                app.post_message(BookingsChanged(frozenset({draft.instrument_code})))
            if isinstance(error, ConflictError) and error.field == "start":
                if rule is not None:
                    nearest = services.series_nearest(actor, request, rule, NEAREST)
                else:
                    nearest = services.nearest(actor, request, NEAREST)
            elif isinstance(error, TooSoon) and error.earliest is not None:
                nearest = services.after(actor, request, error.earliest, NEAREST)
            label = "Free for the whole series" if rule is not None else "Free"
            return self.BookingRefused(str(error), where(error), nearest, label)

        self.call_service(book, self.BookingsCreated, group="booking_form", refused=refused)

    @on(BookingsCreated)
    def _created(self, message: BookingsCreated) -> None:
        self.busy = False
        self.dismiss(message.outcome)

    @on(BookingRefused)
    def _refused(self, message: BookingRefused) -> None:
        self.busy = False
        self.show_errors({message.field: message.text})
        nearest = self.query_one("#booking-nearest", OptionList)
        nearest.clear_options()
        if message.nearest:
            nearest.add_options(
                [
                    Option(
                        f"{message.label}: "
                        + local_range(slot.starts_at, slot.ends_at, slot.timezone),
                        id=slot.starts_at.isoformat(),
                    )
                    for slot in message.nearest
                ]
            )
        nearest.set_class(bool(message.nearest), "shown")
        if message.nearest:
            # The first offer is highlighted and the list focused: Enter takes it.
            nearest.highlighted = 0
            nearest.focus()

    @on(OptionList.OptionSelected, "#booking-nearest")
    def _take_nearest(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is None:
            return
        start = datetime.fromisoformat(event.option.id).astimezone(self.zone)
        start_input = self.query_one("#booking-start", Input)
        start_input.value = f"{start:%Y-%m-%d %H:%M}"
        self.show_errors({})
        event.option_list.set_class(False, "shown")
        self.query_one("#booking-submit", Button).focus()

    def show_errors(self, errors: dict[str, str]) -> None:
        """Show each message under its field and clear the others."""
        for name in FIELDS:
            for widget in self.query(f"#{name}-error").results(Static):
                text = errors.get(name, "")
                widget.update(text)

    @on(Button.Pressed, "#booking-close")
    def action_close(self) -> None:
        self.dismiss(None)


def plain(text: str) -> str:
    """Input errors name the field for the CLI; beside the field the name is noise."""
    head, sep, tail = text.partition(": ")
    return tail if sep and head in FIELD_OF else text


def where(error: EquipshareError) -> str:
    """The form field an error belongs beside; 'general' when it names none."""
    return FIELD_OF.get(getattr(error, "field", None) or "", "general")
