"""`equipshare check`: the storage engine's own integrity check, then the domain invariants.

Each invariant is one set-based query, so a national database is checked in a few
statements rather than a loop over its bookings. The only loop is over recurring series
(a few thousand at most): their RRULEs are expanded in Python by the same function that
booked them, into a temporary table that one query then compares with the occurrences.

Like `equipshare db check`, this reads the database as whoever holds its URL and needs no
equipshare account: it prints ids, never personal data, and must work on a database
whose users table is itself damaged.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    Table,
    exists,
    func,
    insert,
    or_,
    select,
)

from equipshare.db import migrate
from equipshare.db.base import UTCDateTime
from equipshare.db.models.bookings import Booking, BookingSeries
from equipshare.db.models.catalogue import Facility, Instrument
from equipshare.db.models.training import TrainingRecord
from equipshare.db.tables import metadata as all_tables
from equipshare.domain.enums import (
    BookingStatus,
    TrainingLevel,
)
from equipshare.domain.errors import DatabaseError, InputError
from equipshare.domain.records.operations.maintenance import IntegrityProblem, IntegrityReport
from equipshare.domain.records.scheduling.bookings import RecurrenceRule
from equipshare.domain.time.recurrence import FREQUENCIES, occurrences
from equipshare.services.admin import (
    integrity_holds,
    integrity_opening,
    integrity_rollups,
    integrity_rules,
)
from equipshare.services.admin.integrity_engine import engine_check
from equipshare.services.admin.integrity_overlaps import (
    bookings_in_downtime,
    overlapping_bookings,
    problem_ids,
)
from equipshare.services.plumbing.context import ServiceContext

CHECKS = (
    "engine",
    "schema at head",
    "overlapping bookings",
    "booking in downtime",
    "untrained booking",
    *integrity_rules.CHECKS,
    *integrity_holds.CHECKS,
    "orphan rows",
    "series",
    *integrity_rollups.CHECKS,
    *integrity_opening.CHECKS,
)


def rule_from_rrule(rrule: str, tz: str) -> RecurrenceRule | None:
    """Read back an RRULE that series.rrule_text wrote; None for any other shape."""
    parts = dict(part.partition("=")[::2] for part in rrule.strip().upper().split(";"))
    freq = {code: name for name, (code, _) in FREQUENCIES.items()}.get(parts.pop("FREQ", ""))
    if freq is None or len(parts) != 1:
        return None
    try:
        if "COUNT" in parts:
            return RecurrenceRule(freq=freq, count=int(parts["COUNT"]))
        if "UNTIL" in parts:
            until = datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            return RecurrenceRule(freq=freq, until=until.astimezone(ZoneInfo(tz)).date())
    except ValueError:
        return None
    return None


class IntegrityService:
    """Finds what is wrong in the database; changes nothing."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database

    def check(self) -> IntegrityReport:
        """Run every check in one read transaction and return what each found."""
        with self._db.readonly.begin() as session:
            conn = session.connection()
            engine_words, problems = engine_check(conn)
            checks = (f"engine: {engine_words}", *CHECKS[1:])
            problems += self._schema(conn)
            if any(p.check == "schema at head" for p in problems):
                # The invariants' queries assume this version's tables; say only what to run.
                return IntegrityReport(self._db.backend, checks[:2], tuple(problems))
            problems += overlapping_bookings(conn)
            problems += bookings_in_downtime(conn)
            problems += untrained_bookings(conn)
            problems += integrity_rules.bookings_without_access(conn)
            problems += integrity_rules.unapproved_bookings(conn)
            problems += integrity_holds.holds_taken(conn)
            problems += orphan_rows(conn)
            problems += series_problems(conn)
            problems += integrity_rollups.rollup_problems(conn)
            problems += integrity_opening.opening_week_problems(conn)
        return IntegrityReport(self._db.backend, checks, tuple(problems))

    def _schema(self, conn: Connection) -> list[IntegrityProblem]:
        try:
            current = migrate.current_revision(conn.engine)
        except DatabaseError as exc:
            return [IntegrityProblem("schema at head", "alembic_version", str(exc))]
        head = migrate.shipped_head()
        if current == head:
            return []
        return [
            IntegrityProblem(
                "schema at head",
                f"revision {current or 'none'}",
                f"the schema is at {current or 'nothing'}, this equipshare needs {head}: "
                "run `equipshare db upgrade`",
            )
        ]


