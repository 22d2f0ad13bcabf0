"""Frozen records of the consortium's shape: institutions, facilities, their staff, first run."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from pathlib import Path

from equipshare.domain.enums import ChargeBasis, InstitutionSector, StaffRole
from equipshare.domain.records.money.charging import Outcome


@dataclass(frozen=True)
class InstitutionRecord:
    """A university or company, with the email domains its people's addresses use."""

    id: int | None  # None only for one a dry run would create
    code: str
    name: str
    sector: InstitutionSector
    is_partner: bool
    email_domains: tuple[str, ...]
    facilities: int = 0
    users: int = 0


@dataclass(frozen=True)
class FacilityRecord:
    """A facility as admins and its staff see it: where it is, who runs it, how it charges."""

    id: int | None
    code: str
    name: str
    institution_code: str
    institution_name: str
    department: str | None
    building: str | None
    site: str | None
    timezone: str
    email: str | None
    web_address: str | None
    charge_basis: ChargeBasis
    free_cancellation_hours: int
    late_cancellation_percent: int
    requires_check_in: bool
    notify_staff_on_cancel: bool = True  # staff emailed when a user cancels their booking
    managers: tuple[str, ...] = ()
    technicians: tuple[str, ...] = ()
    instruments: int = 0


@dataclass(frozen=True)
class Change:
    """What a write did to one record: its outcome and each field it changed (old, new)."""

    outcome: Outcome
    changed: tuple[tuple[str, object, object], ...] = ()
    dry_run: bool = False


@dataclass(frozen=True)
class InstitutionChange:
    institution: InstitutionRecord
    change: Change


@dataclass(frozen=True)
class FacilityChange:
    facility: FacilityRecord
    change: Change


@dataclass(frozen=True)
class StaffMember:
    """One member of a facility's team."""

    facility_code: str
    username: str
    display_name: str
    email: str | None
    role: StaffRole
    active: bool
    #: How acknowledgements print them: their credit name, or the unnamed words if they
    #: opted out ("" where not asked: a change's echo).
    credited_as: str = ""


class StaffOutcome(StrEnum):
    """What a staff change did, in the words the CLI prints."""

    ADDED = "added"
    ROLE_CHANGED = "role changed"
    ALREADY = "already has that role"
    REMOVED = "removed"
    NOT_STAFF = "not on the staff"


@dataclass(frozen=True)
class StaffChange:
    """A staff add or remove: the member, what happened, and the role they had before."""

    member: StaffMember
    outcome: StaffOutcome
    previous_role: StaffRole | None
    note: str | None = None


@dataclass(frozen=True)
class InitRequest:
    """What `equipshare init` is asked to set up: the first institution, admin and settings."""

    institution_code: str
    institution_name: str
    sector: InstitutionSector
    is_partner: bool
    email_domains: tuple[str, ...]
    admin_username: str
    admin_name: str | None = None
    admin_email: str | None = None
    organisation: str | None = None
    timezone: str | None = None

    def given(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class InitReport:
    """What init did (or, on a dry run, would do); `already_done` when there was nothing to do."""

    dry_run: bool
    schema_before: str | None
    schema_head: str
    database_missing: bool
    institution: InstitutionRecord
    institution_created: bool
    admin_username: str
    admin_created: bool
    config_path: Path | None
    config_changes: tuple[tuple[str, str], ...]

    @property
    def schema_upgraded(self) -> bool:
        return self.schema_before != self.schema_head

    @property
    def already_done(self) -> bool:
        return not (
            self.schema_upgraded
            or self.institution_created
            or self.admin_created
            or self.config_changes
        )
