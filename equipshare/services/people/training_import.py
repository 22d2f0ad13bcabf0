"""TrainingImportService: the training records facilities keep in spreadsheets, imported once.

Decisions worth knowing:
- A record is keyed by (user, instrument, trained_at): the same row twice is one record;
  a row whose level, expiry or trainer changed updates it (unless it was revoked).
- The TrainingService rules that fit history hold: the right is RECORD_TRAINING on each
  row's instrument (its facility's staff, or an admin); one active record per user and
  instrument (a row that would make a second is bad; record an earlier one with its
  expiry, or revoke first); a deactivated user gets no new active record; an expiry must
  follow the training. Unlike recording training today, a past training date and an
  expiry already over are fine: they are history.
- An expiry given as a date means "valid through that day" in the facility's zone (as
  TrainingService stores it); a training date means the start of that day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import Facility, Instrument, User
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import ImportAction, TrainingState
from equipshare.domain.errors import InputError
from equipshare.domain.records.operations.admin import BadRow, RowOutcome, SheetImportReport
from equipshare.domain.rules.permissions import Action, Target, require
from equipshare.domain.rules.training_rules import state_at
from equipshare.domain.time.timeparse import wall_clock
from equipshare.services.people.training_queries import snapshot
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.dry_run import DryRun
from equipshare.sheets.csv_files import BadRowsError
from equipshare.sheets.people import TrainingEntry, read_training


def instant(value: date | datetime, zone: ZoneInfo, field: str, end_of_day: bool) -> datetime:
    """A typed date or time as an aware instant: a date starts (or, for an expiry, ends) its day."""
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            return value
        return wall_clock(value, field, zone)
    day = value + timedelta(days=1) if end_of_day else value
    return datetime.combine(day, time(0), tzinfo=zone)


class TrainingImportService:
    """Imports training records row by row inside one transaction; see the module docstring."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        self._settings = context.settings

    def import_records(
        self,
        actor_username: str,
        data: bytes,
        source: str,
        *,
        dry_run: bool = False,
        skip_bad: bool = False,
    ) -> SheetImportReport:
        """Create or update one training record per row of `data`."""
        sheet, entries, bad = read_training(
            data,
            source,
            limit=self._settings.limits.sheet_bytes,
            rows_limit=self._settings.limits.sheet_rows,
        )
        now = self._clock.now()
        try:
            with self._db.sessions.begin() as session:
                actor = row_records.load_actor(session, actor_username)
                names = {e.username for e in entries} | {e.trainer for e in entries if e.trainer}
                users = {
                    u.username: u
                    for u in session.scalars(select(User).where(User.username.in_(names)))
                }
                instruments = {
                    row.code: (row, tz, facility_id, facility_name)
                    for row, tz, facility_id, facility_name in session.execute(
                        select(Instrument, Facility.timezone, Facility.id, Facility.name)
                        .join(Facility, Instrument.facility_id == Facility.id)
                        .where(Instrument.code.in_({e.instrument for e in entries}))
                    )
                }
                held: dict[tuple[int, int], list[TrainingRecord]] = {}
                for record in session.scalars(
                    select(TrainingRecord).where(
                        TrainingRecord.user_id.in_([u.id for u in users.values()])
                    )
                ):
                    held.setdefault((record.user_id, record.instrument_id), []).append(record)
                bad = list(bad)
                outcomes: list[RowOutcome] = []
                for entry in entries:
                    if entry.instrument in instruments:
                        row, _, facility_id, facility_name = instruments[entry.instrument]
                        require(actor, Action.RECORD_TRAINING,
                                Target(facility_id, facility_name, row.code))  # fmt: skip
                    try:
                        outcome = self._one(session, entry, users, instruments, held, now, actor.id)
                    except InputError as problem:
                        bad.append(BadRow(entry.line, str(problem)))
                        continue
                    outcomes.append(outcome)
                if bad and not skip_bad:
                    raise BadRowsError(source, bad, len(outcomes))
                notes = tuple(f"ignored column {name}" for name in sheet.ignored_columns)
                skipped = tuple(sorted(bad, key=lambda b: b.line))
                report = SheetImportReport(source, dry_run, tuple(outcomes), skipped, notes)
                if dry_run:
                    raise DryRun
                return report
        except DryRun:
            return report

    def _one(
        self,
        session: Session,
        entry: TrainingEntry,
        users: dict[str, User],
        instruments: dict[str, tuple[Instrument, str, int, str]],
        held: dict[tuple[int, int], list[TrainingRecord]],
        now: datetime,
        actor_id: int,
    ) -> RowOutcome:
        """Apply one row; an InputError makes it a bad row."""
        user = users.get(entry.username)
        if user is None:
            raise InputError(f"username: no user called {entry.username!r}")
        if entry.instrument not in instruments:
            raise InputError(f"instrument: no instrument with code {entry.instrument!r}")
        instrument, tz, _, _ = instruments[entry.instrument]
        trainer = users.get(entry.trainer) if entry.trainer else None
        if entry.trainer and trainer is None:
            raise InputError(f"trainer: no user called {entry.trainer!r}")
        zone = ZoneInfo(tz)
        trained_at = instant(entry.trained, zone, "trained_at", end_of_day=False)
        expires_at = (
            instant(entry.expires, zone, "expires_at", end_of_day=True) if entry.expires else None
        )
        if trained_at > now:
            raise InputError(f"trained_at: {trained_at:%Y-%m-%d %H:%M} is in the future")
        if expires_at is not None and expires_at <= trained_at:
            raise InputError("expires_at: the training would expire before it was given")
        key = f"{entry.username}/{entry.instrument}/{trained_at.isoformat()}"
        records = held.setdefault((user.id, instrument.id), [])
        values = {
            "level": entry.level,
            "expires_at": expires_at,
            "trainer_id": trainer.id if trainer else None,
        }
        same = next((r for r in records if r.trained_at == trained_at), None)
        if same is not None and all(getattr(same, k) == v for k, v in values.items()):
            return RowOutcome(entry.line, ImportAction.UNCHANGED, key, str(same.id))
        if same is not None and same.revoked_at is not None:
            raise InputError(f"training record {same.id} was revoked; it cannot be changed")
        if state_at(None, expires_at, now) is TrainingState.ACTIVE:
            if not user.active and same is None:
                raise InputError(f"{user.username}'s account is deactivated")
            other = next(
                (r for r in records if r is not same
                 and state_at(r.revoked_at, r.expires_at, now) is TrainingState.ACTIVE),
                None,
            )  # fmt: skip
            if other is not None:
                raise InputError(
                    f"{user.username} already holds active {other.level.value} training on "
                    f"{instrument.code} (trained {other.trained_at:%Y-%m-%d}): only one may be "
                    "active; give this one its expiry, or revoke the other first"
                )
        if same is None:
            row = TrainingRecord(
                user_id=user.id, instrument_id=instrument.id, trained_at=trained_at,
                revoked_at=None, notes="Imported from a training spreadsheet", **values,
            )  # fmt: skip
            session.add(row)
            session.flush()
            records.append(row)
            action, before = ImportAction.CREATED, None
        else:
            row, before = same, snapshot(same)
            for name, value in values.items():
                setattr(row, name, value)
            session.flush()
            action = ImportAction.UPDATED
        record_audit(
            session, actor_id=actor_id, action="training.import", entity_type="training_record",
            entity_id=row.id, at=now, before=before, after=snapshot(row),
        )  # fmt: skip
        detail = f"{entry.level.value}" + (
            f" until {expires_at:%Y-%m-%d %H:%M %Z}" if expires_at else ", no expiry"
        )
        return RowOutcome(entry.line, action, key, str(row.id), detail)
