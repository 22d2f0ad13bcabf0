"""Many signed-in sessions of `equipshare serve` at once, without a browser each.

`TerminalClient` speaks textual-serve's websocket protocol as its page script does: the
page opens `/app/ws?width=W&height=H` and sends JSON text frames (`["stdin", keys]`,
`["resize", {"width": W, "height": H}]`, `["ping", data]`); the server sends the app's
terminal output as binary frames (UTF-8 text with escape sequences) and JSON text frames
for the rest (`["pong", data]`, downloads, `open_url`). A session is signed in as the
browser would be behind the trusted proxy: one GET of /sign-in with the proxy's header.

`ramp` opens sessions a level at a time and, at each level, has every session press a key
that moves the catalogue's cursor, one session after another spread over a second (N
people each pressing a key a second), timing each key until the first frame the app sends
back. Then one more key for every session at the same instant (the burst: the worst case,
reported beside), and the idle apps' CPU use over two seconds when nobody types.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import aiohttp

from bench.serve.process import PROXY_HEADER, Memory
from bench.support.harness import percentile

# CSI, OSC and two-byte escape sequences: what is left is the text the terminal shows.
ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
DOWN, UP = "\x1b[B", "\x1b[A"
KEY_TIMEOUT = 10.0  # a key unanswered this long counts as this long
ALONE_ROUNDS = 4
PAINT_TIMEOUT = 120.0  # seconds from sign-in to the first catalogue frame


def shown_text(output: str) -> str:
    """The characters a terminal would draw from `output`, escape sequences removed."""
    return ESCAPES.sub("", output)


def stdin_frame(keys: str) -> str:
    """The JSON text frame that types `keys` into the app."""
    return json.dumps(["stdin", keys])


@dataclass(frozen=True)
class Person:
    """Whom a session signs in as, and the first catalogue row their app shows."""

    username: str
    email: str
    first_code: str


class TerminalClient:
    """One signed-in browser session's websocket, with the times of the frames it got."""

    def __init__(
        self, http: aiohttp.ClientSession, base: str, person: Person, size: tuple[int, int]
    ) -> None:
        self.http = http
        self.base = base
        self.person = person
        self.size = size
        self.frames = 0
        self.last_frame_at = 0.0
        self.painted_at: float | None = None  # the frame that first showed the catalogue
        self._output = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._frame = asyncio.Event()
        self._painted = asyncio.Event()
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None

    async def open(self) -> float:
        """Sign in, open the app's websocket; seconds from sign-in to the painted catalogue."""
        answer = await self.http.get(
            self.base + "/sign-in",
            headers={PROXY_HEADER: self.person.email},
            allow_redirects=False,
        )
        cookie = answer.cookies.get("equipshare_session")
        answer.release()
        if answer.status != 303 or cookie is None:
            raise RuntimeError(f"signing in {self.person.email} answered {answer.status}")
        signed_in = time.perf_counter()
        width, height = self.size
        self._socket = await self.http.ws_connect(
            f"{self.base}/app/ws?width={width}&height={height}",
            headers={"Origin": self.base, "Cookie": f"equipshare_session={cookie.value}"},
            max_msg_size=0,
        )
        self._reader = asyncio.create_task(self._read(self._socket))
        try:
            await asyncio.wait_for(self._painted.wait(), PAINT_TIMEOUT)
        except TimeoutError:  # e.g. an app that failed to start: serve keeps its socket open
            raise RuntimeError(
                f"the catalogue of {self.person.username} was not drawn in {PAINT_TIMEOUT:.0f} s"
            ) from None
        if self.painted_at is None:
            raise RuntimeError(
                f"the app of {self.person.username} ended before it drew its catalogue: "
                + shown_text(self._output)[-300:]
            )
        return self.painted_at - signed_in

    async def _read(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        try:
            await self._read_frames(socket)
        finally:
            self._painted.set()  # so open() never waits for a catalogue that cannot come

    async def _read_frames(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        async for message in socket:
            if message.type != aiohttp.WSMsgType.BINARY:
                continue
            self.last_frame_at = time.perf_counter()
            self.frames += 1
            if self.painted_at is None:
                self._output += self._decoder.decode(message.data)
                if self.person.first_code in shown_text(self._output):
                    self.painted_at = self.last_frame_at
                    self._output = ""
                    self._painted.set()
            self._frame.set()

    async def quiet(self, seconds: float, timeout: float = 30.0) -> None:
        """Until the app has sent nothing for `seconds` (its start-up work is done)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() - self.last_frame_at < seconds:
            if time.perf_counter() > deadline:
                return
            await asyncio.sleep(0.05)

    async def key(self, keys: str) -> float:
        """Seconds from sending `keys` to the first frame the app sends back."""
        assert self._socket is not None
        self._frame.clear()
        sent = time.perf_counter()
        await self._socket.send_str(stdin_frame(keys))
        try:
            await asyncio.wait_for(self._frame.wait(), KEY_TIMEOUT)
        except TimeoutError:
            return KEY_TIMEOUT
        return self.last_frame_at - sent

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            await self._reader


async def lone_start(base: str, person: Person, size: tuple[int, int] = (120, 40)) -> float:
    """Seconds from signing `person` in to their catalogue's frame, with no other session."""
    async with aiohttp.ClientSession() as http:
        client = TerminalClient(http, base, person, size)
        try:
            return await client.open()
        finally:
            await client.close()


@dataclass(frozen=True)
class Level:
    """What `count` live sessions did: every key's latency, by session, and the memory then."""

    count: int
    latencies: tuple[tuple[float, ...], ...]  # per session, seconds
    app_pss_kb: tuple[int, ...]
    app_rss_kb: tuple[int, ...]
    app_private_kb: tuple[int, ...]
    server_rss_kb: int
    server_pss_kb: int
    open_seconds: float  # opening this level's new sessions, one after another in batches
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)
    idle_cores: float = 0.0  # the apps' CPU use while nobody types, in cores
    burst: tuple[float, ...] = ()  # one key for every session at the same instant

    @property
    def keys(self) -> list[float]:
        return [latency for session in self.latencies for latency in session]

    def p(self, share: float) -> float:
        return percentile(self.keys, share)

    @property
    def slowest_session(self) -> float:
        """The worst key of the worst session: every session answered within this."""
        return max(max(session) for session in self.latencies)

    def held(self, limit: float) -> bool:
        """Whether every session answered every key within `limit` seconds."""
        return self.slowest_session < limit


def highest_held(levels: Sequence[Level], limit: float, *, p95: bool = False) -> int:
    """The most sessions at which every key (or 95% of keys) was answered within `limit`;
    0 if none. Levels above a failed one count only if they pass too (noise can fail one)."""
    passed = [lv.count for lv in levels if (lv.p(0.95) < limit if p95 else lv.held(limit))]
    return max(passed, default=0)


@dataclass
class RampPlan:
    levels: Sequence[int]
    rounds: int = 6  # keys per session per level, alternately down and up
    spread: float = 1.0  # seconds over which one round's keys are sent, evenly
    open_batch: int = 4  # sessions started at once (each app start is ~1.5 s of one core)
    size: tuple[int, int] = (120, 40)
    stop_above: float = 0.5  # stop ramping once a level's p95 key is slower than this
    on_level: Callable[[Level], None] = lambda _level: None
    measure_memory: Callable[[], tuple[list[Memory], Memory]] = field(
        default=lambda: ([], Memory(0, 0, 0))
    )
    apps_cpu_seconds: Callable[[], float] = lambda: 0.0
    idle_window: float = 2.0  # seconds over which the idle apps' CPU use is read


async def _round(clients: Sequence[TerminalClient], keys: str, spread: float) -> list[float]:
    """One key from each session, evenly over `spread` seconds; the round lasts at least that,
    so each session presses a key a `spread` whether it is alone or one of many."""
    gap = spread / max(1, len(clients))
    started = time.perf_counter()

    async def press(index: int, client: TerminalClient) -> float:
        await asyncio.sleep(index * gap)
        return await client.key(keys)

    answered = list(await asyncio.gather(*(press(i, c) for i, c in enumerate(clients))))
    await asyncio.sleep(max(0.0, spread - (time.perf_counter() - started)))
    return answered


async def _open(
    http: aiohttp.ClientSession, base: str, people: Sequence[Person], plan: RampPlan
) -> list[TerminalClient]:
    opened: list[TerminalClient] = []
    for start in range(0, len(people), plan.open_batch):
        batch = [
            TerminalClient(http, base, p, plan.size) for p in people[start:][: plan.open_batch]
        ]
        opened += batch
        await asyncio.gather(*(client.open() for client in batch))
    for client in opened:  # the catalogue's next free slots and count come after its rows
        await client.quiet(1.0)
    # The first key moves focus from the search box into the table (a larger repaint);
    # every later down or up moves the cursor one row.
    await _round(opened, DOWN, plan.spread)
    for client in opened:
        await client.quiet(0.3)
    return opened


async def ramp(base: str, people: Sequence[Person], plan: RampPlan) -> list[Level]:
    """Open sessions up to each level in turn; time every session's keys at each."""
    levels: list[Level] = []
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        clients: list[TerminalClient] = []
        try:
            for count in plan.levels:
                if count > len(people):
                    raise ValueError(
                        f"{count} sessions need {count} people; there are {len(people)}"
                    )
                started = time.perf_counter()
                clients += await _open(http, base, people[len(clients) : count], plan)
                opened = time.perf_counter() - started
                for client in clients:
                    await client.quiet(0.3, timeout=5)
                cpu = plan.apps_cpu_seconds()
                await asyncio.sleep(plan.idle_window)
                idle_cores = (plan.apps_cpu_seconds() - cpu) / plan.idle_window
                latencies: list[list[float]] = [[] for _ in clients]
                # One session alone is the floor: more keys, for a steadier p95.
                rounds = plan.rounds * ALONE_ROUNDS if count == 1 else plan.rounds
                for n in range(rounds):
                    answered = await _round(clients, UP if n % 2 else DOWN, plan.spread)
                    for mine, latency in zip(latencies, answered, strict=True):
                        mine.append(latency)
                burst = await _round(clients, UP if rounds % 2 else DOWN, 0.0)
                apps, server = plan.measure_memory()
                level = Level(
                    count,
                    tuple(tuple(mine) for mine in latencies),
                    tuple(app.pss_kb for app in apps),
                    tuple(app.rss_kb for app in apps),
                    tuple(app.private_kb for app in apps),
                    server.rss_kb,
                    server.pss_kb,
                    opened,
                    os.getloadavg(),
                    idle_cores,
                    tuple(burst),
                )
                levels.append(level)
                plan.on_level(level)
                if level.p(0.95) > plan.stop_above:
                    break
        finally:
            await asyncio.gather(*(client.close() for client in clients), return_exceptions=True)
    return levels
