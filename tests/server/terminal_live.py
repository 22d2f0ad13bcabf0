"""A real aiohttp server on 127.0.0.1 with only the terminal routes, signed in by a test header,
and a stand-in app process that records its environment and can refuse to die."""

from __future__ import annotations

import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from equipshare.server.terminal import add_terminal_routes
from equipshare.server.terminal_apps import AppLaunch, TerminalSessions
from equipshare.settings.server import ServerSettings

HOST = "127.0.0.1"
USER_HEADER = "X-Test-User"
DEFAULTS = ServerSettings()  # the app limits `serve` would pass by default

STAND_IN = """
import json, os, signal, sys, time
dump, mode = sys.argv[1], sys.argv[2]
# Written aside and renamed, so a reader never sees half a file.
with open(os.path.join(dump, f"{os.getpid()}.part"), "w") as out:
    json.dump({"env": dict(os.environ), "argv": sys.argv, "pid": os.getpid()}, out)
os.replace(out.name, os.path.join(dump, f"{os.getpid()}.json"))
if mode == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
if mode == "dies":  # fails before it is a Textual app, as one whose database is gone does
    sys.exit("cannot open the database")
sys.stdout.write("__GANGLION__\\n")
sys.stdout.flush()
if mode == "deliver":  # offers one .ics for download, as `deliver_text` would, then serves it
    from textual_serve._binary_encode import dump as encode
    def packet(kind, payload):
        sys.stdout.buffer.write(kind + len(payload).to_bytes(4, "big") + payload)
        sys.stdout.buffer.flush()
    key = f"key-{os.getpid()}"
    packet(b"M", json.dumps({"type": "deliver_file_start", "key": key, "path": "booking.ics",
        "open_method": "download", "mime_type": "text/calendar", "encoding": "utf-8"}).encode())
    chunks = [DELIVERED, b""]
    while len(head := sys.stdin.buffer.read(5)) == 5:
        meta = sys.stdin.buffer.read(int.from_bytes(head[1:], "big"))
        kind = json.loads(meta).get("type") if head[:1] == b"M" else None
        if kind == "deliver_chunk_request":
            packet(b"P", encode(["deliver_chunk", key, chunks.pop(0) if chunks else b""]))
        elif kind == "quit":
            sys.exit(0)
    sys.exit(0)
while True:
    data = sys.stdin.buffer.read1(65536)
    if mode == "obedient" and (not data or b"quit" in data):
        break
    if not data:
        time.sleep(0.05)
"""


#: What the "deliver" stand-in offers for download.
DELIVERED = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


async def header_user(request: web.Request) -> str | None:
    """The test's sign-in: whoever the header names, or nobody."""
    return request.headers.get(USER_HEADER) or None


@dataclass
class Live:
    base: str
    origin: str
    sessions: TerminalSessions
    runner: web.AppRunner


def stand_in_launch(
    folder: Path, mode: str, *, quit_seconds: float = 2.0, kill_seconds: float = 2.0
) -> AppLaunch:
    script = folder / "stand_in.py"
    script.write_text(f"DELIVERED = {DELIVERED!r}\n" + STAND_IN)
    # Each process writes <pid>.json into `folder`.
    argv = (sys.executable, str(script), str(folder), mode)
    return AppLaunch(argv=argv, quit_seconds=quit_seconds, kill_seconds=kill_seconds)


@asynccontextmanager
async def live_terminal(
    launch: AppLaunch,
    *,
    per_user: int = DEFAULTS.max_sessions_per_user,
    total: int = DEFAULTS.max_sessions,
) -> AsyncIterator[Live]:
    app = web.Application()
    runner = web.AppRunner(app, shutdown_timeout=5)
    # The public origin is known only once the port is; add the routes after binding a socket.
    sock = socket.socket()
    sock.bind((HOST, 0))
    port = sock.getsockname()[1]
    origin = f"http://{HOST}:{port}"
    sessions = add_terminal_routes(
        app,
        user_of_request=header_user,
        public_origin=origin,
        launch=launch,
        per_user=per_user,
        total=total,
    )
    await runner.setup()
    site = web.SockSite(runner, sock)
    await site.start()
    live = Live(f"http://{HOST}:{port}", origin, sessions, runner)
    try:
        yield live
    finally:
        await runner.cleanup()
