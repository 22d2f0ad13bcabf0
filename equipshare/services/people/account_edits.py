"""AccountService: admins add, edit and reactivate user accounts one at a time.

Decisions worth knowing:
- The same rules as `import users`: the sheet's own checks of a username, a name, an
  email, an institution code and a role (equipshare.sheets.people), and no change may
  leave the system without an active admin (refused whole, exit 1).
- Bad values are refused before anything is written, each naming its field (exit 2);
  an unknown user or an existing username is refused (exit 1).
- An edit that changes nothing writes nothing, not even an audit event; every change
  writes one (user.create, user.edit, user.reactivate) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import Institution, User
from equipshare.domain.enums import Role
from equipshare.domain.errors import InputError, NotFound, RefusedError
from equipshare.domain.records.operations.admin import UserListRow
from equipshare.domain.records.users.accounts import AccountEdit, ReactivationReport
from equipshare.services.people.accounts import (
    check_an_admin_remains,
    switch_active,
    user_snapshot,
)
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.dry_run import DryRun
from equipshare.services.plumbing.row_records import require_admin
from equipshare.sheets.csv_files import optional_email
from equipshare.sheets.people import check_institution, check_name, check_username, role_named


def _valid(field: str, problems: list[str]) -> None:
    """Refuse the first problem a sheet check found, naming its field (exit 2)."""
    if problems:
        raise InputError(problems[0], field)


def _role(value: Role | str) -> Role:
    if isinstance(value, Role):
        return value
    problems: list[str] = []
    role = role_named(value, problems)
    _valid("role", problems)
    assert role is not None  # role_named gives a role or a problem
    return role


def _institution_id(session: Session, value: str) -> tuple[int, str]:
    problems: list[str] = []
    code = check_institution(value, problems)
    _valid("institution", problems)
    found = session.scalar(select(Institution.id).where(Institution.code == code))
    if found is None:
        raise InputError(f"institution: no institution with code {code!r}", "institution")
    return found, code


def _name(value: str) -> str:
    problems: list[str] = []
    name = check_name(value, problems)
    _valid("name", problems)
    assert name is not None
    return name


def _email(value: str | None) -> str | None:
    problems: list[str] = []
    email = optional_email((value or "").strip(), "email", problems)
    _valid("email", problems)
    return email


def _row(user: User, institution_code: str) -> UserListRow:
    return UserListRow(
        user.username,
        user.display_name,
        user.email,
        institution_code,
        user.role,
        user.active,
        user.created_at,
    )


class AccountService:
    """One user account at a time, from the admin's side: add, edit, reactivate."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock

    def add(
        self,
        actor_username: str,
        username: str,
        *,
        name: str,
        email: str | None,
        institution: str,
        role: Role | str = Role.RESEARCHER,
    ) -> UserListRow:
        """Create an active account; an existing username is refused (edit it instead)."""
        problems: list[str] = []
        checked = check_username(username.strip(), "username", problems)
        _valid("username", problems)
        assert checked is not None
        display_name, address, chosen = _name(name), _email(email), _role(role)
        now = self._clock.now()
        with self._db.sessions.begin() as session:
            actor = require_admin(session, actor_username, "add users")
            institution_id, code = _institution_id(session, institution)
            if session.scalar(select(User.id).where(User.username == checked)) is not None:
                raise RefusedError(
                    f"username: {checked!r} is taken; change that account with "
                    "`equipshare users edit`",
                    "username",
                )
            user = User(
                username=checked,
                display_name=display_name,
                email=address,
                institution_id=institution_id,
                role=chosen,
                active=True,
                created_at=now,
            )
            session.add(user)
            session.flush()
            record_audit(
                session, actor_id=actor.id, action="user.create", entity_type="user",
                entity_id=user.id, at=now, after=user_snapshot(user),
            )  # fmt: skip
            return _row(user, code)

    def edit(
        self,
        actor_username: str,
        username: str,
        *,
        name: str | None = None,
        email: str | None = None,
        institution: str | None = None,
        role: Role | str | None = None,
    ) -> AccountEdit:
        """Change the fields given; an empty `email` removes the address."""
        if name is None and email is None and institution is None and role is None:
            raise InputError(
                "give at least one of --name, --email, --institution, --role to change", "user"
            )
        values: dict[str, object] = {}
        if name is not None:
            values["display_name"] = _name(name)
        if email is not None:
            values["email"] = _email(email)
        if role is not None:
            values["role"] = _role(role)
        now = self._clock.now()
        with self._db.sessions.begin() as session:
            actor = require_admin(session, actor_username, "edit users")
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                raise NotFound(f"no user called {username!r}", "user")
            code = session.scalar(
                select(Institution.code).where(Institution.id == user.institution_id)
            )
            if institution is not None:
                values["institution_id"], code = _institution_id(session, institution)
            changed = tuple(k for k, v in values.items() if getattr(user, k) != v)
            if changed:
                before = user_snapshot(user)
                for key in changed:
                    setattr(user, key, values[key])
                check_an_admin_remains(session, f"changing {username}'s role")
                record_audit(
                    session, actor_id=actor.id, action="user.edit", entity_type="user",
                    entity_id=user.id, at=now, before=before, after=user_snapshot(user),
                )  # fmt: skip
            assert code is not None
            shown = tuple("name" if k == "display_name" else k.removesuffix("_id") for k in changed)
            return AccountEdit(_row(user, code), shown)

    def reactivate(
        self, actor_username: str, usernames: Sequence[str], *, dry_run: bool = False
    ) -> ReactivationReport:
        """Reactivate each user; those already active are reported, not refused."""
        if not usernames:
            raise InputError("give the usernames to reactivate", "user")
        now = self._clock.now()
        try:
            with self._db.sessions.begin() as session:
                actor = require_admin(session, actor_username, "reactivate users")
                done, already = switch_active(session, actor.id, usernames, active=True, at=now)
                report = ReactivationReport(dry_run, tuple(done), tuple(already))
                if dry_run:
                    raise DryRun
                return report
        except DryRun:
            return report
