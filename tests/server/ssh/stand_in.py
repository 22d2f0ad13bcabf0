"""A stand-in app for the pty tests (fast, no database): it records what it was given, says
its size on every SIGWINCH, echoes nothing, and quits on "q" with status 7; a stubborn one
ignores SIGHUP and SIGTERM. And an in-memory key registry to sign its sessions in."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from equipshare.domain.errors import PermissionDenied, RefusedError
from equipshare.server.terminal_apps import AppLaunch

SCRIPT = r"""
import fcntl, json, os, signal, struct, sys, termios
dump, mode = sys.argv[1], sys.argv[2]
def size():
    rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(0, termios.TIOCGWINSZ, b"\0" * 8))
    return cols, rows
facts = {
    "env": dict(os.environ), "pid": os.getpid(), "sid": os.getsid(0), "pgid": os.getpgid(0),
    "foreground": os.tcgetpgrp(0), "size": size(),
    "dispositions": {name: str(signal.getsignal(getattr(signal, name)))
                     for name in ("SIGHUP", "SIGINT", "SIGTERM", "SIGQUIT", "SIGPIPE")},
}
with open(os.path.join(dump, f"{os.getpid()}.json"), "w") as out:
    json.dump(facts, out)
if mode == "stubborn":
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
def winch(*_):
    os.write(1, ("SIZE %d %d\r\n" % size()).encode())
signal.signal(signal.SIGWINCH, winch)
import tty
tty.setraw(0)
os.write(1, ("READY %d %d\r\n" % size()).encode())
while True:
    try:
        data = os.read(0, 1024)
    except InterruptedError:
        continue
    if not data or b"q" in data:
        sys.exit(7)
"""


def stand_in_launch(folder: Path, mode: str = "obedient") -> AppLaunch:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "stand_in.py"
    script.write_text(SCRIPT)
    return AppLaunch(argv=(sys.executable, str(script), str(folder), mode))


def facts(folder: Path, pid: int | None) -> dict[str, Any]:
    """What the stand-in with `pid` recorded about itself."""
    assert pid is not None
    return dict(json.loads((folder / f"{pid}.json").read_text()))


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    username: str
    display_name: str
    fingerprint: str


@dataclass
class MemoryRegistry:
    """Keys by fingerprint to their owners, and owners that are deactivated."""

    owners: dict[str, str] = field(default_factory=dict)
    inactive: set[str] = field(default_factory=set)
    sign_ins: list[tuple[str, str]] = field(default_factory=list)

    def is_registered(self, fingerprint: str) -> bool:
        return fingerprint in self.owners

    def sign_in(self, fingerprint: str, client_address: str) -> SignedIn:
        owner = self.owners.get(fingerprint)
        if owner is None:
            raise RefusedError("this SSH key is not registered with equipshare")
        if owner in self.inactive:
            raise PermissionDenied(f"the account {owner} is deactivated")
        self.sign_ins.append((owner, client_address))
        return SignedIn(1, owner, owner.title(), fingerprint)

    def still_allowed(self, username: str, fingerprint: str) -> bool:
        return self.owners.get(fingerprint) == username and username not in self.inactive


def alive(pid: int | None) -> bool:
    """Whether `pid` is a process that has not exited (a zombie has)."""
    if pid is None:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def children_of(pid: int) -> list[int]:
    """Every process whose parent is `pid`, from /proc (no psutil)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return found
