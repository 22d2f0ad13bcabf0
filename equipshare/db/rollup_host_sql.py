"""The host level of the booking roll-ups as SQL: the held sums of the month rows by the
host institution (the instrument's facility's), kept by deltas of the month rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Date, Integer, Select, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import Insert

from equipshare.db.models.catalogue import Facility, Instrument
from equipshare.db.models.rollups import BookingRollupHost, BookingRollupMonth

AnySelect = Select[*tuple[Any, ...]]
#: The host level's columns: the month, the host institution, the users, the held sums.
HOST_KEYS = ("month", "host_institution_id", "user_institution_id", "staff_institution_id")
HELD = ("held_bookings", "held_minutes")
HOST_COLUMNS = (*HOST_KEYS, *HELD)

#: The columns of month rows a host row sums, as the upkeep reads them.
MONTH_HELD = (
    "month",
    "instrument_id",
    "user_institution_id",
    "staff_institution_id",
    "held_bookings",
    "held_minutes",
)


def host_delta(dialect: str, rows: Any, *, net: bool = False) -> Insert:
    """Add the held sums of `rows` (month rows, or changes to them: a FROM with the
    columns of `MONTH_HELD`) to the host rows of their instruments' institutions, a row
    made where none is; with `net`, keys whose changes sum to nothing are left alone."""
    c = rows.c
    host = Facility.institution_id
    keys = (c.month, host, c.user_institution_id, c.staff_institution_id)
    sums = (func.sum(c.held_bookings), func.sum(c.held_minutes))
    statement = (
        select(*keys, *sums)
        .select_from(rows)
        .join(Instrument, Instrument.id == c.instrument_id)
        .join(Facility, Facility.id == Instrument.facility_id)
        .where(c.held_bookings != 0)
        .group_by(*keys)
    )
    if net:
        statement = statement.having(or_(sums[0] != 0, sums[1] != 0))
    upsert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(BookingRollupHost)
    fill = upsert.from_select(HOST_COLUMNS, statement)
    table = BookingRollupHost.__table__.c
    return fill.on_conflict_do_update(
        index_elements=list(HOST_KEYS),
        set_={name: table[name] + getattr(fill.excluded, name) for name in HELD},
    )


def signed_month_rows() -> AnySelect:
    """The month rows of :instrument_id for :month, their held sums times :sign: what the
    SQLite upkeep takes off the host rows (-1) before recomputing a month, and adds
    after (1)."""
    m = BookingRollupMonth
    sign = bindparam("sign", type_=Integer)
    return select(
        m.month,
        m.instrument_id,
        m.user_institution_id,
        m.staff_institution_id,
        (m.held_bookings * sign).label("held_bookings"),
        (m.held_minutes * sign).label("held_minutes"),
    ).where(
        m.instrument_id == bindparam("instrument_id"),
        m.month == bindparam("month", type_=Date),
        m.held_bookings > 0,
    )


def hosts_of_months(hosts: Sequence[int] | None = None) -> AnySelect:
    """The host rows the stored month rows give (of every institution, or of those of
    `hosts`): what a rebuild writes after the months, and what `check` expects."""
    m = BookingRollupMonth
    host = Facility.institution_id.label("host_institution_id")
    keys = (m.month, host, m.user_institution_id, m.staff_institution_id)
    statement = (
        select(*keys, func.sum(m.held_bookings), func.sum(m.held_minutes))
        .join(Instrument, Instrument.id == m.instrument_id)
        .join(Facility, Facility.id == Instrument.facility_id)
        .where(m.held_bookings > 0)
        .group_by(*keys)
    )
    if hosts is not None:
        statement = statement.where(Facility.institution_id.in_(hosts))
    return statement


def stored_hosts() -> AnySelect:
    """The host rows that hold anything (the deltas may leave zeros behind), in the
    columns of `hosts_of_months`."""
    t = BookingRollupHost
    return select(*(getattr(t, name) for name in HOST_COLUMNS)).where(
        or_(t.held_bookings != 0, t.held_minutes != 0)
    )
