"""What the browser test stands on: Chromium (or a skip saying why), a seeded small world, the
test OpenID provider in a thread, `equipshare serve` as a process, and reading the screen.

The terminal is drawn on canvases, so the DOM holds no text. The page's websocket does: an init
script keeps what the app sent, and `ScreenText` reads it without its escape sequences, so a test
waits for the words a step draws rather than for a fixed time. Screenshots are the artefacts.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from equipshare.db.engine import Database
from equipshare.db.models.catalogue import Facility, Institution, User
from equipshare.domain.enums import InstitutionSector, Role
from tests.support.backends import in_ci
from tests.support.oidc_provider import HOST, TestProvider, running
from tests.support.world import instrument_row

ARTIFACTS_ENV = "EQUIPSHARE_TEST_ARTIFACTS"
CHROMIUM_ENV = "EQUIPSHARE_TEST_CHROMIUM"  # another Chromium binary (chromium-browser, chrome)
REPO = Path(__file__).resolve().parents[2]


def chromium() -> str:
    """The system Chromium's path, once Playwright is importable; else a skip (a failure in CI)."""
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[test]')")
    path = os.environ.get(CHROMIUM_ENV) or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(path, os.X_OK):
        missing.append(f"Chromium at {path} (apt-get install chromium, or set ${CHROMIUM_ENV})")
    if not missing:
        return path
    reason = "the browser test needs " + " and ".join(missing)
    if in_ci():  # tests/conftest.py fails a CI run that skipped; this says why at the test too
        pytest.fail(f"CI: {reason}")
    pytest.skip(reason)


def artefact_dir(name: str) -> Path:
    """This run's folder for screenshots and downloads, under $EQUIPSHARE_TEST_ARTIFACTS or, by
    default, the repository's test-artifacts/ (git ignores it)."""
    root = Path(os.environ.get(ARTIFACTS_ENV) or REPO / "test-artifacts")
    folder = root / name
    shutil.rmtree(folder, ignore_errors=True)  # only this run's files
    folder.mkdir(parents=True)
    return folder


# -- the small world ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    username: str
    user_id: int
    email: str
    instrument: str
    instrument_id: int


def seed(database: Database) -> Seeded:
    """An institution whose email domain is the provider's, a researcher there, and an
    instrument anyone there may book at any hour (no training, approval or notice), so the
    week's cursor, wherever the real clock puts it, lands on bookable time a week ahead."""
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    with database.sessions.begin() as s:
        home = Institution(
            code="ESSEX", name="University of Essex", sector=InstitutionSector.ACADEMIC,
            is_partner=True, email_domain="essex.ac.uk", created_at=t0,
        )  # fmt: skip
        s.add(home)
        s.flush()
        user = User(
            username="ada", display_name="Ada Lovelace", email="ada.lovelace@essex.ac.uk",
            institution_id=home.id, role=Role.RESEARCHER, active=True, created_at=t0,
        )  # fmt: skip
        facility = Facility(
            institution_id=home.id, code="ESS-SURF", name="Essex Surface Lab", created_at=t0
        )
        s.add_all([user, facility])
        s.flush()
        # No opening hours: open around the clock.
        instrument = instrument_row(
            facility.id, "ESS-XPS-01", requires_training=False, min_notice_minutes=0,
            allow_overnight=True,
        )  # fmt: skip
        s.add(instrument)
        s.flush()
        return Seeded(user.username, user.id, user.email or "", instrument.code, instrument.id)


# -- the provider and the server ---------------------------------------------------------------


@contextmanager
def provider_running(provider: TestProvider) -> Iterator[str]:
    """The test OpenID provider on its own event loop in a thread; yields its issuer URL."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    serving = running(provider.app())
    provider.issuer = asyncio.run_coroutine_threadsafe(serving.__aenter__(), loop).result(30)
    try:
        yield provider.issuer
    finally:
        asyncio.run_coroutine_threadsafe(serving.__aexit__(None, None, None), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def wait_until(
    what: str, check: Callable[[], Any], seconds: float, pause: Callable[[], Any] | None = None
) -> Any:
    """Poll `check` until it returns something truthy; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds:.0f} s")
        if pause is None:
            time.sleep(0.1)
        else:
            pause()


def children_of(pid: int) -> list[int]:
    """The live (not zombie) child processes of `pid`, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone while we looked
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


@dataclass
class Serve:
    """`equipshare serve` in a process of its own, its stderr collected line by line."""

    process: subprocess.Popen[str]
    base: str
    lines: list[str] = field(default_factory=list)

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def app_processes(self) -> list[int]:
        return children_of(self.process.pid)

    def stop(self) -> int:
        """SIGTERM, as systemd stops it; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"serve ignored SIGTERM for 30 s; log:\n{self.log}") from None


