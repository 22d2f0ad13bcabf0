"""PortfolioScreen: a technician's recorded work over a period, as `equipshare report portfolio`.

A technician sees their own; a facility's managers pick one of their staff, admins anyone
(`u`). `p` chooses the period (the reports' presets or from/to); `x` saves the printable
Markdown page `equipshare report portfolio --format markdown` prints. Someone who opted out
of being named shows to others as "technical staff of the facility".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Header, Select, Static

from equipshare.domain.display.portfolio_page import markdown_page
from equipshare.domain.display.wording import count_words
from equipshare.domain.records.impact.portfolio import Portfolio, PortfolioSubject
from equipshare.domain.records.impact.reports import hours
from equipshare.services.portfolio.service import PortfolioService
from equipshare.services.reports.service import ReportService
from equipshare.tui.downloads import save_or_deliver
from equipshare.tui.messages import ServiceRefused, WeekRequested
from equipshare.tui.modals.reports.report_period import ReportPeriodModal
from equipshare.tui.report_choice import ReportChoice, preset_days
from equipshare.tui.service_screen import ServiceScreen, back_binding
from equipshare.tui.widgets.column_fit import ColumnSpec
from equipshare.tui.widgets.fitted_table import FittedTable
from equipshare.tui.widgets.key_footer import KeyFooter


def _figure(label: str, key: str, priority: int) -> ColumnSpec:
    return ColumnSpec(label, key, priority=priority, justify="right")


INSTRUMENTS = (
    ColumnSpec("Instrument", "instrument", priority=0),
    _figure("Assisted", "assisted", 0),
    _figure("Hours", "hours", 0),
    _figure("Training", "training", 1),
    _figure("People", "people", 2),
    _figure("Renewals", "renewals", 3),
    _figure("Downtimes", "downtimes", 2),
    _figure("Down h", "down_hours", 4),
    ColumnSpec("Looks after", "looks_after", priority=3),
)
INSTITUTIONS = (
    ColumnSpec("Users' institution", "institution", priority=0),
    _figure("Sessions", "sessions", 0),
    _figure("Hours", "hours", 0),
    _figure("People", "people", 1),
)
OUTPUTS = (
    ColumnSpec("Year", "year", priority=0),
    ColumnSpec("Title", "title", priority=0, least=16),
    ColumnSpec("DOI", "doi", priority=1),
    ColumnSpec("Credited for", "credited", priority=2),
)


@dataclass(frozen=True)
class Asked:
    """Whose portfolio, for which days."""

    username: str
    choice: ReportChoice


class PortfolioScreen(ServiceScreen[None]):
    """One technician's portfolio; the actor's own first."""

    @dataclass
    class SubjectsLoaded(Message):
        """Whose portfolios the actor may open arrived."""

        subjects: tuple[PortfolioSubject, ...]

    @dataclass
    class Loaded(Message):
        """The portfolio asked for arrived."""

        asked: Asked
        portfolio: Portfolio

    @dataclass
    class Exported(Message):
        """The portfolio was saved as Markdown at `path`."""

        path: Path

    DEFAULT_CSS = """
    #portfolio-who { width: 1fr; }
    #portfolio-status { height: auto; padding: 0 1; background: $boost; }
    #portfolio-body { height: 1fr; }
    #portfolio-body .portfolio-heading { text-style: bold; padding: 1 1 0 1; }
    #portfolio-summary { padding: 0 1; }
    #portfolio-body FittedTable { height: auto; max-height: 16; }
    """

    #: Enter on an instrument opens its week, as on the catalogue; the counts open nothing.
    ENTER_ACTIONS: ClassVar[dict[str, str]] = {"portfolio-instruments": "week"}
    ENTER_WORDS: ClassVar[dict[str, str]] = {
        "portfolio-institutions": "These are counts of the sessions: p changes the days they cover",
        "portfolio-outputs": "Outputs are recorded and changed by their authors (O, Outputs)",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        back_binding("portfolio"),
        Binding("u", "pick_user", "Who", id="portfolio.user",
                tooltip="Choose whose portfolio to show (managers and admins)"),
        Binding("p", "period", "Period", id="portfolio.period",
                tooltip="Choose the days the portfolio covers"),
        Binding("x", "export", "Export", id="portfolio.export",
                tooltip="Save the portfolio as a printable Markdown page in your downloads"),
    ]  # fmt: skip

    def __init__(
        self,
        portfolios: PortfolioService,
        reports: ReportService,
        actor: str,
        today: date,
        *,
        downloads: Path | None = None,
    ) -> None:
        super().__init__()
        self._downloads = downloads
        self._service = portfolios
        self._reports = reports
        self._actor = actor
        self._today = today
        self.asked = Asked(actor, ReportChoice.of(*preset_days("academic-year", today), today))
        self.portfolio: Portfolio | None = None
        self.subjects: tuple[PortfolioSubject, ...] = ()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Select[str]([], prompt="Whose portfolio", id="portfolio-who", allow_blank=True)
        yield Static("Loading...", id="portfolio-status", markup=False)
        with VerticalScroll(id="portfolio-body"):
            yield Static("", id="portfolio-summary", markup=False)
            yield Static("By instrument", classes="portfolio-heading", markup=False)
            yield FittedTable(id="portfolio-instruments")
            yield Static("Assisted sessions by the users' institutions",
                         classes="portfolio-heading", markup=False)  # fmt: skip
            yield FittedTable(id="portfolio-institutions")
            yield Static("Research outputs acknowledging this work",
                         classes="portfolio-heading", markup=False)  # fmt: skip
            yield FittedTable(id="portfolio-outputs")
        yield KeyFooter()

    def on_mount(self) -> None:
        for selector, columns in (
            ("#portfolio-instruments", INSTRUMENTS),
            ("#portfolio-institutions", INSTITUTIONS),
            ("#portfolio-outputs", OUTPUTS),
        ):
            self.query_one(selector, FittedTable).set_columns(columns)
        self.query_one("#portfolio-instruments", FittedTable).focus()
        service, actor = self._service, self._actor
        self.call_service(
            lambda: service.subjects(actor), self.SubjectsLoaded, group="portfolio_subjects"
        )
        self.load(self.asked)

    def load(self, asked: Asked) -> None:
        self.asked = asked
        self.query_one("#portfolio-status", Static).update("Loading...")
        service, reports, actor = self._service, self._reports, self._actor

        def make() -> Portfolio:
            period = reports.period(asked.choice.first_day, asked.choice.last_day)
            return service.portfolio(actor, asked.username, period)

        self.call_service(
            make, lambda found: self.Loaded(asked, found), group="portfolio",
            drop_if_cancelled=True,
        )  # fmt: skip

    @on(SubjectsLoaded)
    def _subjects_loaded(self, message: SubjectsLoaded) -> None:
        self.subjects = message.subjects
        who = self.query_one("#portfolio-who", Select)
        with self.prevent(Select.Changed):
            who.set_options([(s.name, s.username) for s in message.subjects])
            if any(s.username == self.asked.username for s in message.subjects):
                who.value = self.asked.username

    @on(Select.Changed, "#portfolio-who")
    def _who_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.asked.username:
            self.load(Asked(event.value, self.asked.choice))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.asked != self.asked:
            return
        p = self.portfolio = message.portfolio
        facts = [p.name, p.job_title, p.institution_code, " ".join(p.facility_codes)]
        if p.orcid:
            facts.append(f"ORCID iD {p.orcid}")
        self.query_one("#portfolio-status", Static).update(
            " · ".join(f for f in facts if f) + f" · {p.period.words()} ({p.period.timezone})"
        )
        self.query_one("#portfolio-summary", Static).update(
            f"{count_words(p.assisted_sessions, 'assisted session')}, "
            f"{hours(p.assisted_minutes)} h · "
            f"{count_words(p.training_records, 'training record')} for "
            f"{count_words(p.people_trained, 'person', 'people')}, "
            f"{count_words(p.renewals, 'renewal')} · "
            f"{count_words(p.downtimes_handled, 'downtime')} handled · "
            f"{count_words(p.instruments_looked_after, 'instrument')} looked after · "
            f"{count_words(len(p.outputs), 'output')} acknowledging this work"
        )
        table = self.query_one("#portfolio-instruments", FittedTable)
        table.clear()
        for r in p.instruments:
            table.add_row(
                r.instrument_code, str(r.assisted_sessions), str(hours(r.assisted_minutes)),
                str(r.training_records), str(r.people_trained), str(r.renewals),
                str(r.downtimes_handled), str(hours(r.downtime_minutes)),
                "yes" if r.looked_after else "", key=r.instrument_code,
            )  # fmt: skip
        table = self.query_one("#portfolio-institutions", FittedTable)
        table.clear()
        for i in p.institutions:
            table.add_row(i.institution_code, str(i.assisted_sessions),
                          str(hours(i.assisted_minutes)), str(i.people),
                          key=i.institution_code)  # fmt: skip
        table = self.query_one("#portfolio-outputs", FittedTable)
        table.clear()
        for o in p.outputs:
            table.add_row(str(o.year), o.title, o.doi, o.credited_for, key=str(o.output_id))

    @on(ServiceRefused)
    def _refused(self, message: ServiceRefused) -> None:
        self.query_one("#portfolio-status", Static).update(f"Not shown: {message.text}")

    def action_pick_user(self) -> None:
        if len(self.subjects) <= 1:
            self.notify(
                "A technician sees their own portfolio; managers and admins choose whose",
                severity="warning",
            )
            return
        who = self.query_one("#portfolio-who", Select)
        who.focus()
        who.expanded = True  # the list to choose from, not a focus that is easy to miss

    def action_export(self) -> None:
        found = self.portfolio
        if found is None:
            self.notify("The portfolio is still loading; press x again once it shows")
            return
        who = found.username or "technical-staff"
        stem = f"equipshare-portfolio-{who}-{found.period.first_day}-to-{found.period.last_day}"
        self.save_export(markdown_page(found), stem)

    @work(thread=True, exclusive=True, exit_on_error=False, group="portfolio_export")
    def save_export(self, page: str, stem: str) -> None:
        saved = save_or_deliver(
            self, page, stem, ".md", directory=self._downloads, what="the portfolio"
        )
        if saved is not None:
            self.post_message(self.Exported(saved))

    @on(Exported)
    def _exported(self, message: Exported) -> None:
        self.notify(f"Saved the portfolio to {message.path}", timeout=10)

    def action_period(self) -> None:
        def chosen(choice: ReportChoice | None) -> None:
            if choice is not None and choice != self.asked.choice:
                self.load(Asked(self.asked.username, choice))

        self.app.push_screen(ReportPeriodModal(self.asked.choice, self._today), chosen)

    def action_week(self) -> None:
        """The highlighted instrument's week, where its sessions were."""
        table = self.query_one("#portfolio-instruments", FittedTable)
        if table.row_count == 0:
            self.notify("No instrument in this portfolio", severity="warning")
            return
        code = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if code:
            self.post_message(WeekRequested(code))
