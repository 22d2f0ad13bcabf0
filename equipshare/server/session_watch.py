"""Ends what a browser session keeps open (its app, its websocket) once the session ends.

A session can end without this process hearing of it: signed out in another process
behind the load balancer, expired, or its user deactivated by an admin. Every minute the
sessions with something open here are checked in one query, and whatever an ended one
holds is closed, so a deactivated user's app stops within a minute.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from equipshare.services.identity.service import SessionsService

log = logging.getLogger("equipshare.serve")

EVERY_SECONDS = 60.0
OnEnd = Callable[[], Awaitable[None]]


class SessionWatch:
    """What is open for each session here, and the once-a-minute sweep that closes it."""

    def __init__(self, sessions: SessionsService, every: float = EVERY_SECONDS) -> None:
        self._sessions = sessions
        self.every = every
        """Seconds between sweeps (a test shortens it before the app starts)."""
        self._open: dict[int, list[OnEnd]] = {}

    def watch(self, session_id: int, on_end: OnEnd) -> Callable[[], None]:
        """Call `on_end` when the session ends; returns a function that stops watching."""
        self._open.setdefault(session_id, []).append(on_end)

        def forget() -> None:
            ends = self._open.get(session_id, [])
            if on_end in ends:
                ends.remove(on_end)
            if not ends:
                self._open.pop(session_id, None)

        return forget

    @property
    def watched(self) -> frozenset[int]:
        return frozenset(self._open)

    async def ended(self, session_id: int) -> None:
        """The session has ended (signed out here): close what it holds now."""
        for on_end in self._open.pop(session_id, []):
            try:
                await on_end()
            except Exception:  # one failing close must not keep the others open
                log.exception("closing what session %d held failed", session_id)

    async def sweep(self) -> tuple[int, ...]:
        """Close what every ended session holds; the ids of those that had ended."""
        ids = sorted(self._open)
        if not ids:
            return ()
        still = await asyncio.to_thread(self._sessions.still_open, ids)
        gone = tuple(i for i in ids if i not in still)
        for session_id in gone:
            await self.ended(session_id)
        return gone

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                await self.sweep()
            except Exception:  # the database away for a minute: try again next time
                log.exception("the session sweep failed; trying again in %.0f s", self.every)

    async def context(self, _app: web.Application) -> AsyncIterator[None]:
        """An aiohttp cleanup context: the sweep runs while the app does."""
        task = asyncio.create_task(self.run())
        yield
        task.cancel()
        for session_id in list(self._open):
            await self.ended(session_id)
