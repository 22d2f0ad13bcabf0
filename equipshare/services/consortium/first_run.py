"""FirstRunService: from an empty database to one institution and its first admin.

Whoever holds the database credentials may run it, so it needs no existing user. It
brings the schema to head, then creates the institution and the admin in one
transaction, audited as the new admin's own acts; the organisation's name and zone go
into the config file in that transaction's last step, so a file that cannot be written
leaves the database as it was. The same request again does nothing and says so. A
database that already has users is refused unless it already is what was asked for:
init sets up, it never edits (the institutions and users commands do that).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from alembic.util.exc import CommandError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from equipshare.db import migrate
from equipshare.db.models.catalogue import Institution, User
from equipshare.domain.enums import Role
from equipshare.domain.errors import InputError, RefusedError
from equipshare.domain.records.consortium import InitReport, InitRequest, InstitutionRecord
from equipshare.services.consortium import organisation_file, values
from equipshare.services.consortium.institutions import (
    institution_code,
    institution_record,
    snapshot,
)
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext

_USER_FIELDS = ("username", "display_name", "email", "institution_id", "role", "active")


def checked(request: InitRequest) -> InitRequest:
    """The request with every value checked and normalised; InputError names the field."""
    return replace(
        request,
        institution_code=institution_code(request.institution_code),
        institution_name=values.name(
            request.institution_name, "institution_name", "the institution's name"
        ),
        email_domains=values.domains(request.email_domains),
        admin_username=values.username(request.admin_username, "admin"),
        admin_name=values.name(
            request.admin_name or request.admin_username, "admin_name", "the admin's name"
        ),
        admin_email=values.email(request.admin_email, "admin_email"),
        organisation=(
            None
            if request.organisation is None
            else values.name(request.organisation, "organisation", "the organisation's name")
        ),
        timezone=None if request.timezone is None else values.timezone(request.timezone),
    )


class FirstRunService:
    """`equipshare init`: set up an empty database, or confirm it already is set up so."""

    def __init__(self, context: ServiceContext) -> None:
        self._database = context.database
        self._clock = context.clock

    def init(
        self, request: InitRequest, config_path: Path | None, *, dry_run: bool = False
    ) -> InitReport:
        request = checked(request)
        wanted = {
            key: value
            for key, value in (("name", request.organisation), ("timezone", request.timezone))
            if value is not None
        }
        if wanted and config_path is None:
            raise InputError("--organisation and --timezone need a config file to go in", "config")
        changes = organisation_file.plan(config_path, wanted) if config_path and wanted else ()
        engine = self._database.engine
        missing = self._missing_file()
        before = None if missing else migrate.current_revision(engine)
        head = migrate.shipped_head()
        report = InitReport(
            dry_run=dry_run,
            schema_before=before,
            schema_head=head,
            database_missing=missing,
            institution=InstitutionRecord(
                None,
                request.institution_code,
                request.institution_name,
                request.sector,
                request.is_partner,
                request.email_domains,
            ),
            institution_created=True,
            admin_username=request.admin_username,
            admin_created=True,
            config_path=config_path if wanted else None,
            config_changes=changes,
        )
        if dry_run:
            if before != head:
                return report
            with self._database.readonly() as session:
                return self._settle(session, request, report)
        if before != head:
            try:
                migrate.upgrade(engine)
            except CommandError as exc:
                raise InputError(f"cannot upgrade the schema to {head}: {exc}", "db") from None
        with self._database.sessions.begin() as session:
            report = self._settle(session, request, report)
            if config_path is not None:
                organisation_file.write(config_path, changes)
            return report

    def _missing_file(self) -> bool:
        """A SQLite file not there yet: a dry run must not create it by connecting."""
        url = self._database.engine.url
        name = url.database
        if url.get_backend_name() != "sqlite" or not name or name == ":memory:":
            return False
        return not name.startswith("file:") and not Path(name).expanduser().exists()

    def _settle(self, session: Session, request: InitRequest, report: InitReport) -> InitReport:
        """Create what is missing (unless a dry run), or refuse a database set up otherwise."""
        institution = session.scalars(
            select(Institution).where(Institution.code == request.institution_code)
        ).one_or_none()
        wanted_institution = {
            "code": request.institution_code,
            "name": request.institution_name,
            "sector": request.sector,
            "is_partner": request.is_partner,
            "email_domain": ",".join(request.email_domains) or None,
        }
        if institution is not None and snapshot(institution) != wanted_institution:
            raise RefusedError(
                f"institution {institution.code} already exists as {institution.name!r} "
                f"({_differences(snapshot(institution), wanted_institution)}): init changes "
                f"nothing that exists; use `equipshare institutions edit {institution.code}`",
                "institution",
            )
        users = int(session.scalar(select(func.count()).select_from(User)) or 0)
        if users:
            return self._confirm(session, request, report, institution)
        if report.dry_run:
            if institution is None:
                return report
            return replace(
                report, institution=institution_record(institution), institution_created=False
            )
        now = self._clock.now()
        created = institution is None
        if institution is None:
            institution = Institution(**wanted_institution, created_at=now)
            session.add(institution)
            session.flush()
        admin = User(
            username=request.admin_username,
            display_name=request.admin_name,
            email=request.admin_email,
            institution_id=institution.id,
            role=Role.ADMIN,
            active=True,
            created_at=now,
        )
        session.add(admin)
        session.flush()
        if created:
            record_audit(
                session, actor_id=admin.id, action="institution.create",
                entity_type="institution", entity_id=institution.id, at=now,
                after=snapshot(institution),
            )  # fmt: skip
        record_audit(
            session, actor_id=admin.id, action="user.create", entity_type="user",
            entity_id=admin.id, at=now,
            after={name: getattr(admin, name) for name in _USER_FIELDS} | {"via": "init"},
        )  # fmt: skip
        return replace(
            report, institution=institution_record(institution), institution_created=created
        )

    @staticmethod
    def _confirm(
        session: Session,
        request: InitRequest,
        report: InitReport,
        institution: Institution | None,
    ) -> InitReport:
        """A database with users: fine only when it already holds what was asked for."""
        admin = session.scalars(
            select(User).where(User.username == request.admin_username)
        ).one_or_none()
        admins = list(
            session.scalars(
                select(User.username).where(User.role == Role.ADMIN, User.active).order_by(User.id)
            )
        )
        problem = None
        if institution is None:
            problem = f"it has no institution {request.institution_code}"
        elif admin is None or admin.role is not Role.ADMIN or not admin.active:
            problem = f"{request.admin_username} is not an active admin there"
        elif admin.institution_id != institution.id:
            problem = f"{request.admin_username} belongs to another institution"
        elif admin.display_name != request.admin_name or (
            request.admin_email is not None and admin.email != request.admin_email
        ):
            problem = f"{request.admin_username}'s name or email differs"
        if problem is not None:
            who = f"admins: {', '.join(admins[:3])}" if admins else "no active admin"
            raise RefusedError(
                f"this database is already set up ({who}) and {problem}: init only sets up an "
                "empty database; use the institutions, facilities and users commands instead",
                "admin",
            )
        assert institution is not None
        return replace(
            report,
            institution=institution_record(institution),
            institution_created=False,
            admin_created=False,
        )


def _differences(have: dict[str, object], want: dict[str, object]) -> str:
    return ", ".join(
        f"{key} is {have[key]!s}, not {want[key]!s}" for key in want if have[key] != want[key]
    )
