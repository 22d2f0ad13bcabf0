"""`equipshare check` of the booking roll-ups against the bookings, and `check --repair`.

The roll-up (db/rollups.py) is kept in the same transaction as every booking write, so
a difference means a write made outside equipshare (by hand in psql or sqlite3), a
restore from a partial copy, or a bug. The comparison is two set differences of the
stored rows and the rows the bookings give, in SQL, so a national database is compared
in a few statements; the month rows are compared the same way with the sums of the
stored day rows (so with the day rows right, they are the bookings' own), and the host
rows with the held sums of the month rows by host institution, and the year-to-date rows
with the month rows' figures summed from January. The repair rebuilds all four tables
from the bookings, and the opening weeks from the opening hours when they differ
(integrity_opening.py), as an admin, audited.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, except_, func, select

from equipshare.db import opening_weeks, rollup_host_sql, rollup_sql, rollup_upkeep, rollup_ytd_sql
from equipshare.db.models.rollups import BookingRollup
from equipshare.domain.records.operations.maintenance import IntegrityProblem, RollupRepair
from equipshare.services.admin.integrity_diff import keys_differing
from equipshare.services.admin.integrity_opening import differing_weeks
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.dry_run import DryRun
from equipshare.services.plumbing.row_records import require_admin

CHECKS = ("booking roll-ups",)
#: How many differing instrument-days `check` names one by one; the rest are counted.
SHOWN = 50


def differing_days(conn: Connection) -> list[tuple[int, date]]:
    """(instrument id, day) of every roll-up row that is missing, wrong or left over."""
    expected = rollup_upkeep.expected_rows(conn)
    stored = rollup_sql.stored()
    found: set[tuple[int, date]] = set()
    for zone_days in expected:  # rows the bookings give that are not stored as they are
        missing = except_(zone_days, stored).subquery()
        found.update(
            (r[0], r[1]) for r in conn.execute(select(missing.c.instrument_id, missing.c.day))
        )
    extra = (except_(stored, *expected) if expected else stored).subquery()
    found.update((r[0], r[1]) for r in conn.execute(select(extra.c.instrument_id, extra.c.day)))
    return sorted((instrument, _day(day)) for instrument, day in found)


def differing_months(conn: Connection) -> list[tuple[int, date]]:
    """(instrument id, month) of every month row that is not the sum of its day rows."""
    expected = rollup_sql.months_of_days(conn.dialect.name)
    found = keys_differing(conn, expected, rollup_sql.stored_months(), "instrument_id", "month")
    return sorted((instrument, _day(month)) for instrument, month in found)


def differing_host_months(conn: Connection) -> list[tuple[int, date]]:
    """(host institution id, month) of every host row that is not the held sums of its
    month rows (rows holding nothing are not compared: the upkeep's deltas leave them)."""
    expected, stored = rollup_host_sql.hosts_of_months(), rollup_host_sql.stored_hosts()
    found = keys_differing(conn, expected, stored, "host_institution_id", "month")
    return sorted((host, _day(month)) for host, month in found)


def differing_year_months(conn: Connection) -> list[tuple[int, date]]:
    """(instrument id, month) of every year-to-date row that is not the sum of its
    year's month rows through that month (rows of zeros read as none, so are not
    compared)."""
    expected = rollup_ytd_sql.expected(conn.dialect.name)
    found = keys_differing(conn, expected, rollup_ytd_sql.stored(), "instrument_id", "month")
    return sorted((instrument, _day(month)) for instrument, month in found)


def _day(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def rollup_problems(conn: Connection) -> list[IntegrityProblem]:
    days = differing_days(conn)
    months = differing_months(conn)
    hosts = differing_host_months(conn)
    years = differing_year_months(conn)
    problems = [
        IntegrityProblem(
            "booking roll-ups",
            f"instrument {instrument} day {day.isoformat()}",
            f"the roll-up of instrument {instrument} on {day:%a %d %b %Y} does not match its "
            "bookings: run `equipshare check --repair`",
        )
        for instrument, day in days[:SHOWN]
    ]
    problems += [
        IntegrityProblem(
            "booking roll-ups",
            f"instrument {instrument} month {month:%Y-%m}",
            f"the roll-up of instrument {instrument} for {month:%B %Y} does not match its "
            "days: run `equipshare check --repair`",
        )
        for instrument, month in months[:SHOWN]
    ]
    problems += [
        IntegrityProblem(
            "booking roll-ups",
            f"institution {host} month {month:%Y-%m}",
            f"the roll-up of institution {host}'s instruments for {month:%B %Y} does not "
            "match their months: run `equipshare check --repair`",
        )
        for host, month in hosts[:SHOWN]
    ]
    problems += [
        IntegrityProblem(
            "booking roll-ups",
            f"instrument {instrument} year to {month:%Y-%m}",
            f"the roll-up of instrument {instrument} for {month:%Y} to {month:%B} does not "
            "match its months: run `equipshare check --repair`",
        )
        for instrument, month in years[:SHOWN]
    ]
    if len(years) > SHOWN:
        problems.append(
            IntegrityProblem(
                "booking roll-ups",
                f"{len(years) - SHOWN} more instrument years to date",
                f"and {len(years) - SHOWN} more instrument years to date differ from their months",
            )
        )
    if len(hosts) > SHOWN:
        problems.append(
            IntegrityProblem(
                "booking roll-ups",
                f"{len(hosts) - SHOWN} more institution-months",
                f"and {len(hosts) - SHOWN} more institution-months differ from their months",
            )
        )
    if len(months) > SHOWN:
        problems.append(
            IntegrityProblem(
                "booking roll-ups",
                f"{len(months) - SHOWN} more instrument-months",
                f"and {len(months) - SHOWN} more instrument-months differ from their days",
            )
        )
    if len(days) > SHOWN:
        problems.append(
            IntegrityProblem(
                "booking roll-ups",
                f"{len(days) - SHOWN} more instrument-days",
                f"and {len(days) - SHOWN} more instrument-days differ from their bookings",
            )
        )
    return problems


class RollupRepairService:
    """Rebuilds the booking roll-up from the bookings (admins)."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock

    def repair(self, actor_username: str, *, dry_run: bool = False) -> RollupRepair:
        """Rebuild the roll-up in one transaction, audited when anything differed; a dry
        run says what differs and changes nothing."""
        report = RollupRepair(dry_run, 0, 0, 0)
        try:
            with self._db.sessions.begin() as session:
                actor = require_admin(session, actor_username, "repair the booking roll-ups")
                conn = session.connection()
                days, months = len(differing_days(conn)), len(differing_months(conn))
                months += len(differing_year_months(conn))  # instrument-months too
                hosts = len(differing_host_months(conn))
                weeks = len(differing_weeks(conn))
                before = conn.execute(select(func.count()).select_from(BookingRollup)).scalar_one()
                report = RollupRepair(dry_run, days, before, before, months, hosts, weeks)
                if dry_run or not (days or months or hosts or weeks):
                    raise DryRun
                if days or months or hosts:
                    rollup_upkeep.rebuild(conn)
                if weeks:
                    opening_weeks.rebuild(conn)
                after = conn.execute(select(func.count()).select_from(BookingRollup)).scalar_one()
                report = RollupRepair(dry_run, days, before, after, months, hosts, weeks)
                record_audit(
                    session,
                    actor_id=actor.id,
                    action="rollups.repair",
                    entity_type="database",
                    entity_id="booking_rollups",
                    at=self._clock.now(),
                    before={
                        "rows": before,
                        "differing_days": days,
                        "differing_months": months,
                        "differing_host_months": hosts,
                        "differing_opening_weeks": weeks,
                    },
                    after={"rows": after},
                )
                return report
        except DryRun:
            return report
