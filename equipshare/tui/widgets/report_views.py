"""One view per Reports tab: each receives a report record and draws its tables and charts.

The views never see a service; the screen loads the reports and hands them over.
"""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from equipshare.domain.display.wording import count_words
from equipshare.domain.records.impact.reports import (
    DemandReport,
    SharingReport,
    TechniciansReport,
    UtilisationReport,
    UtilisationRow,
    hours,
    percent,
)
from equipshare.tui.report_charts import bar_lines, column_chart, heat_cell, utilisation_bar
from equipshare.tui.report_csv import WEEKDAYS
from equipshare.tui.widgets.column_fit import ColumnSpec
from equipshare.tui.widgets.fitted_table import FittedTable
from equipshare.tui.widgets.paragraph import NO_BREAK, Paragraph, held_parts

Cell = str | Text
BAR_WIDTH = 12


def number(value: object) -> Text:
    return Text(str(value), justify="right")


def chart_text(heading: str, lines: list[str]) -> Text:
    """A chart under its bold heading, as one Static's content."""
    text = Text(no_wrap=True)
    text.append(heading, style="bold")
    for line in lines:
        text.append("\n" + line)
    return text


def table(table_id: str, *columns: ColumnSpec) -> FittedTable:
    """A read-only row-cursor table showing the columns that fit, by priority."""
    made = FittedTable(id=table_id)
    made.set_columns(columns)
    return made


def figure(label: str, key: str, priority: int) -> ColumnSpec:
    """A column of right-aligned figures, shown whole or not at all."""
    return ColumnSpec(label, key, priority=priority, justify="right")


class ReportView(VerticalScroll):
    """A tab's body: a one-line note (what is shown, or why nothing is) over its figures."""

    DEFAULT_CSS = """
    ReportView { height: 1fr; }
    ReportView .report-note { height: auto; padding: 0 1; color: $text-muted; }
    ReportView .report-heading { height: auto; padding: 0 1; text-style: bold; }
    ReportView .report-chart { height: auto; padding: 0 1; }
    ReportView DataTable { height: auto; max-height: 24; margin: 0 1; }
    """

    def note(self, text: str) -> None:
        self.query_one(".report-note", Static).update(text)

    def refuse(self, text: str) -> None:
        """Nothing to show: say why in place of the figures."""
        for table_ in self.query(DataTable):
            table_.clear()
        for chart in self.query(".report-chart").results(Static):
            chart.update("")
        self.note(text)


def sort_key(row: UtilisationRow) -> tuple[Decimal, str]:
    """Busiest first; rows without opening hours last."""
    return (-(row.utilisation_percent or Decimal(-1)), row.code)


class UtilisationView(ReportView):
    """Bars per instrument (or facility, institution), busiest first, with the hours behind them."""

    def compose(self) -> ComposeResult:
        yield Paragraph(classes="report-note")
        yield table(
            "utilisation-table",
            ColumnSpec("Code", "code", priority=0),
            ColumnSpec("Booked of open hours", "utilisation", priority=0),
            figure("Booked h", "booked", 1),
            figure("Used h", "used", 2),
            figure("Open h", "opening", 3),
            figure("Cancelled", "cancelled", 5),
            figure("No-shows", "no_shows", 6),
            figure("Down h", "downtime", 7),
            figure("Shared h", "shared", 4),
            ColumnSpec("Name", "name", priority=8, least=12, most=36),
        )

    def show(self, report: UtilisationReport) -> None:
        grid = self.query_one(DataTable)
        grid.clear()
        for row in sorted(report.rows, key=sort_key):
            grid.add_row(
                row.code,
                utilisation_bar(row.utilisation_percent, BAR_WIDTH),
                number(hours(row.booked_minutes)),
                number(hours(row.used_minutes)),
                number(hours(row.opening_minutes)),
                number(row.cancellations),
                number(row.no_shows),
                number(hours(row.downtime_minutes)),
                number(hours(row.shared_minutes)),
                row.name,
                key=row.code,
            )
        booked = sum(r.booked_minutes for r in report.rows)
        opening = sum(r.opening_minutes for r in report.rows)
        used = sum(r.used_minutes for r in report.rows)
        overall = percent(booked, opening)
        self.note(
            held_parts(
                (
                    count_words(len(report.rows), report.level.value),
                    f"booked {hours(booked)} h of {hours(opening)} h open "
                    f"({'—' if overall is None else f'{overall}%'})",
                    f"used {hours(used)} h",
                )
            )
        )


