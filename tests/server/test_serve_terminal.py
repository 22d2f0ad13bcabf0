"""The app at `/` of `equipshare serve`, on a real loopback socket, on both engines: the session
cookie opens it (checked on every websocket), nothing else does, and an app ends with its
browser session (signed out, swept once ended or deactivated) and with the server."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from equipshare.server.terminal_apps import AppLaunch, TerminalSessions
from equipshare.server.terminal_page import BAR_PX
from equipshare.server.web_app import APP_BASE, ROUTES_KEY, TERMINAL_KEY, WebRoutes, create_web_app
from equipshare.server.web_auth import SESSION_COOKIE
from equipshare.services.identity.service import SessionsService
from equipshare.services.plumbing.context import ServiceContext
from tests.server.terminal_live import HOST, stand_in_launch
from tests.server.test_terminal import alive, wait_for_dumps
from tests.server.test_terminal_app import screen_text
from tests.services.identity.signing_in import set_active, with_server
from tests.support.world import World

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Served:
    base: str
    routes: WebRoutes
    apps: TerminalSessions
    browser: aiohttp.ClientSession

    def cookie(self, secret: str) -> dict[str, str]:
        return {"Origin": self.base, "Cookie": f"{SESSION_COOKIE}={secret}"}

    async def open_app(self, secret: str) -> aiohttp.ClientWebSocketResponse:
        url = f"{self.base}{APP_BASE}/ws?width=120&height=30"
        return await self.browser.ws_connect(url, headers=self.cookie(secret))

    async def sign_out(self, secret: str) -> int:
        async with self.browser.get(f"{self.base}/sign-out", headers=self.cookie(secret)) as page:
            found = CSRF.search(await page.text())
        assert found is not None
        async with self.browser.post(
            f"{self.base}/sign-out",
            data={"csrf": found.group(1)},
            headers=self.cookie(secret),
            allow_redirects=False,
        ) as answer:
            return answer.status


@asynccontextmanager
async def serving(
    context: ServiceContext,
    launch: AppLaunch,
    auth: dict[str, Any] | None = None,
    *,
    sweep_seconds: float | None = None,
    **server: Any,
) -> AsyncIterator[Served]:
    """The serve app on a free 127.0.0.1 port, its public URL that port (for the Origin check);
    `auth` and `server` change [auth] and [server], `sweep_seconds` the sweep's period."""
    listener = socket.socket()
    listener.bind((HOST, 0))
    base = f"http://{HOST}:{listener.getsockname()[1]}"
    app = create_web_app(with_server(context, auth, base_url=base, **server), launch=launch)
    if sweep_seconds is not None:
        app[ROUTES_KEY].watch.every = sweep_seconds
    runner = web.AppRunner(app, shutdown_timeout=5)
    await runner.setup()
    await web.SockSite(runner, listener).start()
    try:
        async with aiohttp.ClientSession() as browser:
            yield Served(base, app[ROUTES_KEY], app[TERMINAL_KEY], browser)
    finally:
        await runner.cleanup()


def pids(dumps: list[dict[str, object]]) -> list[int]:
    return [int(str(dump["pid"])) for dump in dumps]


