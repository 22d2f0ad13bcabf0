"""The booking roll-up's sums as SQL over the bookings, on SQLite and PostgreSQL alike.

The reports' direct queries take their lengths from here too (`booked_length`,
`used_length`), so a figure read from the roll-up and the same figure read from the
bookings are one expression, rounded the same way on each engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import QueryableAttribute, aliased
from sqlalchemy.sql.dml import Insert

from equipshare.db.base import UTCDateTime
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Instrument, User
from equipshare.db.models.rollups import (
    NO_CLASS,
    NO_STAFF,
    BookingRollup,
    BookingRollupMonth,
)
from equipshare.db.rollup_host_sql import MONTH_HELD, host_delta
from equipshare.domain.enums import BookingStatus
from equipshare.domain.time.zone_offsets import OffsetSpan

SQLITE = "sqlite"
HELD_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)
Expr = ColumnElement[Any] | QueryableAttribute[Any]
AnySelect = Select[*tuple[Any, ...]]
#: The key columns after the day and instrument, then the sums, as the table orders them.
KEYS = ("user_institution_id", "user_class", "staff_institution_id")
SUMS = (
    "held_bookings",
    "held_minutes",
    "used_minutes",
    "cancellations",
    "cancelled_minutes",
    "no_shows",
    "no_show_minutes",
    "instrument_charge_pence",
    "technician_charge_pence",
)
COLUMNS = ("day", "instrument_id", *KEYS, *SUMS)
MONTH_COLUMNS = ("month", "instrument_id", *KEYS, *SUMS)

booker = aliased(User, name="booker")
staff = aliased(User, name="staff")


def minutes_between(dialect: str, start: Expr, end: Expr) -> ColumnElement[int]:
    """Whole minutes from `start` to `end` (negative if `end` is earlier)."""
    if dialect == SQLITE:
        days = func.julianday(end) - func.julianday(start)
        return cast(func.round(days * 1440), Integer)
    seconds = func.extract("epoch", end - start)
    return cast(func.round(seconds / 60), Integer)


def later(dialect: str, first: Expr, second: Expr) -> ColumnElement[Any]:
    """The later of two instants (or larger of two numbers)."""
    if dialect == SQLITE:
        return func.max(first, second)
    return func.greatest(first, second)


def held() -> ColumnElement[bool]:
    """Confirmed, completed or no-show (as equalities: the per-day INSERT runs as an
    executemany, which takes no expanding IN)."""
    return or_(*(Booking.status == status for status in HELD_STATUSES))


def booked_length(dialect: str) -> ColumnElement[int]:
    return minutes_between(dialect, Booking.starts_at, Booking.ends_at)


def used_length(dialect: str) -> ColumnElement[int]:
    """Checked-in time (to check-out, or the booked end); a completed booking's booked time."""
    checked = minutes_between(
        dialect, Booking.checked_in_at, func.coalesce(Booking.checked_out_at, Booking.ends_at)
    )
    return case(
        (Booking.checked_in_at.is_not(None), later(dialect, checked, literal(0))),
        (Booking.status == BookingStatus.COMPLETED, booked_length(dialect)),
        else_=0,
    )


def _keys() -> list[ColumnElement[Any]]:
    assisted = and_(Booking.technician_id.is_not(None), Booking.technician_id != Booking.user_id)
    return [
        booker.institution_id.label("user_institution_id"),
        func.coalesce(type_coerce(Booking.user_class, String(32)), NO_CLASS).label("user_class"),
        case((assisted, staff.institution_id), else_=NO_STAFF).label("staff_institution_id"),
    ]


def _sums(dialect: str) -> list[ColumnElement[Any]]:
    length = booked_length(dialect)
    status = Booking.status

    def total(when: ColumnElement[bool], value: Any) -> ColumnElement[Any]:
        return func.coalesce(func.sum(case((when, value), else_=0)), 0)

    return [
        total(held(), 1).label("held_bookings"),
        total(held(), length).label("held_minutes"),
        func.coalesce(func.sum(used_length(dialect)), 0).label("used_minutes"),
        total(status == BookingStatus.CANCELLED, 1).label("cancellations"),
        total(status == BookingStatus.CANCELLED, length).label("cancelled_minutes"),
        total(status == BookingStatus.NO_SHOW, 1).label("no_shows"),
        total(status == BookingStatus.NO_SHOW, length).label("no_show_minutes"),
        func.coalesce(func.sum(Booking.instrument_charge_pence), 0).label(
            "instrument_charge_pence"
        ),
        func.coalesce(func.sum(Booking.technician_charge_pence), 0).label(
            "technician_charge_pence"
        ),
    ]


