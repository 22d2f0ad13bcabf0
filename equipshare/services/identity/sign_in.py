"""Signing in to `equipshare serve`: an emailed one-time link, or an identity vouched for.

Whatever proves the identity (a trusted proxy's header, an OpenID provider, a link that
reached the mailbox) yields an email address, and the address yields the account: an
active user who has it; or, with `[auth] create_users`, a new researcher at the
institution whose email domain it is (audited); or a refusal saying whom to ask. An
account is made only for a proven address: asking for a link makes none, redeeming it does.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import Institution, User
from equipshare.db.models.web import SignInLink
from equipshare.domain.enums import NotificationKind, Role
from equipshare.domain.errors import InputError, PermissionDenied, RefusedError
from equipshare.domain.records.users.sessions import SignInLinkSent, StartedSession
from equipshare.services.identity.secrets import new_secret, plausible, secret_hash
from equipshare.services.identity.sessions import start_in
from equipshare.services.notify.outbox import local_instant, queue_notification
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext

LINK_ROUTE = "/sign-in/link/"
_ADDRESS = re.compile(r"^[^@\s\x00-\x1f\x7f]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")
_NAME_PART = re.compile(r"[^a-z0-9._-]+")
LINK_REFUSED = "this sign-in link {}; ask for a new one on the sign-in page"


def normalised_email(text: str) -> str:
    """An address as compared and stored: trimmed, lower case; InputError naming `email`."""
    address = text.strip().lower()
    if len(address) > 320 or not _ADDRESS.fullmatch(address):
        raise InputError("email: not an email address like name@example.ac.uk", "email")
    return address


def _printable(text: str) -> str:
    """A name from outside with control characters and runs of spaces made single spaces."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


