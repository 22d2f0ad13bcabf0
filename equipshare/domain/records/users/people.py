"""Frozen records of people: users and their training on instruments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from equipshare.domain.enums import (
    InstitutionSector,
    Role,
    TrainingLevel,
    TrainingStanding,
    TrainingState,
)


@dataclass(frozen=True)
class UserRecord:
    """A person as the rules see them: who, where from, and in what role."""

    id: int
    username: str
    display_name: str
    email: str | None
    role: Role
    active: bool
    institution_id: int
    institution_code: str
    institution_name: str
    institution_is_partner: bool
    institution_sector: InstitutionSector

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


@dataclass(frozen=True)
class TrainingStatus:
    """Where a requester stands on training; `until` is the deciding record's expiry, if any."""

    standing: TrainingStanding
    until: datetime | None = None


@dataclass(frozen=True)
class TrainingRecordView:
    """One training record with the names a technician reads; `state` is as of the read."""

    id: int
    username: str
    user_display_name: str
    user_institution_code: str
    user_institution_name: str
    instrument_code: str
    instrument_name: str
    facility_id: int
    facility_name: str
    timezone: str
    level: TrainingLevel
    trained_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    trainer_username: str | None
    notes: str
    state: TrainingState


@dataclass(frozen=True)
class UserTraining:
    """Whether a user is trained on an instrument now, for other services and screens.

    `state` is None when the user was never trained there. `may_use_alone` is the booking
    rule's own answer (independent, unrevoked, unexpired), so the two never disagree.
    """

    username: str
    instrument_code: str
    timezone: str
    state: TrainingState | None
    level: TrainingLevel | None
    expires_at: datetime | None
    revoked_at: datetime | None
    record_id: int | None
    may_use_alone: bool
