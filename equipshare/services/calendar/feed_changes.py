"""A feed's change stamps in one indexed query: what the feed server compares per request.

`equipshare.db.change_stamps` bumps ("user", id) and ("instrument", id) with every write to
their bookings, and ("all", 0) with every write to people, places or rights. A user's feed
reads its user's counter; an instrument's, its instrument's; a facility's or an
institution's, the sum of its instruments' (an instrument that joins or leaves one is an
"all" change, so the sum only ever moves when a booking does). Each is a primary-key or
foreign-key index lookup, never a scan of bookings.

Every feed request runs one of these, so they are built once over the tables, with the
feed's target as a bind parameter, as the booking hot path's statements are
(`services/plumbing/prebuilt.py`): a call only binds a value and reads one row.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import BindParameter, ColumnElement, Select, Table, bindparam, func, select
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import Facility, Instrument
from equipshare.db.models.feeds import ChangeStamp
from equipshare.domain.enums import ExportKind
from equipshare.domain.records.scheduling.calendar import FeedChanges
from equipshare.services.plumbing.prebuilt import FACILITIES, INSTITUTIONS, INSTRUMENTS, USERS

STAMPS = cast(Table, ChangeStamp.__table__)
TARGET: BindParameter[str] = bindparam("target")


def _summed(kind: str, rows: Table, which: ColumnElement[bool]) -> Select[int]:
    """The sum of the `kind` stamps of the `rows` that `which` picks.

    Each stamp is a correlated primary-key lookup, so the plan walks the picked rows by
    their own indexes and never scans the stamps (SQLite, with no statistics, would).
    """
    stamp = (
        select(STAMPS.c.counter)
        .where(STAMPS.c.kind == kind, STAMPS.c.key == rows.c.id)
        .correlate(rows)
        .scalar_subquery()
    )
    return select(func.sum(stamp)).select_from(rows).where(which)


def _with_everything(scope: Select[int]) -> Select[int, int]:
    everything = select(STAMPS.c.counter).where(STAMPS.c.kind == "all", STAMPS.c.key == 0)
    return select(
        func.coalesce(everything.scalar_subquery(), 0),
        func.coalesce(scope.scalar_subquery(), 0),
    )


_FACILITY_BY_CODE = select(FACILITIES.c.id).where(FACILITIES.c.code == TARGET).scalar_subquery()
_STATEMENTS: dict[tuple[ExportKind, bool], Select[int, int]] = {
    (ExportKind.USER, False): _with_everything(_summed("user", USERS, USERS.c.username == TARGET)),
    (ExportKind.INSTRUMENT, False): _with_everything(
        _summed("instrument", INSTRUMENTS, INSTRUMENTS.c.code == TARGET)
    ),
    # A facility feed's target is the facility's id; its code is accepted as exports do.
    (ExportKind.FACILITY, True): _with_everything(
        _summed("instrument", INSTRUMENTS, INSTRUMENTS.c.facility_id == TARGET)
    ),
    (ExportKind.FACILITY, False): _with_everything(
        _summed("instrument", INSTRUMENTS, INSTRUMENTS.c.facility_id == _FACILITY_BY_CODE)
    ),
    # Joined from the institution down, so the plan starts at its code.
    (ExportKind.INSTITUTION, False): _with_everything(
        _summed("instrument", INSTRUMENTS, INSTITUTIONS.c.code == TARGET)
        .join(FACILITIES, INSTRUMENTS.c.facility_id == FACILITIES.c.id)
        .join(INSTITUTIONS, FACILITIES.c.institution_id == INSTITUTIONS.c.id)
    ),
}


def feed_changes(session: Session, kind: ExportKind, target: str) -> FeedChanges:
    """The stamps of the feed of `kind` and `target` (as feed URLs name it); 0 if never bumped."""
    by_id = kind is ExportKind.FACILITY and target.isdigit()
    value: str | int = int(target) if by_id else target
    statement = _STATEMENTS[(kind, by_id)]
    everything, scope = session.connection().execute(statement, {"target": value}).one()
    return FeedChanges(everything=int(everything), scope=int(scope))


_EVERYTHING = select(STAMPS.c.counter).where(STAMPS.c.kind == "all", STAMPS.c.key == 0)


def everything_stamp(session: Session) -> int:
    """The "all" counter alone: names, places and rights are as they were while it stands."""
    return int(session.connection().execute(_EVERYTHING).scalar() or 0)


def instrument_stamps(session: Session, where: ColumnElement[bool]) -> dict[int, int]:
    """Each instrument's counter (0 if never bumped), for the instruments `where` picks
    (it may name Instrument and Facility columns): what a feed's blocks are kept under."""
    stamp = (
        select(STAMPS.c.counter)
        .where(STAMPS.c.kind == "instrument", STAMPS.c.key == Instrument.id)
        .correlate(Instrument)
        .scalar_subquery()
    )
    statement = (
        select(Instrument.id, func.coalesce(stamp, 0))
        .join(Facility, Instrument.facility_id == Facility.id)
        .where(where)
    )
    return {key: int(counter) for key, counter in session.connection().execute(statement)}


def covers(seen: FeedChanges, wanted: FeedChanges) -> bool:
    """Whether a database whose stamps read `seen` holds every write `wanted` counts.

    A replica's state is an earlier or equal point of its primary's history, and the "all"
    counter moves with every change of which instruments a scope sums; so with "all" equal
    the two sums are over the same instruments, each counter only grows, and a sum at
    least as high means nothing the feed shows is missing.
    """
    if seen.everything != wanted.everything:
        return seen.everything > wanted.everything
    return seen.scope >= wanted.scope
