"""Who a request comes from: the session cookie, CSRF tokens, and a trusted proxy's header.

The session cookie holds a random secret (HttpOnly, SameSite=Lax, Secure behind https);
the database holds its hash. A form that changes state carries a CSRF token: derived from
the session secret once signed in, or, before that, equal to a random cookie of its own
(double submit). A POST whose Origin is another site's is refused outright.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from urllib.parse import urlsplit

from aiohttp import web

from equipshare.config import Settings
from equipshare.domain.errors import RefusedError
from equipshare.domain.records.users.sessions import StartedSession, WebSessionRecord
from equipshare.services.identity.service import SessionsService

log = logging.getLogger("equipshare.serve")

SESSION_COOKIE = "equipshare_session"
FORM_COOKIE = "equipshare_form"
FORM_COOKIE_SECONDS = 3600


def session_csrf(secret: str) -> str:
    """The CSRF token of a session's forms: only a holder of the cookie can compute it."""
    return hashlib.sha256(b"equipshare-csrf:" + secret.encode()).hexdigest()[:32]


def cookie_secret(request: web.Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE)


async def current_session(
    request: web.Request, sessions: SessionsService
) -> WebSessionRecord | None:
    """The request's open session, or None (no cookie, forged, ended or expired)."""
    secret = cookie_secret(request)
    if not secret:
        return None
    try:
        return await asyncio.to_thread(sessions.check, secret)
    except RefusedError:
        return None


def set_session_cookie(response: web.StreamResponse, started: StartedSession, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        started.secret,
        httponly=True,
        samesite="Lax",
        secure=secure,
        path="/",
    )


def clear_session_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(SESSION_COOKIE, path="/")


def form_token(request: web.Request) -> str:
    """The pre-sign-in CSRF token: the form cookie's value, or a new one to set."""
    return request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(24)


def set_form_cookie(response: web.StreamResponse, token: str, secure: bool) -> None:
    response.set_cookie(
        FORM_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=secure,
        path="/sign-in",
        max_age=FORM_COOKIE_SECONDS,
    )


def same_origin(request: web.Request, settings: Settings) -> bool:
    """False when the browser says the form came from another site (Origin header)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    public = urlsplit(settings.server.base_url)
    allowed = {f"{public.scheme}://{public.netloc}", f"{request.scheme}://{request.host}"}
    return origin in allowed


def form_token_matches(request: web.Request, sent: str) -> bool:
    expected = request.cookies.get(FORM_COOKIE, "")
    return bool(expected) and hmac.compare_digest(expected.encode(), sent.encode())


def session_token_matches(secret: str, sent: str) -> bool:
    return hmac.compare_digest(session_csrf(secret).encode(), sent.encode())


def proxy_identity(request: web.Request, settings: Settings) -> str | None:
    """The email a trusted reverse proxy vouches for, or None.

    The header is believed only from an address in `[server] proxy_addresses`; from any
    other it is ignored, and logged, since someone is trying to name themselves.
    """
    value = request.headers.get(settings.auth.proxy_header, "").strip()
    if not value:
        return None
    if not settings.server.trusts(request.remote):
        log.warning(
            "ignored the %s header from %s, which is not in [server] proxy_addresses",
            settings.auth.proxy_header,
            request.remote,
        )
        return None
    return value
