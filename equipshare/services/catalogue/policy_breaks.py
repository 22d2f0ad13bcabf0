"""Which future bookings a new policy or new opening hours would refuse: reported, never changed.

A policy change applies to bookings made from then on. The bookings already made stay as
they are, and the facility is shown the ones that now break a rule they did not break
before (too long, outside the new hours, over the quota, needing approval or training),
so it can talk to their owners.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking
from equipshare.domain.enums import ACTIVE_BOOKING_STATUSES, BookingStatus
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.instruments.instrument_changes import BrokenBooking
from equipshare.domain.rules import instrument_rules, policy_rules
from equipshare.services.bookings.checks import holds_training
from equipshare.services.plumbing import row_records


def future_bookings(session: Session, instrument_id: int, now: datetime) -> list[Booking]:
    """Active bookings on the instrument that start from `now` on, earliest first."""
    return list(
        session.scalars(
            select(Booking)
            .options(*row_records.BOOKING_LOAD)
            .where(
                Booking.instrument_id == instrument_id,
                Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                Booking.starts_at >= now,
            )
            .order_by(Booking.starts_at, Booking.id)
        ).all()
    )


def _hours(minutes: int) -> str:
    return f"{minutes / 60:g} h"


def _week_totals(
    session: Session, instrument: InstrumentRecord, now: datetime
) -> dict[tuple[int, datetime], int]:
    """Booked minutes per (user, quota week) from the week holding `now` on."""
    week_start, _ = policy_rules.quota_week(now, instrument.timezone)
    rows = session.execute(
        select(Booking.user_id, Booking.starts_at, Booking.ends_at).where(
            Booking.instrument_id == instrument.id,
            Booking.status.in_(ACTIVE_BOOKING_STATUSES),
            Booking.starts_at >= week_start,
        )
    ).all()
    totals: dict[tuple[int, datetime], int] = defaultdict(int)
    for user_id, starts_at, ends_at in rows:
        week = policy_rules.quota_week(starts_at, instrument.timezone)[0]
        totals[(user_id, week)] += int((ends_at - starts_at).total_seconds() // 60)
    return totals


def _over(quota: int | None, used: int) -> bool:
    return quota is not None and used > quota


def breaking_bookings(
    session: Session, before: InstrumentRecord, after: InstrumentRecord, now: datetime
) -> tuple[BrokenBooking, ...]:
    """Future active bookings that break a rule under `after` which they kept under `before`."""
    if before.policy == after.policy:
        return ()
    old, new = before.policy, after.policy
    totals = _week_totals(session, after, now) if new.weekly_quota_minutes is not None else {}
    found = []
    for row in future_bookings(session, after.id, now):
        was = instrument_rules.broken_rules(
            before, row.starts_at, row.ends_at, row.project_code, now
        )
        now_broken = instrument_rules.broken_rules(
            after, row.starts_at, row.ends_at, row.project_code, now
        )
        problems = [text for rule, text in now_broken.items() if rule not in was]
        used = totals.get((row.user_id, policy_rules.quota_week(row.starts_at, after.timezone)[0]))
        quota = new.weekly_quota_minutes
        if used is not None and _over(quota, used) and not _over(old.weekly_quota_minutes, used):
            problems.append(
                f"{row.user.username} holds {_hours(used)} that week, over the "
                f"{_hours(quota or 0)} quota"
            )
        if (
            new.requires_approval
            and not old.requires_approval
            and row.status is BookingStatus.CONFIRMED
            and row.decided_by_id is None
        ):
            problems.append("confirmed without the approval new bookings need")
        if (
            new.requires_training
            and not old.requires_training
            and row.technician_id is None
            and not holds_training(session, row.user_id, after.id, row.ends_at)
        ):
            problems.append(f"{row.user.username} has no current training and no technician")
        if problems:
            found.append(
                BrokenBooking(
                    booking_id=row.id,
                    username=row.user.username,
                    starts_at=row.starts_at,
                    ends_at=row.ends_at,
                    status=row.status,
                    problems=tuple(problems),
                )
            )
    return tuple(found)
