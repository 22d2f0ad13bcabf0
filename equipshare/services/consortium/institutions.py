"""InstitutionService: admins add, edit and list the universities and companies of the consortium.

Codes are stored upper-case (WARWICK), as every command that names an institution
reads them. Email domains are one comma-separated, lower-case column. Edit changes only
the fields given; the same values again change nothing and write no audit event.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import Facility, Institution, User
from equipshare.domain.enums import InstitutionSector
from equipshare.domain.errors import NotFound, RefusedError
from equipshare.domain.records.consortium import Change, InstitutionChange, InstitutionRecord
from equipshare.domain.records.money.charging import Outcome
from equipshare.services.consortium import values
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.dry_run import DryRun
from equipshare.services.plumbing.row_records import require_admin

CODE_WIDTH = 32
AUDITED = ("code", "name", "sector", "is_partner", "email_domain")


def institution_code(value: str) -> str:
    return values.code(value, "code", "institution code", CODE_WIDTH, upper=True)


def institution_record(row: Institution, facilities: int = 0, users: int = 0) -> InstitutionRecord:
    return InstitutionRecord(
        id=row.id,
        code=row.code,
        name=row.name,
        sector=row.sector,
        is_partner=row.is_partner,
        email_domains=values.stored_domains(row.email_domain),
        facilities=facilities,
        users=users,
    )


def snapshot(row: Institution) -> dict[str, Any]:
    return {name: getattr(row, name) for name in AUDITED}


def load_institution(session: Session, code: str) -> Institution:
    row = session.scalars(
        select(Institution).where(Institution.code == code.strip().upper())
    ).one_or_none()
    if row is None:
        raise NotFound(f"no institution with code {code.strip().upper()!r}", "institution")
    return row


def _name_taken(session: Session, name: str, but: int | None) -> None:
    query = select(Institution.code, Institution.name).where(
        func.lower(Institution.name) == name.lower()
    )
    if but is not None:
        query = query.where(Institution.id != but)
    other = session.execute(query).first()
    if other is not None:
        raise RefusedError(f"institution {other.code} is already called {other.name!r}", "name")


def counts_by_id(rows: Iterable[Any]) -> dict[int, int]:
    """(id, count) rows of a GROUP BY as a dict."""
    return {key: int(value) for key, value in rows}


class InstitutionService:
    """Institutions from the admin's side."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock

    def list(self, actor_username: str) -> list[InstitutionRecord]:
        """Every institution by code, with how many facilities and users it has."""
        with self._db.readonly() as session:
            require_admin(session, actor_username, "list institutions")
            facilities = counts_by_id(
                session.execute(
                    select(Facility.institution_id, func.count()).group_by(Facility.institution_id)
                )
            )
            users = counts_by_id(
                session.execute(
                    select(User.institution_id, func.count()).group_by(User.institution_id)
                )
            )
            rows = session.scalars(select(Institution).order_by(Institution.code))
            return [
                institution_record(r, facilities.get(r.id, 0), users.get(r.id, 0)) for r in rows
            ]

    def add(
        self,
        actor_username: str,
        code: str,
        name: str,
        sector: InstitutionSector,
        *,
        is_partner: bool,
        email_domains: tuple[str, ...] = (),
        dry_run: bool = False,
    ) -> InstitutionChange:
        """Add an institution; the same one again is unchanged, a different one with its code
        is refused (use edit)."""
        code = institution_code(code)
        name = values.name(name, "name", "the institution's name")
        domains = values.domains(email_domains)
        wanted = {
            "code": code,
            "name": name,
            "sector": sector,
            "is_partner": is_partner,
            "email_domain": ",".join(domains) or None,
        }
        with self._db.sessions.begin() as session:
            actor = require_admin(session, actor_username, "add institutions")
            existing = session.scalars(
                select(Institution).where(Institution.code == code)
            ).one_or_none()
            if existing is not None:
                if snapshot(existing) == wanted:
                    return InstitutionChange(
                        institution_record(existing), Change(Outcome.UNCHANGED, dry_run=dry_run)
                    )
                raise RefusedError(
                    f"institution {code} already exists as {existing.name!r}: change it with "
                    f"`equipshare institutions edit {code}`",
                    "code",
                )
            _name_taken(session, name, None)
            change = Change(Outcome.CREATED, dry_run=dry_run)
            if dry_run:
                record = InstitutionRecord(None, code, name, sector, is_partner, domains)
                return InstitutionChange(record, change)
            row = Institution(**wanted, created_at=self._clock.now())
            session.add(row)
            session.flush()
            record_audit(
                session, actor_id=actor.id, action="institution.create",
                entity_type="institution", entity_id=row.id, at=self._clock.now(),
                after=snapshot(row),
            )  # fmt: skip
            return InstitutionChange(institution_record(row), change)

    def edit(
        self,
        actor_username: str,
        code: str,
        *,
        new_code: str | None = None,
        name: str | None = None,
        sector: InstitutionSector | None = None,
        is_partner: bool | None = None,
        email_domains: tuple[str, ...] | None = None,
        dry_run: bool = False,
    ) -> InstitutionChange:
        """Change the fields given (None keeps one; an empty tuple of domains clears them)."""
        given: dict[str, Any] = {}
        if new_code is not None:
            given["code"] = institution_code(new_code)
        if name is not None:
            given["name"] = values.name(name, "name", "the institution's name")
        if sector is not None:
            given["sector"] = sector
        if is_partner is not None:
            given["is_partner"] = is_partner
        if email_domains is not None:
            given["email_domain"] = ",".join(values.domains(email_domains)) or None
        try:
            return self._edit(actor_username, code, given, dry_run)
        except DryRun as done:
            return cast(InstitutionChange, done.result)

    def _edit(
        self, actor_username: str, code: str, given: dict[str, Any], dry_run: bool
    ) -> InstitutionChange:
        with self._db.sessions.begin() as session:
            actor = require_admin(session, actor_username, "edit institutions")
            row = load_institution(session, code)
            before = snapshot(row)
            changed = tuple(
                (field, before[field], value)
                for field, value in given.items()
                if before[field] != value
            )
            if not changed:
                return InstitutionChange(
                    institution_record(row), Change(Outcome.UNCHANGED, dry_run=dry_run)
                )
            if "code" in given and given["code"] != row.code:
                clash = session.scalar(
                    select(Institution.id).where(Institution.code == given["code"])
                )
                if clash is not None:
                    raise RefusedError(f"institution code {given['code']} is taken", "code")
            if "name" in given:
                _name_taken(session, given["name"], row.id)
            for field, _, value in changed:
                setattr(row, field, value)
            session.flush()
            result = InstitutionChange(
                institution_record(row), Change(Outcome.UPDATED, changed, dry_run)
            )
            if dry_run:
                raise DryRun(result)
            record_audit(
                session, actor_id=actor.id, action="institution.update",
                entity_type="institution", entity_id=row.id, at=self._clock.now(),
                before={f: old for f, old, _ in changed},
                after={f: new for f, _, new in changed},
            )  # fmt: skip
            return result
