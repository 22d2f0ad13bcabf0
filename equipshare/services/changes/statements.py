"""The change stamps of many topics in one statement, each part an index walk.

Every open screen asks this every few seconds, so each part reads only primary-key or
unique-index rows, never a table of bookings: an instrument's stamps by the code's unique
index and the stamps' primary key; a facility's through its instruments' facility index;
a staff member's through facility_staff and the instruments' facility index; an admin's
"every instrument" as one range of the stamps' primary key. The statement for each set of
parts is built once; a call only binds values, so it is compiled once per engine too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Integer,
    ScalarSelect,
    Select,
    Table,
    and_,
    bindparam,
    func,
    literal,
    select,
    type_coerce,
    union_all,
)

from equipshare.db.models.feeds import ChangeStamp
from equipshare.domain.enums import Role
from equipshare.domain.records.changes import TopicKind
from equipshare.services.plumbing.prebuilt import (
    FACILITIES,
    FACILITY_STAFF,
    INSTRUMENTS,
    USERS,
)

STAMPS = cast(Table, ChangeStamp.__table__)
#: The stamps an instrument's week moves with: its bookings and the rest of its schedule.
WEEK_KINDS = ("instrument", "schedule")
#: Part of a statement's rows: (topic kind, key, stamp).
Part = Select[str, str, int]


def _stamp_of(kinds: Sequence[str], rows: Table) -> ColumnElement[bool]:
    return and_(STAMPS.c.kind.in_(list(kinds)), STAMPS.c.key == rows.c.id)


def _looked_up(kind: str, rows: Table) -> ScalarSelect[int]:
    """A row's `kind` stamp as a correlated primary-key lookup, so a plan walks the rows by
    their own indexes first and never scans the stamps for them."""
    return (
        select(STAMPS.c.counter)
        .where(STAMPS.c.kind == kind, STAMPS.c.key == rows.c.id)
        .correlate(rows)
        .scalar_subquery()
    )


def _summed(counters: ColumnElement[int] | ScalarSelect[int]) -> ColumnElement[int]:
    return type_coerce(func.sum(counters), Integer)


def _everything() -> Part:
    return select(literal("all"), literal(""), STAMPS.c.counter).where(
        STAMPS.c.kind == "all", STAMPS.c.key == 0
    )


def _instruments() -> Part:
    codes: BindParameter[list[str]] = bindparam("codes", expanding=True)
    return (
        select(literal(TopicKind.INSTRUMENT.value), INSTRUMENTS.c.code, _summed(STAMPS.c.counter))
        .select_from(INSTRUMENTS.join(STAMPS, _stamp_of(WEEK_KINDS, INSTRUMENTS)))
        .where(INSTRUMENTS.c.code.in_(codes))
        .group_by(INSTRUMENTS.c.code)
    )


def _facilities() -> Part:
    codes: BindParameter[list[str]] = bindparam("facility_codes", expanding=True)
    return (
        select(literal(TopicKind.FACILITY.value), FACILITIES.c.code, _summed(STAMPS.c.counter))
        .select_from(
            FACILITIES.join(INSTRUMENTS, INSTRUMENTS.c.facility_id == FACILITIES.c.id).join(
                STAMPS, _stamp_of(WEEK_KINDS, INSTRUMENTS)
            )
        )
        .where(FACILITIES.c.code.in_(codes))
        .group_by(FACILITIES.c.code)
    )


def _user() -> Part:
    return (
        select(literal(TopicKind.USER.value), USERS.c.username, STAMPS.c.counter)
        .select_from(USERS.join(STAMPS, _stamp_of(["user"], USERS)))
        .where(USERS.c.username == bindparam("actor"))
    )


def _staffed(kind: TopicKind, stamp: str) -> tuple[Part, Part]:
    """The `stamp` stamps of the instruments of the facilities the actor staffs, and of every
    instrument if the actor is an admin: two rows the caller adds up.

    Watching a facility the actor staffs but may not decide for costs a reload, never a
    missed change, so the staff test is looser than the permission rules.
    """
    staffed = (
        select(literal(kind.value), literal("staff"), _summed(_looked_up(stamp, INSTRUMENTS)))
        .select_from(
            USERS.join(FACILITY_STAFF, FACILITY_STAFF.c.user_id == USERS.c.id).join(
                INSTRUMENTS, INSTRUMENTS.c.facility_id == FACILITY_STAFF.c.facility_id
            )
        )
        .where(USERS.c.username == bindparam("actor"))
    )
    # The admin's one user row comes first, so a non-admin reads no stamps at all.
    every = (
        select(literal(kind.value), literal("admin"), _summed(STAMPS.c.counter))
        .select_from(USERS.join(STAMPS, STAMPS.c.kind == stamp))
        .where(USERS.c.username == bindparam("actor"), USERS.c.role == Role.ADMIN)
    )
    return staffed, every


def _parts(kind: TopicKind) -> tuple[Part, ...]:
    if kind is TopicKind.INSTRUMENT:
        return (_instruments(),)
    if kind is TopicKind.FACILITY:
        return (_facilities(),)
    if kind is TopicKind.USER:
        return (_user(),)
    if kind is TopicKind.APPROVALS:
        return _staffed(kind, "instrument")
    if kind is TopicKind.TRAINING:
        return _staffed(kind, "training")
    if kind is TopicKind.DOWNTIME:
        return _staffed(kind, "schedule")
    return ()  # the catalogue is the "all" stamp, which every statement reads


_BUILT: dict[frozenset[TopicKind], CompoundSelect[str, str, int]] = {}


def statement_for(kinds: frozenset[TopicKind]) -> CompoundSelect[str, str, int]:
    """One UNION ALL over the parts `kinds` need, and the "all" stamp; built once per set."""
    built = _BUILT.get(kinds)
    if built is None:
        parts = [part for kind in sorted(kinds) for part in _parts(kind)]
        built = _BUILT[kinds] = union_all(_everything(), *parts)
    return built
