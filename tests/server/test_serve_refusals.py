"""What a browser cannot do to `equipshare serve`'s apps, on a real loopback socket, on both
engines: be someone else (through the URL, headers, another session's key or another user's
download), keep an expired session's app, or open more apps than [server] allows; and a
deactivated user's app ends by the sweep on its own."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from pathlib import Path

import aiohttp
import pytest

from equipshare.domain.time.clock import FrozenClock
from equipshare.server import session_watch
from equipshare.server.terminal_apps import INHERITED, SERVED_USER_ENV, WEB_DRIVER
from equipshare.server.web_app import APP_BASE
from equipshare.services.identity.service import SessionsService
from equipshare.services.plumbing.context import ServiceContext
from tests.server.terminal_live import DELIVERED, stand_in_launch
from tests.server.test_serve_terminal import Served, pids, serving
from tests.server.test_terminal import alive, wait_for_dumps
from tests.services.identity.signing_in import set_active, with_server
from tests.support.world import World

PROXIED = {"method": "proxy"}
# Every way a page might try to name a user: none of them reaches the app.
SPOOFED_QUERY = {"user": "root", "as": "root", "EQUIPSHARE_USER": "root", SERVED_USER_ENV: "root"}
SPOOFED_HEADERS = {
    "X-Remote-Email": "root@example.ac.uk",
    "X-Forwarded-User": "root",
    "Remote-User": "root",
    "X-Test-User": "root",
}


async def refused_status(served: Served, headers: dict[str, str]) -> int:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await served.browser.ws_connect(f"{served.base}{APP_BASE}/ws", headers=headers)
    return refused.value.status


async def offered_download(socket: aiohttp.ClientWebSocketResponse, seconds: float) -> str:
    """The key the app offers in its `deliver_file_start` message to the browser."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        message = await socket.receive(timeout=left)
        if message.type == aiohttp.WSMsgType.TEXT:
            kind, *rest = json.loads(message.data)
            if kind == "deliver_file_start":
                return str(rest[0])
        elif message.type != aiohttp.WSMsgType.BINARY:
            break
    raise AssertionError("the app offered no download")


async def test_nothing_the_browser_sends_changes_whose_app_it_is(
    context: ServiceContext, world: World, tmp_path: Path
) -> None:
    sessions = SessionsService(context)
    alice, bob = (sessions.start(name, how="proxy").secret for name in ("alice", "bob"))
    launch = stand_in_launch(tmp_path, "obedient")
    # The proxy is trusted, so its header would sign someone in at /sign-in; here it is noise.
    async with serving(context, launch, PROXIED, proxy_addresses=("127.0.0.1",)) as served:
        headers = served.cookie(alice) | SPOOFED_HEADERS
        # Without a session the proxy's header opens nothing: it only ever signs in.
        assert await refused_status(served, {"Origin": served.base} | SPOOFED_HEADERS) == 401
        url = f"{served.base}{APP_BASE}/ws"
        query = {"width": "100", "height": "30", "equipshare_session": bob} | SPOOFED_QUERY
        async with served.browser.ws_connect(url, params=query, headers=headers) as socket:
            (dump,) = await wait_for_dumps(tmp_path, 1)
            await socket.send_json(["resize", {"width": 90, "height": 20, "user": "root"}])
            await socket.send_json(["stdin", "EQUIPSHARE_USER=root\r"])
            async with served.browser.get(f"{served.base}/sign-out", headers=headers) as page:
                assert "Signed in as <strong>Alice</strong> (alice)" in await page.text()
            assert [app.username for app in served.apps.running()] == ["alice"]
    env = dump["env"]
    assert isinstance(env, dict)
    assert set(env) <= set(INHERITED) | set(WEB_DRIVER) | {"COLUMNS", "ROWS", SERVED_USER_ENV}
    assert env[SERVED_USER_ENV] == "alice" and "EQUIPSHARE_USER" not in env
    assert dump["argv"] == [launch.argv[1], *launch.argv[2:]]


