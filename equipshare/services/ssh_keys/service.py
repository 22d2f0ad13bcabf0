"""SshKeysService: users' SSH public keys, and signing in to the SSH server with one.

Decisions worth knowing:
- A key is identified by its SHA256 fingerprint, unique across every user: one key
  belongs to one person, so a key alone says who is at the other end. Someone who is not
  an admin is told only "already registered" about another user's key, never whose.
- Users add, list and remove their own keys; admins anyone's; a facility's managers may
  list (not change) the keys of their facility's staff. A deactivated account may do
  none of it, and no key is added to one.
- The SSH server calls `sign_in`, `still_allowed` and `is_registered` as the system, with
  no user: as the web server calls SignInService, the key proves who it is. A sign-in is
  refused for an unknown key or a deactivated owner, and otherwise audited (user,
  fingerprint, client address) with the key's last use. `still_allowed` is the server's
  cheap poll of each open session; it writes nothing.
- Keys are public, so they are stored as OpenSSH writes them; removing one deletes the
  row, and its audit events keep the fingerprint.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import FacilityStaff, User
from equipshare.db.models.ssh import SshKey
from equipshare.domain.errors import NotFound, PermissionDenied, RefusedError
from equipshare.domain.inputs.search_text import MAX_SEARCH_CHARS
from equipshare.domain.inputs.ssh_keys import (
    checked_fingerprint,
    checked_label,
    default_label,
    parse_public_key,
    plausible_fingerprint,
)
from equipshare.domain.records.users.people import UserRecord
from equipshare.domain.records.users.ssh_keys import SshKeyRecord, SshSignIn
from equipshare.domain.rules.permissions import Actor
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext

#: The most keys one account may hold: a laptop, a desktop and a few security keys fit.
MAX_KEYS_PER_USER = 50
ALREADY_REGISTERED = "this key is already registered"
UNKNOWN_KEY = (
    "this SSH key is not registered with equipshare; add its .pub line under your account "
    "(the Keys screen) or ask an administrator (equipshare users keys add)"
)


def key_record(row: SshKey, username: str) -> SshKeyRecord:
    return SshKeyRecord(
        id=row.id,
        username=username,
        algorithm=row.algorithm,
        fingerprint=row.fingerprint,
        label=row.label,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        last_used_from=row.last_used_from,
    )


def _snapshot(row: SshKey, username: str) -> dict[str, Any]:
    return {
        "user": username,
        "algorithm": row.algorithm,
        "fingerprint": row.fingerprint,
        "label": row.label,
    }


def _address(text: str) -> str:
    """A client address as the server gave it, printable and bounded for the audit trail."""
    return "".join(c for c in text if c.isprintable())[:64]


def _plausible_name(username: str) -> bool:
    return 0 < len(username) <= MAX_SEARCH_CHARS and username.isprintable()


class SshKeysService:
    """Adds, lists and removes users' SSH keys, and signs users in to the SSH server by key.

    `add`, `remove` and `list` take the acting user as the keyword `actor`; the server's
    calls take none. Each call is one transaction.
    """

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock

    # -- the keys on an account ----------------------------------------------------------

    def _owner(
        self, session: Session, actor_username: str, username: str, doing: str
    ) -> tuple[Actor, UserRecord]:
        """The acting user and the account they act on: themselves, or anyone for an admin."""
        actor = row_records.load_actor(session, actor_username)
        if not actor.user.active:
            raise PermissionDenied(
                f"{actor.user.username} may not {doing}: the account is deactivated", "user"
            )
        if username == actor.user.username:
            return actor, actor.user
        if not actor.user.is_admin:
            raise PermissionDenied(
                f"{actor.user.username} may not {doing} on {username}'s account: "
                "that needs an admin",
                "user",
            )
        return actor, row_records.load_user(session, username)

    def add(
        self, username: str, public_key: str, label: str | None = None, *, actor: str
    ) -> SshKeyRecord:
        """Register the key on one OpenSSH line ("ALGO BASE64 [comment]") to `username`.

        `label` defaults to the line's comment. Refused: a malformed or weak key (naming
        what is wrong), a key registered already (to anyone), a deactivated account.
        """
        key = parse_public_key(public_key)
        chosen = checked_label(label) if label is not None else ""
        chosen = chosen or default_label(key)
        now = self._clock.now()
        try:
            with self._db.sessions.begin() as session:
                acting, owner = self._owner(session, actor, username, "add SSH keys")
                if not owner.active:
                    raise RefusedError(
                        f"the account {owner.username} is deactivated; reactivate it before "
                        "adding keys to it",
                        "user",
                    )
                self._refuse_taken(session, acting, key.fingerprint)
                held = session.scalar(
                    select(func.count()).select_from(SshKey).where(SshKey.user_id == owner.id)
                )
                if (held or 0) >= MAX_KEYS_PER_USER:
                    raise RefusedError(
                        f"{owner.username} already has {held} SSH keys, the most one account "
                        "may hold; remove one first",
                        "public_key",
                    )
                row = SshKey(
                    user_id=owner.id,
                    algorithm=key.algorithm,
                    public_key=key.base64,
                    fingerprint=key.fingerprint,
                    label=chosen,
                    created_at=now,
                )
                session.add(row)
                session.flush()
                record_audit(
                    session, actor_id=acting.id, action="ssh_key.added", entity_type="ssh_key",
                    entity_id=row.id, at=now, after=_snapshot(row, owner.username),
                )  # fmt: skip
                return key_record(row, owner.username)
        except IntegrityError:  # the same key added at the same moment elsewhere
            raise RefusedError(ALREADY_REGISTERED, "public_key") from None

    @staticmethod
    def _refuse_taken(session: Session, actor: Actor, fingerprint: str) -> None:
        found = session.execute(
            select(SshKey.label, User.id, User.username)
            .join(User, User.id == SshKey.user_id)
            .where(SshKey.fingerprint == fingerprint)
        ).first()
        if found is None:
            return
        label, owner_id, owner = found
        if owner_id == actor.id:
            raise RefusedError(
                f"{ALREADY_REGISTERED} on your account" + (f" as {label!r}" if label else ""),
                "public_key",
            )
        if actor.user.is_admin:
            raise RefusedError(f"{ALREADY_REGISTERED} to {owner}", "public_key")
        raise RefusedError(ALREADY_REGISTERED, "public_key")

    def remove(self, username: str, fingerprint: str, *, actor: str) -> None:
        """Remove the key with `fingerprint` from `username`'s account; audited.

        The SSH server refuses it from the next connection, and ends open sessions signed
        in with it at its next check (`still_allowed`).
        """
        wanted = checked_fingerprint(fingerprint)
        now = self._clock.now()
        with self._db.sessions.begin() as session:
            acting, owner = self._owner(session, actor, username, "remove SSH keys")
            row = session.scalar(
                select(SshKey).where(SshKey.fingerprint == wanted, SshKey.user_id == owner.id)
            )
            if row is None:
                raise NotFound(f"{owner.username} has no SSH key {wanted}", "fingerprint")
            record_audit(
                session, actor_id=acting.id, action="ssh_key.removed", entity_type="ssh_key",
                entity_id=row.id, at=now, before=_snapshot(row, owner.username),
            )  # fmt: skip
            session.delete(row)

    def list(self, username: str, *, actor: str) -> tuple[SshKeyRecord, ...]:
        """The keys on `username`'s account, oldest first: for themselves, an admin, or a
        manager of a facility `username` staffs."""
        with self._db.readonly() as session:
            acting = row_records.load_actor(session, actor)
            if not acting.user.active:
                raise PermissionDenied(
                    f"{acting.user.username} may not list SSH keys: the account is deactivated",
                    "user",
                )
            owner = acting.user if username == acting.user.username else None
            if owner is None:
                owner = row_records.load_user(session, username)
            if not self._may_list(session, acting, owner):
                raise PermissionDenied(
                    f"{acting.user.username} may not list {owner.username}'s SSH keys: "
                    "that needs an admin, or a manager of their facility",
                    "user",
                )
            rows = session.scalars(
                select(SshKey)
                .where(SshKey.user_id == owner.id)
                .order_by(SshKey.created_at, SshKey.id)
            ).all()
            return tuple(key_record(row, owner.username) for row in rows)

    @staticmethod
    def _may_list(session: Session, actor: Actor, owner: UserRecord) -> bool:
        if actor.id == owner.id or actor.user.is_admin:
            return True
        if not actor.managed_facility_ids:
            return False
        staffed: Sequence[int] = session.scalars(
            select(FacilityStaff.facility_id).where(FacilityStaff.user_id == owner.id)
        ).all()
        return bool(actor.managed_facility_ids.intersection(staffed))

    # -- for the SSH server, which acts as the system -------------------------------------

    def sign_in(self, fingerprint: str, client_address: str) -> SshSignIn:
        """Who the key with `fingerprint` signs in as; audited ("ssh.sign_in").

        Call it once the client has proved it holds the key. Refused (RefusedError) for a
        key nobody has registered, PermissionDenied for a deactivated owner.
        """
        if not plausible_fingerprint(fingerprint):
            raise RefusedError(UNKNOWN_KEY, "public_key")
        address = _address(client_address)
        now = self._clock.now()
        with self._db.sessions.begin() as session:
            found = session.execute(
                select(SshKey, User)
                .join(User, User.id == SshKey.user_id)
                .where(SshKey.fingerprint == fingerprint)
                .with_for_update()
            ).first()
            if found is None:
                raise RefusedError(UNKNOWN_KEY, "public_key")
            row, user = found
            if not user.active:
                raise PermissionDenied(
                    f"the account {user.username} is deactivated; ask an equipshare "
                    "administrator to reactivate it",
                    "user",
                )
            row.last_used_at = now
            row.last_used_from = address or None
            record_audit(
                session, actor_id=user.id, action="ssh.sign_in", entity_type="ssh_key",
                entity_id=row.id, at=now,
                after={"user": user.username, "fingerprint": row.fingerprint, "address": address},
            )  # fmt: skip
            return SshSignIn(user.id, user.username, user.display_name, row.fingerprint)

    def still_allowed(self, username: str, fingerprint: str) -> bool:
        """Whether the key is still registered to `username` and that account is active:
        the server's poll of each open session. Reads only; never raises for a stranger."""
        if not (plausible_fingerprint(fingerprint) and _plausible_name(username)):
            return False
        with self._db.readonly() as session:
            found = session.scalar(
                select(SshKey.id)
                .join(User, User.id == SshKey.user_id)
                .where(
                    SshKey.fingerprint == fingerprint,
                    User.username == username,
                    User.active.is_(True),
                )
            )
        return found is not None

    def is_registered(self, fingerprint: str) -> bool:
        """Whether any account holds the key, active or not (the server's public-key check;
        `sign_in` then refuses a deactivated owner in words the user can read)."""
        if not plausible_fingerprint(fingerprint):
            return False
        with self._db.readonly() as session:
            found = session.scalar(select(SshKey.id).where(SshKey.fingerprint == fingerprint))
        return found is not None
