"""`equipshare report sharing`: who uses whose instruments, and whose technicians help whom.

The booking side is a host x user institution matrix with its cross-institution trend by
month; the technician side is hours of assisted sessions by the staff member's institution
x the researcher's, with its cross-institution trend.
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from equipshare.cli.billing.report_usage import (
    ReportRun,
    Rows,
    _check_dates,
    _emit_json,
    _emit_parts,
    _title,
    report_options,
)
from equipshare.cli.options import cli_state
from equipshare.domain.records.impact.reports import SharingCell, SharingMonth, hours


def _months(months: Sequence[SharingMonth], count: str) -> Rows:
    return [
        {"month": m.month.strftime("%Y-%m"), "hours": hours(m.minutes), count: m.bookings}
        for m in months
    ]


def _matrix(cells: Sequence[SharingCell], institutions: Sequence[str], output: str,
            row_name: str) -> Rows:  # fmt: skip
    """One row per first institution, a column per second: hours (and count, in the table)."""
    found = {(c.host_code, c.user_code): c for c in cells}
    rows: Rows = []
    for first in sorted({c.host_code for c in cells}):
        row: dict[str, object] = {row_name: first}
        for second in institutions:
            cell = found.get((first, second))
            if output == "csv":
                row[second] = hours(cell.minutes) if cell else hours(0)
            else:
                row[second] = f"{hours(cell.minutes)} ({cell.bookings})" if cell else ""
        rows.append(row)
    return rows


def _json_cells(cells: Sequence[SharingCell], first: str, count: str) -> Rows:
    return [
        {first: c.host_code, "user": c.user_code, "minutes": c.minutes,
         "hours": hours(c.minutes), count: c.bookings}
        for c in cells
    ]  # fmt: skip


@click.command("sharing")
@report_options
def sharing(
    ctx: click.Context,
    preset: str | None,
    from_day: str | None,
    to_day: str | None,
    institution: str | None,
    facility: str | None,
    output: str,
    as_user: str | None,
) -> None:
    """Who uses whose instruments, and whose technicians help whom, with trends by month.

    The matrix has a row per host institution (the instrument's) and a column per user
    institution (the booker's); a cell holds the hours of confirmed, completed and
    no-show bookings starting in the period (in the table, with their number). Off the
    diagonal is cross-institution use, which the monthly trend follows (by the local
    month of each start). The technician side is the same for technician time: hours of
    assisted sessions (a technician other than the booker) by the staff member's own
    institution x the researcher's, and its cross-institution trend by month. Filters
    pick the host instruments. CSV prints the four parts separated by blank lines; JSON
    gives every cell in minutes, hours and bookings (sessions). For facility staff and
    admins; researchers are refused (exit 1).

    \b
    Examples:
      equipshare report sharing --from 2025-08-01 --to 2026-07-31
      equipshare report sharing --institution WARWICK --format csv > sharing.csv
    """
    days = _check_dates(preset, from_day, to_day)
    with cli_state(ctx).open() as context:
        run = ReportRun(context, as_user, days, institution, facility)
        report = run.service.sharing(run.actor, run.period, run.where)
    months = _months(report.months, "bookings")
    staff_months = _months(report.technician_months, "sessions")
    staff_institutions = sorted(
        {c.user_code for c in report.technician_cells}
        | {c.host_code for c in report.technician_cells}
    )
    if output == "json":
        _emit_json(report.period, {
            "institutions": report.institutions,
            "cells": _json_cells(report.cells, "host", "bookings"), "months": months,
            "technician_cells": _json_cells(report.technician_cells, "staff", "sessions"),
            "technician_months": staff_months,
        })  # fmt: skip
        return
    cross = hours(report.cross_institution_minutes)
    staff_cross = hours(report.cross_institution_technician_minutes)
    _emit_parts(
        [
            (_title(f"Hours (bookings) by host x user; {cross} h cross-institution",
                    report.period),
             _matrix(report.cells, report.institutions, output, "host"),
             ["host", *report.institutions]),
            ("Cross-institution use by month", months, ["month", "hours", "bookings"]),
            (f"Technician hours (sessions) by staff x user institution; {staff_cross} h "
             "across institutions",
             _matrix(report.technician_cells, staff_institutions, output, "staff"),
             ["staff", *staff_institutions]),
            ("Technician time across institutions by month", staff_months,
             ["month", "hours", "sessions"]),
        ],
        output,
    )  # fmt: skip
