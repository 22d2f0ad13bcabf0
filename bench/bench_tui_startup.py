"""Launch to first painted catalogue, against a hello-world Textual app launched the same way.

Run: python -m bench.bench_tui_startup [--runs 7] [--quick]

The demo is seeded once into a temporary SQLite file. Each run then starts a fresh
`python -m equipshare tui` in a pseudo-terminal (120x40) and reads what it writes until
the first row of the catalogue (the first instrument code) has been drawn. The floor
is `python -c` of an App holding one Static, timed until its text is drawn, in the
same run and interleaved with it; the same App launched after `import sqlalchemy.orm`
shows how much of the ratio the ORM's import alone costs. A second pair of figures
times the two apps in-process with `App.run_test()` (headless), which leaves out
interpreter start-up and imports. Medians of --runs runs after one untimed warm-up of
each; machines here are noisy, so compare the ratios, not the milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import codecs
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Static

from bench.national.catalogue import seeded_context, stamp
from bench.support.frame_watch import FrameWatch, figure, middle
from equipshare.domain.records.instruments.catalogue import CatalogueQuery
from equipshare.domain.time.clock import SystemClock
from equipshare.services.catalogue.search import CatalogueService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp

ADMIN = "bench"
TARGET = 2.0  # start-up, as a multiple of the hello-world app
SIZE = (120, 40)
HELLO_TEXT = "Hello from a one-Static Textual app"
HELLO_SOURCE = f"""
from textual.app import App
from textual.widgets import Static

class Hello(App):
    def compose(self):
        yield Static({HELLO_TEXT!r})

Hello().run()
"""
# The same app after importing the ORM every equipshare screen needs: what is left of
# the ratio above this line is equipshare's own work.
ORM_HELLO_SOURCE = "import sqlalchemy.orm\n" + HELLO_SOURCE
# CSI, OSC and two-byte escape sequences: what is left is the text the terminal shows.
ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def pty_launch(argv: list[str], markers: list[str], env: dict[str, str], cwd: Path) -> list[float]:
    """Seconds from spawning `argv` in a fresh pseudo-terminal until each marker is on screen."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    written = ""
    found: dict[str, float] = {}
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, start_new_session=True
    )
    os.close(slave)
    try:
        deadline = started + 60
        while len(found) < len(markers) and time.perf_counter() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # EIO: the child closed the terminal (it exited)
                break
            now = time.perf_counter()
            written += decoder.decode(chunk)
            shown = ESCAPES.sub("", written)
            for marker in markers:
                if marker not in found and marker in shown:
                    found[marker] = now - started
    finally:
        process.kill()
        process.wait()
        os.close(master)
    missing = [m for m in markers if m not in found]
    if missing:
        tail = ESCAPES.sub("", written)[-600:]
        raise RuntimeError(f"{argv[1:4]} never showed {missing}; its screen ended:\n{tail}")
    return [found[m] for m in markers]


class Hello(App[None]):
    """The floor, in-process: one Static."""

    def compose(self) -> ComposeResult:
        yield Static(HELLO_TEXT)


def catalogue_shown(app: Any) -> bool:
    # Any table widget with a row_count (DataTable, or the catalogue's own line-API table).
    tables = app.screen.query("#catalogue-table")
    return bool(tables) and int(getattr(tables.first(), "row_count", 0)) > 0


async def headless_startup(context: ServiceContext | None, actor: str = ADMIN) -> float:
    """Seconds from constructing the app to its first painted frame (with rows, for equipshare)."""
    watch = FrameWatch()
    started = time.perf_counter()
    app: App[None]
    if context is None:
        app = watch.attach(Hello())
        watch.arm(lambda a: bool(a.screen.query(Static)))
    else:
        app = watch.attach(EquipshareApp(context, actor))
        watch.arm(catalogue_shown)
    async with app.run_test(size=SIZE):
        painted = await watch.wait()
    return painted - started


