"""`equipshare feeds serve` as an operator runs it, in a process of its own, on both engines:
what it writes to stderr (its whole log) after path tricks, an 8 KB URL and garbage."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from equipshare.domain.enums import ExportKind
from equipshare.services.calendar.feeds import FeedsService
from equipshare.services.plumbing.context import ServiceContext
from tests.server.live import HOST, exchange
from tests.support.world import World

TAIL = "/instrument/WAR-XPS-01.ics"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_for(lines: list[str], text: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not any(text in line for line in lines):
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never came; stderr so far: {lines}")
        time.sleep(0.05)


def test_the_server_s_own_log_holds_no_token_and_no_traceback(
    context: ServiceContext, world: World, database_url: str, tmp_path: Path
) -> None:
    token = FeedsService(context).create("bob", ExportKind.INSTRUMENT, "WAR-XPS-01").token
    (tmp_path / "equipshare.toml").write_text("")
    port = free_port()
    env = {
        **os.environ,
        "EQUIPSHARE_DATABASE_URL": database_url,
        "EQUIPSHARE_CONFIG": str(tmp_path / "equipshare.toml"),
    }
    command = [sys.executable, "-m", "equipshare", "feeds", "serve", "--port", str(port)]
    server = subprocess.Popen(
        command, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True, errors="replace"
    )
    lines: list[str] = []
    stderr = server.stderr
    assert stderr is not None
    reader = threading.Thread(target=lambda: lines.extend(iter(stderr.readline, "")))
    reader.start()
    try:
        wait_for(lines, "serving feeds on", 30)
        requests = [
            f"GET /feeds/{token}{TAIL} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            f"GET //feeds/{token}{TAIL} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            f"GET /x/../FEEDS/{token}{TAIL} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            f"GET /%66eeds/{token}{TAIL} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            f"GET /feeds/{token}/{'A' * 9000} HTTP/1.1\r\nHost: x\r\n\r\n",
            f"GET /feeds/{token}{TAIL} HTTP/1.1\r\nX-{token}\x01: y\r\n\r\n",
            "GARBAGE\r\n\r\n",
        ]
        statuses = [exchange(port, raw.encode()).status for raw in requests]
        assert statuses[0] == 200
        assert statuses[-3:] == [400, 400, 400]
        wait_for(lines, "bad request from", 10)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
        reader.join(timeout=10)
    log = "".join(lines)
    assert token not in log
    assert not any(token[i : i + 8] in log for i in range(6, len(token) - 7)), log
    assert "Traceback" not in log and "ERROR" not in log, log
    assert log.lower().count(f"/feeds/{token[:6]}…/instrument/war-xps-01.ics".lower()) == 4
    assert log.count("bad request from 127.0.0.1: 400") == 3, log
