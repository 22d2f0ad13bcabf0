"""ReportsScreen: utilisation, sharing, technicians' work, demand and charges, with charts.

The figures are the CLI reports' own (the same services and periods). Each tab loads in a
thread worker when first shown for the chosen period; `x` saves the shown tab as CSV.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.widgets import DataTable, Header, TabbedContent, TabPane

from equipshare.domain.display.wording import count_words
from equipshare.domain.records.impact.reports import (
    DemandReport,
    ReportFilter,
    SharingReport,
    TechniciansReport,
    UtilisationLevel,
    UtilisationReport,
)
from equipshare.domain.records.money.statements import Statement, StatementMonth
from equipshare.domain.time.report_periods import statement_month
from equipshare.services.charging.service import StatementService
from equipshare.services.reports.service import ReportService
from equipshare.tui.downloads import save_or_deliver
from equipshare.tui.messages import BookingsChanged
from equipshare.tui.modals.reports.report_period import ReportPeriodModal
from equipshare.tui.report_choice import ReportChoice, preset_days
from equipshare.tui.report_csv import (
    Rows,
    csv_text,
)
from equipshare.tui.screens.reports.report_tabs import (
    LEVELS,
    REPORT_BINDINGS,
    REPORT_ENTER_WORDS,
    TABS,
    ReportData,
    csv_of,
)
from equipshare.tui.service_screen import ServiceScreen
from equipshare.tui.widgets.charges_view import ChargesView
from equipshare.tui.widgets.key_footer import KeyFooter
from equipshare.tui.widgets.paragraph import Paragraph, held_parts
from equipshare.tui.widgets.report_views import (
    DemandView,
    ReportView,
    SharingView,
    TechniciansView,
    UtilisationView,
)


class ReportsScreen(ServiceScreen[None]):
    """The impact reports for facility staff and admins; Escape goes back."""

    @dataclass
    class Loaded(Message):
        """One tab's report arrived, made for the period and filters in `choice`."""

        tab: str
        choice: ReportChoice
        report: ReportData

    @dataclass
    class Refused(Message):
        """A tab's report could not be made (no permission, an unknown code); `text` says why."""

        tab: str
        choice: ReportChoice
        text: str

    @dataclass
    class MonthsLoaded(Message):
        """The issued and open months arrived, for the Charges tab's list."""

        months: tuple[StatementMonth, ...]

    @dataclass
    class Exported(Message):
        """A tab's figures were saved as CSV at `path`; `rows` counts the data rows."""

        path: Path
        rows: int

    DEFAULT_CSS = """
    #reports-period { height: auto; padding: 0 1; background: $boost; }
    #reports-tabs { height: 1fr; }
    #reports-tabs TabPane { padding: 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = REPORT_BINDINGS
    #: A report's rows are figures, not records: Enter says what changes them.
    ENTER_WORDS: ClassVar[dict[str, str]] = REPORT_ENTER_WORDS

    def __init__(
        self,
        reports: ReportService,
        statements: StatementService,
        actor: str,
        today: date,
        timezone: str,
        *,
        downloads: Path | None = None,
    ) -> None:
        super().__init__()
        self._reports = reports
        self._statements = statements
        self._actor = actor
        self._today = today
        self._timezone = timezone
        self._downloads = downloads
        # The CLI's default period too: the last full month.
        self.choice = ReportChoice.of(*preset_days("last-month", today), today)
        self.level = UtilisationLevel.INSTRUMENT
        # The month the Charges tab shows when one was picked from its list of months.
        self.charges_month: date | None = None
        self._shown: dict[str, ReportData] = {}
        #: Tabs whose x came before their report: saved when it arrives (for that period).
        self._export_when_loaded: dict[str, ReportChoice] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Paragraph(id="reports-period")
        with TabbedContent(id="reports-tabs"):
            for number, (tab, (title, view)) in enumerate(TABS.items(), start=1):
                with TabPane(f"{number} {title}", id=tab):
                    yield view(id=f"{tab}-view")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._show_heading()
        self.load(self.active_tab)

    # What is shown --------------------------------------------------------------------

    @property
    def active_tab(self) -> str:
        return self.query_one("#reports-tabs", TabbedContent).active

    def view(self, tab: str) -> ReportView:
        return self.query_one(f"#{tab}-view", ReportView)

    def report(self, tab: str) -> ReportData | None:
        """The report the tab shows for the current period, once it has arrived."""
        return self._shown.get(tab)

    def _show_heading(self) -> None:
        days, *chosen = self.choice.parts()
        self.query_one("#reports-period", Paragraph).update(
            # One line at 80 columns for a month's words; longer ones wrap between parts.
            held_parts((f"{days} ({self._timezone})", *chosen, "p period/filters", "x export CSV"))
        )

    # Loading --------------------------------------------------------------------------

    def load(self, tab: str) -> None:
        """Fetch the tab's report for the current period unless it is already shown."""
        if tab in self._shown:
            return
        if tab == "charges":
            self.call_service(
                lambda: self._statements.months(self._actor),
                self.MonthsLoaded,
                group="reports_charges_months",
                refused=lambda error: None,  # the statement's own refusal says why
            )
        self.view(tab).loading = True
        choice, level = self.choice, self.level
        self.call_service(
            lambda: self._make(tab, choice, level),
            lambda report: self.Loaded(tab, choice, report),
            group=f"reports_{tab}",
            refused=lambda error: self.Refused(tab, choice, str(error)),
        )

    def _make(self, tab: str, choice: ReportChoice, level: UtilisationLevel) -> ReportData:
        if tab == "charges":
            # The period's last month that has ended, not one still to come.
            month = self.charges_month or statement_month(
                choice.first_day, choice.last_day, self._today
            )
            return self._statements.statement(self._actor, month, choice.institution_code)
        period = self._reports.period(choice.first_day, choice.last_day)
        where = ReportFilter(choice.institution_code, choice.facility_code)
        if tab == "utilisation":
            return self._reports.utilisation(self._actor, period, level, where)
        if tab == "sharing":
            return self._reports.sharing(self._actor, period, where)
        if tab == "technicians":
            return self._reports.technicians(self._actor, period, where)
        return self._reports.demand(self._actor, period, where)

    def _current(self, choice: ReportChoice, report: ReportData | None = None) -> bool:
        if choice != self.choice:
            return False  # overtaken by a new period
        return not (isinstance(report, UtilisationReport) and report.level != self.level)

    @on(Loaded)
    def _report_loaded(self, message: Loaded) -> None:
        report = message.report
        if not self._current(message.choice, report):
            return
        self._shown[message.tab] = report
        if self._export_when_loaded.get(message.tab) == message.choice:
            del self._export_when_loaded[message.tab]
            self.save_export(*csv_of(report))
        view = self.view(message.tab)
        view.loading = False
        match report, view:
            case UtilisationReport(), UtilisationView():
                view.show(report)
            case SharingReport(), SharingView():
                view.show(report)
            case TechniciansReport(), TechniciansView():
                view.show(report)
            case DemandReport(), DemandView():
                view.show(report)
            case Statement(), ChargesView():
                view.show(report, self._today, message.choice.facility_code)

    @on(MonthsLoaded)
    def _months_loaded(self, message: MonthsLoaded) -> None:
        self.query_one("#charges-view", ChargesView).show_months(
            message.months, self._timezone, self._today
        )

    @on(ChargesView.MonthChosen)
    def _month_chosen(self, message: ChargesView.MonthChosen) -> None:
        self.charges_month = message.month
        self._shown.pop("charges", None)
        self.load("charges")

    @on(Refused)
    def _report_refused(self, message: Refused) -> None:
        if not self._current(message.choice):
            return
        if self._export_when_loaded.pop(message.tab, None) is not None:
            self.notify(f"Nothing exported: {message.text}", severity="error")
        view = self.view(message.tab)
        view.loading = False
        view.refuse(message.text)

    @on(BookingsChanged)
    def _bookings_changed(self, message: BookingsChanged) -> None:
        self._shown.clear()
        self.load(self.active_tab)

    # Choosing -------------------------------------------------------------------------

    @on(TabbedContent.TabActivated, "#reports-tabs")
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.load(self.active_tab)
        self.refresh_bindings()

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#reports-tabs", TabbedContent).active = tab
        tables = self.view(tab).query(DataTable)
        if tables:
            tables.first().focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The level applies to utilisation only; elsewhere the key is shown disabled."""
        if action == "level":
            return True if self.active_tab == "utilisation" else None
        return True

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """What l says off the utilisation tab (KeyAnswers)."""
        if action != "level":
            return None
        return (
            "l groups the Utilisation tab only (by instrument, facility or institution); "
            "press 1 for it"
        )

    def action_period(self) -> None:
        def chosen(choice: ReportChoice | None) -> None:
            if choice is not None and choice != self.choice:
                self.choice = choice
                self.charges_month = None
                self._shown.clear()
                self._show_heading()
                self.load(self.active_tab)

        self.app.push_screen(ReportPeriodModal(self.choice, self._today), chosen)

    def action_level(self) -> None:
        self.level = LEVELS[(LEVELS.index(self.level) + 1) % len(LEVELS)]
        self._shown.pop("utilisation", None)
        self.load("utilisation")

    # Exporting ------------------------------------------------------------------------

    def action_export(self) -> None:
        tab = self.active_tab
        report = self._shown.get(tab)
        if report is None:  # pressed before it arrived: kept, not dropped
            self._export_when_loaded[tab] = self.choice
            if not self.working(f"reports_{tab}"):
                self.load(tab)  # refused before: ask again
            self.notify(
                f"The {TABS[tab][0].lower()} report is still loading; it is saved as CSV as soon "
                "as it arrives",
                severity="warning",
            )
            return
        rows, stem = csv_of(report)
        self.save_export(rows, stem)

    @work(thread=True, exclusive=True, exit_on_error=False, group="reports_export")
    def save_export(self, rows: Rows, stem: str) -> None:
        text = csv_text(rows)
        path = save_or_deliver(self, text, stem, ".csv", directory=self._downloads, what="the CSV")
        if path is not None:
            self.post_message(self.Exported(path, len(rows) - 1))

    @on(Exported)
    def _exported(self, message: Exported) -> None:
        self.notify(f"Saved {count_words(message.rows, 'row')} to {message.path}", timeout=10)
