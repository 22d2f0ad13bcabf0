"""One SSH session channel: a pty and a shell request run the app as the key's owner; nothing
else does (an exec or a subsystem such as sftp is refused).

The identity is the owner of the key the connection proved, signed in (and audited) when the
shell starts; the username the client sent is never read. The app's environment is the web
app's allow-list (`terminal_apps.launch_environment`) plus what a terminal needs: TERM from
the pty request, COLORTERM when the client says it has truecolor, and EQUIPSHARE_SERVED_VIA,
so the app shows downloads as text instead of writing files on the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from equipshare.domain.errors import EquipshareError
from equipshare.server.ssh.app_process import PtyApp
from equipshare.server.ssh.library import asyncssh
from equipshare.server.ssh.sessions import KeyRegistry, SignedInKey, SshSessions
from equipshare.server.terminal_apps import AppLaunch, launch_environment

log = logging.getLogger("equipshare.ssh")

SERVED_VIA_ENV = "EQUIPSHARE_SERVED_VIA"  # the same name as tui/downloads.py reads
_TERM = re.compile(r"^[A-Za-z0-9._+-]{1,64}$")
DEFAULT_TERM = "xterm-256color"
#: Terminals whose TERM says truecolor by itself; OpenSSH forwards no COLORTERM.
TRUECOLOR_TERMS = frozenset(
    {"xterm-kitty", "alacritty", "wezterm", "xterm-ghostty", "foot", "contour", "iterm2"}
)
#: What leaves a terminal usable after an app that was stopped without its own cleanup:
#: main screen, cursor shown, no mouse reports, no bracketed paste or focus events, plain keys.
TERMINAL_RESET = (
    b"\x1b[0m\x1b[?1049l\x1b[?25h\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l"
    b"\x1b[?2004l\x1b[?1004l\x1b[<u\r\n"
)
CLOSE_SECONDS = 5.0
NEEDS_TERMINAL = (
    "equipshare needs a terminal: connect with ssh -t, or RequestTTY yes in ~/.ssh/config"
)


class ProvenKey(Protocol):
    """What the connection knows: where the client is, and the key it proved it holds."""

    @property
    def address(self) -> str: ...
    @property
    def fingerprint(self) -> str: ...
    @property
    def who(self) -> str: ...


@dataclass(frozen=True)
class SessionRules:
    """How each session's app starts and how long it may idle or take to end."""

    launch: AppLaunch
    idle_seconds: float
    hangup_seconds: float = 2.0
    kill_seconds: float = 2.0


def ssh_environment(
    launch: AppLaunch, username: str, term: str, client_env: Mapping[str, str]
) -> dict[str, str]:
    """The app's whole environment over SSH; of the client's variables only COLORTERM counts."""
    env = launch_environment(launch, username, os.environ)
    env["TERM"] = term if _TERM.fullmatch(term) else DEFAULT_TERM
    said = client_env.get("COLORTERM", "").lower()
    if said in ("truecolor", "24bit") or term in TRUECOLOR_TERMS or term.endswith("-direct"):
        env["COLORTERM"] = "truecolor"
    env[SERVED_VIA_ENV] = "ssh"
    return env