class SignInService:
    """Emailed links and vouched-for identities, each ending in a session; audited."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        self._settings = context.settings

    # -- the account an address names ----------------------------------------------------

    def _whom_to_ask(self) -> str:
        return f"ask an equipshare administrator at {self._settings.organisation.name} to add you"

    def _account(
        self, session: Session, address: str, now: datetime, how: str, name: str = ""
    ) -> User:
        """The proven address's account, made now (audited) if it may be and has none."""
        user = self._existing(session, address)
        if user is not None:
            return user
        institution = self._institution_for(session, address)
        return self._create(session, address, institution, now, how, name)

    def _existing(self, session: Session, address: str) -> User | None:
        """The active account using `address`, None if none does; refused if it is ambiguous
        or deactivated."""
        users = session.scalars(select(User).where(func.lower(User.email) == address)).all()
        active = [user for user in users if user.active]
        if len(active) > 1:
            names = ", ".join(sorted(user.username for user in active))
            raise RefusedError(
                f"several accounts use {address} ({names}); {self._whom_to_ask()}", "email"
            )
        if active:
            return active[0]
        if users:
            raise PermissionDenied(
                f"the account {users[0].username} for {address} is deactivated; "
                "ask an equipshare administrator to reactivate it",
                "email",
            )
        return None

    def _institution_for(self, session: Session, address: str) -> Institution:
        """Where an account for `address` would be made; refused unless one may be."""
        domain = address.partition("@")[2]
        if not self._settings.auth.create_users:
            raise RefusedError(f"no equipshare account uses {address}; {self._whom_to_ask()}")
        institution = session.scalar(
            select(Institution).where(func.lower(Institution.email_domain) == domain)
        )
        if institution is None:
            raise RefusedError(
                f"no equipshare account uses {address}, and {domain} is no member "
                f"institution's email domain; {self._whom_to_ask()}",
                "email",
            )
        return institution

    def _create(
        self,
        session: Session,
        address: str,
        institution: Institution,
        now: datetime,
        how: str,
        name: str = "",
    ) -> User:
        local = address.partition("@")[0]
        base = _NAME_PART.sub("", local)[:56] or "user"
        username, n = base, 1
        while session.scalar(select(User.id).where(User.username == username)) is not None:
            n += 1
            username = f"{base}{n}"
        user = User(
            username=username,
            display_name=_printable(name)[:200] or local,
            email=address,
            institution_id=institution.id,
            role=Role.RESEARCHER,
            active=True,
            created_at=now,
        )
        session.add(user)
        session.flush()
        record_audit(
            session, actor_id=None, action="user.create", entity_type="user", entity_id=user.id,
            at=now, after={"username": username, "email": address, "institution":
                           institution.code, "role": Role.RESEARCHER.value, "via": how},
        )  # fmt: skip
        return user

    # -- an identity vouched for by a proxy or an OpenID provider ----------------------------

    def sign_in_verified(
        self,
        email: str,
        *,
        how: str,
        display_name: str = "",
        user_agent: str = "",
        address: str = "",
    ) -> StartedSession:
        """A session for the account of an address someone we trust has verified.

        `display_name` (the provider's name for the person) names an account created now.
        """
        wanted = normalised_email(email)
        now = self._clock.now()
        with self._db.sessions.begin() as session:
            user = self._account(session, wanted, now, how, display_name)
            return start_in(
                session, user, self._settings, now,
                how=how, user_agent=user_agent, address=address,
            )  # fmt: skip

    # -- the emailed link ----------------------------------------------------------------

    def request_link(self, email: str) -> SignInLinkSent:
        """Queue a one-time sign-in link to `email` in the outbox, within the hourly limit."""
        wanted = normalised_email(email)
        auth = self._settings.auth
        now = self._clock.now()
        with self._db.sessions.begin() as session:
            recent = session.scalars(
                select(SignInLink.created_at)
                .where(SignInLink.email == wanted, SignInLink.created_at > now - timedelta(hours=1))
                .order_by(SignInLink.created_at)
            ).all()
            if len(recent) >= auth.email_links_per_hour:
                again = local_instant(
                    recent[0] + timedelta(hours=1), self._settings.organisation.timezone
                )
                raise RefusedError(
                    f"{wanted} has been sent {len(recent)} sign-in links in the last hour, the "
                    f"most allowed ([auth] email_links_per_hour); ask again after {again}",
                    "email",
                )
            # No account is made here: the address is not proven until the link is redeemed.
            user = self._existing(session, wanted)
            if user is not None:
                who = f"as {user.username}"
            else:
                joining = self._institution_for(session, wanted).name
                who = f"(your account at {joining} is made when you do)"
            token = new_secret()
            expires = now + timedelta(minutes=auth.email_link_minutes)
            link = SignInLink(
                token_hash=secret_hash(token), email=wanted, created_at=now, expires_at=expires
            )
            session.add(link)
            session.flush()
            url = self._settings.server.base_url.rstrip("/") + LINK_ROUTE + token
            until = local_instant(expires, self._settings.organisation.timezone)
            queue_notification(
                session,
                user_id=None if user is None else user.id,
                kind=NotificationKind.SIGN_IN_LINK,
                subject="Your equipshare sign-in link",
                body=(
                    f"Open this link to sign in to equipshare {who}:\n\n{url}\n\n"
                    f"It works once, until {until}. If you did not ask to sign in, ignore "
                    "this message: nobody can use the link without your mailbox."
                ),
                at=now,
                payload={"sign_in_link": link.id},
                describes={},
            )
            record_audit(
                session, actor_id=None if user is None else user.id,
                action="sign_in.link_sent", entity_type="sign_in_link", entity_id=link.id,
                at=now, after={"email": wanted, "expires_at": expires},
            )  # fmt: skip
            return SignInLinkSent(wanted, None if user is None else user.username, expires)

    def redeem_link(self, token: str, *, user_agent: str = "", address: str = "") -> StartedSession:
        """A session for the link's account; a used, expired or unknown link is refused."""
        if not plausible(token):
            raise RefusedError(LINK_REFUSED.format("is not one equipshare sent"), "link")
        now = self._clock.now()
        with self._db.sessions.begin() as session:
            link = session.scalar(
                select(SignInLink)
                .where(SignInLink.token_hash == secret_hash(token))
                .with_for_update()
            )
            if link is None:
                raise RefusedError(LINK_REFUSED.format("is not one equipshare sent"), "link")
            if link.used_at is not None:
                raise RefusedError(LINK_REFUSED.format("has been used already"), "link")
            if now >= link.expires_at:
                until = local_instant(link.expires_at, self._settings.organisation.timezone)
                raise RefusedError(LINK_REFUSED.format(f"expired at {until}"), "link")
            user = self._account(session, link.email, now, "email")
            link.used_at = now
            record_audit(
                session, actor_id=user.id, action="sign_in.link_used", entity_type="sign_in_link",
                entity_id=link.id, at=now, after={"email": link.email},
            )  # fmt: skip
            return start_in(
                session, user, self._settings, now,
                how="email", user_agent=user_agent, address=address,
            )  # fmt: skip
