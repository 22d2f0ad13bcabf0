"""`equipshare serve` in a process of its own for bench_serve, and what it and its apps hold.

The server runs as an operator would start it (`python -m equipshare serve`), with sign-in
by a trusted proxy's header from 127.0.0.1, so a benchmark signs anyone in with one GET.
Each app process it starts is its child; memory is read from /proc/<pid>/smaps_rollup
(Rss, and Pss, which shares each shared page out among the processes that map it).
Stopping the server (SIGTERM) ends its apps; any app still alive after that is killed by
its pid, so a failed run leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
PROXY_HEADER = "X-Remote-Email"
APP_MODULE = "equipshare.tui.served"  # what each app process runs (server/terminal_apps.py)
CONFIG = """\
[server]
host = "{host}"
port = {port}
base_url = "http://{host}:{port}"
proxy_addresses = ["{host}"]
max_sessions = {max_sessions}

[auth]
method = "proxy"
proxy_header = "{header}"
"""


@dataclass(frozen=True)
class Memory:
    """One process's resident set and proportional set size, in kB."""

    rss_kb: int
    pss_kb: int
    private_kb: int  # Private_Clean + Private_Dirty: what ending the process would free


def parse_smaps_rollup(text: str) -> Memory:
    """Rss, Pss and private kB from the text of /proc/<pid>/smaps_rollup."""
    values: dict[str, int] = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if len(parts) == 2 and parts[1] == "kB" and parts[0].isdigit():
            values[name.strip()] = int(parts[0])
    if "Rss" not in values or "Pss" not in values:
        raise ValueError("not a smaps_rollup: no Rss or Pss line")
    private = values.get("Private_Clean", 0) + values.get("Private_Dirty", 0)
    return Memory(values["Rss"], values["Pss"], private)


def memory_of(pid: int) -> Memory | None:
    """The process's memory now, or None once it has gone."""
    try:
        return parse_smaps_rollup(Path(f"/proc/{pid}/smaps_rollup").read_text())
    except (OSError, ValueError):
        return None


def parse_stat_cpu(text: str, ticks_per_second: int) -> float:
    """User + system CPU seconds from the text of /proc/<pid>/stat."""
    # The command name (field 2) is in parentheses and may hold spaces or ")": split after
    # the last ")"; utime and stime are then the 12th and 13th fields.
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / ticks_per_second


def cpu_seconds(pid: int) -> float | None:
    """CPU seconds the process has used so far, or None once it has gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return parse_stat_cpu(text, os.sysconf("SC_CLK_TCK"))


def children_of(pid: int) -> list[int]:
    """The process's children, from every thread's children list (Linux)."""
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found += [int(child) for child in (task / "children").read_text().split()]
    return found


def runs_app(pid: int) -> bool:
    """Whether `pid` is (still) an equipshare app process, not a pid reused since."""
    try:
        return APP_MODULE in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class ServeProcess:
    """A running `equipshare serve`; every app pid it has been seen to start."""

    process: subprocess.Popen[bytes]
    base: str
    log: Path
    seen_apps: set[int] = field(default_factory=set)

    def app_pids(self) -> list[int]:
        pids = [pid for pid in children_of(self.process.pid) if runs_app(pid)]
        self.seen_apps.update(pids)
        return pids

    def wait_for_apps(self, count: int, timeout: float = 30.0) -> None:
        """Until the server runs exactly `count` apps (ended sessions take a moment to reap)."""
        deadline = time.monotonic() + timeout
        while len(self.app_pids()) != count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the server runs {len(self.app_pids())} apps, not {count}")
            time.sleep(0.05)

    def apps_cpu_seconds(self) -> float:
        """CPU seconds used so far by the apps running now, all together."""
        return sum(cpu for cpu in map(cpu_seconds, self.app_pids()) if cpu is not None)

    def memory(self) -> Memory:
        found = memory_of(self.process.pid)
        if found is None:
            raise RuntimeError(f"equipshare serve has exited; its log:\n{self.log_tail()}")
        return found

    def log_tail(self, characters: int = 2000) -> str:
        with contextlib.suppress(OSError):
            return self.log.read_text(errors="replace")[-characters:]
        return ""

    def problems(self, characters: int = 3000) -> str:
        """The end of the server's log without its access lines: where an app's error shows."""
        lines = self.log_tail(1_000_000).splitlines()
        return "\n".join(line for line in lines if ".access " not in line)[-characters:]

    def stop(self) -> None:
        """SIGTERM (the server ends its apps), then kill what is left, by pid."""
        if self.process.poll() is None:
            self.app_pids()
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid in sorted(self.seen_apps):
            if runs_app(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def running_server(url: str, workdir: Path, *, max_sessions: int) -> Iterator[ServeProcess]:
    """`equipshare serve` on a free loopback port on the database at `url`, until the block ends."""
    port = free_port()
    config = workdir / "equipshare.toml"
    config.write_text(
        CONFIG.format(host=HOST, port=port, max_sessions=max_sessions, header=PROXY_HEADER)
    )
    log = workdir / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EQUIPSHARE", "TEXTUAL"))}
    env.update(EQUIPSHARE_CONFIG=str(config), EQUIPSHARE_DATABASE_URL=url)
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "equipshare", "serve"],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl+C at the bench's terminal is for the bench
        )
    served = ServeProcess(process, f"http://{HOST}:{port}", log)
    try:
        deadline = time.monotonic() + 60
        while "serving on" not in served.log_tail(10_000):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"equipshare serve did not start; its log:\n{served.log_tail()}")
            time.sleep(0.05)
        yield served
    finally:
        served.stop()
