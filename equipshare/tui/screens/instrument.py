"""InstrumentScreen: one instrument's facts, contacts, price, training, coming use and policy."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Header, Static

from equipshare.domain.display.wording import access_words, policy_lines, status_words
from equipshare.domain.enums import ExportKind, UserClass
from equipshare.domain.records.changes import Topic
from equipshare.domain.records.instruments.catalogue import (
    ContactPerson,
    DowntimeRecord,
    InstrumentDetail,
    InstrumentRecord,
    UpcomingBooking,
)
from equipshare.domain.records.scheduling.calendar import ExportScope
from equipshare.domain.time.timewords import local_range
from equipshare.services.catalogue.service import InstrumentDetailService, training_words
from equipshare.tui.commands import InstrumentOpener
from equipshare.tui.messages import (
    BookingsChanged,
    CalendarRequested,
    FeedRequested,
    HistoryRequested,
    WeekRequested,
)
from equipshare.tui.service_screen import ServiceScreen, back_binding
from equipshare.tui.widgets.key_footer import KeyFooter

CLASS_WORDS = {
    UserClass.INTERNAL: "internal",
    UserClass.PARTNER: "consortium partner",
    UserClass.EXTERNAL_ACADEMIC: "external academic",
    UserClass.INDUSTRY: "industry",
}
# (section id, title): the order a would-be booker reads them in.
SECTIONS = (
    ("about", "About"),
    ("contacts", "Contacts"),
    ("rates", "Your price"),
    ("training", "Your training"),
    ("bookings", "Next bookings"),
    ("downtime", "Next downtime"),
    ("policy", "Booking policy"),
)


def fact_lines(instrument: InstrumentRecord) -> list[tuple[str, str]]:
    """Label and value pairs for the facts panel."""
    make = " ".join(part for part in (instrument.manufacturer, instrument.model) if part)
    where = ", ".join(part for part in (instrument.building, instrument.room) if part)
    return [
        ("Code", instrument.code),
        ("Category", instrument.category),
        ("Make", make or "not recorded"),
        ("Facility", instrument.facility_name),
        ("Institution", f"{instrument.institution_name} ({instrument.institution_code})"),
        ("Location", where or "not recorded"),
        ("Status", status_words(instrument.status)),
        ("Open to", access_words(instrument.access_level, instrument.institution_name)),
    ]


def sentence(text: str) -> str:
    """Capitalise the first letter only: 'trained until 3 Mar 2027' keeps its month's case."""
    return text[:1].upper() + text[1:]


def money(amount: Decimal, currency: str) -> str:
    """'£421.76'; other currencies by their code: 'EUR 12.50'."""
    return f"£{amount:,.2f}" if currency == "GBP" else f"{currency} {amount:,.2f}"


def about_text(detail: InstrumentDetail) -> str:
    lines = [detail.description or "No description recorded."]
    if detail.location:
        lines.append(f"Where: {detail.location}")
    if detail.web_address:
        lines.append(f"More: {detail.web_address}")
    return "\n".join(lines)


def contact_line(person: ContactPerson) -> str:
    reach = ", ".join(part for part in (person.email, person.telephone) if part)
    return f"{person.name} ({person.role})" + (f": {reach}" if reach else "")


def rate_text(detail: InstrumentDetail) -> str:
    who = CLASS_WORDS[detail.user_class]
    rate = detail.rate
    if rate is None:
        return f"No rate set for {who} users; ask the facility."
    valid = rate.valid_from
    return (
        f"{money(rate.hourly_rate, rate.currency)} an hour ({who} rate, from "
        f"{valid.day} {valid:%b %Y})\n"
        f"{money(rate.technician_hourly_rate, rate.currency)} an hour for a technician's time"
    )


def booking_line(booking: UpcomingBooking, timezone: str) -> str:
    pending = " (pending)" if booking.pending else ""
    return f"{local_range(booking.starts_at, booking.ends_at, timezone)}  {booking.label}{pending}"


def downtime_text(downtime: DowntimeRecord | None, timezone: str) -> str:
    if downtime is None:
        return "None scheduled."
    why = downtime.reason.value.replace("_", " ")
    text = f"{local_range(downtime.starts_at, downtime.ends_at, timezone)}  {why}"
    return f"{text}: {downtime.description.strip()}" if downtime.description.strip() else text


def section_texts(detail: InstrumentDetail) -> dict[str, str]:
    """Each section's body, by section id."""
    instrument = detail.instrument
    tz = instrument.timezone
    bookings = [booking_line(b, tz) for b in detail.upcoming]
    return {
        "about": about_text(detail),
        "contacts": "\n".join(contact_line(p) for p in detail.contacts)
        or "No contact recorded; ask the facility.",
        "rates": rate_text(detail),
        "training": sentence(training_words(detail.training, tz, detail.training_contact)),
        "bookings": "\n".join(bookings) if bookings else "Nothing booked.",
        "downtime": downtime_text(detail.next_downtime, tz),
        "policy": "\n".join(f"• {line}" for line in policy_lines(instrument)),
    }


