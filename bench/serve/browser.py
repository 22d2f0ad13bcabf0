"""Sign-in to the first painted catalogue in a real headless Chromium, for bench_serve.

Each start is a fresh browser context (no cookies) that opens /sign-in with the trusted
proxy's header, as the proxy would forward it: the server answers 303 with the session
cookie, the browser loads `/`, textual-serve's script opens the websocket and the app
process starts. The terminal is drawn on a canvas, so the page cannot be read; instead a
script installed before the page's own wraps `WebSocket`, decodes the binary frames (the
terminal output) as they arrive and notes, on the page's own clock, the first frame whose
text holds the person's first catalogue row, and the second animation frame after it
(by then xterm.js has drawn it: it writes on a timer and renders on the next frame). The
start of the clock is the end of the sign-in response (the redirect's `redirectEnd` in
the navigation timing entry), so every time is the browser's own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.serve.process import PROXY_HEADER
from bench.serve.sessions import ESCAPES, Person

CHROMIUM = Path("/usr/bin/chromium")
VIEWPORT = {"width": 1200, "height": 800}
# Runs in the page before textual.js: the same escape pattern as the websocket client's.
WATCH_SCRIPT = """
(() => {
  const marker = %(marker)s;
  const escapes = new RegExp(%(escapes)s, "g");
  const seen = {opened: null, firstByte: null, arrived: null, painted: null};
  window.__benchServe = seen;
  const Native = window.WebSocket;
  window.WebSocket = function (url, protocols) {
    const socket = protocols === undefined ? new Native(url) : new Native(url, protocols);
    const decoder = new TextDecoder("utf-8");
    let output = "";
    socket.addEventListener("open", () => { seen.opened = performance.now(); });
    socket.addEventListener("message", (event) => {
      if (typeof event.data === "string" || seen.arrived !== null) return;
      const now = performance.now();
      if (seen.firstByte === null) seen.firstByte = now;
      output += decoder.decode(event.data, {stream: true});
      if (output.replace(escapes, "").includes(marker)) {
        seen.arrived = now;
        output = "";
        setTimeout(() => requestAnimationFrame(() => requestAnimationFrame(() => {
          seen.painted = performance.now();
        })), 0);
      }
    });
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, {
    CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3
  });
})();
"""
READ_TIMES = """
() => {
  const nav = performance.getEntriesByType("navigation")[0];
  return Object.assign({
    signedIn: nav.redirectEnd || nav.fetchStart,
    loaded: nav.domContentLoadedEventEnd,
  }, window.__benchServe);
}
"""


@dataclass(frozen=True)
class BrowserStart:
    """Milliseconds from the end of the sign-in response to each step, on the page's clock."""

    signing_in: float  # the sign-in request itself (navigation start to its 303's end)
    page_loaded: float
    socket_open: float
    first_byte: float
    catalogue_arrived: float
    catalogue_painted: float


def watch_script(marker: str) -> str:
    return WATCH_SCRIPT % {"marker": json.dumps(marker), "escapes": json.dumps(ESCAPES.pattern)}


def browser_start(times: dict[str, float]) -> BrowserStart:
    """The steps from what READ_TIMES returned, counted from the sign-in response's end."""
    zero = times["signedIn"]
    return BrowserStart(
        zero, times["loaded"] - zero, times["opened"] - zero, times["firstByte"] - zero,
        times["arrived"] - zero, times["painted"] - zero,
    )  # fmt: skip


class Browser:
    """One headless Chromium for a run; each `start` is a fresh context in it."""

    def __init__(self, executable: Path = CHROMIUM) -> None:
        from playwright.sync_api import sync_playwright

        if not executable.exists():
            raise RuntimeError(f"no Chromium at {executable} (Debian: apt-get install chromium)")
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=str(executable), args=["--no-sandbox"], headless=True
            )
        except Exception:
            self._playwright.stop()
            raise

    def start(self, base: str, person: Person, timeout_ms: float = 60_000) -> BrowserStart:
        """Sign `person` in and wait for their catalogue to be painted; closes the context."""
        context = self._browser.new_context(
            viewport=VIEWPORT,  # type: ignore[arg-type]
            extra_http_headers={PROXY_HEADER: person.email},
        )
        try:
            context.add_init_script(watch_script(person.first_code))
            page = context.new_page()
            page.goto(base + "/sign-in")
            page.wait_for_function(
                "window.__benchServe && window.__benchServe.painted !== null", timeout=timeout_ms
            )
            times = page.evaluate(READ_TIMES)
        finally:
            context.close()
        return browser_start(times)

    def close(self) -> None:
        try:
            self._browser.close()
        finally:
            self._playwright.stop()


def median_start(starts: Sequence[BrowserStart]) -> BrowserStart:
    """Each step's median over `starts` (step by step, so they need not add up)."""
    from statistics import median

    return BrowserStart(
        *(median(getattr(s, name) for s in starts) for name in BrowserStart.__dataclass_fields__)
    )
