"""The users and training spreadsheets: their columns and their rows as entries.

Pure, like uniquip.py. Users: username, name, email, institution, role. Training:
username, instrument, level, trained_at, expires_at, trainer. Dates are ISO
(2026-03-16, or 2026-03-16T10:00 with or without an offset) or British (16/03/2026);
a date or a time without an offset is read in the instrument's facility's zone by the
service, which knows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from equipshare.domain.enums import Role, TrainingLevel
from equipshare.domain.errors import InputError
from equipshare.domain.records.operations.admin import BadRow
from equipshare.domain.time.timeparse import WHOLE_DAY_FORMS, parse_typed_day
from equipshare.sheets.csv_files import (
    MAX_SHEET_BYTES,
    MAX_SHEET_ROWS,
    Sheet,
    SheetRow,
    optional_email,
    optional_text,
    read_sheet,
    trim,
)

USER_COLUMNS = {
    "username": "username",
    "name": "name",
    "email": "email",
    "institution": "institution",
    "role": "role",
}
USER_ALIASES = {
    "displayname": "name",
    "fullname": "name",
    "user": "username",
    "emailaddress": "email",
}
TRAINING_COLUMNS = {
    "username": "username",
    "instrument": "instrument",
    "level": "level",
    "trainedat": "trained_at",
    "expiresat": "expires_at",
    "trainer": "trainer",
}
TRAINING_ALIASES = {
    "user": "username",
    "instrumentcode": "instrument",
    "trained": "trainedat",
    "trainedon": "trainedat",
    "expires": "expiresat",
    "expireson": "expiresat",
    "expiry": "expiresat",
    "trainedby": "trainer",
}
_ROLES = {
    "researcher": Role.RESEARCHER,
    "technician": Role.TECHNICIAN,
    "facilitymanager": Role.FACILITY_MANAGER,
    "manager": Role.FACILITY_MANAGER,
    "admin": Role.ADMIN,
    "administrator": Role.ADMIN,
}
_USERNAME = re.compile(r"^[A-Za-z0-9._@+-]{1,64}$")


@dataclass(frozen=True)
class UserEntry:
    """One person to create or update; `role` None means researcher when new, else as is."""

    line: int
    username: str
    name: str
    email: str | None
    institution: str
    role: Role | None


@dataclass(frozen=True)
class TrainingEntry:
    """One training record as a facility keeps it; times are read in the facility's zone."""

    line: int
    username: str
    instrument: str
    level: TrainingLevel
    trained: date | datetime
    expires: date | datetime | None
    trainer: str | None


def read_users(
    data: bytes, source: str, *, limit: int = MAX_SHEET_BYTES, rows_limit: int = MAX_SHEET_ROWS
) -> tuple[Sheet, list[UserEntry], list[BadRow]]:
    required = ("username", "name", "institution")
    sheet = read_sheet(
        data, source, USER_COLUMNS, required, USER_ALIASES, limit=limit, rows_limit=rows_limit
    )
    entries: list[UserEntry] = []
    bad: list[BadRow] = []
    for row in sheet.rows:
        problems: list[str] = []
        username = check_username(row.get("username"), "username", problems)
        name = check_name(row.get("name"), problems)
        email = optional_email(row.get("email"), "email", problems)
        institution = check_institution(row.get("institution"), problems)
        role = role_named(row.get("role"), problems) if row.get("role") else None
        if problems or username is None or name is None:
            bad.append(BadRow(row.line, "; ".join(problems)))
            continue
        entries.append(UserEntry(row.line, username, name, email, institution, role))
    return sheet, entries, bad


def read_training(
    data: bytes, source: str, *, limit: int = MAX_SHEET_BYTES, rows_limit: int = MAX_SHEET_ROWS
) -> tuple[Sheet, list[TrainingEntry], list[BadRow]]:
    required = ("username", "instrument", "level", "trainedat")
    sheet = read_sheet(
        data,
        source,
        TRAINING_COLUMNS,
        required,
        TRAINING_ALIASES,
        limit=limit,
        rows_limit=rows_limit,
    )
    entries: list[TrainingEntry] = []
    bad: list[BadRow] = []
    for row in sheet.rows:
        problems: list[str] = []
        entry = _training(row, problems)
        if entry is None:
            bad.append(BadRow(row.line, "; ".join(problems)))
        else:
            entries.append(entry)
    return sheet, entries, bad


def _training(row: SheetRow, problems: list[str]) -> TrainingEntry | None:
    username = check_username(row.get("username"), "username", problems)
    instrument = row.get("instrument")
    if not instrument:
        problems.append("instrument: missing (give the instrument's code)")
    level = None
    try:
        level = TrainingLevel(row.get("level").casefold())
    except ValueError:
        problems.append(f"level: {row.get('level')!r} is not supervised or independent")
    trained = when(row.get("trainedat"), "trained_at", problems)
    if trained is None and row.get("trainedat") == "":
        problems.append("trained_at: missing")
    expires = when(row.get("expiresat"), "expires_at", problems)
    trainer = (
        check_username(row.get("trainer"), "trainer", problems) if row.get("trainer") else None
    )
    if problems or username is None or level is None or trained is None:
        if not problems:
            problems.append("incomplete row")
        return None
    return TrainingEntry(row.line, username, instrument, level, trained, expires, trainer)


def check_name(value: str, problems: list[str]) -> str | None:
    """A person's display name: required, at most 200 characters."""
    name = optional_text(trim(value), "name", 200, problems)
    if not name:
        problems.append("name: missing")
    return name


def check_institution(value: str, problems: list[str]) -> str:
    """An institution's code as typed, upper-cased; whether it exists is the service's to say."""
    code = value.strip().upper()
    if not code:
        problems.append("institution: missing (give the institution's code)")
    return code


def role_named(value: str, problems: list[str]) -> Role | None:
    """A role as people write it (Facility Manager, manager, admin...), or a problem."""
    role = _ROLES.get(re.sub(r"[^a-z]", "", value.casefold()))
    if role is None:
        problems.append(
            f"role: {value!r} is not one of researcher, technician, facility_manager, admin"
        )
    return role


def check_username(value: str, name: str, problems: list[str]) -> str | None:
    """A username (letters, digits, . _ @ + -, at most 64), or None with a problem."""
    if not value:
        problems.append(f"{name}: missing")
        return None
    if not _USERNAME.match(value):
        problems.append(f"{name}: {value!r} is not a username (letters, digits, . _ @ + -)")
        return None
    return value


def when(value: str, name: str, problems: list[str]) -> date | datetime | None:
    """A date or a date and time as typed; None when empty, with a problem when unreadable."""
    if not value:
        return None
    try:
        return parse_typed_day(value, name)  # the same forms the app's date fields read
    except InputError:
        pass
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        problems.append(f"{name}: {value!r} is not a date like {WHOLE_DAY_FORMS}")
        return None
