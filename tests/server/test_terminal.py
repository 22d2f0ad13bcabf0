"""The terminal routes as a browser and a hostile page meet them, on a real loopback server:
who may open an app, what its process is given, and that every process is reaped."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from equipshare.server.terminal_apps import INHERITED, SERVED_USER_ENV, WEB_DRIVER
from equipshare.tui.served import served_username
from tests.server.terminal_live import USER_HEADER, live_terminal, stand_in_launch


async def wait_for_dumps(folder: Path, count: int, seconds: float = 15) -> list[dict[str, object]]:
    deadline = time.monotonic() + seconds
    while True:
        found = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
        if len(found) >= count and all(found):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(found)} of {count} app processes started")
        await asyncio.sleep(0.05)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); its state in /proc says it is gone.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ", 1)[1][0] != "Z"


async def test_a_websocket_without_a_user_is_refused_and_starts_nothing(tmp_path: Path) -> None:
    async with (
        live_terminal(stand_in_launch(tmp_path, "obedient")) as live,
        aiohttp.ClientSession() as client,
    ):
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await client.ws_connect(f"{live.base}/terminal/ws", origin=live.origin)
        assert refused.value.status == 401
        page = await client.get(f"{live.base}/terminal", allow_redirects=False)
        assert page.status == 303 and page.headers["Location"] == "/sign-in"
    assert not list(tmp_path.glob("*.json"))


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://127.0.0.1.evil.example", "null", None]
)
async def test_a_cross_site_or_missing_origin_is_refused(
    tmp_path: Path, origin: str | None
) -> None:
    async with live_terminal(stand_in_launch(tmp_path, "obedient")) as live:
        headers = {USER_HEADER: "alice"}
        if origin is not None:
            headers["Origin"] = origin
        async with aiohttp.ClientSession() as client:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await client.ws_connect(f"{live.base}/terminal/ws", headers=headers)
            assert refused.value.status == 403
    assert not list(tmp_path.glob("*.json"))


async def test_a_download_needs_a_user_the_same_site_and_its_own_app(tmp_path: Path) -> None:
    async with live_terminal(stand_in_launch(tmp_path, "obedient")) as live:
        url = f"{live.base}/download/some-key"
        async with aiohttp.ClientSession() as client:
            assert (await client.get(url)).status == 401
            cross = {USER_HEADER: "alice", "Origin": "https://evil.example"}
            assert (await client.get(url, headers=cross)).status == 403
            fetched = {USER_HEADER: "alice", "Sec-Fetch-Site": "cross-site"}
            assert (await client.get(url, headers=fetched)).status == 403
            assert (await client.get(url, headers={USER_HEADER: "alice"})).status == 404


async def test_the_page_names_only_our_own_urls(tmp_path: Path) -> None:
    async with (
        live_terminal(stand_in_launch(tmp_path, "obedient")) as live,
        aiohttp.ClientSession() as client,
    ):
        page = await client.get(f"{live.base}/terminal", headers={USER_HEADER: "alice"})
        body = await page.text()
        assert page.status == 200
        assert "googleapis" not in body and "https://" not in body
        assert f'data-session-websocket-url="ws://{live.origin[7:]}/terminal/ws"' in body
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        for asset in (
            "js/textual.js",
            "css/xterm.css",
            "fonts/RobotoMono-VariableFont_wght.ttf",
        ):
            assert f"/terminal/static/{asset}" in body
            assert (await client.get(f"{live.base}/terminal/static/{asset}")).status == 200


async def test_the_app_gets_the_allow_list_and_the_user_never_the_server_s_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EQUIPSHARE_TEST_SECRET", "hunter2")
    monkeypatch.setenv("EQUIPSHARE_USER", "root")
    monkeypatch.setenv("EQUIPSHARE_DATABASE_URL", "postgresql://admin:secret@db/equipshare")
    launch = stand_in_launch(tmp_path, "obedient")
    username = 'alice\'; touch pwned; echo $(id) `id` "x" && exit 1 |'
    async with live_terminal(launch) as live, aiohttp.ClientSession() as client:
        headers = {USER_HEADER: username, "Origin": live.origin}
        url = f"{live.base}/terminal/ws?width=100&height=30"
        async with client.ws_connect(url, headers=headers):
            (dump,) = await wait_for_dumps(tmp_path, 1)
    env = dump["env"]
    assert isinstance(env, dict)
    allowed = set(INHERITED) | set(WEB_DRIVER) | {"COLUMNS", "ROWS", SERVED_USER_ENV}
    assert set(env) <= allowed, set(env) - allowed
    assert env[SERVED_USER_ENV] == username
    assert env["COLUMNS"] == "100" and env["ROWS"] == "30"
    assert "hunter2" not in json.dumps(dump)
    assert dump["argv"] == [launch.argv[1], *launch.argv[2:]]
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


async def test_sign_out_ends_that_user_s_apps_only(tmp_path: Path) -> None:
    async with (
        live_terminal(stand_in_launch(tmp_path, "obedient")) as live,
        aiohttp.ClientSession() as client,
    ):
        url = f"{live.base}/terminal/ws"
        sockets = [
            await client.ws_connect(url, headers={USER_HEADER: who, "Origin": live.origin})
            for who in ("alice", "alice", "bob")
        ]
        dumps = await wait_for_dumps(tmp_path, 3)
        assert await live.sessions.end_sessions_of("alice") == 2
        by_user = {int(str(d["pid"])): d["env"][SERVED_USER_ENV] for d in dumps}  # type: ignore[index]
        for pid, who in by_user.items():
            assert alive(pid) == (who == "bob")
        assert [app.username for app in live.sessions.running()] == ["bob"]
        for socket in sockets:
            await socket.close()


async def test_shutdown_reaps_an_app_that_ignores_quit_and_sigterm(tmp_path: Path) -> None:
    launch = stand_in_launch(tmp_path, "stubborn", quit_seconds=0.5, kill_seconds=0.5)
    async with aiohttp.ClientSession() as client:
        async with live_terminal(launch) as live:
            socket = await client.ws_connect(
                f"{live.base}/terminal/ws", headers={USER_HEADER: "alice", "Origin": live.origin}
            )
            (dump,) = await wait_for_dumps(tmp_path, 1)
            pid = int(str(dump["pid"]))
            started = time.monotonic()
        elapsed = time.monotonic() - started
        assert not alive(pid)
        assert elapsed < 4, elapsed
        assert socket.closed or (await socket.receive()).type in {
            aiohttp.WSMsgType.CLOSE,
            aiohttp.WSMsgType.CLOSED,
        }


async def test_an_app_that_dies_starting_closes_the_browser_s_socket(tmp_path: Path) -> None:
    """Else the tab says "Starting" for ever (seen when the database went from under serve)."""
    async with (
        live_terminal(stand_in_launch(tmp_path, "dies")) as live,
        aiohttp.ClientSession() as client,
    ):
        socket = await client.ws_connect(
            f"{live.base}/terminal/ws", headers={USER_HEADER: "alice", "Origin": live.origin}
        )
        (dump,) = await wait_for_dumps(tmp_path, 1)
        message = await socket.receive(timeout=10)
        while message.type not in {aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED}:
            message = await socket.receive(timeout=10)
        assert not alive(int(str(dump["pid"])))
        for _ in range(100):  # the server forgets the app once its handler has ended it
            if not live.sessions.running():
                break
            await asyncio.sleep(0.05)
        assert live.sessions.running() == []


def test_the_served_entry_refuses_as_and_ignores_equipshare_user() -> None:
    with pytest.raises(SystemExit, match="no arguments"):
        served_username(["--as", "root"], {SERVED_USER_ENV: "alice"})
    with pytest.raises(SystemExit, match="not set"):
        served_username([], {"EQUIPSHARE_USER": "root"})
    assert served_username([], {SERVED_USER_ENV: "alice", "EQUIPSHARE_USER": "root"}) == "alice"
    ran = subprocess.run(
        [sys.executable, "-m", "equipshare.tui.served", "--as", "root"],
        env={**os.environ, SERVED_USER_ENV: "alice"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 1 and "no arguments" in ran.stderr
