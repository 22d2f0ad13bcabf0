"""The two routes of OpenID Connect sign-in: off to the provider, and back with a code.

`/sign-in/oidc` begins an attempt (state, nonce and PKCE verifier sealed in a cookie) and
sends the browser to the provider. `/sign-in/oidc/callback` checks the state against the
cookie, trades the code for tokens with the client secret and the verifier, checks the ID
token, and hands the person's email and name to `on_identity`, which the server core uses to
find their account and start a session. Anything wrong is a page saying what, and no identity.
"""

from __future__ import annotations

import logging
import time
from base64 import b64encode
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from urllib.parse import quote_plus, urlencode

import aiohttp
from aiohttp import web

from equipshare.config import Settings
from equipshare.server.oidc import attempt as attempts
from equipshare.server.oidc.config import CALLBACK_PATH, START_PATH, OidcClient, oidc_client
from equipshare.server.oidc.id_token import (
    Identity,
    TokenRefused,
    UnknownKey,
    identity_of,
    verified_claims,
)
from equipshare.server.oidc.provider import (
    TIMEOUT,
    ProviderDirectory,
    ProviderError,
    read_json,
)
from equipshare.server.pages import page, refusal

log = logging.getLogger("equipshare.serve.oidc")

OnIdentity = Callable[[web.Request, str, str], Awaitable[web.StreamResponse]]
DIRECTORY_KEY = web.AppKey("equipshare_oidc_directory", ProviderDirectory)
MOST_PARAMETER = 2048  # characters of a code or state; more is not a provider's