@contextmanager
def serve(config: Path, database_url: str, port: int, env: dict[str, str]) -> Iterator[Serve]:
    """Run `equipshare serve --port` with `config` until the block ends."""
    environ = {**os.environ, **env, "EQUIPSHARE_DATABASE_URL": database_url,
               "EQUIPSHARE_CONFIG": str(config)}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "equipshare", "serve", "--port", str(port)],
        cwd=config.parent, env=environ, stderr=subprocess.PIPE, text=True, errors="replace",
    )  # fmt: skip
    served = Serve(process, f"http://{HOST}:{port}")
    stderr = process.stderr
    assert stderr is not None
    reader = threading.Thread(target=lambda: served.lines.extend(iter(stderr.readline, "")))
    reader.start()

    def listening_or_gone() -> bool:
        return "serving on" in served.log or process.poll() is not None

    try:
        wait_until("serve listening", listening_or_gone, 60)
        assert process.poll() is None, served.log
        yield served
    finally:
        served.stop()
        reader.join(timeout=10)


# -- reading the screen ------------------------------------------------------------------------

#: Keeps, in `window.__appOutput`, the text of every binary frame the page's websockets receive
#: (the app's output, as xterm.js is handed it). Injected before the page's own script runs.
RECORD_OUTPUT = """
(() => {
  const Native = window.WebSocket;
  const decoder = new TextDecoder();
  window.__appOutput = "";
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        if (event.data instanceof ArrayBuffer) {
          window.__appOutput += decoder.decode(event.data, { stream: true });
        }
      });
    }
  };
})();
"""
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


class ScreenText:
    """What the app has drawn, as plain text; `mark()` then `wait_for()` waits for new words."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.seen = 0

    def text(self) -> str:
        return _ESCAPES.sub("", str(self.page.evaluate("window.__appOutput || ''")))

    def mark(self) -> None:
        """From now on, only what the app draws next counts."""
        self.seen = len(self.text())

    def wait_for(self, *words: str, seconds: float = 30.0) -> None:
        """Wait until the app has drawn all `words` since the mark."""
        try:
            self.poll(f"the app drawing {words}", lambda: self._drawn_all(words), seconds)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; it drew: {self.text()[self.seen :][-1500:]!r}") from None

    def _drawn_all(self, words: tuple[str, ...]) -> bool:
        drawn = self.text()[self.seen :]
        return all(word in drawn for word in words)

    def poll(self, what: str, check: Callable[[], Any], seconds: float = 30.0) -> Any:
        """`wait_until`, pausing with the page's own timer, which lets the browser's events run."""
        return wait_until(what, check, seconds, pause=lambda: self.page.wait_for_timeout(100))


def _unfilter(kind: int, line: bytearray, previous: bytes, channels: int) -> None:
    """Undo one PNG scanline's filter in place (RFC 2083 6.2-6.6)."""
    for i in range(len(line)):
        left = line[i - channels] if i >= channels else 0
        up, corner = previous[i], previous[i - channels] if i >= channels else 0
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + up) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            guess = left if pa <= pb and pa <= pc else up if pb <= pc else corner
            line[i] = (line[i] + guess) & 0xFF


def distinct_colours(png: bytes, limit: int = 64) -> int:
    """How many colours an 8-bit RGB(A) PNG's pixels have, up to `limit`: a blank frame has one.

    Read from the top, stopping at `limit`: a painted frame gets there within its first rows.
    """
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    at, idat, width, channels = 8, b"", 0, 0
    while at < len(png):
        length = int.from_bytes(png[at : at + 4], "big")
        kind, body = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        if kind == b"IHDR":
            width = int.from_bytes(body[:4], "big")
            assert body[8] == 8 and body[9] in (2, 6), "8-bit RGB or RGBA only"
            channels = 3 if body[9] == 2 else 4
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    raw, stride = zlib.decompress(idat), width * channels
    previous, colours = bytes(stride), set[bytes]()
    for start in range(0, len(raw) - stride, stride + 1):
        line = bytearray(raw[start + 1 : start + 1 + stride])
        _unfilter(raw[start], line, previous, channels)
        colours.update(bytes(line[i : i + 3]) for i in range(0, stride, channels))
        if len(colours) >= limit:
            return limit
        previous = bytes(line)
    return len(colours)
