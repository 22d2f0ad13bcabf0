"""InstrumentScreen: one instrument's facts and booking policy in plain words."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from equipshare.errors import EquipshareError
from equipshare.records import InstrumentRecord
from equipshare.services.catalogue import CatalogueService
from equipshare.tui.messages import InstrumentLoaded, ServiceRefused
from equipshare.tui.wording import access_words, policy_lines, status_words


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


class InstrumentScreen(Screen[None]):
    """Details of one instrument; Escape goes back to where it was opened from."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="instrument.back", tooltip="Back to the catalogue"),
    ]

    def __init__(self, catalogue: CatalogueService, actor: str, code: str) -> None:
        super().__init__()
        self._catalogue = catalogue
        self._actor = actor
        self.code = code
        self.instrument: InstrumentRecord | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="instrument-body"):
            yield Static(self.code, id="instrument-title", markup=False)
            yield Static("Loading...", id="instrument-facts", markup=False)
            yield Static("Booking policy", classes="section-title")
            yield Static("", id="instrument-policy", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.load_instrument(self.code)

    @work(thread=True, exclusive=True, exit_on_error=False, group="instrument")
    def load_instrument(self, code: str) -> None:
        try:
            record = self._catalogue.instrument(self._actor, code)
        except EquipshareError as exc:
            self.post_message(ServiceRefused(str(exc)))
            return
        self.post_message(InstrumentLoaded(record))

    @on(InstrumentLoaded)
    def _show_instrument(self, message: InstrumentLoaded) -> None:
        record = message.instrument
        self.instrument = record
        self.query_one("#instrument-title", Static).update(f"{record.code}  {record.name}")
        width = max(len(label) for label, _ in fact_lines(record))
        facts = "\n".join(f"{label:<{width}}  {value}" for label, value in fact_lines(record))
        self.query_one("#instrument-facts", Static).update(facts)
        policy = "\n".join(f"• {line}" for line in policy_lines(record))
        self.query_one("#instrument-policy", Static).update(policy)

    @on(ServiceRefused)
    def _show_refusal(self, message: ServiceRefused) -> None:
        self.notify(message.text, severity="error")

    def action_back(self) -> None:
        self.app.pop_screen()
