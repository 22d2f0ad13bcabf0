"""A real SSH server on 127.0.0.1 running the real app, keys registered through the key service,
and a terminal emulator (pyte) that reads what a client would see."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import asyncssh
import pyte
from sqlalchemy import select

from equipshare.db.models.audit import AuditEvent
from equipshare.server.ssh.server import SshOptions, SshServer
from equipshare.server.ssh.session import SessionRules
from equipshare.server.ssh.sessions import KeyRegistry
from equipshare.server.terminal_apps import AppLaunch
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.ssh_keys.service import SshKeysService

HOST = "127.0.0.1"
COLUMNS, ROWS = 120, 36
#: The catalogue's first frame shows the signed-in user in the app's header.
SIGNED_IN_AS = "signed in as {}"


@dataclass(frozen=True)
class ClientKey:
    """A key pair on disk as OpenSSH wants it (0600), and its fingerprint."""

    private: asyncssh.SSHKey
    path: Path
    fingerprint: str

    @property
    def public_line(self) -> str:
        return self.private.export_public_key().decode().strip()


def new_key(folder: Path, name: str) -> ClientKey:
    private = asyncssh.generate_private_key("ssh-ed25519", comment=f"{name}@test")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    private.write_private_key(path)
    os.chmod(path, 0o600)
    private.write_public_key(folder / f"{name}.pub")
    return ClientKey(private, path, str(private.get_fingerprint("sha256")))


def register(context: ServiceContext, username: str, key: ClientKey) -> None:
    SshKeysService(context).add(username, key.public_line, actor="root")


def options_for(tmp_path: Path, database_url: str, **changes: object) -> SshOptions:
    config = tmp_path / "equipshare.toml"
    if not config.exists():
        config.write_text("")
    launch = AppLaunch(config_path=config, database_url=database_url)
    options = SshOptions(
        host=HOST,
        port=0,
        host_key_path=tmp_path / "host" / "ssh_host_ed25519_key",
        rules=SessionRules(launch=launch, idle_seconds=600, hangup_seconds=2, kill_seconds=2),
        per_user=30,
        total=100,
        check_seconds=0.5,
    )
    return replace(options, **changes)  # type: ignore[arg-type]


@asynccontextmanager
async def serving(options: SshOptions, registry: KeyRegistry) -> AsyncIterator[SshServer]:
    server = SshServer(options, registry)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def live_ssh(
    context: ServiceContext, options: SshOptions
) -> AbstractAsyncContextManager[SshServer]:
    """The server signing keys in through the real key registry on the test's database."""
    return serving(options, SshKeysService(context))


class Screen:
    """What a terminal shows after the bytes fed to it."""

    def __init__(self, columns: int = COLUMNS, rows: int = ROWS) -> None:
        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()

    def feed(self, data: bytes) -> None:
        self.raw += data
        self.stream.feed(data)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def resize(self, columns: int, rows: int) -> None:
        self.screen.resize(rows, columns)


async def until(
    check: Callable[[], bool], seconds: float, what: str, seen: Callable[[], str] = str
) -> None:
    """Wait for `check` (polling, as a person would look), or fail saying what never came
    and what `seen` shows instead."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds} s; the screen:\n{seen()}")
        await asyncio.sleep(0.02)


def audit_afters(context: ServiceContext, action: str) -> list[dict[str, Any]]:
    """What each audit event of `action` recorded, oldest first."""
    with context.database.sessions() as session:
        rows = session.scalars(
            select(AuditEvent.after).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()
    return [dict(row or {}) for row in rows]
