"""The Reports screen's figures as CSV rows, and saving them to the downloads folder.

Pure apart from the write: hours are Decimal to two places and money is pounds to the penny
(never floats), so a spreadsheet gets exactly the figures the screen shows. These files are
for people to open in a spreadsheet, so a text cell it would run as a formula (a project
code `=cmd|...`) is always written with a `'` in front; numbers, negative ones included,
stay numbers (equipshare.domain.display.spreadsheet_cells).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from equipshare.domain.display.spreadsheet_cells import escape_rows
from equipshare.domain.money.charging import money
from equipshare.domain.records.impact.reports import (
    DemandReport,
    SharingReport,
    TechniciansReport,
    UtilisationReport,
    hours,
)
from equipshare.domain.records.money.statements import Statement
from equipshare.tui.downloads import save_download

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

Rows = list[list[str]]


def _text(value: object) -> str:
    return "" if value is None else str(value)


def utilisation_rows(report: UtilisationReport) -> Rows:
    rows: Rows = [
        [
            "level",
            "code",
            "name",
            "institution",
            "booked_hours",
            "used_hours",
            "opening_hours",
            "utilisation_percent",
            "bookings",
            "cancellations",
            "no_shows",
            "downtime_hours",
            "shared_hours",
            "shared_bookings",
        ]
    ]
    for r in report.rows:
        rows.append(
            [
                r.level.value,
                r.code,
                r.name,
                r.institution_code,
                str(hours(r.booked_minutes)),
                str(hours(r.used_minutes)),
                str(hours(r.opening_minutes)),
                _text(r.utilisation_percent),
                str(r.bookings),
                str(r.cancellations),
                str(r.no_shows),
                str(hours(r.downtime_minutes)),
                str(hours(r.shared_minutes)),
                str(r.shared_bookings),
            ]
        )
    return rows


def sharing_rows(report: SharingReport) -> Rows:
    """The matrix cells, then cross-institution use by month, then the same for technician
    time (`section` tells them apart)."""
    rows: Rows = [["section", "host_institution", "user_institution", "month", "hours", "bookings"]]
    for c in report.cells:
        rows.append(
            ["matrix", c.host_code, c.user_code, "", str(hours(c.minutes)), str(c.bookings)]
        )
    for m in report.months:
        rows.append(["month", "", "", f"{m.month:%Y-%m}", str(hours(m.minutes)), str(m.bookings)])
    # The technician side: host_institution is the staff member's own, bookings the sessions.
    for c in report.technician_cells:
        rows.append(
            ["technician_matrix", c.host_code, c.user_code, "", str(hours(c.minutes)),
             str(c.bookings)]
        )  # fmt: skip
    for m in report.technician_months:
        rows.append(
            ["technician_month", "", "", f"{m.month:%Y-%m}", str(hours(m.minutes)),
             str(m.bookings)]
        )  # fmt: skip
    return rows


def technician_rows(report: TechniciansReport) -> Rows:
    rows: Rows = [
        [
            "username",
            "name",
            "institution",
            "assisted_sessions",
            "assisted_hours",
            "training_sessions",
            "people_trained",
            "instruments_trained_on",
            "downtimes_handled",
            "downtime_hours",
            "instruments_looked_after",
        ]
    ]
    for r in report.rows:
        rows.append(
            [
                r.username,
                r.display_name,
                r.institution_code,
                str(r.assisted_sessions),
                str(hours(r.assisted_minutes)),
                str(r.training_sessions),
                str(r.people_trained),
                str(r.instruments_trained_on),
                str(r.downtimes_handled),
                str(hours(r.downtime_minutes)),
                str(r.instruments_looked_after),
            ]
        )
    return rows


def demand_rows(report: DemandReport) -> Rows:
    """Instruments, then requests by local start hour and weekday (`section` tells them apart)."""
    rows: Rows = [
        ["section", "key", "name", "institution", "waitlist_entries", "refused", "requests"]
    ]
    for r in report.instruments:
        rows.append(
            [
                "instrument",
                r.instrument_code,
                r.instrument_name,
                r.institution_code,
                str(r.waitlist_entries),
                str(r.refused),
                str(r.requests),
            ]
        )
    for hour, count in enumerate(report.by_hour):
        rows.append(["hour", f"{hour:02d}", "", "", "", "", str(count)])
    for day, count in zip(WEEKDAYS, report.by_weekday, strict=True):
        rows.append(["weekday", day, "", "", "", "", str(count)])
    return rows


def statement_rows(statement: Statement) -> Rows:
    """One row per billed booking in the statement's order; amounts in pounds."""
    zone = ZoneInfo(statement.timezone)
    rows: Rows = [
        [
            "payer_institution",
            "host_institution",
            "project_code",
            "instrument",
            "facility",
            "booking_id",
            "user",
            "starts",
            "ends",
            "status",
            "user_class",
            "minutes",
            "hourly_rate_gbp",
            "technician_minutes",
            "technician_rate_gbp",
            "instrument_gbp",
            "technician_gbp",
            "total_gbp",
            "note",
        ]
    ]
    for line in statement.lines:
        rows.append(
            [
                line.payer_code,
                line.host_code,
                line.project_code or "",
                line.instrument_code,
                line.facility_code,
                str(line.booking_id),
                line.username,
                line.starts_at.astimezone(zone).isoformat(timespec="minutes"),
                line.ends_at.astimezone(zone).isoformat(timespec="minutes"),
                line.status.value,
                line.user_class.value if line.user_class else "",
                str(line.minutes),
                _pounds(line.hourly_rate_pence),
                str(line.technician_minutes),
                _pounds(line.technician_rate_pence),
                str(money(line.instrument_pence)),
                str(money(line.technician_pence)),
                str(money(line.total_pence)),
                line.note,
            ]
        )
    return rows


def _pounds(pence: int | None) -> str:
    return "" if pence is None else str(money(pence))


def csv_text(rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(escape_rows(rows))
    return out.getvalue()


def save_csv(rows: Sequence[Sequence[str]], directory: Path, stem: str) -> Path:
    """Write `stem`.csv through a temporary file and a rename, so no half file is ever seen."""
    return save_download(csv_text(rows).encode("utf-8"), directory, stem, ".csv")
