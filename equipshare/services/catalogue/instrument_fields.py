"""An instrument's editable fields: checking given values into column values, and snapshots.

Text limits come from the instruments table itself, so a value the service accepts is
one the database holds. Emails are read as the uniquip import reads them.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import String, Table, select
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import FacilityStaff, Instrument, User
from equipshare.domain.errors import InputError, NotFound, RefusedError
from equipshare.domain.records.instruments.instrument_changes import (
    POLICY_FIELDS,
    InstrumentChanges,
)
from equipshare.sheets.csv_files import optional_email

_TABLE = cast(Table, Instrument.__table__)
# Text that an instrument must have; the rest may be emptied with "".
REQUIRED_TEXT = ("name", "category")
EMAILS = ("contact_email", "secondary_contact_email")


def _limit(name: str) -> int | None:
    column_type = _TABLE.c[name].type
    return column_type.length if isinstance(column_type, String) else None


TEXT_LIMITS: dict[str, int | None] = {
    name: _limit(name)
    for name in InstrumentChanges.__dataclass_fields__
    if name in _TABLE.c and name not in (*POLICY_FIELDS, "uniquip_type", "access_level")
}
# Every field an audit snapshot and `instruments show` carry, in the table's order.
SNAPSHOT_FIELDS = tuple(
    column.name
    for column in _TABLE.columns
    if column.name not in ("id", "created_at", "updated_at", "facility_id")
)


def _text(name: str, value: str) -> str | None:
    cleaned = value.strip()
    if name == "description":
        return cleaned
    if not cleaned:
        if name in REQUIRED_TEXT:
            raise InputError(f"{name}: must not be empty", name)
        return None
    if name in EMAILS:
        problems: list[str] = []
        cleaned = optional_email(cleaned, name, problems) or ""
        if problems:
            raise InputError(problems[0], name)
    limit = TEXT_LIMITS[name]
    if limit is not None and len(cleaned) > limit:
        raise InputError(f"{name}: {len(cleaned)} characters, more than the {limit} allowed", name)
    return cleaned


def _contact_technician(session: Session, username: str, facility_id: int) -> int | None:
    """The user id of a member of the facility's staff; "" means no contact technician."""
    if not username.strip():
        return None
    user = session.scalars(select(User).where(User.username == username.strip())).one_or_none()
    if user is None:
        raise NotFound(f"contact_technician: no user called {username.strip()!r}", "user")
    staff = session.get(FacilityStaff, (facility_id, user.id))
    if staff is None or not user.active:
        raise RefusedError(
            f"contact_technician: {user.username} is not active staff of this facility",
            "contact_technician",
        )
    return user.id


def column_values(session: Session, changes: InstrumentChanges, facility_id: int) -> dict[str, Any]:
    """The given changes as instruments column values, each checked (InputError names it)."""
    values: dict[str, Any] = {}
    for name, value in changes.given().items():
        if name == "contact_technician":
            values["contact_technician_id"] = _contact_technician(session, str(value), facility_id)
        elif name == "weekly_quota_minutes":
            values[name] = value or None  # 0 means no quota
        elif name in TEXT_LIMITS:
            values[name] = _text(name, str(value))
        else:
            values[name] = value
    return values


def snapshot(row: Instrument) -> dict[str, Any]:
    """The instrument's fields for an audit event's before or after."""
    return {name: getattr(row, name) for name in SNAPSHOT_FIELDS}
