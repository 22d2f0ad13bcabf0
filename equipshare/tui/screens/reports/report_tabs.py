"""The Reports screen's tabs: each one's title and view, the report it shows and that
report's CSV, and the keys that choose and act on them."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from equipshare.domain.records.impact.reports import (
    DemandReport,
    SharingReport,
    TechniciansReport,
    UtilisationLevel,
    UtilisationReport,
)
from equipshare.domain.records.money.statements import Statement
from equipshare.tui.report_csv import (
    Rows,
    demand_rows,
    sharing_rows,
    statement_rows,
    technician_rows,
    utilisation_rows,
)
from equipshare.tui.service_screen import back_binding
from equipshare.tui.widgets.charges_view import ChargesView
from equipshare.tui.widgets.report_views import (
    DemandView,
    ReportView,
    SharingView,
    TechniciansView,
    UtilisationView,
)

TABS: dict[str, tuple[str, type[ReportView]]] = {
    "utilisation": ("Utilisation", UtilisationView),
    "sharing": ("Sharing", SharingView),
    "technicians": ("Technicians", TechniciansView),
    "demand": ("Demand", DemandView),
    "charges": ("Charges", ChargesView),
}
LEVELS = tuple(UtilisationLevel)

ReportData = UtilisationReport | SharingReport | TechniciansReport | DemandReport | Statement


def csv_of(report: ReportData) -> tuple[Rows, str]:
    """A report's CSV rows and a file name stem that says what and when."""
    if isinstance(report, Statement):
        return statement_rows(report), f"equipshare-charges-{report.month:%Y-%m}"
    days = f"{report.period.first_day}-to-{report.period.last_day}"
    if isinstance(report, UtilisationReport):
        return utilisation_rows(report), f"equipshare-utilisation-{report.level}-{days}"
    if isinstance(report, SharingReport):
        return sharing_rows(report), f"equipshare-sharing-{days}"
    if isinstance(report, TechniciansReport):
        return technician_rows(report), f"equipshare-technicians-{days}"
    return demand_rows(report), f"equipshare-demand-{days}"


def tab_binding(number: int, tab: str) -> Binding:
    """The key `number` that shows `tab`, off the footer (the tabs name their numbers)."""
    title = TABS[tab][0]
    return Binding(
        str(number),
        f"show_tab('{tab}')",
        title,
        id=f"reports.tab_{tab}",
        tooltip=f"Show the {title.lower()} report",
        show=False,
    )


REPORT_BINDINGS: list[BindingType] = [
    back_binding("reports"),
    Binding(
        "p",
        "period",
        "Period",
        id="reports.period",
        tooltip="Choose the days the reports cover (a preset or from/to) and filters",
    ),
    Binding(
        "x",
        "export",
        "Export CSV",
        id="reports.export",
        tooltip="Save the shown report's figures as a CSV file in your downloads folder",
    ),
    Binding(
        "l",
        "level",
        "Level",
        id="reports.level",
        tooltip="Utilisation per instrument, per facility or per institution",
    ),
    *(tab_binding(n, tab) for n, tab in enumerate(TABS, start=1)),
]
#: A report's rows are figures, not records: Enter says what changes them.
REPORT_ENTER_WORDS: dict[str, str] = {
    "utilisation-table": "A report's row opens nothing: l groups it by instrument, facility "
    "or institution, p changes the period",
    **{
        table: "A report's row opens nothing: p changes the period, x exports the figures"
        for table in (
            "sharing-technicians",
            "technicians-table",
            "demand-table",
            "charges-pairs",
            "charges-lines",
        )
    },
}
