"""One app process in a pseudo-terminal: spawned as the leader of its own terminal's session,
pumped both ways by the event loop, resized, and ended (hang-up, terminate, kill) and reaped.

`os.posix_spawn` rather than fork: the server has thread workers, and a fork copies their
locks mid-use. The child runs `setsid()` and then opens the pty's slave by path, which makes
it the child's controlling terminal (the kernel's rule for a session leader without one), so
TIOCSWINSZ on the master sends it SIGWINCH. Every signal's disposition is reset to default in
the child: a server started in the background ignores SIGHUP and SIGINT, and an app that
inherited that would outlive its session. Reaping goes through a pidfd, so it needs no
child watcher and cannot take another subprocess's status.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import shutil
import signal
import struct
import termios
from collections.abc import Callable, Mapping, Sequence

CHUNK = 65536
#: Every signal a process may catch or ignore: all are set back to default in the child.
CATCHABLE = frozenset(signal.valid_signals()) - {signal.SIGKILL, signal.SIGSTOP}


def set_size(fd: int, columns: int, rows: int) -> None:
    """Set a pty's window size; the kernel tells its foreground process group (SIGWINCH)."""
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


def spawn_in_pty(
    argv: Sequence[str], env: Mapping[str, str], columns: int, rows: int
) -> tuple[int, int]:
    """Start `argv` on a new pty of the given size; its pid and the pty's master end.

    An argv list, never a shell string; the environment is exactly `env`.
    """
    executable = argv[0] if os.path.isabs(argv[0]) else shutil.which(argv[0])
    if executable is None:
        raise FileNotFoundError(f"{argv[0]}: not found")
    master, slave = os.openpty()  # both close on exec (PEP 446)
    try:
        set_size(master, columns, rows)
        pid = os.posix_spawn(
            executable,
            list(argv),
            dict(env),
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.ttyname(slave), os.O_RDWR, 0),
                (os.POSIX_SPAWN_DUP2, 0, 1),
                (os.POSIX_SPAWN_DUP2, 0, 2),
            ],
            setsid=True,
            setsigmask=(),
            setsigdef=CATCHABLE,
        )
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)
    return pid, master


class PtyApp:
    """A running app: its output goes to `output`, keystrokes come in through `write`."""

    def __init__(self, pid: int, master: int, output: Callable[[bytes], None]) -> None:
        self.pid = pid
        self._master = master
        self._output = output
        self._loop = asyncio.get_running_loop()
        self._keys = bytearray()  # keystrokes the pty has not taken yet
        self._reading = False
        self._paused = False
        self._closed = False
        self._status: asyncio.Future[int] = self._loop.create_future()
        os.set_blocking(master, False)
        self._pidfd = os.pidfd_open(pid)
        self._loop.add_reader(self._pidfd, self._exited)
        self._read_on()

    @classmethod
    def start(
        cls,
        argv: Sequence[str],
        env: Mapping[str, str],
        columns: int,
        rows: int,
        output: Callable[[bytes], None],
    ) -> PtyApp:
        pid, master = spawn_in_pty(argv, env, columns, rows)
        return cls(pid, master, output)

    @property
    def exited(self) -> bool:
        return self._status.done()

    # -- output, with the channel's flow control ---------------------------------------------

    def _read_on(self) -> None:
        if not self._reading and not self._paused and not self._closed:
            self._loop.add_reader(self._master, self._readable)
            self._reading = True

    def _read_off(self) -> None:
        if self._reading:
            self._loop.remove_reader(self._master)
            self._reading = False

    def pause_output(self) -> None:
        """The client is not keeping up: leave the output in the pty, which stops the app."""
        self._paused = True
        self._read_off()

    def resume_output(self) -> None:
        self._paused = False
        self._read_on()

    def _readable(self) -> None:
        try:
            data = os.read(self._master, CHUNK)
        except BlockingIOError:
            return
        except OSError:  # EIO: no process holds the terminal any more
            data = b""
        if data:
            self._output(data)
        else:
            self._read_off()

    # -- input and size ----------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Keystrokes for the app; what the pty cannot take now waits for it."""
        if self._closed:
            return
        self._keys += data
        self._flush_keys()

    def _flush_keys(self) -> None:
        while self._keys and not self._closed:
            try:
                sent = os.write(self._master, self._keys)
            except BlockingIOError:
                self._loop.add_writer(self._master, self._flush_keys)
                return
            except OSError:
                self._keys.clear()
                break
            del self._keys[:sent]
        if not self._closed:
            self._loop.remove_writer(self._master)

    def resize(self, columns: int, rows: int) -> None:
        if not self._closed and columns > 0 and rows > 0:
            with contextlib.suppress(OSError):
                set_size(self._master, columns, rows)

    # -- the end -----------------------------------------------------------------------------

    def _exited(self) -> None:
        """The app has exited (its pidfd is readable): reap it, pass on its last output."""
        self._loop.remove_reader(self._pidfd)
        # Anything the app started goes too: the group still exists while its leader is unreaped.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        _, status = os.waitpid(self.pid, 0)
        self._drain()
        self._close()
        self._status.set_result(os.waitstatus_to_exitcode(status))

    def _drain(self) -> None:
        for _ in range(64):  # the pty holds a few pages at most
            try:
                data = os.read(self._master, CHUNK)
            except OSError:
                return
            if not data:
                return
            self._output(data)

    def _close(self) -> None:
        self._read_off()
        self._loop.remove_writer(self._master)
        self._closed = True
        os.close(self._master)
        os.close(self._pidfd)

    async def wait(self) -> int:
        """The app's exit code (negative: the signal that ended it)."""
        return await asyncio.shield(self._status)

    async def end(self, hangup_seconds: float, kill_seconds: float) -> int:
        """Hang up on the app, then terminate it, then kill it; its exit code once reaped."""
        steps = ((signal.SIGHUP, hangup_seconds), (signal.SIGTERM, kill_seconds))
        for signum, seconds in steps:
            if self.exited:
                break
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signum)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._status), seconds)
        if not self.exited:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)
        return await self.wait()
