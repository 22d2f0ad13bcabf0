"""Calendar import: an exported calendar's events become bookings (or downtime), idempotently.

Imported events are commitments made elsewhere (an Outlook resource calendar, a shared
Google calendar), so they skip only the rules about the moment a booking is made: the
past, notice and horizon. Every other booking rule holds, as on every path that writes
bookings (calendar_import_rules): the instrument takes bookings, the owner's institution
may use it, the owner is trained, the booking keeps to the grid, lengths, opening hours,
project code and quota, and one that needs approval is imported pending. Each event a
rule refuses is reported with the rule named. Staff may wave the policy, the quota and
approval through with an explicit override, which the audit trail keeps; never access
or training. Only facility staff and admins may import (the right to override policy,
or to schedule downtime). And an event never overwrites what is already here: one that
overlaps an active booking, a downtime or a range held off the waitlist for someone else
is reported as a conflict, with the ids in its way. The waitlist sees an import as it
sees any other write (calendar_import_waitlist): what it frees is offered to the first in
line, an event its holder owns books the held range, and downtime ends the holds it meets.

Idempotency needs no new column: a row made by an import carries
`import:<instrument code>:<source UID>[/<recurrence id>]` in its `ical_uid` (unique in
both `bookings` and `downtimes`), so a re-import finds it and updates it in place. The
instrument is part of the key because one Outlook meeting can book several instruments.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from equipshare.domain.enums import ImportAction
from equipshare.domain.errors import InputError, RefusedError
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.scheduling.calendar import ImportOutcome, ImportReport
from equipshare.domain.records.users.people import UserRecord
from equipshare.domain.rules.permissions import Action, Actor, Target, require
from equipshare.ical.importer import ParsedCalendar, parse_calendar
from equipshare.services.bookings.checks import lock_rows
from equipshare.services.bookings.holds import Waitlist
from equipshare.services.calendar.import_rows import ImportRun
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext


class _DryRun(Exception):  # a signal to roll back, not an error
    def __init__(self, report: ImportReport) -> None:
        super().__init__("dry run")
        self.report = report


class CalendarImportService:
    """Imports one calendar file onto one instrument, in one transaction."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        self._waitlist = Waitlist(context)

    def import_calendar(
        self,
        actor_username: str,
        instrument_code: str,
        data: bytes,
        *,
        source: str = "calendar",
        as_downtime: bool = False,
        owner_username: str | None = None,
        dry_run: bool = False,
        override_policy: bool = False,
    ) -> ImportReport:
        """Create, update or report each event; a dry run does the same and rolls back.

        Raises InputError (naming the line) for a file that cannot be read, so nothing is
        written; PermissionDenied unless the actor staffs the instrument's facility. The
        file is parsed between a read that checks rights and the one write transaction:
        a large file must not hold SQLite's write lock while icalendar reads it.

        `override_policy` waves rules 4 and 5 and approval through for every event, and
        says so in each booking's audit event; it needs the right to override the policy.
        """
        if override_policy and as_downtime:
            raise InputError(
                "override_policy: downtime keeps no booking policy to override", "override_policy"
            )
        right = Action.SCHEDULE_DOWNTIME if as_downtime else Action.OVERRIDE_POLICY
        with self._db.readonly() as session:
            _, instrument, _ = _check(
                session, actor_username, instrument_code, right, owner_username
            )
        now = self._clock.now()
        parsed = parse_calendar(data, now=now, default_timezone=instrument.timezone, source=source)
        try:
            with self._db.sessions.begin() as session:
                report = self._write(
                    session, actor_username, instrument_code, right, owner_username, parsed, now,
                    source, as_downtime, dry_run, override_policy,
                )  # fmt: skip
                if dry_run:
                    raise _DryRun(report)  # leaves the transaction by rolling it back
                return report
        except _DryRun as rolled_back:
            return rolled_back.report

    def _write(
        self,
        session: Session,
        actor_username: str,
        instrument_code: str,
        right: Action,
        owner_username: str | None,
        parsed: ParsedCalendar,
        now: datetime,
        source: str,
        as_downtime: bool,
        dry_run: bool,
        override_policy: bool,
    ) -> ImportReport:
        # Checked again: rights or the owner's account may have changed while parsing.
        actor, instrument, owner = _check(
            session, actor_username, instrument_code, right, owner_username
        )
        lock_rows(session, instrument.id, None)
        run = ImportRun(session, actor, instrument, now, self._waitlist, override_policy)
        outcomes = [
            ImportOutcome(
                ImportAction.SKIPPED, s.uid, s.summary, None, None, reason=s.reason, line=s.line
            )
            for s in parsed.skipped
        ]
        run.load(parsed.events, as_downtime=as_downtime)
        if as_downtime:
            for event in parsed.events:
                run.downtime(event)
        else:
            for event in parsed.events:
                run.booking(event, owner)
        outcomes += run.finish()
        if dry_run:  # rows made here are rolled back: their ids would mislead
            outcomes = [
                replace(o, record_id=None) if o.action is ImportAction.CREATED else o
                for o in outcomes
            ]
        return ImportReport(
            instrument_code=instrument.code,
            timezone=instrument.timezone,
            source=source,
            as_downtime=as_downtime,
            dry_run=dry_run,
            window_start=parsed.window_start,
            window_end=parsed.window_end,
            outcomes=tuple(outcomes),
        )


def _check(
    session: Session,
    actor_username: str,
    instrument_code: str,
    right: Action,
    owner_username: str | None,
) -> tuple[Actor, InstrumentRecord, UserRecord | None]:
    """The actor (if they have `right` on the instrument), the instrument and the --owner."""
    actor = row_records.load_actor(session, actor_username)
    instrument = row_records.load_instrument(session, instrument_code)
    require(actor, right, Target.of(instrument))
    owner = row_records.load_user(session, owner_username) if owner_username else None
    if owner is not None and not owner.active:
        raise RefusedError(f"{owner.username}'s account is deactivated", "owner")
    return actor, instrument, owner