class SharingView(ReportView):
    """Cross-institution use by month, and the host x user matrix as a heat table."""

    def compose(self) -> ComposeResult:
        yield Paragraph(classes="report-note")
        yield Static("", id="sharing-chart", classes="report-chart", markup=False)
        yield Static(
            "Hours on each host's instruments (rows) by each institution's users (columns)",
            classes="report-heading",
            markup=False,
        )
        # No cursor: a highlighted row would hide the heat colours it crosses.
        matrix: DataTable[Cell] = DataTable(id="sharing-matrix", cursor_type="none")
        matrix.fixed_columns = 1  # the host stays in view as the columns scroll sideways
        yield matrix
        yield Static("", id="sharing-technician-chart", classes="report-chart", markup=False)
        yield table(
            "sharing-technicians",
            ColumnSpec("Staff of", "staff", priority=0, least=8),
            ColumnSpec("For users of", "users", priority=0, least=8),
            figure("Hours", "hours", 0),
            figure("Sessions", "sessions", 1),
        )

    def show(self, report: SharingReport) -> None:
        shared = report.cross_institution_minutes
        shared_bookings = sum(c.bookings for c in report.cells if c.host_code != c.user_code)
        held = sum(c.minutes for c in report.cells)
        share = percent(shared, held)
        self.note(
            f"Shared across institutions: {hours(shared)}{NO_BREAK}h in "
            f"{count_words(shared_bookings, 'booking')}"
            + (f", {share}% of all booked hours" if share is not None else "")
        )
        self._show_months(report)
        self._show_matrix(report)
        self._show_technicians(report)

    def _show_technicians(self, report: SharingReport) -> None:
        """Technician time: the cross-institution trend, then each staff x user pair."""
        months = report.technician_months
        across = report.cross_institution_technician_minutes
        sessions = sum(c.bookings for c in report.technician_cells if c.host_code != c.user_code)
        chart = column_chart(
            [m.minutes for m in months],
            [f"{m.month:%b}" for m in months],
            height=3,
            column=4 if len(months) <= 18 else 2,
        )
        heading = (
            f"Technician time across institutions by month: {hours(across)} h in "
            f"{count_words(sessions, 'assisted session')}"
        )
        self.query_one("#sharing-technician-chart", Static).update(chart_text(heading, chart))
        grid = self.query_one("#sharing-technicians", DataTable)
        grid.clear()
        # Across institutions first, most hours first; help at home after.
        ordered = sorted(
            report.technician_cells,
            key=lambda c: (c.host_code == c.user_code, -c.minutes, c.host_code, c.user_code),
        )
        for c in ordered:
            grid.add_row(
                c.host_code,
                c.user_code,
                number(hours(c.minutes)),
                number(c.bookings),
                key=f"{c.host_code}>{c.user_code}",
            )

    def _show_months(self, report: SharingReport) -> None:
        months = report.months
        values = [m.minutes for m in months]
        column = 4 if len(months) <= 18 else 2
        labels = [f"{m.month:%b}" for m in months]
        chart = column_chart(values, labels, height=3, column=column)
        peak = max(months, key=lambda m: m.minutes, default=None)
        first, last = report.period.first_day, report.period.last_day
        years = f"{first:%Y}" if first.year == last.year else f"{first:%Y}-{last:%Y}"
        heading = f"Hours shared across institutions by month, {years}"
        if peak is not None and peak.minutes:
            heading += f" (peak {hours(peak.minutes)} h in {peak.month:%b %Y})"
        self.query_one("#sharing-chart", Static).update(chart_text(heading, chart))

    def _show_matrix(self, report: SharingReport) -> None:
        grid: DataTable[Cell] = self.query_one("#sharing-matrix", DataTable)
        grid.clear(columns=True)
        minutes = {(c.host_code, c.user_code): c.minutes for c in report.cells if c.minutes}
        # A row for each institution that hosted some use, a column for each whose people
        # used something: an institution hosting nothing is no row of dots.
        hosts = [code for code in report.institutions if any(h == code for h, _ in minutes)]
        users = [code for code in report.institutions if any(u == code for _, u in minutes)]
        peak = max((m for (h, u), m in minutes.items() if h != u), default=0)
        width = max((len(str(hours(m))) for m in minutes.values()), default=4)
        grid.add_column("Host \\ User", key="host")
        for code in users:
            grid.add_column(Text(code, justify="right"), key=code, width=max(len(code), width))
        total_width = max(len("Total"), width)
        grid.add_column(Text("Total", justify="right"), key="total", width=total_width)
        for host in hosts:
            cells: list[Cell] = [host]
            for user in users:
                value = minutes.get((host, user), 0)
                # Every cell fills its column, the dot of an empty one where a number's last
                # digit would be, so dots and figures line up.
                text = f"{hours(value) if value else '·':>{max(len(user), width)}}"
                if host == user:  # use at home is not sharing: shown, but not heated
                    cells.append(Text(text, style="italic", no_wrap=True))
                else:
                    cells.append(heat_cell(text, value, peak, len(text)))
            row_total = sum(minutes.get((host, user), 0) for user in users)
            cells.append(Text(f"{hours(row_total)!s:>{total_width}}", no_wrap=True))
            grid.add_row(*cells, key=host)


