"""ChargesView: the Reports screen's Charges tab: issued and open months, and one month's
recharge statement (what each payer owes each host, then its bookings).

The view never sees a service: the screen hands it the months and the statement, and
Enter on a month posts `MonthChosen` for the screen to load that month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Static

from equipshare.domain.display.wording import count_words
from equipshare.domain.money.charging import gbp
from equipshare.domain.records.money.statements import PairTotal, Statement, StatementMonth
from equipshare.domain.time.report_periods import month_has_ended
from equipshare.domain.time.timewords import short_range
from equipshare.tui.widgets.column_fit import ColumnSpec
from equipshare.tui.widgets.fitted_table import FittedTable
from equipshare.tui.widgets.paragraph import Paragraph
from equipshare.tui.widgets.report_views import ReportView, figure, number, table


def issued_words(issued_at: datetime, issued_by: str | None, timezone: str) -> str:
    """'issued 2 Dec 2026 by root', the day in the organisation's zone."""
    local = issued_at.astimezone(ZoneInfo(timezone))
    return f"issued {local.day} {local:%b %Y} by {issued_by}"


class ChargesView(ReportView):
    """Issued and open months over the chosen month's statement and its bookings."""

    @dataclass
    class MonthChosen(Message):
        """The user picked `month` in the list of months (Enter)."""

        month: date

    DEFAULT_CSS = """
    ChargesView #charges-months { max-height: 6; }
    ChargesView #charges-pairs { max-height: 8; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._pairs: dict[str, PairTotal] = {}
        self._timezone = "UTC"
        self._month = date.min
        self._statement: Statement | None = None

    def compose(self) -> ComposeResult:
        yield Paragraph(classes="report-note")
        yield table(
            "charges-months",
            ColumnSpec("Month", "month", priority=0),
            ColumnSpec("State", "state", priority=0, least=12),
            figure("Lines", "bookings", 1),
            figure("Total", "total", 0),
        )
        yield table(
            "charges-pairs",
            ColumnSpec("Payer", "payer", priority=0),
            ColumnSpec("Host", "host", priority=0),
            figure("Bookings", "bookings", 1),
            figure("Owes", "total", 0),
        )
        yield Static("", id="charges-lines-heading", classes="report-heading", markup=False)
        yield table(
            "charges-lines",
            figure("Booking", "booking", 2),
            ColumnSpec("When", "when", priority=0),
            ColumnSpec("User", "user", priority=1),
            figure("Total", "total", 0),
            ColumnSpec("Instrument", "instrument", priority=0),
            ColumnSpec("Project", "project", priority=3),
            ColumnSpec("Status", "status", priority=4),
            figure("Instrument £", "instrument_gbp", 5),
            figure("Technician £", "technician_gbp", 5),
            ColumnSpec("Note", "note", priority=6, least=12, most=40),
        )

    def show_months(self, months: tuple[StatementMonth, ...], timezone: str, today: date) -> None:
        """Every issued month (frozen, with its stored total) and the recent open ones; the
        current month is open to date."""
        grid = self.query_one("#charges-months", DataTable)
        grid.clear()
        for month in months:
            if month.issued_at is not None:
                state = issued_words(month.issued_at, month.issued_by, timezone)
                lines, total = number(month.lines), number(gbp(month.total_pence or 0))
            else:
                state = "open" if month_has_ended(month.month, today) else "open, to date"
                lines, total = number("—"), number("—")
            grid.add_row(f"{month.month:%b %Y}", state, lines, total, key=month.month.isoformat())
        self._mark_shown_month()

    def _mark_shown_month(self) -> None:
        """The month whose statement is shown is the highlighted one, and an open month there
        gives its figures so far (as the note over it does), not a dash."""
        statement = self._statement
        grid = self.query_one("#charges-months", FittedTable)
        key = statement.month.isoformat() if statement else ""
        if statement is None or key not in grid.rows:
            return
        if statement.issued_at is None:
            grid.update_cell(key, "bookings", number(len(statement.lines)))
            grid.update_cell(key, "total", number(gbp(statement.total_pence)))
        grid.move_cursor(row=grid.get_row_index(key))

    @on(DataTable.RowSelected, "#charges-months")
    def _month_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.post_message(self.MonthChosen(date.fromisoformat(event.row_key.value)))

    def show(self, statement: Statement, today: date, facility_code: str | None = None) -> None:
        """The statement's pairs and lines; a month not yet over is named "to date".

        `facility_code`: the facility the other tabs are narrowed to. A statement is by
        institution (as `equipshare report charges`), so its figures are every facility's,
        and the note says so rather than let them pass for that facility's."""
        self._timezone = statement.timezone
        self._month = statement.month  # dates near it go without their year
        self._statement = statement
        self._mark_shown_month()
        self._pairs = {f"{p.payer_code}>{p.host_code}": p for p in statement.pairs}
        grid = self.query_one("#charges-pairs", DataTable)
        grid.clear()
        for key, pair in self._pairs.items():
            count = sum(len(i.lines) for p in pair.projects for i in p.instruments)
            grid.add_row(
                pair.payer_code,
                pair.host_code,
                number(count),
                number(gbp(pair.total_pence)),
                key=key,
            )
        scope = f" involving {statement.institution_code}" if statement.institution_code else ""
        month = f"{statement.month:%B %Y}"
        if statement.issued_at is None and not month_has_ended(statement.month, today):
            month += " to date"
            state = "open, the month is not over"
        elif statement.issued_at is None:
            state = "open, follows its bookings until issued"
        else:
            state = issued_words(statement.issued_at, statement.issued_by, statement.timezone)
        self.note(
            f"Statement for {month}{scope} ({state}): "
            f"{gbp(statement.total_pence)} in {count_words(len(statement.lines), 'line')}"
            + (
                f" · every facility's: a statement is by institution, so the facility "
                f"{facility_code} is not applied"
                if facility_code
                else ""
            )
        )
        self._show_lines(next(iter(self._pairs.values()), None))

    @on(DataTable.RowHighlighted, "#charges-pairs")
    def _pair_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_lines(self._pairs.get(event.row_key.value or ""))

    def _show_lines(self, pair: PairTotal | None) -> None:
        grid = self.query_one("#charges-lines", DataTable)
        grid.clear()
        heading = self.query_one("#charges-lines-heading", Static)
        if pair is None:
            heading.update("")
            return
        heading.update(f"Bookings {pair.payer_code} pays {pair.host_code} for")
        for project in pair.projects:
            for instrument in project.instruments:
                for line in instrument.lines:
                    adjusts = line.adjusts_month
                    grid.add_row(
                        number(line.booking_id),
                        short_range(line.starts_at, line.ends_at, self._timezone, self._month),
                        line.username,
                        number(gbp(line.total_pence)),
                        line.instrument_code,
                        line.project_code or "—",
                        line.status.value.replace("_", " "),
                        number(gbp(line.instrument_pence)),
                        number(gbp(line.technician_pence)),
                        line.note,
                        key=f"{line.booking_id}:{adjusts or ''}",
                    )
