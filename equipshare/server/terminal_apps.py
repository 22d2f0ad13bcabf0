"""One Textual app process per browser connection, started as the signed-in user and reaped.

textual-serve (pinned at 1.1.3) has no hook for sign-in, so `ServedApp` overrides three of its
`AppService` internals: `_build_environment` (an allow-list instead of the server's whole
environment, which would hand the OIDC secret to every user), `_open_app_process` (an argv list,
never `/bin/sh -c` with a username in it) and `stop` (which waited forever for "quit").
tests/server/test_terminal_pins.py fails if those names or signatures move.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

log = logging.getLogger("equipshare.terminal")

#: The variable the served entry point (`python -m equipshare.tui.served`) reads its user from.
SERVED_USER_ENV = "EQUIPSHARE_SERVED_USER"
#: Taken from the server's environment when set; nothing else of it reaches an app process.
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "SYSTEMROOT")
#: What textual-serve's own builder sets for the web driver (kept in step by the pin test).
WEB_DRIVER = {
    "TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver",
    "TEXTUAL_FPS": "60",
    "TEXTUAL_COLOR_SYSTEM": "truecolor",
    "TERM_PROGRAM": "textual",
}


@dataclass(frozen=True)
class AppLaunch:
    """How every app process starts: the argv, and the equipshare settings it is given."""

    argv: Sequence[str] = (sys.executable, "-m", "equipshare.tui.served")
    config_path: Path | None = None
    database_url: str | None = None
    read_url: str | None = None
    """The read replica's URL, passed on beside database_url (which would drop the file's)."""
    quit_seconds: float = 2.0
    """How long an app has to leave after "quit" before it is terminated."""
    kill_seconds: float = 2.0
    """How long a terminated app has before it is killed."""
    inherited: Sequence[str] = INHERITED


def launch_environment(
    launch: AppLaunch, username: str, server_env: Mapping[str, str]
) -> dict[str, str]:
    """What every app process gets, in a browser or over SSH: the allow-list, the settings
    and the user; the front end adds what its terminal needs."""
    env = {name: server_env[name] for name in launch.inherited if name in server_env}
    if launch.config_path is not None:
        env["EQUIPSHARE_CONFIG"] = str(launch.config_path)
    if launch.database_url is not None:
        env["EQUIPSHARE_DATABASE_URL"] = launch.database_url
    if launch.read_url:
        env["EQUIPSHARE_DATABASE_READ_URL"] = launch.read_url
    env[SERVED_USER_ENV] = username
    return env


def app_environment(
    launch: AppLaunch, username: str, width: int, height: int, server_env: Mapping[str, str]
) -> dict[str, str]:
    """The whole environment of a browser's app process: the web driver at the given size."""
    env = launch_environment(launch, username, server_env)
    env.update(WEB_DRIVER)
    env["COLUMNS"] = str(width)
    env["ROWS"] = str(height)
    return env


class ServedApp(AppService):
    """textual-serve's app service for one signed-in user, with its process reaped on stop."""

    def __init__(
        self,
        launch: AppLaunch,
        username: str,
        *,
        write_bytes: Callable[[bytes], Awaitable[None]],
        write_str: Callable[[str], Awaitable[None]],
        close: Callable[[], Awaitable[None]],
        download_manager: DownloadManager,
    ) -> None:
        super().__init__(
            " ".join(launch.argv),  # shown in textual-serve's logs only; never run by a shell
            write_bytes=write_bytes,
            write_str=write_str,
            close=close,
            download_manager=download_manager,
        )
        self.launch = launch
        self.username = username
        self._stopping: asyncio.Task[None] | None = None
        self._closing: asyncio.Future[None] | None = None

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        return app_environment(self.launch, self.username, width, height, os.environ)

    async def _open_app_process(
        self, width: int = 80, height: int = 24
    ) -> asyncio.subprocess.Process:
        self._process = process = await asyncio.create_subprocess_exec(
            *self.launch.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
            start_new_session=True,  # a Ctrl+C at the server's terminal is the server's alone
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def start(self, width: int, height: int) -> None:
        await super().start(width, height)
        if self._task is not None:
            self._task.add_done_callback(self._output_ended)

    def _output_ended(self, _task: asyncio.Task[None]) -> None:
        """The app closed its output (it quit, or died starting): close the browser's socket,
        which textual-serve does only when the app says "exit", or the tab waits for ever."""
        if self._stopping is None:
            self._closing = asyncio.ensure_future(self.remote_close())

    async def stop(self) -> None:
        """Ask the app to quit, then terminate, then kill: never wait longer than the timeouts."""
        if self._stopping is None:
            self._stopping = asyncio.ensure_future(self._stop())
        await asyncio.shield(self._stopping)

    async def _stop(self) -> None:
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        process, task = self._process, self._task
        if process is not None and process.returncode is None:
            await self.send_meta({"type": "quit"})
            await _wait(process, self.launch.quit_seconds)
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            await _wait(process, self.launch.kill_seconds)
        if process is not None and process.returncode is None:
            log.warning("app process %s for %s ignored SIGTERM; killed", process.pid, self.username)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, self.launch.kill_seconds)
            self._task = None


async def _wait(process: asyncio.subprocess.Process, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(process.wait(), seconds)


@dataclass
class TerminalSessions:
    """Every live app process of this server, by user, so sign-out and shutdown can end them.

    Its limits are the sessions' own, `[server] max_sessions_per_user` and `max_sessions`:
    each app runs for one browser session, so the apps need no separate limit that could
    disagree with how many sessions may be open.
    """

    launch: AppLaunch
    per_user: int
    total: int
    downloads: DownloadManager = field(default_factory=DownloadManager)
    _apps: dict[str, set[ServedApp]] = field(default_factory=dict)

    def running(self, username: str | None = None) -> list[ServedApp]:
        if username is not None:
            return list(self._apps.get(username, ()))
        return [app for apps in self._apps.values() for app in apps]

    def refusal(self, username: str) -> str | None:
        """Why one more app for `username` would pass a limit, or None."""
        if len(self._apps.get(username, ())) >= self.per_user:
            return (
                f"{username} already has the app open {self.per_user} times, the most allowed "
                "([server] max_sessions_per_user); close one first"
            )
        if len(self.running()) >= self.total:
            return (
                f"equipshare is full: {self.total} apps are open, the most it holds "
                "([server] max_sessions); try again in a few minutes"
            )
        return None

    def add(self, app: ServedApp) -> None:
        self._apps.setdefault(app.username, set()).add(app)

    def discard(self, app: ServedApp) -> None:
        apps = self._apps.get(app.username)
        if apps is not None:
            apps.discard(app)
            if not apps:
                del self._apps[app.username]

    async def end_sessions_of(self, username: str) -> int:
        """End every app process of `username` (sign-out, deactivation); how many there were."""
        apps = self.running(username)
        await asyncio.gather(*(self.end(app) for app in apps))
        return len(apps)

    async def shutdown(self) -> None:
        """End every app process, each within its timeouts (the server is stopping)."""
        await asyncio.gather(*(self.end(app) for app in self.running()))

    async def end(self, app: ServedApp) -> None:
        """Stop one app and forget it; its browser tab sees the session end."""
        try:
            await app.stop()
        finally:
            self.discard(app)
            with contextlib.suppress(Exception):
                await app.remote_close()
