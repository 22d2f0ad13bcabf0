"""The clients a person would use, each with a terminal to read: asyncssh's in-process (fast)
and OpenSSH's own `ssh`, run in a pseudo-terminal as from an interactive shell."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncssh

from equipshare.server.ssh.app_process import PtyApp
from tests.server.ssh.live import COLUMNS, HOST, ROWS, ClientKey, Screen, until


class AsyncsshTerminal:
    """asyncssh's client with a pty, its output shown on a `Screen`."""

    def __init__(self, conn: asyncssh.SSHClientConnection, screen: Screen) -> None:
        self.conn = conn
        self.screen = screen
        self.chan: asyncssh.SSHClientChannel[bytes] | None = None
        self.exit_status: int | None = None
        self.closed = asyncio.Event()

    async def keys(self, *keys: str | bytes, pause: float = 0.05) -> None:
        assert self.chan is not None
        for key in keys:
            self.chan.write(key.encode() if isinstance(key, str) else key)
            await asyncio.sleep(pause)

    async def shows(self, text: str, seconds: float = 30) -> None:
        await until(
            lambda: text in self.screen.text(), seconds, f"{text!r} on screen", self.screen.text
        )


class _Session(asyncssh.SSHClientSession[bytes]):
    def __init__(self, terminal: AsyncsshTerminal) -> None:
        self.terminal = terminal

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        self.terminal.screen.feed(data)

    def exit_status_received(self, status: int) -> None:
        self.terminal.exit_status = status

    def connection_lost(self, exc: Exception | None) -> None:
        self.terminal.closed.set()


async def connect(
    port: int, key: ClientKey | None, username: str = "whoever", **options: Any
) -> asyncssh.SSHClientConnection:
    """asyncssh's client with only `key` (no agent, no config, any host key) unless told."""
    settings: dict[str, Any] = {"known_hosts": None, "agent_path": None, "config": None}
    settings.update(options)
    return await asyncssh.connect(
        HOST,
        port,
        username=username,
        client_keys=[key.private] if key is not None else [],
        **settings,
    )


@asynccontextmanager
async def app_terminal(
    port: int,
    key: ClientKey,
    *,
    username: str = "whoever",
    size: tuple[int, int] = (COLUMNS, ROWS),
    term: str = "xterm-256color",
    env: dict[str, str] | None = None,
) -> AsyncIterator[AsyncsshTerminal]:
    """A connection with a pty and a shell: the app, as an interactive client opens it."""
    conn = await connect(port, key, username)
    terminal = AsyncsshTerminal(conn, Screen(*size))
    try:
        chan, _ = await conn.create_session(
            lambda: _Session(terminal),
            term_type=term,
            term_size=size,
            encoding=None,
            env={name: value for name, value in (env or {}).items()},
        )
        terminal.chan = chan
        yield terminal
    finally:
        conn.close()
        await conn.wait_closed()


def ssh_argv(
    port: int, key: ClientKey, known_hosts: Path, *extra: str, checking: str = "accept-new"
) -> Sequence[str]:
    """OpenSSH's client, alone: no config file, no agent, only this key, no questions."""
    return (
        "ssh",
        "-F",
        "/dev/null",
        "-i",
        str(key.path),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "IdentityAgent=none",
        "-o",
        "BatchMode=yes",
        "-o",
        f"StrictHostKeyChecking={checking}",
        "-o",
        f"UserKnownHostsFile={known_hosts}",
        "-p",
        str(port),
        *extra,
    )


class OpenSshTerminal:
    """OpenSSH's `ssh` in a pty of its own, as a person runs it from a terminal window."""

    def __init__(self, argv: Sequence[str], size: tuple[int, int] = (COLUMNS, ROWS)) -> None:
        self.screen = Screen(*size)
        env = {"PATH": os.environ.get("PATH", ""), "TERM": "xterm-256color", "HOME": "/nonexistent"}
        self.process = PtyApp.start(argv, env, *size, self.screen.feed)

    async def keys(self, *keys: str | bytes, pause: float = 0.05) -> None:
        for key in keys:
            self.process.write(key.encode() if isinstance(key, str) else key)
            await asyncio.sleep(pause)

    async def shows(self, text: str, seconds: float = 30) -> None:
        await until(
            lambda: text in self.screen.text(), seconds, f"{text!r} on screen", self.screen.text
        )

    def resize(self, columns: int, rows: int) -> None:
        self.screen.resize(columns, rows)
        self.process.resize(columns, rows)

    async def exit_code(self, seconds: float = 20) -> int:
        return await asyncio.wait_for(self.process.wait(), seconds)

    async def close(self) -> None:
        await self.process.end(1, 1)


@asynccontextmanager
async def openssh_terminal(
    port: int, key: ClientKey, known_hosts: Path, *extra: str
) -> AsyncIterator[OpenSshTerminal]:
    terminal = OpenSshTerminal(ssh_argv(port, key, known_hosts, "-tt", *extra, f"whoever@{HOST}"))
    try:
        yield terminal
    finally:
        await terminal.close()