async def test_another_session_s_key_or_an_expired_one_opens_no_app(
    context: ServiceContext, world: World, tmp_path: Path, clock: FrozenClock
) -> None:
    limited = with_server(context, session_idle_minutes=30, session_absolute_hours=1)
    sessions = SessionsService(limited)
    busy, idle, signed_out = (sessions.start("alice", how="proxy").secret for _ in range(3))
    stored_hash = hashlib.sha256(busy.encode()).hexdigest()  # what the database holds
    assert sessions.end(signed_out)
    async with serving(
        context, stand_in_launch(tmp_path, "obedient"), session_idle_minutes=30,
        session_absolute_hours=1,
    ) as served:  # fmt: skip
        for key in (stored_hash, signed_out, busy[:-1], busy + busy):
            assert await refused_status(served, served.cookie(key)) == 401, key
        for minutes in (20, 20, 15):  # busy stays in use; idle does not
            clock.advance(minutes=minutes)
            sessions.check(busy)
        assert await refused_status(served, served.cookie(idle)) == 401  # unused for 55 minutes
        clock.advance(minutes=6)
        assert await refused_status(served, served.cookie(busy)) == 401  # signed in 61 minutes ago
        page = await served.browser.get(
            served.base + "/", headers=served.cookie(busy), allow_redirects=False
        )
        assert (page.status, page.headers["Location"]) == (303, "/sign-in")
    assert not list(tmp_path.glob("*.json"))


async def test_a_download_is_only_for_the_app_that_offered_it(
    context: ServiceContext, world: World, tmp_path: Path
) -> None:
    sessions = SessionsService(context)
    alice, bob = (sessions.start(name, how="proxy").secret for name in ("alice", "bob"))
    async with (
        serving(context, stand_in_launch(tmp_path, "deliver")) as served,
        await served.open_app(alice) as socket,
    ):
        key = await offered_download(socket, 15)
        url = f"{served.base}/download/{key}"
        stored_hash = hashlib.sha256(alice.encode()).hexdigest()
        for headers, status in (
            (served.cookie(bob), 404),  # another user's session: no such download
            ({}, 401),  # no session
            (served.cookie(stored_hash), 401),  # what the database holds is not the key
            (served.cookie(alice) | {"Origin": "https://evil.example"}, 403),  # another site
        ):
            async with served.browser.get(url, headers=headers) as refused:
                assert refused.status == status, headers
        async with served.browser.get(url, headers=served.cookie(alice)) as download:
            assert download.status == 200 and await download.read() == DELIVERED
            assert download.headers["Content-Disposition"] == ('attachment; filename="booking.ics"')
        async with served.browser.get(url, headers=served.cookie(alice)) as again:
            assert again.status == 404  # each link works once


async def test_a_deactivated_user_s_app_ends_by_the_sweep_on_its_own(
    context: ServiceContext, world: World, tmp_path: Path
) -> None:
    assert session_watch.EVERY_SECONDS <= 60  # so it ends within a minute when served
    erin = SessionsService(context).start("erin", how="proxy").secret
    launch = stand_in_launch(tmp_path, "obedient")
    async with (
        serving(context, launch, sweep_seconds=0.2) as served,
        await served.open_app(erin) as socket,
    ):
        (pid,) = pids(await wait_for_dumps(tmp_path, 1))
        set_active(context, world, "erin", False)
        deadline = time.monotonic() + 15
        # The process goes first; the server forgets it once it has reaped it.
        while (alive(pid) or served.apps.running()) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert not alive(pid) and served.apps.running() == []
        closed = await socket.receive(timeout=5)
        assert closed.type in {aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED}


async def test_the_apps_follow_the_session_limits_of_server(
    context: ServiceContext, world: World, tmp_path: Path
) -> None:
    limited = with_server(context, max_sessions_per_user=2, max_sessions=3)
    sessions = SessionsService(limited)
    alice, bob, carol = (sessions.start(n, how="proxy").secret for n in ("alice", "bob", "carol"))
    async with serving(
        context, stand_in_launch(tmp_path, "obedient"), max_sessions_per_user=2, max_sessions=3
    ) as served:
        sockets = [await served.open_app(alice), await served.open_app(alice)]  # two tabs
        ws_url = f"{served.base}{APP_BASE}/ws"
        async with served.browser.get(ws_url, headers=served.cookie(alice)) as third:
            text = await third.text()
            assert third.status == 503 and "alice already has the app open 2 times" in text
            assert "[server] max_sessions_per_user" in text
        sockets.append(await served.open_app(bob))
        await wait_for_dumps(tmp_path, 3)
        async with served.browser.get(ws_url, headers=served.cookie(carol)) as full:
            assert full.status == 503
            assert "equipshare is full: 3 apps are open" in await full.text()
        assert len(served.apps.running()) == 3
        for socket in sockets:
            await socket.close()
    assert len(list(tmp_path.glob("*.json"))) == 3