def untrained_bookings(conn: Connection) -> list[IntegrityProblem]:
    """Confirmed, unassisted bookings on training-required instruments whose user held no
    independent training at the booking's end, the moment the booking rule judges.

    A record revoked after the booking ended still covered it; one revoked before its end
    did not, so a future booking left behind by a revocation is reported.
    """
    end = Booking.ends_at
    trained = exists().where(
        TrainingRecord.user_id == Booking.user_id,
        TrainingRecord.instrument_id == Booking.instrument_id,
        TrainingRecord.level == TrainingLevel.INDEPENDENT.value,
        TrainingRecord.trained_at <= end,
        or_(TrainingRecord.expires_at.is_(None), TrainingRecord.expires_at > end),
        or_(TrainingRecord.revoked_at.is_(None), TrainingRecord.revoked_at > end),
    )
    rows = conn.execute(
        select(Booking.id, Booking.user_id, Instrument.code)
        .join(Instrument, Instrument.id == Booking.instrument_id)
        .where(
            Booking.status == BookingStatus.CONFIRMED.value,
            Booking.technician_id.is_(None),
            Instrument.requires_training.is_(True),
            ~trained,
        )
        .order_by(Booking.id)
    ).all()
    return [
        IntegrityProblem(
            "untrained booking",
            problem_ids(("booking", booking), ("user", user)),
            f"confirmed booking {booking} on {code} is unassisted, and user {user} holds no "
            "independent training on it at its end",
        )
        for booking, user, code in rows
    ]


def orphan_rows(conn: Connection) -> list[IntegrityProblem]:
    """Rows whose foreign key names a missing row (possible only where the key was not
    enforced), and series left with no occurrences at all."""
    problems: list[IntegrityProblem] = []
    # SQLite's foreign_key_check (see integrity_engine) already reported these rows.
    tables = [] if conn.dialect.name == "sqlite" else all_tables.sorted_tables
    for table in tables:
        keys = list(table.primary_key.columns)
        for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
            parent = fk.column.table.alias("parent")
            child = fk.parent
            missing = conn.execute(
                select(*keys)
                .select_from(table.outerjoin(parent, child == parent.c[fk.column.name]))
                .where(child.is_not(None), parent.c[fk.column.name].is_(None))
                .order_by(*keys)
            ).all()
            problems += [
                IntegrityProblem(
                    "orphan rows",
                    f"{table.name} {','.join(str(v) for v in row)}",
                    f"{table.name} {','.join(str(v) for v in row)}: {child.name} names a "
                    f"missing {fk.column.table.name} row",
                )
                for row in missing
            ]
    empty = conn.execute(
        select(BookingSeries.id)
        .where(~exists().where(Booking.series_id == BookingSeries.id))
        .order_by(BookingSeries.id)
    ).scalars()
    problems += [
        IntegrityProblem("orphan rows", f"booking_series {sid}", f"series {sid} has no occurrences")
        for sid in empty
    ]
    return problems


def _expected_table(conn: Connection) -> Table:
    """A temporary table for the occurrence starts each series' RRULE generates."""
    table = Table(
        "equipshare_check_expected",
        MetaData(),
        Column("series_id", Integer, nullable=False),
        Column("recurrence_start", UTCDateTime(), nullable=False),
        # Each occurrence looks its start up here: without an index, a scan of every start.
        Index("ix_equipshare_check_expected", "series_id", "recurrence_start"),
        prefixes=["TEMPORARY"],
    )
    table.drop(conn, checkfirst=True)
    table.create(conn)
    return table


