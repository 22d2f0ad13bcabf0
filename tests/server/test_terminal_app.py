"""A real app process behind the terminal routes, on both engines: the browser's first frames
carry the catalogue under the served user's name, whatever the server's own $EQUIPSHARE_USER."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import aiohttp
import pytest

from equipshare.server.terminal_apps import AppLaunch
from tests.server.terminal_live import USER_HEADER, live_terminal
from tests.support.world import World

ESCAPES = re.compile(rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")

pytestmark = pytest.mark.slow


async def screen_text(socket: aiohttp.ClientWebSocketResponse, wanted: str, seconds: float) -> str:
    """Terminal bytes (escape sequences dropped) until `wanted` shows, or the deadline."""
    seen = b""
    deadline = time.monotonic() + seconds
    while wanted.encode() not in ESCAPES.sub(b"", seen):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            message = await socket.receive(timeout=left)
        except TimeoutError:
            break
        if message.type == aiohttp.WSMsgType.BINARY:
            seen += message.data
        elif message.type != aiohttp.WSMsgType.TEXT:
            break
    return ESCAPES.sub(b"", seen).decode("utf-8", "replace")


async def test_the_first_frames_show_the_catalogue_as_the_served_user(
    world: World, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    del world
    monkeypatch.setenv("EQUIPSHARE_USER", "root")
    config = tmp_path / "equipshare.toml"
    config.write_text("")
    launch = AppLaunch(config_path=config, database_url=database_url)
    async with live_terminal(launch) as live, aiohttp.ClientSession() as client:
        headers = {USER_HEADER: "alice", "Origin": live.origin}
        url = f"{live.base}/terminal/ws?width=120&height=30"
        async with client.ws_connect(url, headers=headers) as socket:
            text = await screen_text(socket, "signed in as alice", 60)
            assert "signed in as alice" in text, text[-2000:]
            assert "Midlands Innovation" in text
            assert "root" not in text
            assert len(live.sessions.running("alice")) == 1
            await socket.send_json(["stdin", "q"])  # the app quits; the server forgets it
            deadline = time.monotonic() + 30
            while live.sessions.running() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert live.sessions.running() == []
