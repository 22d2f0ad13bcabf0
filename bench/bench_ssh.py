"""The app over SSH: connection to first painted catalogue, memory per session, and how many
sessions stay responsive, against a local `equipshare tui` started in the same run.

Run: python -m bench.bench_ssh [--runs 5] [--sessions 10,20,40] [--quick]

The demo is seeded once into a temporary SQLite file and a key registered to its admin.
The floor is `python -m equipshare tui` spawned in a pseudo-terminal until the first
catalogue row is drawn (as bench_tui_startup times it), interleaved with asyncssh's client
connecting to an in-process SSH server and opening a session until the same row reaches
its terminal: the difference is what SSH costs. Memory is each live app process's RSS and
PSS (shared pages split among the processes sharing them, so PSS is what one more session
costs), and the server's RSS. Then N sessions are held at once and each is sent a key
(down, which moves the catalogue's cursor): the time to that session's first answering
byte, median and worst over the sessions, with the target that every session answers
within 100 ms. Machines here are noisy; compare with the floor, not across machines.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path

from bench.bench_tui_startup import ADMIN, ESCAPES, child_environment, pty_launch
from bench.national.catalogue import seeded_context, stamp
from bench.support.frame_watch import figure, middle
from equipshare.domain.records.instruments.catalogue import CatalogueQuery
from equipshare.domain.time.clock import SystemClock
from equipshare.server.ssh.library import asyncssh
from equipshare.server.ssh.server import SshOptions, SshServer
from equipshare.server.ssh.session import SessionRules
from equipshare.server.terminal_apps import AppLaunch
from equipshare.services.catalogue.search import CatalogueService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.ssh_keys.service import SshKeysService

SIZE = (120, 40)
ANSWER_MS = 100.0


class Terminal(asyncssh.SSHClientSession[bytes]):
    """A session's output as text (escapes dropped), and when its last bytes came."""

    def __init__(self) -> None:
        self.text = ""
        self.last_at = 0.0
        self.arrived = asyncio.Event()

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        self.last_at = time.perf_counter()
        self.text = (self.text + data.decode("utf-8", "replace"))[-200_000:]
        self.arrived.set()

    def shows(self, marker: str) -> bool:
        return marker in ESCAPES.sub("", self.text)


async def open_session(
    port: int, key: asyncssh.SSHKey, stack: AsyncExitStack
) -> tuple[asyncssh.SSHClientChannel[bytes], Terminal]:
    conn = await asyncssh.connect(
        "127.0.0.1", port, username="anyone", client_keys=[key], known_hosts=None,
        agent_path=None, config=None,
    )  # fmt: skip
    stack.push_async_callback(conn.wait_closed)
    stack.callback(conn.close)
    terminal = Terminal()
    chan, _ = await conn.create_session(
        lambda: terminal, term_type="xterm-256color", term_size=SIZE, encoding=None
    )
    return chan, terminal


async def until_shown(terminal: Terminal, marker: str, seconds: float = 120) -> float:
    deadline = time.perf_counter() + seconds
    while not terminal.shows(marker):
        terminal.arrived.clear()
        left = deadline - time.perf_counter()
        if left <= 0:
            raise RuntimeError(f"never showed {marker!r}: {ESCAPES.sub('', terminal.text)[-400:]}")
        await asyncio.wait_for(terminal.arrived.wait(), left)
    return time.perf_counter()


