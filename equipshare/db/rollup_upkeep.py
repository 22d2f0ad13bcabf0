"""Recomputing the booking roll-ups at commit: the noted instrument-days from their
bookings, then those days' instrument-months, then those months' host rows; a day changed
only by new bookings has their rows added instead (db/rollup_new.py).

A day is deleted and inserted again from its bookings (its UTC bounds come from
zoneinfo, so a 23- or 25-hour day is right); a month is deleted and inserted again as
the sums of its day rows on SQLite (a range of the instrument's index, a few dozen rows
at most), and from its bookings on PostgreSQL, in the day's own statement
(rollup_sql.recompute_day_and_month says why). On PostgreSQL the noted
instruments' rows are locked first, in id order: two transactions writing the same
instrument then recompute one after the other, the second seeing the first's rows.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Select, Table, bindparam, delete, insert, or_, select
from sqlalchemy.sql.dml import Delete, Insert

from equipshare.db import direct, rollup_host_sql, rollup_new, rollup_sql, rollup_ytd_sql
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility, Instrument
from equipshare.db.models.rollups import (
    BookingRollup,
    BookingRollupHost,
    BookingRollupMonth,
    BookingRollupYearToDate,
)
from equipshare.db.rollup_pending import Pending, chunks
from equipshare.domain.time.zone_offsets import local_midnight, offset_spans_between

DAYS = cast(Table, BookingRollup.__table__)
MONTHS = cast(Table, BookingRollupMonth.__table__)
HOSTS = cast(Table, BookingRollupHost.__table__)
YEARS = cast(Table, BookingRollupYearToDate.__table__)
INSTRUMENTS = cast(Table, Instrument.__table__)
FACILITIES = cast(Table, Facility.__table__)


def recompute(conn: Connection, pending: Pending) -> None:
    """Bring the roll-ups up to date with what `pending` noted, in `conn`'s transaction."""
    if pending.everything:
        rebuild(conn)
        return
    whole = _whole_instruments(conn, pending)
    starts = _starts(conn, pending)
    inserted = pending.inserted if pending.adding else {}
    if not pending.adding:
        starts.update(pending.inserted.values())
    instruments = sorted(
        whole | {instrument for instrument, _ in starts} | {i for i, _ in inserted.values()}
    )
    if not instruments:
        rebuild_hosts(conn, sorted(pending.moved_hosts))
        return
    zones = _locked_zones(conn, instruments, pending.locked_zones)

    def day_of(instrument: int, start: datetime) -> date:
        return start.astimezone(ZoneInfo(zones[instrument])).date()

    live = zones.keys() - whole
    days = sorted({(i, day_of(i, start)) for i, start in starts if i in live})
    recomputed = set(days)
    # Days changed only by new bookings take their rows added, first: a recompute of
    # another day of the same month below then reads the month as it now is.
    new = [(uid, i, day_of(i, start)) for uid, (i, start) in inserted.items() if i in live]
    rollup_new.add(conn, sorted((n for n in new if n[1:] not in recomputed), key=_by_day))
    if whole:
        rebuild(conn, sorted(whole), pending.moved_hosts)
    elif pending.moved_hosts:
        rebuild_hosts(conn, sorted(pending.moved_hosts))
    recompute_days(conn, [(i, day, zones[i]) for i, day in days])


def _by_day(new: tuple[str, int, date]) -> tuple[int, date, str]:
    """New bookings in the order a recompute takes their days (instrument, then day)."""
    uid, instrument, day = new
    return instrument, day, uid


def _whole_instruments(conn: Connection, pending: Pending) -> set[int]:
    """Instruments whose every row must be rebuilt: moved, or their facility's zone changed."""
    whole = set(pending.moved_instruments)
    for chunk in chunks(sorted(pending.moved_facilities)):
        whole.update(
            conn.execute(select(Instrument.id).where(Instrument.facility_id.in_(chunk))).scalars()
        )
    return whole


def _starts(conn: Connection, pending: Pending) -> set[tuple[int, datetime]]:
    """The (instrument, start) of every booking noted, moved bookings read again now."""
    starts = set(pending.starts)
    columns = (Booking.instrument_id, Booking.starts_at)
    for chunk in chunks(sorted(pending.moved_bookings)):
        starts.update(
            (row[0], row[1]) for row in conn.execute(select(*columns).where(Booking.id.in_(chunk)))
        )
    for chunk in chunks(sorted(pending.moved_users)):
        starts.update(
            (row[0], row[1])
            for row in conn.execute(
                select(*columns).where(
                    or_(Booking.user_id.in_(chunk), Booking.technician_id.in_(chunk))
                )
            )
        )
    return starts


