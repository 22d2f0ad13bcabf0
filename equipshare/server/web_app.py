"""`equipshare serve`: one aiohttp application on one port for the whole consortium.

It serves the calendar feeds under their old URLs (tokens still need no sign-in), a health
check for load balancers, signing in and out (emailed link, a trusted proxy's header or
OpenID Connect), and, at `/`, the signed-in person's app in a terminal in the browser. Who a
request comes from is decided here from the session cookie, checked again on every request
and websocket, never from anything else the browser says. An app lives as long as its
browser session: signing out, the minute's sweep (expired, deactivated) and shutdown end it.
Every service call runs in a thread; the event loop never waits on the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from html import escape

from aiohttp import web

from equipshare.config import Settings
from equipshare.domain.errors import EquipshareError, InputError, RefusedError, ServerStartError
from equipshare.domain.records.users.sessions import StartedSession, WebSessionRecord
from equipshare.server import web_auth
from equipshare.server.feed_app import FEED_ROUTE, FEEDS_KEY, FeedHandler
from equipshare.server.limits import LIMITS, ServerLimits, runner_options
from equipshare.server.logs import log_to_stderr
from equipshare.server.oidc.config import START_PATH as OIDC_START
from equipshare.server.oidc.routes import add_oidc_routes
from equipshare.server.pages import (
    email_form,
    oidc_link,
    page,
    redeem_form,
    refusal,
    sign_out_form,
)
from equipshare.server.session_watch import SessionWatch
from equipshare.server.terminal import add_terminal_routes
from equipshare.server.terminal_apps import AppLaunch, TerminalSessions
from equipshare.services.identity.service import LINK_ROUTE, SessionsService, SignInService
from equipshare.services.plumbing.context import ServiceContext

log = logging.getLogger("equipshare.serve")

# Forms are an address and a token; a few kilobytes is plenty, and all a request may send.
WEB_LIMITS = replace(LIMITS, max_body_size=4096)
HEALTH_SECONDS = 5.0
#: Where a request's checked session is kept for the handlers after `user_of_request`.
SESSION_KEY = web.RequestKey("equipshare_session", WebSessionRecord)
APP_BASE = "/app"  # the terminal's websocket and static files; its page is `/`


def see_other(location: str) -> web.Response:
    """303: after a form, the browser GETs `location` (and sets any cookie on the way)."""
    return web.Response(status=303, headers={"Location": location, "Cache-Control": "no-store"})


class WebRoutes:
    """The handlers of sign-in, sign-out and health, and who a request's user is."""

    def __init__(self, context: ServiceContext) -> None:
        self.settings = context.settings
        self.sessions = SessionsService(context)
        self.sign_in = SignInService(context)
        self.watch = SessionWatch(self.sessions)
        self._secure = context.settings.server.secure

    # -- health and home ---------------------------------------------------------------------

    async def health(self, _request: web.Request) -> web.Response:
        try:
            ok = await asyncio.wait_for(
                asyncio.to_thread(self.sessions.database_answers), HEALTH_SECONDS
            )
        except TimeoutError:
            ok = False
        if ok:
            return web.Response(text="ok\n", headers={"Cache-Control": "no-store"})
        return web.Response(
            status=503, text="database unreachable\n", headers={"Cache-Control": "no-store"}
        )

    # -- who the app is for ------------------------------------------------------------------

    async def user_of_request(self, request: web.Request) -> str | None:
        """The session cookie's user, checked in the database now (the terminal's sign-in)."""
        record = await web_auth.current_session(request, self.sessions)
        if record is None:
            return None
        request[SESSION_KEY] = record
        return record.username

    def watch_app(
        self, request: web.Request, end: Callable[[], Awaitable[None]]
    ) -> Callable[[], None]:
        """An app started for the request's session ends with that session (and only it)."""
        record = request[SESSION_KEY]
        return self.watch.watch(record.id, end)

    # -- signing in --------------------------------------------------------------------------

    async def sign_in_page(self, request: web.Request) -> web.StreamResponse:
        if await web_auth.current_session(request, self.sessions) is not None:
            raise web.HTTPSeeOther("/")
        method = self.settings.auth.method
        if method == "proxy":
            return await self._proxy_sign_in(request)
        if method == "oidc":
            return page("Sign in", oidc_link(OIDC_START))
        return self._email_page(request)

    async def oidc_identity(
        self, request: web.Request, email: str, display_name: str
    ) -> web.StreamResponse:
        """The OpenID provider vouched for `email`: its account (or a new one), a session, `/`."""
        return await self._start(
            request, lambda agent, peer: self.sign_in.sign_in_verified(
                email, how="oidc", display_name=display_name, user_agent=agent, address=peer
            ),
        )  # fmt: skip

    async def _proxy_sign_in(self, request: web.Request) -> web.StreamResponse:
        email = web_auth.proxy_identity(request, self.settings)
        if email is None:
            return page(
                "Sign in",
                "<p>Sign in through your institution's sign-in page, which sends you here. "
                "This request did not come through it.</p>",
                status=401,
            )
        return await self._start(
            request, lambda agent, peer: self.sign_in.sign_in_verified(
                email, how="proxy", user_agent=agent, address=peer
            ),
        )  # fmt: skip

    def _email_page(
        self, request: web.Request, *, email: str = "", problem: str = "", status: int = 200
    ) -> web.StreamResponse:
        token = web_auth.form_token(request)
        response = page("Sign in", email_form(token, email=email, problem=problem), status=status)
        web_auth.set_form_cookie(response, token, self._secure)
        return response

    def _form_refused(self, request: web.Request, form: dict[str, str]) -> bool:
        return not web_auth.same_origin(request, self.settings) or not (
            web_auth.form_token_matches(request, form.get("csrf", ""))
        )

    async def request_link(self, request: web.Request) -> web.StreamResponse:
        if self.settings.auth.method != "email":
            raise web.HTTPNotFound()
        form = {k: str(v) for k, v in (await request.post()).items()}
        if self._form_refused(request, form):
            return page("Sign in", refusal("This form has expired; open the sign-in page again."),
                        status=403)  # fmt: skip
        email = form.get("email", "")
        try:
            sent = await asyncio.to_thread(self.sign_in.request_link, email)
        except InputError as exc:
            return self._email_page(request, email=email, problem=str(exc), status=400)
        except RefusedError as exc:
            return self._email_page(request, email=email, problem=str(exc), status=403)
        return page(
            "Check your email",
            f"<p>A sign-in link is on its way to <strong>{escape(sent.email)}</strong>. "
            "It works once, for a few minutes.</p>",
        )

    async def link_page(self, request: web.Request) -> web.StreamResponse:
        """A button, not a sign-in: GET changes nothing, so a link scanner spends no link."""
        if self.settings.auth.method != "email":
            raise web.HTTPNotFound()
        token = web_auth.form_token(request)
        action = LINK_ROUTE + request.match_info["token"]
        response = page("Sign in", redeem_form(action, token))
        web_auth.set_form_cookie(response, token, self._secure)
        return response

    async def redeem_link(self, request: web.Request) -> web.StreamResponse:
        if self.settings.auth.method != "email":
            raise web.HTTPNotFound()
        form = {k: str(v) for k, v in (await request.post()).items()}
        if self._form_refused(request, form):
            return page("Sign in", refusal("This form has expired; open the link again."),
                        status=403)  # fmt: skip
        link = request.match_info["token"]
        return await self._start(
            request, lambda agent, peer: self.sign_in.redeem_link(
                link, user_agent=agent, address=peer
            ),
        )  # fmt: skip

    async def _start(
        self, request: web.Request, start: Callable[[str, str], StartedSession]
    ) -> web.StreamResponse:
        agent = request.headers.get("User-Agent", "")[:300]
        peer = request.remote or ""
        try:
            started = await asyncio.to_thread(start, agent, peer)
        except EquipshareError as exc:
            body = refusal(str(exc)) + '<p><a href="/sign-in">Back to signing in</a></p>'
            return page("Not signed in", body, status=403)
        response = see_other("/")
        web_auth.set_session_cookie(response, started, self._secure)
        return response

    # -- signing out -------------------------------------------------------------------------

    async def sign_out_page(self, request: web.Request) -> web.StreamResponse:
        """Who is signed in, and the button (with its CSRF token) that signs them out."""
        record = await web_auth.current_session(request, self.sessions)
        if record is None:
            raise web.HTTPSeeOther("/sign-in")
        secret = web_auth.cookie_secret(request) or ""
        body = (
            f"<p>Signed in as <strong>{escape(record.display_name)}</strong> "
            f"({escape(record.username)}).</p>"
            + sign_out_form(web_auth.session_csrf(secret))
            + '<p><a href="/">Back to equipshare</a></p>'
        )
        return page("Sign out", body)

    async def sign_out(self, request: web.Request) -> web.StreamResponse:
        secret = web_auth.cookie_secret(request)
        form = {k: str(v) for k, v in (await request.post()).items()}
        if (
            not secret
            or not web_auth.same_origin(request, self.settings)
            or not web_auth.session_token_matches(secret, form.get("csrf", ""))
        ):
            return page("Not signed out", refusal("This form has expired; reload the page."),
                        status=403)  # fmt: skip
        record = await web_auth.current_session(request, self.sessions)
        await asyncio.to_thread(self.sessions.end, secret)
        if record is not None:
            await self.watch.ended(record.id)
        response = see_other("/sign-in")
        web_auth.clear_session_cookie(response)
        return response


