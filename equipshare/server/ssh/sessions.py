"""Every live SSH session of this server: the limits on them, and the sweep that ends a session
whose key was removed or whose owner was deactivated.

A key can be removed, or its owner deactivated, in another process (the CLI, the TUI, another
server), so nothing tells this one. Every `check_seconds` each live (user, key) pair is asked
about once, and the sessions of a pair no longer allowed end, saying why: within a minute of
the change with the default 30 seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

log = logging.getLogger("equipshare.ssh")

CHECK_SECONDS = 30.0
KEY_GONE = (
    "this key is no longer registered to an active equipshare account, so the session has "
    "ended; ask an equipshare administrator if that is a mistake"
)
STOPPING = "the equipshare server is stopping; connect again in a minute"


class SignedInKey(Protocol):
    """Who a key signed in as (the key registry's SshSignIn)."""

    @property
    def user_id(self) -> int: ...
    @property
    def username(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def fingerprint(self) -> str: ...


class KeyRegistry(Protocol):
    """What the server asks of the key registry (services/ssh_keys' SshKeysService)."""

    def is_registered(self, fingerprint: str) -> bool: ...
    def sign_in(self, fingerprint: str, client_address: str) -> SignedInKey: ...
    def still_allowed(self, username: str, fingerprint: str) -> bool: ...


class LiveSession(Protocol):
    """A session running the app, as the sweep and the limits see it."""

    @property
    def username(self) -> str: ...
    @property
    def fingerprint(self) -> str: ...
    @property
    def pid(self) -> int | None: ...
    async def end(self, reason: str | None) -> None: ...


class SshSessions:
    """The live sessions by user, their limits, and the sweep that checks their keys."""

    def __init__(
        self,
        registry: KeyRegistry,
        *,
        per_user: int,
        total: int,
        check_seconds: float = CHECK_SECONDS,
    ) -> None:
        self._registry = registry
        self.per_user = per_user
        self.total = total
        self.check_seconds = check_seconds
        self._live: dict[str, set[LiveSession]] = {}

    def running(self, username: str | None = None) -> list[LiveSession]:
        if username is not None:
            return list(self._live.get(username, ()))
        return [session for sessions in self._live.values() for session in sessions]

    def admit(self, session: LiveSession) -> str | None:
        """Count `session` in, or say which limit it would pass (and leave it out)."""
        mine = self._live.get(session.username, set())
        if len(mine) >= self.per_user:
            return (
                f"{session.username} already has {self.per_user} equipshare sessions open "
                "over SSH ([ssh] max_sessions_per_user); close one first"
            )
        if len(self.running()) >= self.total:
            return "the equipshare SSH server is full ([ssh] max_sessions); try again later"
        self._live.setdefault(session.username, set()).add(session)
        return None

    def discard(self, session: LiveSession) -> None:
        sessions = self._live.get(session.username)
        if sessions is not None:
            sessions.discard(session)
            if not sessions:
                del self._live[session.username]

    async def sweep(self) -> list[tuple[str, str]]:
        """End the sessions of every (user, key) no longer allowed; those pairs."""
        pairs = sorted({(s.username, s.fingerprint) for s in self.running()})
        gone: list[tuple[str, str]] = []
        for username, fingerprint in pairs:
            allowed = await asyncio.to_thread(self._registry.still_allowed, username, fingerprint)
            if not allowed:
                gone.append((username, fingerprint))
        for username, fingerprint in gone:
            ending = [s for s in self.running(username) if s.fingerprint == fingerprint]
            log.info(
                "ssh: ending %d session(s) of %s: key %s is no longer allowed",
                len(ending),
                username,
                fingerprint,
            )
            await asyncio.gather(*(s.end(KEY_GONE) for s in ending))
        return gone

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.check_seconds)
            try:
                await self.sweep()
            except Exception:  # the database away for a while: keep the sessions, try again
                log.exception(
                    "ssh: the key check failed; trying again in %.0f s", self.check_seconds
                )

    async def shutdown(self) -> None:
        """End every session (the server is stopping), each within its timeouts."""
        await asyncio.gather(*(s.end(STOPPING) for s in self.running()))

    @asynccontextmanager
    async def sweeping(self) -> AsyncIterator[None]:
        """The sweep runs inside; on the way out it stops and every session ends."""
        task = asyncio.create_task(self.run())
        try:
            yield
        finally:
            task.cancel()
            await self.shutdown()
