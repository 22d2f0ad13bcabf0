"""PeopleService: admins import, list and deactivate user accounts.

Decisions worth knowing:
- Admins only, for all three: they touch personal data and roles.
- Import upserts by username, all or nothing (like the catalogue import). A blank role
  means researcher for a new user and "keep it" for an existing one, so a sheet that
  leaves roles out never demotes anyone. Import never reactivates or deactivates: that
  is `deactivate`'s (and an admin's) deliberate act.
- Nothing may leave the system without an active admin: an import or deactivation that
  would is refused whole (exit 1).
- Each created, changed or deactivated user writes one audit event; unchanged ones none.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import Institution, User
from equipshare.domain.enums import ImportAction, Role
from equipshare.domain.errors import InputError, NotFound, RefusedError
from equipshare.domain.inputs.search_text import checked_search
from equipshare.domain.records.operations.admin import (
    BadRow,
    DeactivationReport,
    RowOutcome,
    SheetImportReport,
    UserListRow,
)
from equipshare.domain.records.users.accounts import UserPage, UserQuery
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.dry_run import DryRun
from equipshare.services.plumbing.row_records import require_admin
from equipshare.sheets.csv_files import BadRowsError
from equipshare.sheets.people import UserEntry, read_users

_FIELDS = ("username", "display_name", "email", "institution_id", "role", "active")
#: The most users one page may hold.
MAX_PAGE = 1000
_SEARCHED = (User.username, User.display_name, User.email)
EVERYONE = UserQuery()


def user_snapshot(user: User) -> dict[str, Any]:
    return {name: getattr(user, name) for name in _FIELDS}


def check_an_admin_remains(session: Session, doing: str) -> None:
    session.flush()
    admins = session.scalar(
        select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active)
    )
    if not admins:
        raise RefusedError(
            f"{doing} would leave no active admin: make someone else an admin first", "user"
        )


def switch_active(
    session: Session, actor_id: int, usernames: Sequence[str], *, active: bool, at: datetime
) -> tuple[list[str], list[str]]:
    """Set each named user's `active`, audited; (switched, already so), in the order given.

    An unknown name refuses the whole call, so nobody is switched half-way through a list.
    """
    verb = "reactivated" if active else "deactivated"
    wanted = list(dict.fromkeys(usernames))
    users = {
        u.username: u for u in session.scalars(select(User).where(User.username.in_(set(wanted))))
    }
    unknown = [name for name in wanted if name not in users]
    if unknown:
        raise NotFound(f"no user called {', '.join(map(repr, unknown))}; nobody {verb}", "user")
    done: list[str] = []
    already: list[str] = []
    for name in wanted:
        user = users[name]
        if user.active == active:
            already.append(name)
            continue
        before = user_snapshot(user)
        user.active = active
        done.append(name)
        record_audit(
            session, actor_id=actor_id, action="user.reactivate" if active else "user.deactivate",
            entity_type="user", entity_id=user.id, at=at, before=before, after=user_snapshot(user),
        )  # fmt: skip
    return done, already


def _search_clause(text: str) -> ColumnElement[bool]:
    """Every word must appear (in any case) in the username, the name or the email."""
    return and_(
        true(),
        *(
            or_(*(func.lower(column).contains(word, autoescape=True) for column in _SEARCHED))
            for word in text.lower().split()
        ),
    )


def _institution_filter(session: Session, code: str) -> str:
    code = checked_search(code, "institution").strip().upper()
    if session.scalar(select(Institution.id).where(Institution.code == code)) is None:
        raise InputError(f"institution: no institution with code {code!r}", "institution")
    return code


class PeopleService:
    """User accounts from the admin's side: bulk import, listing, deactivation."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        self._settings = context.settings

    def import_users(
        self,
        actor_username: str,
        data: bytes,
        source: str,
        *,
        dry_run: bool = False,
        skip_bad: bool = False,
    ) -> SheetImportReport:
        """Create or update one user per row of `data` (username, name, email, institution,
        role)."""
        sheet, entries, bad = read_users(
            data,
            source,
            limit=self._settings.limits.sheet_bytes,
            rows_limit=self._settings.limits.sheet_rows,
        )
        now = self._clock.now()
        try:
            with self._db.sessions.begin() as session:
                actor = require_admin(session, actor_username, "import users")
                institutions = {
                    code: id_
                    for code, id_ in session.execute(select(Institution.code, Institution.id))
                }
                existing = {
                    user.username: user
                    for user in session.scalars(
                        select(User).where(User.username.in_([e.username for e in entries]))
                    )
                }
                bad = list(bad)
                seen: dict[str, int] = {}
                outcomes: list[RowOutcome] = []
                for entry in entries:
                    try:
                        if entry.username in seen:
                            raise InputError(
                                f"username {entry.username!r} is on line {seen[entry.username]} too"
                            )
                        seen[entry.username] = entry.line
                        user, action, before = self._apply(
                            session, entry, institutions, existing, now
                        )
                    except InputError as problem:
                        bad.append(BadRow(entry.line, str(problem)))
                        continue
                    if action is not ImportAction.UNCHANGED:
                        record_audit(
                            session, actor_id=actor.id, action="user.import", entity_type="user",
                            entity_id=user.id, at=now, before=before, after=user_snapshot(user),
                        )  # fmt: skip
                    detail = f"{user.display_name}, {entry.institution}, {user.role.value}"
                    outcomes.append(
                        RowOutcome(entry.line, action, entry.username, entry.username, detail)
                    )
                good = len(outcomes)
                if bad and not skip_bad:
                    raise BadRowsError(source, bad, good)
                check_an_admin_remains(session, f"importing {source}")
                notes = tuple(f"ignored column {name}" for name in sheet.ignored_columns)
                skipped = tuple(sorted(bad, key=lambda b: b.line))
                outcomes.sort(key=lambda o: o.line)
                report = SheetImportReport(source, dry_run, tuple(outcomes), skipped, notes)
                if dry_run:
                    raise DryRun
                return report
        except DryRun:
            return report

    @staticmethod
    def _apply(
        session: Session,
        entry: UserEntry,
        institutions: dict[str, int],
        existing: dict[str, User],
        now: datetime,
    ) -> tuple[User, ImportAction, dict[str, Any] | None]:
        """Create or update the entry's user; an InputError makes the row bad."""
        if entry.institution not in institutions:
            raise InputError(f"institution: no institution with code {entry.institution!r}")
        values: dict[str, Any] = {
            "display_name": entry.name,
            "email": entry.email,
            "institution_id": institutions[entry.institution],
        }
        user = existing.get(entry.username)
        if user is None:
            role = entry.role or Role.RESEARCHER
            user = User(username=entry.username, role=role, active=True, created_at=now, **values)
            session.add(user)
            session.flush()
            return user, ImportAction.CREATED, None
        if entry.role is not None:
            values["role"] = entry.role
        if all(getattr(user, name) == value for name, value in values.items()):
            return user, ImportAction.UNCHANGED, None
        before = user_snapshot(user)
        for name, value in values.items():
            setattr(user, name, value)
        return user, ImportAction.UPDATED, before

    def list_users(
        self, actor_username: str, institution: str | None = None, role: Role | str | None = None
    ) -> list[UserListRow]:
        """Every user (of an institution, in a role), active or not, by username."""
        with self._db.readonly() as session:
            require_admin(session, actor_username, "list users")
            query = (
                select(User, Institution.code)
                .join(Institution, User.institution_id == Institution.id)
                .order_by(User.username)
            )
            if institution:
                code = checked_search(institution, "--institution").strip().upper()
                if session.scalar(select(Institution.id).where(Institution.code == code)) is None:
                    raise InputError(
                        f"--institution: no institution with code {code!r}", "institution"
                    )
                query = query.where(Institution.code == code)
            if role:
                try:
                    query = query.where(User.role == Role(str(role)))
                except ValueError:
                    choices = ", ".join(r.value for r in Role)
                    raise InputError(f"--role: {role!r} is not one of {choices}", "role") from None
            return [
                UserListRow(
                    u.username, u.display_name, u.email, code, u.role, u.active, u.created_at
                )
                for u, code in session.execute(query)
            ]

    def page_users(
        self,
        actor_username: str,
        query: UserQuery = EVERYONE,
        *,
        after: str | None = None,
        limit: int = 200,
    ) -> UserPage:
        """Up to `limit` users matching `query` with usernames after `after`, by username.

        Keyset paging on the username index, so a page costs the same at the first user as
        at the ten-thousandth; `list_users` reads everyone at once, for sheets and scripts.
        """
        limit = max(1, min(limit, MAX_PAGE))
        with self._db.readonly() as session:
            require_admin(session, actor_username, "list users")
            statement = select(User, Institution.code).join(
                Institution, User.institution_id == Institution.id
            )
            if checked_search(query.search).strip():
                statement = statement.where(_search_clause(query.search))
            if query.institution_code:
                code = _institution_filter(session, query.institution_code)
                statement = statement.where(Institution.code == code)
            if query.role is not None:
                statement = statement.where(User.role == query.role)
            if query.active is not None:
                statement = statement.where(User.active == query.active)
            if after is not None:
                statement = statement.where(User.username > after)
            fetched = session.execute(statement.order_by(User.username).limit(limit + 1)).all()
            rows = tuple(
                UserListRow(
                    u.username, u.display_name, u.email, code, u.role, u.active, u.created_at
                )
                for u, code in fetched[:limit]
            )
        return UserPage(rows, rows[-1].username if len(fetched) > limit else None)

    def deactivate(
        self, actor_username: str, usernames: Sequence[str], *, dry_run: bool = False
    ) -> DeactivationReport:
        """Deactivate each user; those already inactive are reported, not refused."""
        if not usernames:
            raise InputError("give the usernames to deactivate", "user")
        now = self._clock.now()
        try:
            with self._db.sessions.begin() as session:
                actor = require_admin(session, actor_username, "deactivate users")
                done, already = switch_active(session, actor.id, usernames, active=False, at=now)
                check_an_admin_remains(session, f"deactivating {', '.join(done) or 'nobody'}")
                report = DeactivationReport(dry_run, tuple(done), tuple(already))
                if dry_run:
                    raise DryRun
                return report
        except DryRun:
            return report