ROUTES_KEY = web.AppKey("web_routes", WebRoutes)
TERMINAL_KEY = web.AppKey("web_terminal", TerminalSessions)


def app_launch(settings: Settings) -> AppLaunch:
    """App processes read the settings file `serve` read, on the database it uses."""
    source = settings.source.resolve() if settings.source is not None else None
    return AppLaunch(
        config_path=source,
        database_url=settings.database_url,
        read_url=settings.database.read_url or None,
    )


def create_web_app(
    context: ServiceContext,
    limits: ServerLimits = WEB_LIMITS,
    *,
    launch: AppLaunch | None = None,
    environ: Mapping[str, str] | None = None,
) -> web.Application:
    """The application `equipshare serve` runs: feeds, health, sign-in and the app at `/`.

    A ConfigError (exit 2) when `[auth] method = "oidc"` lacks a setting or its secret's
    environment variable (`environ`, default the process's), before anything listens.
    """
    settings = context.settings
    app = web.Application(client_max_size=limits.max_body_size)
    feeds = FeedHandler(context)
    routes = WebRoutes(context)
    app[FEEDS_KEY] = feeds
    app[ROUTES_KEY] = routes
    app.router.add_get(FEED_ROUTE, feeds.handle)
    app.router.add_get("/health", routes.health)
    app.router.add_get("/sign-in", routes.sign_in_page)
    app.router.add_post("/sign-in/email", routes.request_link)
    app.router.add_get(LINK_ROUTE + "{token}", routes.link_page)
    app.router.add_post(LINK_ROUTE + "{token}", routes.redeem_link)
    app.router.add_get("/sign-out", routes.sign_out_page)
    app.router.add_post("/sign-out", routes.sign_out)
    if settings.auth.method == "oidc":
        add_oidc_routes(app, settings=settings, on_identity=routes.oidc_identity, environ=environ)
    app[TERMINAL_KEY] = add_terminal_routes(
        app,
        user_of_request=routes.user_of_request,
        public_origin=settings.server.base_url,
        launch=launch or app_launch(settings),
        page_path="/",
        base_path=APP_BASE,
        sign_out_path="/sign-out",
        watch_app=routes.watch_app,
        per_user=settings.server.max_sessions_per_user,
        total=settings.server.max_sessions,
    )
    app.cleanup_ctx.append(routes.watch.context)
    return app


def serve(
    context: ServiceContext,
    host: str,
    port: int,
    announce: Callable[[], None] = lambda: None,
    limits: ServerLimits = WEB_LIMITS,
    launch: AppLaunch | None = None,
) -> None:
    """Run until SIGINT or SIGTERM (blocking); `announce` once it listens. With [ssh]
    enabled the SSH server runs beside the web app, in its event loop.

    A failure to listen is one ServerStartError line. Log lines are scrubbed of tokens.
    """
    log_to_stderr()
    app = create_web_app(context, limits, launch=launch)
    if context.settings.ssh.enabled:
        from equipshare.server.ssh.running import beside, ssh_server

        beside(app, ssh_server(context, launch or app_launch(context.settings)))
    try:
        web.run_app(
            app,
            host=host,
            port=port,
            print=lambda _message: announce(),
            shutdown_timeout=5.0,
            **runner_options(limits, logging.getLogger("equipshare.serve.access")),
        )
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ServerStartError(f"cannot listen on {host}:{port}: {reason}") from None