class InstrumentScreen(ServiceScreen[None]):
    """Details of one instrument for the acting user; Escape goes back to where it was opened."""

    @dataclass
    class DetailLoaded(Message):
        """The instrument as this screen shows it to the acting user arrived."""

        detail: InstrumentDetail

    DEFAULT_CSS = """
    .detail-title {
        text-style: bold underline;
        color: $secondary;
    }
    .detail-body {
        padding: 0 0 1 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        back_binding("instrument", "Back to the catalogue"),
        Binding(
            "w",
            "week",
            "Week / book",
            id="instrument.week",
            tooltip="This instrument's week calendar, to book it",
        ),
        Binding(
            "i",
            "download_calendar",
            "Download .ics",
            id="instrument.ics",
            tooltip="Save this instrument's bookings as an .ics file for your calendar app",
        ),
        Binding(
            "s",
            "subscribe",
            "Subscribe",
            id="instrument.subscribe",
            tooltip="A feed URL that keeps your calendar app up to date with this instrument",
        ),
        Binding(
            "h",
            "history",
            "History",
            id="instrument.history",
            tooltip="Who changed this instrument, its bookings and downtime, and when",
        ),
        Binding(
            "e",
            "edit",
            "Edit",
            id="instrument.edit",
            tooltip="Change its details, booking policy, opening hours or status (staff)",
        ),
    ]

    def __init__(self, details: InstrumentDetailService, actor: str, code: str) -> None:
        super().__init__()
        self._details = details
        self._actor = actor
        self.code = code
        self.detail: InstrumentDetail | None = None

    @property
    def instrument(self) -> InstrumentRecord | None:
        """The instrument's record, once loaded."""
        return self.detail.instrument if self.detail is not None else None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="instrument-body"):
            yield Static(self.code, id="instrument-title", markup=False)
            yield Static("Loading...", id="instrument-facts", markup=False)
            for key, title in SECTIONS:
                yield Static(title, id=f"instrument-{key}-title", classes="detail-title")
                yield Static("", id=f"instrument-{key}", classes="detail-body", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.load_detail(self.code)

    def load_detail(self, code: str) -> None:
        self.call_service(
            lambda: self._details.detail(self._actor, code),
            self.DetailLoaded,
            group="instrument",
            live_baseline=True,
        )

    @on(DetailLoaded)
    def _show_detail(self, message: DetailLoaded) -> None:
        detail = message.detail
        record = detail.instrument
        self.detail = detail
        self.query_one("#instrument-title", Static).update(f"{record.code}  {record.name}")
        width = max(len(label) for label, _ in fact_lines(record))
        facts = "\n".join(f"{label:<{width}}  {value}" for label, value in fact_lines(record))
        self.query_one("#instrument-facts", Static).update(facts)
        for key, text in section_texts(detail).items():
            self.query_one(f"#instrument-{key}", Static).update(text)
        zone = record.timezone
        self.query_one("#instrument-bookings-title", Static).update(f"Next bookings ({zone})")

    @on(BookingsChanged)
    def _bookings_changed(self, message: BookingsChanged) -> None:
        if self.code in message.instrument_codes:
            self.load_detail(self.code)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The editor is offered to facility staff and admins; it says what each may change."""
        if action == "edit":
            return bool(getattr(self.app, "staff", False))
        return True

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """What a refused e says (KeyAnswers)."""
        if action != "edit":
            return None
        return f"{self.code} is edited by its facility's managers and technicians, and admins"

    def action_edit(self) -> None:
        cast(InstrumentOpener, self.app).open_editor(self.code)

    def action_week(self) -> None:
        self.post_message(WeekRequested(self.code))

    def action_download_calendar(self) -> None:
        self.post_message(CalendarRequested(ExportScope(ExportKind.INSTRUMENT, self.code)))

    def action_subscribe(self) -> None:
        scope = ExportScope(ExportKind.INSTRUMENT, self.code)
        self.post_message(FeedRequested(scope, f"{self.code}'s bookings"))

    def action_history(self) -> None:
        from equipshare.domain.records.operations.history import HistoryQuery

        self.post_message(HistoryRequested(HistoryQuery(instrument=self.code), self.code))

    # Keeping up with writes made elsewhere ----------------------------------------------------

    def live_topics(self) -> frozenset[Topic]:
        return frozenset({Topic.instrument(self.code)})

    def live_changed(self, changed: frozenset[Topic]) -> None:
        self.load_detail(self.code)  # its next bookings, downtime or details changed
