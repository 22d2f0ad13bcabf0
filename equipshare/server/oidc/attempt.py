"""One sign-in attempt's secrets (state, nonce, PKCE verifier), sealed in a short-lived cookie.

The cookie is encrypted and authenticated (JWE, dir + A256GCM) with a key derived from the
client secret, which every `serve` process behind a load balancer already holds: any of them
can finish an attempt another began, nothing is stored, and neither the browser nor anyone
who copies the cookie can read the verifier or forge an attempt. It lives ten minutes, only
on the sign-in paths, HttpOnly and SameSite=Lax (the provider's redirect back is a top-level
GET, which Lax lets through).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from base64 import urlsafe_b64encode
from dataclasses import asdict, dataclass

from aiohttp import web
from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

from equipshare.server.oidc.config import START_PATH, OidcClient

COOKIE = "equipshare_oidc"
ATTEMPT_SECONDS = 600
_HEADER = {"alg": "dir", "enc": "A256GCM"}
_KEY_LABEL = b"equipshare oidc attempt cookie v1"


@dataclass(frozen=True)
class Attempt:
    """What the callback must match: the state sent, the nonce asked for, the PKCE verifier."""

    state: str
    nonce: str
    verifier: str
    expires: int  # Unix seconds

    @classmethod
    def begin(cls, now: float) -> Attempt:
        return cls(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            verifier=secrets.token_urlsafe(48),  # 64 characters: RFC 7636 allows 43-128
            expires=int(now) + ATTEMPT_SECONDS,
        )

    @property
    def challenge(self) -> str:
        """The S256 code challenge of the verifier (RFC 7636 4.2)."""
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        return urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def state_matches(self, state: str) -> bool:
        return hmac.compare_digest(self.state.encode(), state.encode("utf-8", "replace"))


def _key(client: OidcClient) -> OctKey:
    raw = hmac.new(client.client_secret.encode("utf-8"), _KEY_LABEL, hashlib.sha256).digest()
    return OctKey.import_key(raw)


def seal(attempt: Attempt, client: OidcClient) -> str:
    payload = json.dumps(asdict(attempt), separators=(",", ":")).encode()
    return jwe.encrypt_compact(_HEADER, payload, _key(client), algorithms=["dir", "A256GCM"])


def unseal(value: str, client: OidcClient, now: float) -> Attempt | None:
    """The attempt in a cookie, or None when it is forged, garbled or expired."""
    if not value or len(value) > 4096:
        return None
    try:
        plain = jwe.decrypt_compact(value, _key(client), algorithms=["dir", "A256GCM"]).plaintext
        data = json.loads(plain or b"")
        attempt = Attempt(
            state=str(data["state"]),
            nonce=str(data["nonce"]),
            verifier=str(data["verifier"]),
            expires=int(data["expires"]),
        )
    except (JoseError, ValueError, TypeError, KeyError):
        return None
    return attempt if now < attempt.expires else None


def set_attempt_cookie(response: web.StreamResponse, sealed: str, client: OidcClient) -> None:
    response.set_cookie(
        COOKIE,
        sealed,
        max_age=ATTEMPT_SECONDS,
        path=START_PATH,
        httponly=True,
        secure=client.secure_cookie,
        samesite="Lax",
    )


def clear_attempt_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path=START_PATH)
