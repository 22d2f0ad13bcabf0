"""The Reports screen's CSV: sections told apart, hours and pounds as exact decimals."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

from equipshare.domain.records.impact.reports import (
    DemandReport,
    DemandRow,
    ReportPeriod,
    SharingCell,
    SharingMonth,
    SharingReport,
)
from equipshare.tui.report_csv import WEEKDAYS, demand_rows, save_csv, sharing_rows

PERIOD = ReportPeriod(
    date(2026, 1, 1),
    date(2026, 2, 28),
    "Europe/London",
    datetime(2026, 1, 1, tzinfo=UTC),
    datetime(2026, 3, 1, tzinfo=UTC),
)


def test_sharing_rows_hold_the_matrix_then_the_months() -> None:
    report = SharingReport(
        PERIOD,
        ("ASTON", "WARWICK"),
        (SharingCell("WARWICK", "ASTON", 100, 2), SharingCell("WARWICK", "WARWICK", 60, 1)),
        (SharingMonth(date(2026, 1, 1), 0, 0), SharingMonth(date(2026, 2, 1), 100, 2)),
    )
    assert sharing_rows(report) == [
        ["section", "host_institution", "user_institution", "month", "hours", "bookings"],
        ["matrix", "WARWICK", "ASTON", "", "1.67", "2"],
        ["matrix", "WARWICK", "WARWICK", "", "1.00", "1"],
        ["month", "", "", "2026-01", "0.00", "0"],
        ["month", "", "", "2026-02", "1.67", "2"],
    ]


def test_demand_rows_hold_instruments_then_every_hour_and_weekday(tmp_path: Path) -> None:
    by_hour = tuple(3 if hour == 10 else 0 for hour in range(24))
    report = DemandReport(
        PERIOD,
        (DemandRow("WAR-XPS-01", "XPS", "WARWICK", 4, 1, 9),),
        by_hour,
        (1, 2, 0, 0, 0, 0, 0),
    )
    path = save_csv(demand_rows(report), tmp_path / "new", "equipshare demand/2026")
    assert path == tmp_path / "new" / "equipshare-demand-2026.csv"
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[1] == ["instrument", "WAR-XPS-01", "XPS", "WARWICK", "4", "1", "9"]
    assert rows[2 + 10] == ["hour", "10", "", "", "", "", "3"]
    assert rows[2 + 24 :] == [
        ["weekday", day, "", "", "", "", str(n)]
        for day, n in zip(WEEKDAYS, (1, 2, 0, 0, 0, 0, 0), strict=True)
    ]
    assert [p.name for p in (tmp_path / "new").iterdir()] == [path.name]  # no temporary left
