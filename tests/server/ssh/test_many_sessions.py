"""Twenty people at once: each session shows the catalogue, and once they disconnect no app
process is left, found by reading /proc (the server's children, alive or zombie)."""

from __future__ import annotations

import asyncio
import os
import time
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from equipshare.server.ssh.server import SshOptions
from equipshare.services.plumbing.context import ServiceContext
from tests.server.ssh.clients import AsyncsshTerminal, app_terminal
from tests.server.ssh.live import ClientKey, live_ssh, until
from tests.server.ssh.stand_in import alive, children_of

pytestmark = pytest.mark.slow

SESSIONS = 20


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)  # twenty apps are CPU, not database, work


def resident_megabytes(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def test_twenty_sessions_show_the_catalogue_and_leave_no_process(
    context: ServiceContext, alice_key: ClientKey, options: SshOptions
) -> None:
    async with live_ssh(context, options) as server, AsyncExitStack() as stack:
        started = time.monotonic()
        terminals: list[AsyncsshTerminal] = await asyncio.gather(
            *(
                stack.enter_async_context(app_terminal(server.port, alice_key))
                for _ in range(SESSIONS)
            )
        )
        await asyncio.gather(*(t.shows("WAR-XPS-01", 180) for t in terminals))
        all_shown = time.monotonic() - started
        pids = [s.pid for s in server.sessions.running("alice")]
        assert len(pids) == SESSIONS and all(alive(pid) for pid in pids)
        assert set(pids) <= set(children_of(os.getpid()))
        rss = sorted(resident_megabytes(pid) for pid in pids if pid is not None)
        await stack.aclose()  # every client disconnects
        await until(lambda: not any(alive(pid) for pid in pids), 30, "every app ended")
        await until(lambda: server.sessions.running() == [], 10, "every session forgotten")
        assert not set(pids) & set(children_of(os.getpid())), "an app was left unreaped"
    print(
        f"{SESSIONS} sessions: all catalogues shown {all_shown:.1f} s after connecting; "
        f"app RSS median {rss[len(rss) // 2]:.0f} MB, max {rss[-1]:.0f} MB"
    )