def memory_mb(pid: int) -> tuple[float, float]:
    """RSS and PSS of `pid`, in megabytes."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("Rss", "Pss"):
            values[name] = int(rest.split()[0]) / 1024
    return values.get("Rss", 0.0), values.get("Pss", 0.0)


async def connect_to_rows(server: SshServer, key: asyncssh.SSHKey, marker: str) -> float:
    async with AsyncExitStack() as stack:
        started = time.perf_counter()
        chan, terminal = await open_session(server.port, key, stack)
        shown = await until_shown(terminal, marker)
        chan.write(b"q")
    return shown - started


async def held(
    server: SshServer, key: asyncssh.SSHKey, marker: str, count: int
) -> tuple[list[float], list[tuple[float, float]], float]:
    """Answer times (ms) to a key in each of `count` sessions at once, their apps' memory,
    and the server's RSS while they live."""
    async with AsyncExitStack() as stack:
        sessions = await asyncio.gather(
            *(open_session(server.port, key, stack) for _ in range(count))
        )
        await asyncio.gather(*(until_shown(t, marker) for _, t in sessions))
        # Every app quiet for a second (its "Next free" column loaded): what follows is its
        # answer to the key, not the end of its start-up.
        deadline = time.perf_counter() + 120
        while time.perf_counter() < deadline:
            if all(time.perf_counter() - t.last_at > 1.0 for _, t in sessions):
                break
            await asyncio.sleep(0.1)
        answers = []
        for chan, terminal in sessions:
            terminal.arrived.clear()
            sent = time.perf_counter()
            chan.write(b"\x1b[B")
            await asyncio.wait_for(terminal.arrived.wait(), 30)
            answers.append((terminal.last_at - sent) * 1000)
            await asyncio.sleep(0.05)
        pids = [s.pid for s in server.sessions.running() if s.pid is not None]
        memory = [memory_mb(pid) for pid in pids]
        server_rss = memory_mb(os.getpid())[0]
    return answers, memory, server_rss


async def measure(
    context: ServiceContext, url: str, runs: int, counts: list[int], folder: Path
) -> None:
    first = CatalogueService(context).page(ADMIN, CatalogueQuery(), limit=1).rows[0].code
    key = asyncssh.generate_private_key("ssh-ed25519")
    SshKeysService(context).add(ADMIN, key.export_public_key().decode(), actor=ADMIN)
    config = folder / "equipshare.toml"
    config.write_text("")
    launch = AppLaunch(config_path=config, database_url=url)
    options = SshOptions(
        host="127.0.0.1", port=0, host_key_path=folder / "host_key",
        rules=SessionRules(launch=launch, idle_seconds=3600), per_user=1000, total=1000,
    )  # fmt: skip
    server = SshServer(options, SshKeysService(context))
    await server.start()
    try:
        env = child_environment(folder)
        local_argv = [sys.executable, "-m", "equipshare", "tui", "--db", url]
        local: list[float] = []
        over_ssh: list[float] = []
        for _ in range(runs):
            local += await asyncio.to_thread(pty_launch, local_argv, [first], env, folder)
            over_ssh.append(await connect_to_rows(server, key, first))
        print(f"SSH, {stamp()}: demo on SQLite, {SIZE[0]}x{SIZE[1]}, median of {runs}; "
              f"first row {first}")  # fmt: skip
        print(figure("floor  equipshare tui, first catalogue rows:", middle(local), middle(local)))
        print(figure("over SSH, connection to first rows:", middle(over_ssh), middle(local)))
        for count in counts:
            answers, memory, server_rss = await held(server, key, first, count)
            rss = statistics.median(m[0] for m in memory)
            pss = statistics.median(m[1] for m in memory)
            worst = max(answers)
            verdict = "met" if worst < ANSWER_MS else "MISSED"
            print(
                f"  {count:>3} sessions: key to answer median {statistics.median(answers):.0f} ms, "
                f"worst {worst:.0f} ms (target < {ANSWER_MS:.0f} ms: {verdict}); per app "
                f"RSS {rss:.0f} MB, PSS {pss:.0f} MB; server RSS {server_rss:.0f} MB"
            )
    finally:
        await server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed connections (median)")
    parser.add_argument("--sessions", default="10,20,40", help="session counts to hold at once")
    parser.add_argument("--quick", action="store_true", help="smoke mode: 1 run, 3 sessions")
    args = parser.parse_args()
    runs = 1 if args.quick else max(1, args.runs)
    counts = [3] if args.quick else [int(n) for n in args.sessions.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'demo.db'}"
        context = seeded_context(url, SystemClock(), ADMIN, bookings=not args.quick)
        try:
            asyncio.run(measure(context, url, runs, counts, folder))
        finally:
            context.close()


if __name__ == "__main__":
    main()
