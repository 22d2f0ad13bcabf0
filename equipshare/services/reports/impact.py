"""ReportService: the consortium's impact figures (utilisation, sharing, technicians, demand).

Each public method is one read transaction of SQL aggregates (see reports_usage.py and
reports_work.py), so the cost grows with the number of instruments, not of bookings.
Periods are local days in the organisation's zone; a booking counts where its start falls.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from equipshare.domain.records.impact.reports import (
    DemandReport,
    ReportFilter,
    ReportPeriod,
    SharingReport,
    TechniciansReport,
    UtilisationLevel,
    UtilisationReport,
)
from equipshare.domain.time.report_periods import preset_days
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.reports.period import make_period, period_from, previous_month
from equipshare.services.reports.scope import require_report_reader, resolve_scope, visible_staff
from equipshare.services.reports.technician_sharing import sharing_with_technicians
from equipshare.services.reports.utilisation import utilisation_report
from equipshare.services.reports.work import demand_report, technicians_report, unnamed_hidden

MAX_DEMAND_ROWS = 1000
# The default filter: every institution and facility.
EVERYTHING = ReportFilter()


class ReportService:
    """Read-only reports for facility staff and admins; researchers are refused."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        self._zone = context.settings.organisation.timezone

    def period(self, first_day: date, last_day: date) -> ReportPeriod:
        """Local days first_day..last_day in the organisation's zone, ending now at the latest
        (to date), so no report counts what is still to come; InputError if reversed or
        starting after today."""
        return make_period(first_day, last_day, self._zone, self._clock.now())

    def period_from(self, first: date | datetime, last: date | datetime) -> ReportPeriod:
        """As `period`, where either end may instead be an instant: the period starts at
        `first` or ends at `last` (not included), to the minute."""
        return period_from(first, last, self._zone, self._clock.now())

    @property
    def timezone(self) -> str:
        """The organisation's zone: report periods are its local days, and times typed for
        them are its wall-clock times."""
        return self._zone

    def preset(self, name: str) -> ReportPeriod:
        """A named period (domain/time/report_periods.py) around today: what the TUI's presets
        and `equipshare report --period` both show."""
        return self.period(*preset_days(name, self.today()))

    def today(self) -> date:
        """Today in the organisation's zone."""
        return self._clock.now().astimezone(ZoneInfo(self._zone)).date()

    def previous_month(self) -> ReportPeriod:
        """The last full calendar month before today (local): what reports show by default."""
        return self.period(*previous_month(self.today()))

    def utilisation(
        self,
        actor_username: str,
        period: ReportPeriod,
        level: UtilisationLevel = UtilisationLevel.INSTRUMENT,
        where: ReportFilter = EVERYTHING,
    ) -> UtilisationReport:
        """Booked, used, opening and downtime minutes with counts, per instrument/facility/
        institution of the scope (every one, idle ones too), ordered by code."""
        with self._db.reads() as session:
            require_report_reader(row_records.load_actor(session, actor_username), "utilisation")
            scope = resolve_scope(session, where)
            return utilisation_report(session, self._db.backend, period, level, scope)

    def sharing(
        self, actor_username: str, period: ReportPeriod, where: ReportFilter = EVERYTHING
    ) -> SharingReport:
        """Held bookings by host x user institution, and cross-institution use by month;
        and technician time (assisted sessions) by the staff's x the users' institution."""
        with self._db.reads() as session:
            require_report_reader(row_records.load_actor(session, actor_username), "sharing")
            scope = resolve_scope(session, where)
            return sharing_with_technicians(session, self._db.backend, period, scope)

    def technicians(
        self, actor_username: str, period: ReportPeriod, where: ReportFilter = EVERYTHING
    ) -> TechniciansReport:
        """The work of the facility staff the actor may see: everyone for admins, their
        facilities' staff for managers, themselves for technicians. Someone who opted out
        of being named is "technical staff of the facility" to all but themself."""
        with self._db.reads() as session:
            actor = row_records.load_actor(session, actor_username)
            require_report_reader(actor, "technicians")
            scope = resolve_scope(session, where)
            visible = visible_staff(session, actor)
            report = technicians_report(session, self._db.backend, period, scope, visible)
            return unnamed_hidden(session, report, actor.id)

    def demand(
        self,
        actor_username: str,
        period: ReportPeriod,
        where: ReportFilter = EVERYTHING,
        limit: int = 20,
    ) -> DemandReport:
        """The `limit` instruments with the longest waitlists, then most refusals, and the
        local hours and weekdays requested bookings start at."""
        with self._db.reads() as session:
            require_report_reader(row_records.load_actor(session, actor_username), "demand")
            scope = resolve_scope(session, where)
            limit = max(1, min(limit, MAX_DEMAND_ROWS))
            return demand_report(session, self._db.backend, period, scope, limit)