def series_problems(conn: Connection) -> list[IntegrityProblem]:
    """Occurrences that disagree with their series: a start its RRULE does not generate,
    another instrument or user than the series', or two occurrences of one slot."""
    series_rows = conn.execute(
        select(
            BookingSeries.id,
            BookingSeries.rrule,
            BookingSeries.first_start,
            Facility.timezone,
        )
        .join(Instrument, Instrument.id == BookingSeries.instrument_id)
        .join(Facility, Facility.id == Instrument.facility_id)
        .order_by(BookingSeries.id)
    ).all()
    problems: list[IntegrityProblem] = []
    expected = _expected_table(conn)
    batch: list[dict[str, Any]] = []
    for series_id, rrule, first_start, tz in series_rows:
        rule = rule_from_rrule(rrule, tz)
        try:
            if rule is None:
                raise InputError("not a daily or weekly COUNT or UNTIL rule")
            starts = occurrences(first_start, first_start + timedelta(minutes=1), rule, tz)
        except InputError as exc:
            problems.append(
                IntegrityProblem("series", f"booking_series {series_id}", f"RRULE {rrule!r}: {exc}")
            )
            continue
        batch += [{"series_id": series_id, "recurrence_start": start} for start, _ in starts]
        if len(batch) >= 5000:
            conn.execute(insert(expected), batch)
            batch = []
    if batch:
        conn.execute(insert(expected), batch)
    problems += _occurrence_mismatches(conn, expected)
    expected.drop(conn)
    return problems


def _occurrence_mismatches(conn: Connection, expected: Table) -> list[IntegrityProblem]:
    generated = exists().where(
        expected.c.series_id == Booking.series_id,
        expected.c.recurrence_start == Booking.recurrence_start,
    )
    off_rule = conn.execute(
        select(Booking.id, Booking.series_id, Booking.recurrence_start)
        .join(BookingSeries, BookingSeries.id == Booking.series_id)
        .where(or_(Booking.recurrence_start.is_(None), ~generated))
        .order_by(Booking.id)
    ).all()
    stray = conn.execute(
        select(Booking.id, Booking.series_id)
        .join(BookingSeries, BookingSeries.id == Booking.series_id)
        .where(
            or_(
                Booking.instrument_id != BookingSeries.instrument_id,
                Booking.user_id != BookingSeries.user_id,
            )
        )
        .order_by(Booking.id)
    ).all()
    twice = conn.execute(
        select(Booking.series_id, Booking.recurrence_start, func.count())
        .where(Booking.series_id.is_not(None), Booking.recurrence_start.is_not(None))
        .group_by(Booking.series_id, Booking.recurrence_start)
        .having(func.count() > 1)
        .order_by(Booking.series_id, Booking.recurrence_start)
    ).all()
    unlinked = conn.execute(
        select(Booking.id)
        .where(Booking.series_id.is_(None), Booking.recurrence_start.is_not(None))
        .order_by(Booking.id)
    ).scalars()
    return [
        *_describe_off_rule([tuple(row) for row in off_rule]),
        *(
            IntegrityProblem(
                "series",
                problem_ids(("booking", b), ("booking_series", s)),
                f"booking {b} is not on the instrument, or not for the user, of series {s}",
            )
            for b, s in stray
        ),
        *(
            IntegrityProblem(
                "series",
                f"booking_series {s}",
                f"series {s} has {n} occurrences for the slot starting {start:%Y-%m-%d %H:%M} UTC",
            )
            for s, start, n in twice
        ),
        *(
            IntegrityProblem(
                "series", f"booking {b}", f"booking {b} has a recurrence start but no series"
            )
            for b in unlinked
        ),
    ]


def _describe_off_rule(rows: Sequence[tuple[Any, ...]]) -> list[IntegrityProblem]:
    problems = []
    for booking, series, start in rows:
        said = "no recurrence start" if start is None else f"{start:%Y-%m-%d %H:%M} UTC"
        problems.append(
            IntegrityProblem(
                "series",
                problem_ids(("booking", booking), ("booking_series", series)),
                f"booking {booking} claims slot {said}, which the RRULE of series "
                f"{series} does not generate",
            )
        )
    return problems