@pytest.mark.slow
async def test_a_signed_in_user_s_app_names_them_and_ends_when_they_sign_out(
    context: ServiceContext, world: World, database_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "equipshare.toml"
    config.write_text("")
    launch = AppLaunch(config_path=config, database_url=database_url)
    secret = SessionsService(context).start("alice", how="proxy").secret
    async with serving(context, launch) as served:
        async with served.browser.get(served.base + "/", headers=served.cookie(secret)) as page:
            assert page.status == 200 and f"{APP_BASE}/ws" in await page.text()
        async with await served.open_app(secret) as app_socket:
            text = await screen_text(app_socket, "signed in as alice", 60)
            assert "signed in as alice" in text, text[-2000:]
            (app,) = served.apps.running("alice")
            pid = app.pid
            assert pid is not None and alive(pid)
            assert await served.sign_out(secret) == 303
            assert not alive(pid)
            assert served.apps.running() == []
        refused = await served.browser.get(served.base + "/", headers=served.cookie(secret),
                                           allow_redirects=False)  # fmt: skip
        assert (refused.status, refused.headers["Location"]) == (303, "/sign-in")


async def test_the_sign_out_link_sits_in_a_bar_above_the_terminal_not_on_it(
    context: ServiceContext, world: World, tmp_path: Path
) -> None:
    secret = SessionsService(context).start("alice", how="proxy").secret
    async with (
        serving(context, stand_in_launch(tmp_path, "obedient")) as served,
        served.browser.get(served.base + "/", headers=served.cookie(secret)) as page,
    ):
        body = await page.text()
    bar = '<nav class="bar"><a href="/sign-out">Sign out</a></nav>'
    assert body.index(bar) < body.index('id="terminal"')  # in the flow, above the terminal
    assert '<body class="with-bar">' in body and "position: fixed" not in body
    # textual.js fits the terminal to its element: that element leaves the bar's height out.
    assert f"#terminal.textual-terminal {{ height: calc(100vh - {BAR_PX}px); }}" in body


@pytest.mark.parametrize("cookie", [None, "forged", "A" * 43])
async def test_no_cookie_or_a_forged_one_is_refused_and_starts_nothing(
    context: ServiceContext, world: World, tmp_path: Path, cookie: str | None
) -> None:
    async with serving(context, stand_in_launch(tmp_path, "obedient")) as served:
        headers = {"Origin": served.base} | (
            {"Cookie": f"{SESSION_COOKIE}={cookie}"} if cookie is not None else {}
        )
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await served.browser.ws_connect(f"{served.base}{APP_BASE}/ws", headers=headers)
        assert refused.value.status == 401
        page = await served.browser.get(served.base + "/", headers=headers, allow_redirects=False)
        assert (page.status, page.headers["Location"]) == (303, "/sign-in")
        download = await served.browser.get(served.base + "/download/x", headers=headers)
        assert download.status == 401
    assert not list(tmp_path.glob("*.json"))


async def test_signing_out_ends_that_session_s_app_only(
    context: ServiceContext, world: World, tmp_path: Path
) -> None:
    sessions = SessionsService(context)
    first, second = (sessions.start("alice", how="proxy").secret for _ in range(2))
    async with serving(context, stand_in_launch(tmp_path, "obedient")) as served:
        # One at a time: the dumps are named by pid, which says nothing of which app is whose.
        sockets = [await served.open_app(first)]
        (gone,) = pids(await wait_for_dumps(tmp_path, 1))
        sockets.append(await served.open_app(second))
        kept = next(pid for pid in pids(await wait_for_dumps(tmp_path, 2)) if pid != gone)
        assert await served.sign_out(first) == 303
        assert (alive(gone), alive(kept)) == (False, True)
        assert len(served.apps.running("alice")) == 1
        for app_socket in sockets:
            await app_socket.close()


async def test_the_sweep_ends_a_deactivated_user_s_app_and_shutdown_the_rest(
    context: ServiceContext, world: World, tmp_path: Path
) -> None:
    sessions = SessionsService(context)
    erin, bob = (sessions.start(name, how="proxy").secret for name in ("erin", "bob"))
    async with serving(context, stand_in_launch(tmp_path, "obedient")) as served:
        sockets = [await served.open_app(erin)]
        (erin_pid,) = pids(await wait_for_dumps(tmp_path, 1))
        sockets.append(await served.open_app(bob))
        bob_pid = next(pid for pid in pids(await wait_for_dumps(tmp_path, 2)) if pid != erin_pid)
        assert await served.routes.watch.sweep() == ()
        set_active(context, world, "erin", False)
        # What the minute's sweep does: erin's session has ended, so her app goes.
        assert len(await served.routes.watch.sweep()) == 1
        assert not alive(erin_pid) and alive(bob_pid)
        assert [app.username for app in served.apps.running()] == ["bob"]
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await served.open_app(erin)
    assert not alive(bob_pid)  # the server stopped: every app reaped
    for app_socket in sockets:
        await app_socket.close()