class SignInRefused(Exception):
    """This attempt cannot sign anyone in; the message is shown and logged."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def refused_page(message: str, status: int, sign_in_path: str) -> web.Response:
    body = refusal(f"You are not signed in: {message}.") + (
        f'<p><a href="{sign_in_path}">Sign in again</a></p>'
    )
    response = page("Not signed in", body, status=status)
    attempts.clear_attempt_cookie(response)
    return response


def basic_authorization(client: OidcClient) -> str:
    """client_secret_basic (RFC 6749 2.3.1: id and secret form-encoded, then joined)."""
    pair = f"{quote_plus(client.client_id)}:{quote_plus(client.client_secret)}"
    return "Basic " + b64encode(pair.encode()).decode("ascii")


class OidcSignIn:
    """The handlers, holding the client and the provider's cached metadata and keys."""

    def __init__(
        self,
        client: OidcClient,
        on_identity: OnIdentity,
        *,
        sign_in_path: str,
        wall_clock: Callable[[], float],
    ) -> None:
        self.client = client
        self.on_identity = on_identity
        self.sign_in_path = sign_in_path
        self.wall_clock = wall_clock
        self.directory = ProviderDirectory(client)

    async def http_context(self, app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
            self.directory.attach(http)
            yield
            self.directory.attach(None)

    async def start(self, request: web.Request) -> web.StreamResponse:
        try:
            metadata = await self.directory.metadata()
        except ProviderError as exc:
            log.warning("oidc sign-in not started: %s", exc)
            return refused_page("the university's sign-in service cannot be reached now; "
                                "try again in a minute", 503, self.sign_in_path)  # fmt: skip
        begun = attempts.Attempt.begin(self.wall_clock())
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client.client_id,
                "redirect_uri": self.client.redirect_uri,
                "scope": " ".join(self.client.scopes),
                "state": begun.state,
                "nonce": begun.nonce,
                "code_challenge": begun.challenge,
                "code_challenge_method": "S256",
            }
        )
        separator = "&" if "?" in metadata.authorization_endpoint else "?"
        response = web.Response(
            status=302,
            headers={
                "Location": metadata.authorization_endpoint + separator + query,
                "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
            },
        )
        attempts.set_attempt_cookie(response, attempts.seal(begun, self.client), self.client)
        return response

    async def callback(self, request: web.Request) -> web.StreamResponse:
        try:
            identity = await self._identity(request)
        except SignInRefused as exc:
            log.warning("oidc sign-in refused from %s: %s", request.remote, exc)
            return refused_page(str(exc), exc.status, self.sign_in_path)
        log.info("oidc sign-in checked for %s", identity.email)
        response = await self.on_identity(request, identity.email, identity.display_name)
        attempts.clear_attempt_cookie(response)
        return response

    async def _identity(self, request: web.Request) -> Identity:
        query = request.query
        begun = attempts.unseal(
            request.cookies.get(attempts.COOKIE, ""), self.client, self.wall_clock()
        )
        if begun is None:
            raise SignInRefused("this sign-in was not started here, or took over ten minutes")
        if not begun.state_matches(query.get("state", "")[:MOST_PARAMETER]):
            raise SignInRefused("the answer does not belong to this sign-in (state differs)")
        if "error" in query:
            said = "".join(ch for ch in query["error"][:80] if ch.isprintable())
            raise SignInRefused(f"the university's sign-in service answered {said}", 403)
        code = query.get("code", "")
        if not code or len(code) > MOST_PARAMETER:
            raise SignInRefused("the university's sign-in service sent no code")
        try:
            raw = await self._redeem(code, begun.verifier)
            claims = await self._check(raw, begun.nonce)
            return identity_of(claims, self.client)
        except ProviderError as exc:
            raise SignInRefused(str(exc), 502) from None
        except TokenRefused as exc:
            raise SignInRefused(str(exc), 403) from None

    async def _redeem(self, code: str, verifier: str) -> str:
        """The ID token the provider gives for `code`, proving our secret and the verifier."""
        metadata = await self.directory.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.client.redirect_uri,
            "code_verifier": verifier,
        }
        headers = {"Accept": "application/json"}
        methods = metadata.token_auth_methods
        if "client_secret_basic" not in methods and "client_secret_post" in methods:
            form |= {"client_id": self.client.client_id, "client_secret": self.client.client_secret}
        else:
            headers["Authorization"] = basic_authorization(self.client)
        try:
            async with self.directory.http.post(
                metadata.token_endpoint, data=form, headers=headers, allow_redirects=False
            ) as response:
                answer = await read_json(response, "token answer")
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ProviderError(f"the token endpoint could not be reached: {exc}") from None
        if status != 200:
            said = "".join(ch for ch in str(answer.get("error", status))[:80] if ch.isprintable())
            raise SignInRefused(f"the university's sign-in service refused the code ({said})")
        raw = answer.get("id_token")
        if not isinstance(raw, str) or not raw:
            raise ProviderError("the token endpoint sent no ID token")
        return raw

    async def _check(self, raw: str, nonce: str) -> dict[str, object]:
        now = int(self.wall_clock())
        try:
            return verified_claims(raw, await self.directory.keys(), self.client, nonce, now)
        except UnknownKey:
            keys = await self.directory.keys(refresh=True)
            return verified_claims(raw, keys, self.client, nonce, now)


def add_oidc_routes(
    app: web.Application,
    *,
    settings: Settings,
    on_identity: OnIdentity,
    environ: Mapping[str, str] | None = None,
    sign_in_path: str = "/sign-in",
    wall_clock: Callable[[], float] = time.time,
) -> OidcSignIn:
    """Mount `/sign-in/oidc` and its callback; a ConfigError (exit 2) if `[auth]` is incomplete.

    `on_identity(request, email, display_name)` answers the callback once the provider has
    vouched for the email: it maps the email to an account and starts the session.
    """
    sign_in = OidcSignIn(
        oidc_client(settings, environ),
        on_identity,
        sign_in_path=sign_in_path,
        wall_clock=wall_clock,
    )
    app[DIRECTORY_KEY] = sign_in.directory
    app.cleanup_ctx.append(sign_in.http_context)
    app.router.add_get(START_PATH, sign_in.start)
    app.router.add_get(CALLBACK_PATH, sign_in.callback)
    return sign_in