class TechniciansView(ReportView):
    """Each technician's assisted sessions, training given, downtime handled."""

    def compose(self) -> ComposeResult:
        yield Paragraph(classes="report-note")
        yield table(
            "technicians-table",
            ColumnSpec("Technician", "name", priority=0, least=12),
            ColumnSpec("Inst.", "institution", priority=1),
            figure("Assisted", "assisted", 2),
            figure("Assisted h", "assisted_h", 0),
            figure("Trainings", "trainings", 0),
            figure("People", "people", 3),
            figure("Instr. trained", "trained_on", 5),
            figure("Downtimes", "downtimes", 4),
            figure("Down h", "downtime_h", 4),
            figure("Looks after", "looks_after", 6),
        )

    def show(self, report: TechniciansReport) -> None:
        grid = self.query_one(DataTable)
        grid.clear()
        for r in report.rows:
            grid.add_row(
                r.display_name,
                r.institution_code,
                number(r.assisted_sessions),
                number(hours(r.assisted_minutes)),
                number(r.training_sessions),
                number(r.people_trained),
                number(r.instruments_trained_on),
                number(r.downtimes_handled),
                number(hours(r.downtime_minutes)),
                number(r.instruments_looked_after),
                key=str(r.user_id),
            )
        assisted = sum(r.assisted_minutes for r in report.rows)
        self.note(
            held_parts(
                (
                    count_words(len(report.rows), "technician"),
                    f"{hours(assisted)} h of assisted sessions",
                    f"{count_words(report.people_trained, 'person', 'people')} trained",
                )
            )
        )


class DemandView(ReportView):
    """The most wanted instruments, and when people ask to start."""

    DEFAULT_CSS = """
    DemandView #demand-table { height: 1fr; min-height: 6; max-height: 100%; }
    """

    def compose(self) -> ComposeResult:
        yield Paragraph(classes="report-note")
        # The charts first, the table taking the rest: each is in view without scrolling a
        # table out of the way (at 80x24 the view scrolls a line or two).
        yield Static("", id="demand-hours", classes="report-chart", markup=False)
        yield Static("", id="demand-weekdays", classes="report-chart", markup=False)
        yield table(
            "demand-table",
            ColumnSpec("Instrument", "code", priority=0),
            ColumnSpec("Inst.", "institution", priority=1),
            figure("Waitlist", "waitlist", 2),
            figure("Refused", "refused", 2),
            figure("Requests", "requests", 0),
            ColumnSpec("Name", "name", priority=3, least=12, most=36),
        )

    def show(self, report: DemandReport) -> None:
        grid = self.query_one(DataTable)
        grid.clear()
        for r in report.instruments:
            grid.add_row(
                r.instrument_code,
                r.institution_code,
                number(r.waitlist_entries),
                number(r.refused),
                number(r.requests),
                r.instrument_name,
                key=r.instrument_code,
            )
        requested = sum(report.by_weekday)
        self.note(
            held_parts(
                (
                    f"Top {count_words(len(report.instruments), 'instrument')}",
                    f"{count_words(requested, 'request')} in all",
                )
            )
        )
        chart = column_chart(report.by_hour, [f"{h:02d}" for h in range(24)], height=3, column=3)
        self.query_one("#demand-hours", Static).update(
            chart_text("Requested start, local hour of day", chart)
        )
        bars = bar_lines(list(zip(WEEKDAYS, report.by_weekday, strict=True)), 30)
        self.query_one("#demand-weekdays", Static).update(
            chart_text("Requested start, day of week", bars)
        )
