"""`equipshare check`'s overlap invariants, each read through bounded index ranges.

Two ranges overlap exactly when one starts inside the other, so every lookup is a
two-sided range of the (instrument, start) index: a check over 100,000 bookings on one
instrument reads each neighbourhood once instead of joining the table to itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Connection, Interval, Select, and_, func, literal, or_, select
from sqlalchemy.orm import aliased

from equipshare.db.models.bookings import Booking, Downtime
from equipshare.db.models.catalogue import Instrument
from equipshare.domain.enums import (
    ACTIVE_BOOKING_STATUSES,
    LONGEST_BOOKING,
    LONGEST_BOOKING_MINUTES,
)
from equipshare.domain.records.operations.maintenance import IntegrityProblem

ACTIVE = [status.value for status in ACTIVE_BOOKING_STATUSES]


def problem_ids(*pairs: tuple[str, object]) -> str:
    """The ids a problem names, as `check` prints them: never personal data."""
    return ", ".join(f"{name} {value}" for name, value in pairs)


def starts_within(later: Any, earlier: Any) -> ColumnElement[bool]:
    """`later` starts on `earlier`'s instrument, inside `earlier`'s range.

    Two ranges overlap exactly when one starts inside the other (or both start together),
    so every overlap query here is one or two of these. Each reads, per `earlier` row, one
    range of the (instrument, start) index no longer than `earlier` itself: at most 14 days
    for an active booking (the `active_length_capped` CHECK), so the cost grows with the
    rows, not with their square, however many an instrument holds.
    """
    return and_(
        later.instrument_id == earlier.instrument_id,
        later.starts_at >= earlier.starts_at,
        later.starts_at < earlier.ends_at,
    )


def overlap_statement() -> Select[int, int, str]:
    """Pairs of active bookings on one instrument that overlap, the later-starting second
    (the higher id when they start together)."""
    first, second = aliased(Booking), aliased(Booking)
    return (
        select(first.id, second.id, Instrument.code)
        .join(
            second,
            and_(
                starts_within(second, first),
                or_(second.starts_at > first.starts_at, second.id > first.id),
            ),
        )
        .join(Instrument, Instrument.id == first.instrument_id)
        .where(first.status.in_(ACTIVE), second.status.in_(ACTIVE))
    )


@contextmanager
def index_lookups(conn: Connection) -> Iterator[None]:
    """On PostgreSQL, join by looking each row's range up in the index, for the statements
    run meanwhile.

    PostgreSQL's estimates spread an instrument's rows evenly over instruments, so with
    100,000 bookings on one it would hash the two tables on the instrument and compare
    every booking with every downtime of it (15 s), not look each one's range up (0.1 s).
    Only the overlap statements run so: each has its index for every lookup. The settings
    in force before are restored after.
    """
    if conn.dialect.name != "postgresql":
        yield
        return
    names = ("enable_hashjoin", "enable_mergejoin")
    before = {name: conn.exec_driver_sql(f"SHOW {name}").scalar_one() for name in names}
    for name in names:
        conn.exec_driver_sql(f"SET LOCAL {name} = off")
    try:
        yield
    finally:
        for name, value in before.items():
            conn.execute(select(func.set_config(name, value, True)))


def overlapping_bookings(conn: Connection) -> list[IntegrityProblem]:
    """Pairs of active bookings on one instrument whose times overlap (SQLite only can hold
    them: PostgreSQL's exclusion constraint refuses them)."""
    with index_lookups(conn):
        found = conn.execute(overlap_statement()).all()
    pairs = sorted((min(a, b), max(a, b), code) for a, b, code in found)
    return [
        IntegrityProblem(
            "overlapping bookings",
            problem_ids(("bookings", f"{a},{b}")),
            f"active bookings {a} and {b} on {code} overlap",
        )
        for a, b, code in pairs
    ]


def less_longest_booking(dialect: str, instant: Any) -> ColumnElement[Any]:
    """`instant` less LONGEST_BOOKING, in SQL: no active booking starting earlier reaches it.

    SQLite's datetime() drops the fraction of a second the column's text keeps, so the
    bound it gives is a little earlier: only ever looser, never wrong.
    """
    if dialect == "sqlite":
        return func.datetime(instant, f"-{LONGEST_BOOKING_MINUTES} minutes")
    return instant - literal(LONGEST_BOOKING, Interval())  # type: ignore[no-any-return]


def downtime_statements(dialect: str) -> tuple[Select[*tuple[Any, ...]], ...]:
    """Active bookings overlapping a downtime of their instrument, in two disjoint halves:
    the downtime starts inside the booking, or the booking strictly inside the downtime.

    Each half is bounded from either side: whichever table an engine reads first, the
    other is looked up by one short range of its (instrument, start) index. The first half
    also says the booking starts at most 14 days before the downtime, for an engine that
    looks bookings up by downtime; each half joins the instrument to the table it reads
    in full, which SQLite takes as the hint to read that one first.
    """
    columns = (Booking.id, Downtime.id, Instrument.code, Downtime.reason)
    later = and_(starts_within(Booking, Downtime), Booking.starts_at > Downtime.starts_at)
    active = Booking.status.in_(ACTIVE)
    recent = Booking.starts_at > less_longest_booking(dialect, Downtime.starts_at)
    return (
        select(*columns)
        .join(Instrument, Instrument.id == Booking.instrument_id)
        .join(Downtime, and_(starts_within(Downtime, Booking), recent))
        .where(active),
        select(*columns)
        .select_from(Downtime)
        .join(Instrument, Instrument.id == Downtime.instrument_id)
        .join(Booking, later)
        .where(active),
    )


def bookings_in_downtime(conn: Connection) -> list[IntegrityProblem]:
    """Active bookings that overlap a downtime of their instrument."""
    with index_lookups(conn):
        found = [
            tuple(row)
            for statement in downtime_statements(conn.dialect.name)
            for row in conn.execute(statement)
        ]
    rows = sorted(found, key=lambda row: (row[0], row[1]))
    return [
        IntegrityProblem(
            "booking in downtime",
            problem_ids(("booking", booking), ("downtime", downtime)),
            f"active booking {booking} on {code} falls in downtime {downtime} "
            f"({str(getattr(reason, 'value', reason)).replace('_', ' ')})",
        )
        for booking, downtime, code, reason in rows
    ]
