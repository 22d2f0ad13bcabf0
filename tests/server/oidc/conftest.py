"""A test OpenID provider and an equipshare server using it, both on real loopback sockets."""

from __future__ import annotations

import secrets
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aiohttp
import pytest
from aiohttp import web

from equipshare.config import Settings
from equipshare.server.oidc.config import CALLBACK_PATH, START_PATH
from equipshare.server.oidc.routes import add_oidc_routes
from equipshare.settings.server import AuthSettings, ServerSettings
from tests.support.oidc_provider import HOST, TestProvider, running

SECRET_ENV = "EQUIPSHARE_TEST_OIDC_SECRET"
CLIENT_ID = "equipshare-test"
IDENTITIES = web.AppKey("identities", list[tuple[str, str]])


@dataclass
class SignInWorld:
    """The provider, our server's base URL, what `on_identity` was given, and a browser."""

    provider: TestProvider
    base: str
    secret: str
    identities: list[tuple[str, str]]
    browser: aiohttp.ClientSession
    pages: list[str] = field(default_factory=list)

    async def get(self, url: str, *, follow: bool = True) -> tuple[int, str, str]:
        """(status, body, Location) of a GET, the body kept to check no secret is shown."""
        async with self.browser.get(url, allow_redirects=follow) as response:
            body = await response.text()
            self.pages.append(body + str(response.headers))
            return response.status, body, response.headers.get("Location", "")

    async def callback_url(self) -> str:
        """Start a sign-in and let the provider answer; the callback URL it sends back to."""
        status, _, to_provider = await self.get(self.base + START_PATH, follow=False)
        assert status == 302, status
        status, _, back = await self.get(to_provider, follow=False)
        assert status == 302 and back.startswith(self.base + CALLBACK_PATH), (status, back)
        return back

    async def sign_in(self) -> tuple[int, str]:
        status, body, _ = await self.get(self.base + START_PATH)
        return status, body


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query)) | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


def settings_for(base: str, issuer: str, **auth: Any) -> Settings:
    return replace(
        Settings(),
        server=replace(ServerSettings(), base_url=base),
        auth=replace(
            AuthSettings(),
            **{
                "method": "oidc",
                "oidc_issuer": issuer,
                "oidc_client_id": CLIENT_ID,
                "oidc_client_secret_env": SECRET_ENV,
            }
            | auth,
        ),
    )


async def signed_in_page(request: web.Request, email: str, name: str) -> web.StreamResponse:
    request.app[IDENTITIES].append((email, name))
    return web.Response(text=f"signed in as {email} ({name})")


@pytest.fixture
def auth_options() -> dict[str, Any]:
    return {}


@pytest.fixture
async def world(auth_options: dict[str, Any]) -> AsyncIterator[SignInWorld]:
    secret = "s3cret-" + secrets.token_urlsafe(24)
    listener = socket.socket()
    listener.bind((HOST, 0))
    base = f"http://{HOST}:{listener.getsockname()[1]}"
    provider = TestProvider(CLIENT_ID, secret, base + CALLBACK_PATH)
    async with running(provider.app()) as issuer:
        provider.issuer = issuer
        app = web.Application()
        identities: list[tuple[str, str]] = []
        app[IDENTITIES] = identities
        add_oidc_routes(
            app,
            settings=settings_for(base, issuer, **auth_options),
            on_identity=signed_in_page,
            environ={SECRET_ENV: secret},
        )
        runner = web.AppRunner(app)
        await runner.setup()
        await web.SockSite(runner, listener).start()
        jar = aiohttp.CookieJar(unsafe=True)  # cookies for an IP address host
        try:
            async with aiohttp.ClientSession(cookie_jar=jar) as browser:
                yield SignInWorld(provider, base, secret, identities, browser)
        finally:
            await runner.cleanup()