def _locked_zones(
    conn: Connection, instruments: Sequence[int], locked: dict[int, str]
) -> dict[int, str]:
    """Each instrument's facility zone, in one query that on PostgreSQL also locks the
    instruments' rows in id order (SQLite's writers hold the whole database already);
    none when the transaction locked them all already (`locked`, a booking's)."""
    if all(instrument in locked for instrument in instruments):
        return {instrument: locked[instrument] for instrument in instruments}
    one, many = _zone_statements(conn.dialect.name)
    if len(instruments) == 1:  # a booking's own commit: no expanding IN to render
        return {row[0]: row[1] for row in direct.execute(conn, one, {"id": instruments[0]})}
    zones: dict[int, str] = {}
    for chunk in chunks(instruments):
        zones.update({row[0]: row[1] for row in conn.execute(many, {"ids": list(chunk)})})
    return zones


@functools.cache
def _zone_statements(dialect: str) -> tuple[Select[int, str], Select[int, str]]:
    """The zone reads for one instrument and for several, built once: building them per
    commit cost more than running them (about 0.7 ms a booking)."""
    instruments, facilities = INSTRUMENTS, FACILITIES
    base = (
        select(instruments.c.id, facilities.c.timezone)
        .join(facilities, facilities.c.id == instruments.c.facility_id)
        .order_by(instruments.c.id)
    )
    if dialect == "postgresql":
        base = base.with_for_update(of=instruments)
    return (
        base.where(instruments.c.id == bindparam("id")),
        base.where(instruments.c.id.in_(bindparam("ids", expanding=True))),
    )


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def recompute_days(conn: Connection, days: Sequence[tuple[int, date, str]]) -> None:
    """Delete and insert again the rows of each (instrument, day, its facility's zone),
    then of each instrument-month they fall in: on PostgreSQL one statement for both
    (the month from its bookings), on SQLite (where a round trip is a function call)
    four for all of them (the month from its day rows, a range of the instrument's
    index)."""
    if not days:
        return
    params: list[dict[str, Any]] = []
    for instrument, day, timezone in days:
        zone = ZoneInfo(timezone)
        month = day.replace(day=1)
        params.append(
            {
                "instrument_id": instrument,
                "day": day,
                "starts": local_midnight(day, zone),
                "ends": local_midnight(day + timedelta(days=1), zone),
                "month": month,
                "next": _next_month(month),
                "month_starts": local_midnight(month, zone),
                "month_ends": local_midnight(_next_month(month), zone),
            }
        )
    months = sorted({(p["instrument_id"], p["month"]) for p in params})
    if conn.dialect.name == "postgresql":
        direct.defer(conn, _together(), params)
        rollup_ytd_sql.keep(conn, months)  # queued: the same round trip
        return
    doomed, fill, doomed_months, fill_months, shift_hosts = _statements(conn.dialect.name)
    run = functools.partial(direct.execute, conn)
    run(doomed, [{"instrument_id": p["instrument_id"], "day": p["day"]} for p in params])
    run(fill, [{k: p[k] for k in ("instrument_id", "day", "starts", "ends")} for p in params])
    keys = [{"instrument_id": i, "month": m} for i, m in months]
    run(shift_hosts, [{**key, "sign": -1} for key in keys])
    run(doomed_months, keys)
    run(fill_months, [{"instrument_id": i, "month": m, "next": _next_month(m)} for i, m in months])
    run(shift_hosts, [{**key, "sign": 1} for key in keys])
    rollup_ytd_sql.keep(conn, months)


@functools.cache
def _together() -> Insert:
    return rollup_sql.recompute_day_and_month("postgresql")


@functools.cache
def _statements(dialect: str) -> tuple[Delete, Insert, Delete, Insert, Insert]:
    """The per-day and per-month DELETE and INSERT, and the host rows' upsert of a
    month's sums times :sign, built once: SQLAlchemy then finds them compiled."""
    doomed = delete(DAYS).where(
        DAYS.c.instrument_id == bindparam("instrument_id"), DAYS.c.day == bindparam("day")
    )
    doomed_months = delete(MONTHS).where(
        MONTHS.c.instrument_id == bindparam("instrument_id"),
        MONTHS.c.month == bindparam("month"),
    )
    return (
        doomed,
        insert(DAYS).from_select(rollup_sql.COLUMNS, rollup_sql.one_day(dialect)),
        doomed_months,
        insert(MONTHS).from_select(rollup_sql.MONTH_COLUMNS, rollup_sql.one_month()),
        rollup_host_sql.host_delta(dialect, rollup_host_sql.signed_month_rows().subquery()),
    )


