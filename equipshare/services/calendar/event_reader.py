"""Bookings read for calendars as the driver's own column tuples, converted only when needed.

A busy institution's feed reads over ten thousand bookings per rebuild. Decoding each
row's instants and state through SQLAlchemy's result types cost more than the query, and
a feed rebuilt after one change needs none of it for the rows it already rendered: the
raw tuple itself says whether the row changed (`feed_text`). So rows are read untyped
(`raw`), and `booking_row` decodes one with the very processors Core would have used.
Places and bookers are read once per instrument and person, by one bound array of ids
(an IN list of thousands of literal parameters cost more to compile than to run).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    String,
    any_,
    bindparam,
    cast,
    func,
    select,
    type_coerce,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.types import NullType

from equipshare.db.models.bookings import Booking, BookingSeries
from equipshare.db.models.catalogue import Facility, Institution, Instrument, User
from equipshare.services.calendar.event_rows import (
    BookerRow,
    BookingRow,
    EventRow,
    PlaceRow,
    SeriesRow,
)

_UserInstitution = aliased(Institution)
_BOOKING_COLUMNS = (
    Booking.id,
    Booking.series_id,
    Booking.recurrence_start,
    Booking.starts_at,
    Booking.ends_at,
    Booking.status,
    Booking.purpose,
    Booking.project_code,
    Booking.status_reason,
    Booking.ical_uid,
    Booking.sequence,
    Booking.updated_at,
    Booking.instrument_id,
    Booking.user_id,
)
#: Positions in a raw booking tuple (the order of BookingRow's fields).
SERIES_ID, STATUS, UPDATED_AT, INSTRUMENT_ID, USER_ID = 1, 5, 11, 12, 13
_UNTYPED = [type_coerce(c, NullType()) for c in _BOOKING_COLUMNS]
_PLACE_COLUMNS = (
    Instrument.id,
    Instrument.code,
    Instrument.name,
    Instrument.category,
    Instrument.building,
    Instrument.room,
    Instrument.web_address,
    Instrument.contact_email,
    Facility.name,
    Facility.building,
    Facility.web_address,
    Facility.email,
    Facility.timezone,
)
_PLACES = select(*_PLACE_COLUMNS).join(Facility, Instrument.facility_id == Facility.id)
_BOOKERS = select(User.id, User.display_name, User.email, _UserInstitution.name).join(
    _UserInstitution, User.institution_id == _UserInstitution.id
)
RawBooking = tuple[Any, ...]
Decoder = Callable[[Any], Any] | None


@dataclass
class People:
    """Places and bookers by id, as one state of the names and places shows them, and the
    numbers FeedTexts gave their content."""

    places: dict[int, PlaceRow] = field(default_factory=dict)
    bookers: dict[int, BookerRow] = field(default_factory=dict)
    place_numbers: dict[int, int] = field(default_factory=dict)
    booker_numbers: dict[int, int] = field(default_factory=dict)


class EventRowReader:
    """Reads bookings as event rows in one transaction, each instrument and each person
    once however many reads: their columns are not repeated on every booking."""

    def __init__(self, session: Session, people: People | None = None) -> None:
        """`people` are places and bookers already read, at the same names and places
        (the same "all" stamp) as this session sees: only those missing are read."""
        self._session = session
        self._dialect = session.connection().dialect
        self._decoders = _decoders(self._dialect)
        self.people = people or People()
        self.places = self.people.places
        self.bookers = self.people.bookers

    def raw(self, *where: ColumnElement[bool]) -> Sequence[RawBooking]:
        """The bookings under `where` (which may name Instrument and Facility columns), by
        start, as the driver returns them; their places and bookers are loaded beside."""
        statement = (
            select(*_UNTYPED)
            .join(Instrument, Booking.instrument_id == Instrument.id)
            .join(Facility, Instrument.facility_id == Facility.id)
            .where(*where)
            .order_by(Booking.starts_at, Booking.id)
        )
        result = self._session.connection().execute(statement)
        try:  # untyped columns: the driver's own tuples, with no Row made for each
            rows: Sequence[RawBooking] = result.cursor.fetchall()
        finally:
            result.close()
        places, bookers = self.places, self.bookers
        wanted = {row[INSTRUMENT_ID] for row in rows} - places.keys()
        for found in self._by_ids(_PLACES, Instrument.id, wanted):
            places[found[0]] = PlaceRow._make(found[1:])
        wanted = {row[USER_ID] for row in rows} - bookers.keys()
        for found in self._by_ids(_BOOKERS, User.id, wanted):
            bookers[found[0]] = BookerRow._make(found[1:])
        return rows

    def booking_row(self, raw: RawBooking) -> BookingRow:
        """One raw booking decoded exactly as a typed Core read would have decoded it."""
        return BookingRow._make(
            value if decode is None or value is None else decode(value)
            for decode, value in zip(self._decoders, raw, strict=True)
        )

    def event_row(self, raw: RawBooking) -> EventRow:
        booking = self.booking_row(raw)
        return EventRow(booking, self.places[booking.instrument_id], self.bookers[booking.user_id])

    def read(self, *where: ColumnElement[bool]) -> list[EventRow]:
        """The bookings under `where`, by start, each with its place and booker."""
        return [self.event_row(raw) for raw in self.raw(*where)]

    def _by_ids(
        self, statement: Select[*tuple[Any, ...]], key: InstrumentedAttribute[int], ids: set[int]
    ) -> Sequence[Any]:
        """The rows of `statement` whose `key` is among `ids`, bound as one value."""
        if not ids:
            return []
        ordered = sorted(ids)
        if self._dialect.name == "postgresql":
            # An array literal in one string: psycopg dumps a list of ints item by item.
            literal = "{" + ",".join(map(str, ordered)) + "}"
            where = key == any_(cast(bindparam("ids", literal, type_=String), ARRAY(Integer)))
        else:
            each = func.json_each(bindparam("ids", json.dumps(ordered))).table_valued("value")
            where = key.in_(select(type_coerce(each.c.value, Integer)))
        return self._session.connection().execute(statement.where(where)).all()


def _decoders(dialect: Dialect) -> list[Decoder]:
    """Each booking column's result processor on `dialect`: what Core applies to a value."""
    types = [c.expression.type for c in _BOOKING_COLUMNS]
    return [kind.dialect_impl(dialect).result_processor(dialect, None) for kind in types]


def read_series(session: Session, series_ids: set[int]) -> dict[int, SeriesRow]:
    statement = select(
        BookingSeries.id,
        BookingSeries.first_start,
        BookingSeries.rrule,
        BookingSeries.ical_uid,
        BookingSeries.sequence,
        BookingSeries.updated_at,
    ).where(BookingSeries.id.in_(series_ids))
    return {r.id: SeriesRow._make(r) for r in session.connection().execute(statement)}
