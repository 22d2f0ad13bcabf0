"""Monthly recharge statements: what each institution's users owe each host institution.

An open month's statement is worked out from the bookings as they are now (billed_lines.py):
the month's chargeable bookings, and adjustments to the issued months before it. Issuing
a month (admins, once it is over) stores its statement whole (issued.py); from then on
reading it returns the stored statement, whatever later happens to its bookings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import FacilityStaff, Institution
from equipshare.domain.enums import StaffRole
from equipshare.domain.errors import NotFound, PermissionDenied, RefusedError
from equipshare.domain.records.money.statements import (
    InstrumentTotal,
    IssueReport,
    PairTotal,
    ProjectTotal,
    Statement,
    StatementLine,
    StatementMonth,
)
from equipshare.services.admin.retention import local_midnight
from equipshare.services.charging import billed_lines, issued
from equipshare.services.charging.billed_lines import BilledLine, Scope
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.dry_run import DryRun

# How many months back the list of statements offers open (unissued) months.
RECENT_MONTHS = 12


def month_bounds(month: date, timezone: str) -> tuple[datetime, datetime]:
    """The UTC instants the local calendar month of `month` starts and ends."""
    first = month.replace(day=1)
    return local_midnight(first, timezone), local_midnight(issued.next_month(first), timezone)


class StatementService:
    """Builds, issues and reads statements for admins (everything) and facility managers
    (their facilities' lines)."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        self._timezone = context.settings.organisation.timezone

    def statement(
        self, actor_username: str, month: date, institution_code: str | None = None
    ) -> Statement:
        """The month's statement, nested payer/host -> project -> instrument -> line: as
        stored if the month is issued, else as the bookings bill now."""
        first = month.replace(day=1)
        with self._db.readonly() as session:
            scope = _scope(session, actor_username, institution_code)
            stored = issued.find(session, first)
            if stored is not None:
                lines = issued.lines(session, stored.id, scope)
                return _statement(
                    first, stored.timezone, institution_code, lines, stored.issued_at,
                    stored.issued_by,
                )  # fmt: skip
            billed = self._open(session, first, scope)
        return _statement(first, self._timezone, institution_code, [b.line for b in billed])

    def issue(self, actor_username: str, month: date, *, dry_run: bool = False) -> IssueReport:
        """Store the month's statement for good (admins, once the month is over).

        Issuing an issued month changes nothing and says so (`already`), so cron may run
        it every day; two issuers at once leave one statement, the other finds it issued.
        """
        first = month.replace(day=1)
        now = self._clock.now()
        try:
            with self._db.sessions.begin() as session:
                actor = row_records.require_admin(
                    session, actor_username, "issue recharge statements"
                )
                stored = issued.find(session, first)
                if stored is not None:
                    lines = issued.lines(session, stored.id, Scope())
                    return IssueReport(dry_run, True, _statement(
                        first, stored.timezone, None, lines, stored.issued_at, stored.issued_by
                    ))  # fmt: skip
                _, ends = month_bounds(first, self._timezone)
                if ends > now:
                    last_day = f"{issued.next_month(first) - timedelta(days=1):%a %d %b %Y}"
                    raise RefusedError(
                        f"{first:%Y-%m} is not over yet (its last day is {last_day}); "
                        "a month is issued once it has ended",
                        "--month",
                    )
                billed = self._open(session, first, Scope())
                username = actor.user.username
                issued.store(session, first, self._timezone, now, username, billed)
                statement = _statement(
                    first, self._timezone, None, [b.line for b in billed], now, username
                )
                record_audit(
                    session,
                    actor_id=actor.id,
                    action="statement.issue",
                    entity_type="statement",
                    entity_id=f"{first:%Y-%m}",
                    at=now,
                    after={
                        "month": f"{first:%Y-%m}",
                        "lines": len(billed),
                        "adjustments": sum(b.line.adjusts_month is not None for b in billed),
                        "total_pence": statement.total_pence,
                    },
                )
                report = IssueReport(dry_run, False, statement)
                if dry_run:
                    raise DryRun
                return report
        except DryRun:
            return report
        except IntegrityError:
            # Another issuer stored the month between our look and our insert.
            return IssueReport(dry_run, True, self.statement(actor_username, first))

    def months(self, actor_username: str) -> tuple[StatementMonth, ...]:
        """Issued months and the recent open ones, newest first, with what the reader may
        see of each issued one (its lines and total)."""
        today = self._clock.now().astimezone(ZoneInfo(self._timezone)).date()
        this_month = today.replace(day=1)
        recent = [this_month]
        while len(recent) < RECENT_MONTHS:
            recent.append(issued.previous_month(recent[-1]))
        with self._db.readonly() as session:
            scope = _scope(session, actor_username, None)
            return issued.month_list(session, recent, scope)

    def _open(self, session: Session, month: date, scope: Scope) -> list[BilledLine]:
        """An open month as billed now: its own lines, then adjustments to issued months."""
        now = self._clock.now()
        starts, ends = month_bounds(month, self._timezone)
        own = billed_lines.month_lines(session, starts, ends, now, scope)
        chain = issued.chain_before(issued.issued_months(session), month, month_bounds)
        extra = billed_lines.adjustments(session, chain, now, scope, self._timezone)
        return _grouped([*own, *extra])


def _scope(session: Session, actor_username: str, institution_code: str | None) -> Scope:
    facility_ids = _visible_facilities(session, actor_username)
    institution_id = (
        None if institution_code is None else _institution_id(session, institution_code)
    )
    return Scope(facility_ids, institution_id)


def _statement(
    month: date,
    timezone: str,
    institution_code: str | None,
    lines: Sequence[StatementLine],
    issued_at: datetime | None = None,
    issued_by: str | None = None,
) -> Statement:
    pairs = tuple(_pairs(lines))
    return Statement(
        month=month,
        timezone=timezone,
        institution_code=institution_code,
        pairs=pairs,
        total_pence=sum(pair.total_pence for pair in pairs),
        issued_at=issued_at,
        issued_by=issued_by,
    )


def _visible_facilities(session: Session, username: str) -> frozenset[int] | None:
    """None for admins (every facility); the facilities a manager manages; else refused."""
    actor = row_records.load_actor(session, username)
    if actor.user.is_admin and actor.user.active:
        return None
    managed = frozenset(
        session.scalars(
            select(FacilityStaff.facility_id).where(
                FacilityStaff.user_id == actor.id, FacilityStaff.role == StaffRole.MANAGER
            )
        )
    )
    if not managed or not actor.user.active:
        raise PermissionDenied(
            f"{username} may not see recharge statements: that needs a facility manager "
            "or an admin",
            "user",
        )
    return managed


def _institution_id(session: Session, code: str) -> int:
    found = session.scalar(select(Institution.id).where(Institution.code == code))
    if found is None:
        raise NotFound(f"--institution: no institution with code {code!r}", "--institution")
    return found


def _grouped(lines: Sequence[BilledLine]) -> list[BilledLine]:
    """The lines in the order the statement nests them: the month's own lines as ordered,
    each adjustment after its pair, project and instrument's lines (or after its pair's
    groups, when it alone bills one)."""
    nested: dict[object, dict[object, dict[object, list[BilledLine]]]] = {}
    for billed in lines:
        line = billed.line
        pair = nested.setdefault((line.payer_code, line.host_code), {})
        pair.setdefault(line.project_code, {}).setdefault(line.instrument_code, []).append(billed)
    return [
        billed
        for projects in nested.values()
        for instruments in projects.values()
        for group in instruments.values()
        for billed in group
    ]


def _pairs(lines: Sequence[StatementLine]) -> Iterable[PairTotal]:
    """Nest the ordered lines; each total is the sum of the totals below it."""
    for (payer, host), group in _runs(lines, lambda line: (line.payer_code, line.host_code)):
        projects = tuple(_projects(group))
        yield PairTotal(payer, host, projects, sum(p.total_pence for p in projects))


def _projects(lines: Sequence[StatementLine]) -> Iterable[ProjectTotal]:
    for code, group in _runs(lines, lambda line: line.project_code):
        instruments = tuple(_instruments(group))
        yield ProjectTotal(code, instruments, sum(i.total_pence for i in instruments))


def _instruments(lines: Sequence[StatementLine]) -> Iterable[InstrumentTotal]:
    for code, group in _runs(lines, lambda line: line.instrument_code):
        billed = tuple(group)
        yield InstrumentTotal(code, billed, sum(line.total_pence for line in billed))


def _runs(
    lines: Sequence[StatementLine], key: Callable[[StatementLine], Any]
) -> Iterable[tuple[Any, list[StatementLine]]]:
    """Group by `key` in first-seen order (adjustments may follow their group's lines)."""
    groups: dict[Any, list[StatementLine]] = {}
    for line in lines:
        groups.setdefault(key(line), []).append(line)
    return groups.items()