def rebuild(
    conn: Connection, instruments: Sequence[int] | None = None, hosts: Iterable[int] = ()
) -> None:
    """Rebuild the roll-ups from the bookings: all of them, or the rows of `instruments`
    and the host rows of their institutions and of `hosts` (those they were in before)."""
    dialect = conn.dialect.name
    if instruments is None:
        conn.execute(delete(HOSTS))
        conn.execute(delete(YEARS))
        conn.execute(delete(MONTHS))
        conn.execute(delete(DAYS))
        for select_days in _zone_selects(conn):
            conn.execute(insert(DAYS).from_select(rollup_sql.COLUMNS, select_days))
        months = rollup_sql.months_of_days(dialect)
        conn.execute(insert(MONTHS).from_select(rollup_sql.MONTH_COLUMNS, months))
        rebuild_hosts(conn, None)
        years = rollup_ytd_sql.of_months(dialect)  # in key order: PostgreSQL's heap too
        years = years.order_by(*list(years.selected_columns)[:2])
        conn.execute(insert(YEARS).from_select(rollup_ytd_sql.COLUMNS, years))
        return
    touched = set(hosts)
    for chunk in chunks(instruments):
        touched.update(hosts_of(conn, chunk))
        conn.execute(delete(YEARS).where(YEARS.c.instrument_id.in_(chunk)))
        conn.execute(delete(MONTHS).where(MONTHS.c.instrument_id.in_(chunk)))
        conn.execute(delete(DAYS).where(DAYS.c.instrument_id.in_(chunk)))
        for select_days in _zone_selects(conn, chunk):
            conn.execute(insert(DAYS).from_select(rollup_sql.COLUMNS, select_days))
        months = rollup_sql.months_of_days(dialect, chunk)
        conn.execute(insert(MONTHS).from_select(rollup_sql.MONTH_COLUMNS, months))
        years = rollup_ytd_sql.of_months(dialect, chunk)
        conn.execute(insert(YEARS).from_select(rollup_ytd_sql.COLUMNS, years))
    rebuild_hosts(conn, sorted(touched))


def rebuild_hosts(conn: Connection, hosts: Sequence[int] | None) -> None:
    """Rebuild the host rows from the month rows: all, or those of the institutions
    `hosts`."""
    columns = rollup_host_sql.HOST_COLUMNS
    if hosts is None:
        conn.execute(delete(HOSTS))
        conn.execute(insert(HOSTS).from_select(columns, rollup_host_sql.hosts_of_months()))
        return
    for chunk in chunks(hosts):
        conn.execute(delete(HOSTS).where(HOSTS.c.host_institution_id.in_(chunk)))
        rows = rollup_host_sql.hosts_of_months(chunk)
        conn.execute(insert(HOSTS).from_select(columns, rows))


def hosts_of(conn: Connection, instruments: Sequence[int]) -> set[int]:
    """The institutions whose facilities hold `instruments` now."""
    statement = (
        select(FACILITIES.c.institution_id)
        .distinct()
        .join(INSTRUMENTS, INSTRUMENTS.c.facility_id == FACILITIES.c.id)
    )
    return {
        host
        for chunk in chunks(instruments)
        for host in conn.execute(statement.where(INSTRUMENTS.c.id.in_(chunk))).scalars()
    }


def hosts_of_facilities(conn: Connection, facilities: Sequence[int]) -> set[int]:
    """The institutions of `facilities` now."""
    statement = select(FACILITIES.c.institution_id)
    return {
        host
        for chunk in chunks(facilities)
        for host in conn.execute(statement.where(FACILITIES.c.id.in_(chunk))).scalars()
    }


def let_go(conn: Connection, column: str, ids: Sequence[int] | None) -> set[int]:
    """Delete the rows pointing at the instruments or institutions `ids` (all rows for
    None), whose own DELETE comes next; returns the institutions that hosted the
    instruments, whose host rows commit rebuilds without them."""
    if ids is None:
        for table in (HOSTS, YEARS, MONTHS, DAYS):
            conn.execute(delete(table))
        return set()
    hosts: set[int] = set()
    for chunk in chunks(ids):
        if column == "instrument_id":
            hosts.update(hosts_of(conn, chunk))
            conn.execute(delete(YEARS).where(YEARS.c.instrument_id.in_(chunk)))
        else:  # an institution: as a host and as the users'
            conn.execute(
                delete(HOSTS).where(
                    or_(
                        HOSTS.c.host_institution_id.in_(chunk),
                        HOSTS.c.user_institution_id.in_(chunk),
                    )
                )
            )
        for table in (MONTHS, DAYS):
            conn.execute(delete(table).where(table.c[column].in_(chunk)))
    return hosts


def _zone_selects(conn: Connection, instruments: Sequence[int] | None = None) -> list[Any]:
    """One SELECT of the day rows per facility zone, computed from the bookings."""
    first, last = conn.execute(rollup_sql.first_and_last_start()).one()
    if first is None or last is None:
        return []
    first, last = _instant(first), _instant(last)
    zones = conn.execute(select(Facility.timezone).distinct().order_by(Facility.timezone))
    dialect = conn.dialect.name
    return [
        rollup_sql.zone_days(
            dialect,
            zone,
            offset_spans_between(zone, first - timedelta(days=1), last + timedelta(days=1)),
            instruments,
        )
        for zone in zones.scalars()
    ]


def expected_rows(conn: Connection) -> list[Any]:
    """The SELECTs of what the day rows should hold, one per facility zone (for `check`)."""
    return _zone_selects(conn)


def _instant(value: datetime | str) -> datetime:
    """min()/max() of a UTC column come back as text on SQLite."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
