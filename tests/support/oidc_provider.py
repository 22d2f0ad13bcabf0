"""A small OpenID provider for the tests, on 127.0.0.1: discovery, authorize, token and keys.

It signs one configured person in without asking (the consent a real provider would show is
not what is under test), enforces what a real provider does (the client's secret, the
redirect URI registered, a code used once, the PKCE verifier, checked with authlib's own
S256), and can be told to misbehave in one way at a time, as a broken or hostile provider
would: a token for another audience, with another nonce, signed by another key, expired.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus, urlencode

from aiohttp import web
from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.jwk import RSAKey

HOST = "127.0.0.1"


@dataclass
class Grant:
    redirect_uri: str
    challenge: str
    nonce: str


@dataclass
class TestProvider:
    """The provider's state and the faults it is told to commit."""

    client_id: str
    client_secret: str
    redirect_uri: str
    email: str = "alice@warwick.ac.uk"
    name: str = "Alice Adams"
    email_verified: bool | None = True
    extra_claims: dict[str, Any] = field(default_factory=dict)
    # faults
    audience: str | None = None
    nonce: str | None = None
    expires_in: int = 300
    sign_with_other_key: bool = False
    # what happened
    issuer: str = ""
    codes: dict[str, Grant] = field(default_factory=dict)
    token_requests: int = 0
    refused: list[str] = field(default_factory=list)
    key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "test-1"})
    )
    other_key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "test-1"})
    )

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", self.discovery)
        app.router.add_get("/authorize", self.authorize)
        app.router.add_post("/token", self.token)
        app.router.add_get("/jwks", self.jwks)
        return app

    async def discovery(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def jwks(self, request: web.Request) -> web.Response:
        public = self.key.as_dict(private=False) | {"use": "sig", "alg": "RS256"}
        return web.json_response({"keys": [public]})

    async def authorize(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("client_id") != self.client_id or q.get("redirect_uri") != self.redirect_uri:
            return web.Response(status=400, text="unknown client or redirect URI")
        if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256":
            return web.Response(status=400, text="code flow with S256 only")
        if "openid" not in q.get("scope", "").split() or not q.get("code_challenge"):
            return web.Response(status=400, text="openid scope and a challenge needed")
        code = secrets.token_urlsafe(24)
        self.codes[code] = Grant(self.redirect_uri, q["code_challenge"], q.get("nonce", ""))
        raise web.HTTPFound(f"{self.redirect_uri}?{urlencode({'code': code, 'state': q['state']})}")

    def _client_authenticated(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return (unquote_plus(user), unquote_plus(password)) == (self.client_id, self.client_secret)

    def _refuse(self, why: str, status: int = 400) -> web.Response:
        self.refused.append(why)
        return web.json_response({"error": why}, status=status)

    async def token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        if not self._client_authenticated(request):
            return self._refuse("invalid_client", 401)
        form = await request.post()
        grant = self.codes.pop(str(form.get("code", "")), None)  # a code works once
        if form.get("grant_type") != "authorization_code" or grant is None:
            return self._refuse("invalid_grant")
        if form.get("redirect_uri") != grant.redirect_uri:
            return self._refuse("invalid_grant")
        if not compare_s256_code_challenge(str(form.get("code_verifier", "")), grant.challenge):
            return self._refuse("invalid_grant")
        return web.json_response(
            {
                "access_token": secrets.token_urlsafe(24),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.id_token(grant.nonce),
            }
        )

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": "user-1",
            "aud": self.audience or self.client_id,
            "iat": now,
            "exp": now + self.expires_in,
            "nonce": self.nonce if self.nonce is not None else nonce,
            "email": self.email,
            "name": self.name,
        }
        if self.email_verified is not None:
            claims["email_verified"] = self.email_verified
        claims |= self.extra_claims
        key = self.other_key if self.sign_with_other_key else self.key
        return jwt.encode({"alg": "RS256", "kid": "test-1"}, claims, key)


@asynccontextmanager
async def running(app: web.Application) -> AsyncIterator[str]:
    """Serve `app` on a free loopback port until the block ends; yields its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, HOST, 0)
    await site.start()
    port = int(runner.addresses[0][1])
    try:
        yield f"http://{HOST}:{port}"
    finally:
        await runner.cleanup()
