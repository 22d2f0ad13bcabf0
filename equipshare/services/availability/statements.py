"""The availability search's statements, built once over the tables (see prebuilt.py).

A search runs several small statements; building each per call would cost more than
running it. The lists (ids, spellings, access levels) are expanding parameters.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    bindparam,
    case,
    cast,
    func,
    not_,
    or_,
    select,
    tuple_,
)

from equipshare.domain.enums import (
    ACTIVE_BOOKING_STATUSES,
    InstrumentStatus,
    TrainingLevel,
    WaitlistStatus,
)
from equipshare.services.bookings.conflicts import WAITLIST
from equipshare.services.plumbing.prebuilt import (
    BOOKINGS,
    DOWNTIMES,
    FACILITIES,
    INSTITUTIONS,
    INSTRUMENT_DESCRIPTION,
    INSTRUMENTS,
    OPENING_HOURS,
    TRAINING_RECORDS,
)

ACTIVE = sorted(ACTIVE_BOOKING_STATUSES)
BOOKABLE = [status for status in InstrumentStatus if status.bookable]

POLICY_COLUMNS = (
    INSTRUMENTS.c.slot_minutes,
    INSTRUMENTS.c.min_minutes,
    INSTRUMENTS.c.max_minutes,
    INSTRUMENTS.c.min_notice_minutes,
    INSTRUMENTS.c.max_days_ahead,
    INSTRUMENTS.c.requires_approval,
    INSTRUMENTS.c.requires_training,
    INSTRUMENTS.c.requires_project_code,
    INSTRUMENTS.c.allow_overnight,
    INSTRUMENTS.c.weekly_quota_minutes,
)

# Training that lets the user book: independent, not revoked, not over before any slot
# in the window could end.
_TRAINED = select(TRAINING_RECORDS.c.instrument_id).where(
    TRAINING_RECORDS.c.user_id == bindparam("user_id"),
    TRAINING_RECORDS.c.level == TrainingLevel.INDEPENDENT,
    TRAINING_RECORDS.c.revoked_at.is_(None),
    or_(
        TRAINING_RECORDS.c.expires_at.is_(None),
        TRAINING_RECORDS.c.expires_at > bindparam("trained_until"),
    ),
)
_MINUTES = bindparam("minutes", type_=Integer)

# The category's bookable instruments that take the length: instrument columns alone.
# (The length must also be whole slots: `candidates` keeps only the grids it fits, which
# the planner, unable to estimate `:minutes % slot_minutes`, would misjudge here.)
_TAKING_THE_LENGTH = (
    func.lower(INSTRUMENTS.c.category) == bindparam("wanted"),
    INSTRUMENTS.c.status.in_(BOOKABLE),
    INSTRUMENTS.c.min_minutes <= _MINUTES,
    INSTRUMENTS.c.max_minutes >= _MINUTES,
)
# ... of which the user may book these (rules 1-3 and the weekly quota).
_ELIGIBLE = (
    *_TAKING_THE_LENGTH,
    or_(
        FACILITIES.c.institution_id == bindparam("institution_id"),
        INSTRUMENTS.c.access_level.in_(bindparam("levels", expanding=True)),
    ),
    or_(
        INSTRUMENTS.c.weekly_quota_minutes.is_(None),
        INSTRUMENTS.c.weekly_quota_minutes >= _MINUTES,
    ),
    or_(not_(INSTRUMENTS.c.requires_training), INSTRUMENTS.c.id.in_(_TRAINED)),
)
_JOINED = INSTRUMENTS.join(FACILITIES, FACILITIES.c.id == INSTRUMENTS.c.facility_id).join(
    INSTITUTIONS, INSTITUTIONS.c.id == FACILITIES.c.institution_id
)
# What fixes the first instant a slot could start, opening hours aside.
_SCHEDULE = (
    FACILITIES.c.timezone,
    INSTRUMENTS.c.slot_minutes,
    INSTRUMENTS.c.min_notice_minutes,
    INSTRUMENTS.c.max_days_ahead,
)

# The grids, notices and horizons among the category's (in any spelling) bookable
# instruments that take the length, and every facility zone: together a superset of the
# schedules the user's eligible instruments have, read from ix_instruments_category_search
# and a small table without visiting an instrument row.
# Both in one round trip: zone rows have no grid, schedule rows no zone.
_NO_ZONE = cast(None, FACILITIES.c.timezone.type).label("timezone")
_NO_GRID = tuple(cast(None, Integer).label(column.name) for column in _SCHEDULE[1:])
ZONES_AND_SCHEDULES = (
    select(FACILITIES.c.timezone, *_NO_GRID)
    .distinct()
    .union_all(select(_NO_ZONE, *_SCHEDULE[1:]).where(*_TAKING_THE_LENGTH).distinct())
)


# A candidate page's row: these, then POLICY_COLUMNS (read together as a slice, from
# POLICY_START on, for the policy key).
_CANDIDATE_HEAD = (
    INSTRUMENTS.c.id,
    INSTRUMENTS.c.code,
    FACILITIES.c.institution_id,
    INSTITUTIONS.c.code.label("institution_code"),
    FACILITIES.c.timezone,
)
POLICY_START = len(_CANDIDATE_HEAD)


def candidate_page(dialect: str) -> Select[Any]:
    """The next `page` eligible instruments of the given schedules in search order (own
    institution first, then institution and instrument code, compared as code points the
    way Python does) after the `after_*` key: id, code, institution id and code, zone,
    POLICY_COLUMNS. PostgreSQL compares under the "C" collation to agree with Python."""
    elsewhere = case((FACILITIES.c.institution_id == bindparam("institution_id"), 0), else_=1)
    institution: ColumnElement[str] = INSTITUTIONS.c.code
    code: ColumnElement[str] = INSTRUMENTS.c.code
    if dialect == "postgresql":
        institution, code = institution.collate("C"), code.collate("C")
    order = (elsewhere, institution, code)
    after: tuple[BindParameter[Any], ...] = (
        bindparam("after_elsewhere"),
        bindparam("after_institution"),
        bindparam("after_code"),
    )
    return (
        select(*_CANDIDATE_HEAD, *POLICY_COLUMNS)
        .select_from(_JOINED)
        .where(
            *_ELIGIBLE,
            tuple_(*_SCHEDULE).in_(bindparam("schedules", expanding=True)),
            tuple_(*order) > tuple_(*after),
        )
        .order_by(*order)
        .limit(bindparam("page"))
    )


CANDIDATE_PAGES = {dialect: candidate_page(dialect) for dialect in ("sqlite", "postgresql")}

_IDS: BindParameter[int] = bindparam("ids", expanding=True)

HOURS = select(
    OPENING_HOURS.c.instrument_id,
    OPENING_HOURS.c.weekday,
    OPENING_HOURS.c.opens_minute,
    OPENING_HOURS.c.closes_minute,
).where(OPENING_HOURS.c.instrument_id.in_(_IDS))

# What an InstrumentRecord holds besides its policy, zone and institution id.
DESCRIPTIONS = (
    select(
        *INSTRUMENT_DESCRIPTION,
        INSTRUMENTS.c.facility_id,
        FACILITIES.c.name.label("facility_name"),
        INSTITUTIONS.c.code.label("institution_code"),
        INSTITUTIONS.c.name.label("institution_name"),
        INSTRUMENTS.c.contact_technician_id,
    )
    .select_from(
        INSTRUMENTS.join(FACILITIES, FACILITIES.c.id == INSTRUMENTS.c.facility_id).join(
            INSTITUTIONS, INSTITUTIONS.c.id == FACILITIES.c.institution_id
        )
    )
    .where(INSTRUMENTS.c.id.in_(_IDS))
)

# Ranges held off the waitlist (bookings/holds.py) for anyone but the asking :user_id,
# while their hold runs at :now: taken to everyone else, as the conflict check has them.
_HELD = select(WAITLIST.c.instrument_id, WAITLIST.c.starts_at, WAITLIST.c.ends_at).where(
    WAITLIST.c.instrument_id.in_(_IDS),
    WAITLIST.c.status == WaitlistStatus.OFFERED.value,
    WAITLIST.c.user_id != bindparam("user_id"),
    WAITLIST.c.hold_expires_at > bindparam("now"),
    WAITLIST.c.starts_at < bindparam("hi"),
    WAITLIST.c.ends_at > bindparam("lo"),
    WAITLIST.c.starts_at > bindparam("earliest"),  # an entry is a bookable range
)

# Active bookings, downtime and others' holds that overlap [lo, hi) on the instruments:
# one statement.
BUSY = (
    select(BOOKINGS.c.instrument_id, BOOKINGS.c.starts_at, BOOKINGS.c.ends_at)
    .where(
        BOOKINGS.c.instrument_id.in_(_IDS),
        BOOKINGS.c.starts_at < bindparam("hi"),
        BOOKINGS.c.ends_at > bindparam("lo"),
        BOOKINGS.c.starts_at > bindparam("earliest"),  # see LONGEST_BOOKING
        BOOKINGS.c.status.in_(ACTIVE),
    )
    .union_all(
        select(DOWNTIMES.c.instrument_id, DOWNTIMES.c.starts_at, DOWNTIMES.c.ends_at).where(
            DOWNTIMES.c.instrument_id.in_(_IDS),
            DOWNTIMES.c.starts_at < bindparam("hi"),
            DOWNTIMES.c.ends_at > bindparam("lo"),
        ),
        _HELD,
    )
)

TRAINING = select(
    TRAINING_RECORDS.c.instrument_id, TRAINING_RECORDS.c.trained_at, TRAINING_RECORDS.c.expires_at
).where(
    TRAINING_RECORDS.c.user_id == bindparam("user_id"),
    TRAINING_RECORDS.c.instrument_id.in_(_IDS),
    TRAINING_RECORDS.c.level == TrainingLevel.INDEPENDENT,
    TRAINING_RECORDS.c.revoked_at.is_(None),
)

# The user's active bookings starting in [lo, hi) on the instruments, for weekly quotas.
QUOTA_USE = select(BOOKINGS.c.instrument_id, BOOKINGS.c.starts_at, BOOKINGS.c.ends_at).where(
    BOOKINGS.c.user_id == bindparam("user_id"),
    BOOKINGS.c.instrument_id.in_(_IDS),
    BOOKINGS.c.status.in_(ACTIVE),
    BOOKINGS.c.starts_at >= bindparam("lo"),
    BOOKINGS.c.starts_at < bindparam("hi"),
)