def one_day(dialect: str, period: str = "day") -> AnySelect:
    """The rows of one instrument-day: bookings of :instrument_id starting in
    [:starts, :ends), the day's UTC bounds, labelled with :day; with `period` "month",
    of one instrument-month: [:month_starts, :month_ends), labelled with :month."""
    keys = _keys()
    starts, ends = ("starts", "ends") if period == "day" else ("month_starts", "month_ends")
    return (
        select(
            bindparam(period, type_=Date).label(period),
            Booking.instrument_id,
            *keys,
            *_sums(dialect),
        )
        .select_from(Booking)
        .join(booker, booker.id == Booking.user_id)
        .outerjoin(staff, staff.id == Booking.technician_id)
        .where(
            Booking.instrument_id == bindparam("instrument_id"),
            Booking.starts_at >= bindparam(starts, type_=UTCDateTime()),
            Booking.starts_at < bindparam(ends, type_=UTCDateTime()),
        )
        .group_by(Booking.instrument_id, *keys)
    )


def one_booking(dialect: str, *periods: str) -> AnySelect:
    """The rows one booking adds to the roll-ups: the booking of :uid (its unique iCal
    UID) if it is :instrument_id's, in the sums and keys of `one_day`, labelled with the
    bind parameters `periods` (:day, :month) before its instrument."""
    keys = _keys()
    labels = [bindparam(period, type_=Date).label(period) for period in periods]
    return (
        select(*labels, Booking.instrument_id, *keys, *_sums(dialect))
        .select_from(Booking)
        .join(booker, booker.id == Booking.user_id)
        .outerjoin(staff, staff.id == Booking.technician_id)
        .where(
            Booking.ical_uid == bindparam("uid", type_=String()),
            Booking.instrument_id == bindparam("instrument_id", type_=Integer),
        )
        .group_by(Booking.instrument_id, *keys)
    )


def local_day(
    dialect: str, moment: Expr, timezone: str, spans: Sequence[OffsetSpan]
) -> ColumnElement[date]:
    """The day on `timezone`'s clock at `moment`; on SQLite through the zone's offsets
    (`spans`, covering every moment it is asked about)."""
    if dialect != SQLITE:
        return cast(func.timezone(timezone, moment), Date)
    modifier: ColumnElement[Any] = literal_column(f"'{spans[-1].minutes:+d} minutes'")
    if len(spans) > 1:
        whens = [
            (moment < literal(after.starts_at, UTCDateTime()), f"{span.minutes:+d} minutes")
            for span, after in pairwise(spans)
            if after.starts_at is not None
        ]
        modifier = case(*whens, else_=f"{spans[-1].minutes:+d} minutes")
    return type_coerce(func.date(moment, modifier), Date)


def zone_days(
    dialect: str,
    timezone: str,
    spans: Sequence[OffsetSpan],
    instrument_ids: Sequence[int] | None = None,
) -> AnySelect:
    """The rows of every instrument of the facilities in `timezone` (or of those of
    `instrument_ids`), computed from their bookings: what a rebuild writes."""
    keys = _keys()
    day = local_day(dialect, Booking.starts_at, timezone, spans).label("day")
    statement = (
        select(day, Booking.instrument_id, *keys, *_sums(dialect))
        .select_from(Booking)
        .join(booker, booker.id == Booking.user_id)
        .outerjoin(staff, staff.id == Booking.technician_id)
        .join(Instrument, Instrument.id == Booking.instrument_id)
        .join(Facility, Facility.id == Instrument.facility_id)
        .where(Facility.timezone == timezone)
        .group_by(day, Booking.instrument_id, *keys)
    )
    if instrument_ids is not None:
        statement = statement.where(Booking.instrument_id.in_(instrument_ids))
    return statement


def stored(instrument_ids: Sequence[int] | None = None) -> AnySelect:
    """The roll-up's rows, in the same columns as `zone_days`."""
    t = BookingRollup
    statement = select(*(getattr(t, name) for name in COLUMNS))
    if instrument_ids is not None:
        statement = statement.where(t.instrument_id.in_(instrument_ids))
    return statement