def child_environment(workdir: Path, user: str = ADMIN) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "EQUIPSHARE"))}
    # The warm-up writes .pyc files, as an installed package has them; a shell that turns
    # bytecode writing off would have every launch compile equipshare from source.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(TERM="xterm-256color", EQUIPSHARE_USER=user, XDG_CONFIG_HOME=str(workdir))
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    return env


@dataclass(frozen=True)
class Startup:
    """Median seconds of each launch: in a pseudo-terminal, then in-process."""

    hello: float
    orm_hello: float
    header: float
    rows: float
    in_hello: float
    in_rows: float


def measure(context: ServiceContext, url: str, actor: str, runs: int, warm: bool) -> Startup:
    """Launch the apps `runs` times each, interleaved, on the database at `url` as `actor`."""
    first = CatalogueService(context).page(actor, CatalogueQuery(), limit=1).rows[0]
    title = context.settings.organisation.name
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env = child_environment(workdir, actor)
        hello_argv = [sys.executable, "-c", HELLO_SOURCE]
        orm_argv = [sys.executable, "-c", ORM_HELLO_SOURCE]
        tui_argv = [sys.executable, "-m", "equipshare", "tui", "--db", url]
        if warm:  # the page cache and .pyc files; not timed
            pty_launch(hello_argv, [HELLO_TEXT], env, workdir)
            pty_launch(tui_argv, [first.code], env, workdir)
        hello: list[float] = []
        orm_hello: list[float] = []
        header: list[float] = []
        rows: list[float] = []
        for _ in range(runs):
            hello += pty_launch(hello_argv, [HELLO_TEXT], env, workdir)
            orm_hello += pty_launch(orm_argv, [HELLO_TEXT], env, workdir)
            painted_title, painted_rows = pty_launch(tui_argv, [title, first.code], env, workdir)
            header.append(painted_title)
            rows.append(painted_rows)
    in_hello: list[float] = []
    in_rows: list[float] = []
    if warm:  # first-run caches, not timed
        asyncio.run(headless_startup(None))
    for _ in range(runs):
        in_hello.append(asyncio.run(headless_startup(None)))
        in_rows.append(asyncio.run(headless_startup(context, actor)))
    return Startup(
        middle(hello), middle(orm_hello), middle(header), middle(rows), middle(in_hello),
        middle(in_rows),
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each app (median)")
    parser.add_argument(
        "--quick", action="store_true", help="smoke mode: no bookings, 1 run, no warm-up"
    )
    args = parser.parse_args()
    runs = 1 if args.quick else max(1, args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.db'}"
        context = seeded_context(url, SystemClock(), ADMIN, bookings=not args.quick)
        try:
            first = CatalogueService(context).page(ADMIN, CatalogueQuery(), limit=1).rows[0]
            t = measure(context, url, ADMIN, runs, warm=not args.quick)
        finally:
            context.close()
    print(
        f"TUI start-up, {stamp()}: demo on SQLite"
        f"{' (quick: no bookings)' if args.quick else ''}, {SIZE[0]}x{SIZE[1]}, "
        f"median of {runs} run{'s' if runs > 1 else ''}; first row {first.code}"
    )
    print("pseudo-terminal, from spawn (interpreter start-up and imports included):")
    print(figure("floor  hello-world App, first frame:", t.hello, t.hello))
    print(figure("hello-world App + import sqlalchemy.orm:", t.orm_hello, t.hello))
    print(figure("equipshare tui, first frame (header):", t.header, t.hello))
    print(figure("equipshare tui, first catalogue rows:", t.rows, t.hello))
    print("in-process App.run_test(), from App() (imports excluded):")
    print(figure("floor  hello-world App, first frame:", t.in_hello, t.in_hello))
    print(figure("EquipshareApp, first catalogue rows:", t.in_rows, t.in_hello))
    verdict = "met" if t.rows <= TARGET * t.hello else "MISSED"
    print(f"target start-up <= {TARGET:.1f}x hello-world: {verdict} ({t.rows / t.hello:.1f}x)")


if __name__ == "__main__":
    main()