class AppSession(asyncssh.SSHServerSession[bytes]):
    """A session channel; with a pty and a shell, the signed-in key owner's app."""

    def __init__(
        self,
        connection: ProvenKey,
        registry: KeyRegistry,
        hub: SshSessions,
        rules: SessionRules,
    ) -> None:
        self._connection = connection
        self._registry = registry
        self._hub = hub
        self._rules = rules
        self._chan: asyncssh.SSHServerChannel[bytes] | None = None
        self._term: str | None = None
        self._size = (80, 24)
        self._signed: SignedInKey | None = None
        self._app: PtyApp | None = None
        self._gone = False
        self._input_closed = False
        self._reason: str | None = None
        self._last_key = time.monotonic()
        self._task: asyncio.Task[None] | None = None
        self._ending: asyncio.Task[None] | None = None

    # -- what the hub sees -------------------------------------------------------------------

    @property
    def username(self) -> str:
        return self._signed.username if self._signed is not None else ""

    @property
    def fingerprint(self) -> str:
        return self._connection.fingerprint

    @property
    def pid(self) -> int | None:
        return None if self._app is None else self._app.pid

    async def end(self, reason: str | None) -> None:
        """End the app (hang-up, terminate, kill); `reason` is shown to the person, if there."""
        if self._reason is None:
            self._reason = reason
        if self._app is not None and not self._app.exited:
            await self._app.end(self._rules.hangup_seconds, self._rules.kill_seconds)
        if self._task is not None:
            await asyncio.shield(self._task)
        if self._chan is not None and not self._gone:
            # Until the client has the last words: OpenSSH drops output it has not yet
            # written when the connection closes under it (the server stopping).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._chan.wait_closed(), CLOSE_SECONDS)

    # -- the requests a client makes ---------------------------------------------------------

    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        self._chan = chan

    def pty_requested(
        self, term_type: str, term_size: tuple[int, int, int, int], term_modes: Mapping[int, int]
    ) -> bool:
        self._term = term_type
        self._size = (term_size[0] or 80, term_size[1] or 24)
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        log.info("ssh: refused to run a command for %s", self._connection.who)
        return False

    def subsystem_requested(self, subsystem: str) -> bool:
        log.info("ssh: refused the %r subsystem for %s", subsystem[:40], self._connection.who)
        return False

    def session_started(self) -> None:
        self._task = asyncio.create_task(self._run())

    def data_received(self, data: bytes, datatype: Any) -> None:
        self._last_key = time.monotonic()
        if self._app is not None:
            self._app.write(data)

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        self._size = (width or self._size[0], height or self._size[1])
        if self._app is not None:
            self._app.resize(*self._size)

    def eof_received(self) -> bool:
        """No more keystrokes can come: the app ends with the input."""
        self._input_closed = True
        self._end_soon()
        return True

    def pause_writing(self) -> None:
        if self._app is not None:
            self._app.pause_output()

    def resume_writing(self) -> None:
        if self._app is not None:
            self._app.resume_output()

    def connection_lost(self, exc: Exception | None) -> None:
        self._gone = True
        if self._app is not None and not self._app.exited:
            self._end_soon()

    def _end_soon(self) -> None:
        """From a callback: end the app, quietly (the person has gone or sent EOF)."""
        if self._ending is None:
            self._ending = asyncio.create_task(self.end(None))

    # -- running the app ---------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            await self._serve()
        except Exception:
            log.exception("ssh: a session of %s failed", self._connection.who)
            self._close(1, "equipshare: the session failed; please try again")

    async def _serve(self) -> None:
        if self._term is None:
            self._close(1, NEEDS_TERMINAL)
            return
        connection = self._connection
        try:
            self._signed = await asyncio.to_thread(
                self._registry.sign_in, connection.fingerprint, connection.address
            )
        except EquipshareError as exc:
            log.info(
                "ssh: refused key %s from %s: %s", connection.fingerprint, connection.address, exc
            )
            self._close(1, f"equipshare: {exc}")
            return
        if self._gone or self._input_closed:
            self._close(0)
            return
        refusal = self._hub.admit(self)
        if refusal is not None:
            log.info(
                "ssh: refused a session of %s from %s: %s",
                self.username,
                connection.address,
                refusal,
            )
            self._close(1, f"equipshare: {refusal}")
            return
        try:
            await self._run_app(self._signed)
        finally:
            self._hub.discard(self)

    async def _run_app(self, signed: SignedInKey) -> None:
        assert self._chan is not None
        env = ssh_environment(
            self._rules.launch, signed.username, self._term or DEFAULT_TERM,
            self._chan.get_environment(),
        )  # fmt: skip
        started = time.monotonic()
        self._app = app = PtyApp.start(self._rules.launch.argv, env, *self._size, self._output)
        log.info(
            "ssh: %s signed in with key %s from %s (app %d)",
            signed.username, signed.fingerprint, self._connection.address, app.pid,
        )  # fmt: skip
        idle = asyncio.create_task(self._watch_idle())
        try:
            code = await app.wait()
        finally:
            idle.cancel()
        log.info("ssh: %s's app %d ended (%d) after %.0f s", signed.username, app.pid, code,
                 time.monotonic() - started)  # fmt: skip
        if self._reason is not None:
            self._close(1, f"equipshare: {self._reason}", reset=True)
        elif code < 0:
            self._close_signal(-code)
        else:
            self._close(code)

    async def _watch_idle(self) -> None:
        idle = self._rules.idle_seconds
        while True:
            left = self._last_key + idle - time.monotonic()
            if left <= 0:
                minutes = max(1, round(idle / 60))
                await self.end(f"no keystroke for {minutes} minute(s), so the session has ended")
                return
            await asyncio.sleep(left)

    def _output(self, data: bytes) -> None:
        if self._chan is not None and not self._gone and not self._chan.is_closing():
            self._chan.write(data)

    def _close(self, status: int, message: str = "", *, reset: bool = False) -> None:
        chan = self._chan
        if chan is None or self._gone or chan.is_closing():
            return
        if reset:
            chan.write(TERMINAL_RESET)
        if message:
            chan.write(message.encode("utf-8", "replace") + b"\r\n")
        chan.exit(status)

    def _close_signal(self, signum: int) -> None:
        chan = self._chan
        if chan is None or self._gone or chan.is_closing():
            return
        chan.write(TERMINAL_RESET)
        chan.exit_with_signal(signal.Signals(signum).name.removeprefix("SIG"))
