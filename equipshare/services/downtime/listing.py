"""Downtime as a list: rows of what is down, where, when, why and who scheduled it.

The downtime screen's board (the facilities an actor staffs) and `equipshare downtime
list` (any instrument's or facility's downtime in a window) read the same rows here.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Downtime
from equipshare.db.models.catalogue import Facility, Instrument, User
from equipshare.domain.errors import NotFound
from equipshare.domain.records.instruments.schedule import DowntimeRow


def facility_id_of(session: Session, code: str) -> int:
    """The id of the facility with `code`; NotFound naming the facility when there is none."""
    found = session.scalar(select(Facility.id).where(Facility.code == code.strip()))
    if found is None:
        raise NotFound(f"no facility with code {code.strip()!r}", "facility")
    return found


def downtime_rows(
    session: Session,
    *,
    ends_after: datetime,
    starts_before: datetime | None = None,
    facility_ids: Collection[int] | None = None,
    instrument_id: int | None = None,
    limit: int = 500,
) -> tuple[DowntimeRow, ...]:
    """Downtime overlapping [ends_after, starts_before), soonest first.

    `facility_ids` None means every facility; `instrument_id` narrows to one instrument.
    """
    statement = (
        select(
            Downtime.id,
            Instrument.code.label("instrument_code"),
            Instrument.name.label("instrument_name"),
            Facility.name.label("facility_name"),
            Facility.timezone,
            Downtime.starts_at,
            Downtime.ends_at,
            Downtime.reason,
            Downtime.description,
            User.display_name.label("scheduled_by"),
        )
        .join(Instrument, Downtime.instrument_id == Instrument.id)
        .join(Facility, Instrument.facility_id == Facility.id)
        .outerjoin(User, Downtime.created_by_id == User.id)
        .where(Downtime.ends_at > ends_after)
    )
    if starts_before is not None:
        statement = statement.where(Downtime.starts_at < starts_before)
    if facility_ids is not None:
        statement = statement.where(Facility.id.in_(sorted(facility_ids)))
    if instrument_id is not None:
        statement = statement.where(Downtime.instrument_id == instrument_id)
    found = session.execute(
        statement.order_by(Downtime.starts_at, Downtime.id).limit(max(1, limit))
    ).all()
    return tuple(
        DowntimeRow(
            downtime_id=row.id,
            instrument_code=row.instrument_code,
            instrument_name=row.instrument_name,
            facility_name=row.facility_name,
            timezone=row.timezone,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            reason=row.reason,
            description=row.description,
            scheduled_by=row.scheduled_by or "",
        )
        for row in found
    )