def month_of(dialect: str, day: Expr) -> ColumnElement[date]:
    """The first day of `day`'s month."""
    if dialect == SQLITE:
        return type_coerce(func.date(day, literal_column("'start of month'")), Date)
    return cast(func.date_trunc("month", day), Date)


def _day_sums() -> list[ColumnElement[Any]]:
    d = BookingRollup
    return [func.sum(getattr(d, name)).label(name) for name in SUMS]


def one_month() -> AnySelect:
    """The month rows of one instrument-month from its day rows: those of :instrument_id
    from :month (its first day) to before :next, labelled with :month."""
    d = BookingRollup
    keys = [getattr(d, name) for name in KEYS]
    return (
        select(bindparam("month", type_=Date).label("month"), d.instrument_id, *keys, *_day_sums())
        .where(
            d.instrument_id == bindparam("instrument_id"),
            d.day >= bindparam("month", type_=Date),
            d.day < bindparam("next", type_=Date),
        )
        .group_by(d.instrument_id, *keys)
    )


def months_of_days(dialect: str, instrument_ids: Sequence[int] | None = None) -> AnySelect:
    """The month rows the stored day rows give (of every instrument, or of those of
    `instrument_ids`): what a rebuild writes after the days, and what `check` expects."""
    d = BookingRollup
    keys = [getattr(d, name) for name in KEYS]
    month = month_of(dialect, d.day).label("month")
    statement = select(month, d.instrument_id, *keys, *_day_sums()).group_by(
        month, d.instrument_id, *keys
    )
    if instrument_ids is not None:
        statement = statement.where(d.instrument_id.in_(instrument_ids))
    return statement


def recompute_day_and_month(dialect: str) -> Insert:
    """PostgreSQL's recompute of one instrument-day, its month and the month's host rows
    as one statement (one round trip where six would be): the day and the month are each
    deleted and inserted again from the bookings starting in them, the day's through
    `one_day`, the month's through the same SELECT over the month's bounds, and the host
    rows take the month's new held sums less its old ones (`host_delta`).

    The month is read from the bookings, not the day rows as on SQLite: PostgreSQL's
    only way to one instrument's days is its index on the instrument, a heap page per
    day of all its history, where the month's bookings are a range of
    ix_bookings_instrument_starts. Each INSERT waits for its DELETE (the count of the
    deleted rows is an InitPlan of its WHERE), so a key deleted and inserted again never
    meets itself in the primary key. Parameters: those of `one_day` for the day and for
    the month (:instrument_id, :day, :starts, :ends, :month, :month_starts, :month_ends).
    """
    d, m = BookingRollup, BookingRollupMonth
    instrument = bindparam("instrument_id", type_=Integer)
    gone = (
        delete(d)
        .where(d.instrument_id == instrument, d.day == bindparam("day", type_=Date))
        .returning(d.day)
        .cte("gone")
    )
    fresh = one_day(dialect).where(_after(gone))
    put = insert(d).from_select(COLUMNS, fresh).returning(d.day).cte("put")
    month_keys = (m.month, m.instrument_id, m.user_institution_id, m.staff_institution_id)
    month_gone = (
        delete(m)
        .where(m.instrument_id == instrument, m.month == bindparam("month", type_=Date))
        .returning(*month_keys, m.held_bookings, m.held_minutes)
        .cte("month_gone")
    )
    month_rows = one_day(dialect, "month").where(_after(month_gone))
    month_put = (
        insert(m)
        .from_select(MONTH_COLUMNS, month_rows)
        .returning(*month_keys, m.held_bookings, m.held_minutes)
        .cte("month_put")
    )
    changes = union_all(
        select(*(month_put.c[name] for name in MONTH_HELD)),
        select(
            *(month_gone.c[name] for name in MONTH_HELD[:-2]),
            (-month_gone.c.held_bookings).label("held_bookings"),
            (-month_gone.c.held_minutes).label("held_minutes"),
        ),
    ).subquery("changes")
    return host_delta(dialect, changes, net=True).add_cte(put)


def _after(deleted: Any) -> ColumnElement[bool]:
    """True, once the DELETE `deleted` (a CTE) has run to its end."""
    return select(func.count()).select_from(deleted).scalar_subquery() >= 0


def stored_months() -> AnySelect:
    """The month rows, in the same columns as `months_of_days`."""
    t = BookingRollupMonth
    return select(*(getattr(t, name) for name in MONTH_COLUMNS))


def first_and_last_start() -> Select[datetime, datetime]:
    return select(func.min(Booking.starts_at), func.max(Booking.starts_at))
