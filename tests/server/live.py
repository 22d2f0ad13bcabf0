"""The feed server as `serve` runs it (same application, limits and logs), on a free loopback
port in a thread of its own, and a raw socket client that can send what no HTTP library would."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from aiohttp import web

from equipshare.server.feed_app import create_app
from equipshare.server.limits import ServerLimits, runner_options
from equipshare.services.plumbing.context import ServiceContext

HOST = "127.0.0.1"


@contextmanager
def live_server(context: ServiceContext, limits: ServerLimits) -> Iterator[int]:
    """Run the feed server until the block ends; yields its port."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(
        create_app(context, limits),
        **runner_options(limits, logging.getLogger("equipshare.feeds.access")),
    )
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, HOST, 0)
    loop.run_until_complete(site.start())
    port = int(runner.addresses[0][1])
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@dataclass(frozen=True)
class Answer:
    """What came back on one connection, and when the server closed it."""

    data: bytes
    closed_after: float  # seconds from the last byte sent; inf if still open at the deadline

    @property
    def status(self) -> int | None:
        first = self.data.split(b"\r\n", 1)[0].split()
        return int(first[1]) if len(first) > 1 and first[1].isdigit() else None


def read_until_closed(sock: socket.socket, deadline: float) -> Answer:
    """Read until the server closes the connection or `deadline` seconds pass."""
    sent = time.monotonic()
    chunks: list[bytes] = []
    sock.settimeout(deadline)
    try:
        while True:
            remaining = deadline - (time.monotonic() - sent)
            if remaining <= 0:
                return Answer(b"".join(chunks), float("inf"))
            sock.settimeout(remaining)
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    except TimeoutError:
        return Answer(b"".join(chunks), float("inf"))
    except ConnectionResetError:
        pass
    return Answer(b"".join(chunks), time.monotonic() - sent)


def exchange(port: int, raw: bytes, deadline: float = 5.0) -> Answer:
    """Send `raw` on a new connection and read until the server closes it."""
    with socket.create_connection((HOST, port), timeout=deadline) as sock:
        # The server may refuse an oversized request before reading all of it.
        with suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(raw)
        return read_until_closed(sock, deadline)
