"""`equipshare serve` as an operator runs it, in a process of its own, on both engines: it
answers health and the feeds, stops cleanly and at once on SIGTERM, and a port already
taken is one line and exit 2."""

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
from tests.server.test_serve_process import free_port, wait_for
from tests.support.world import World


def command_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    (tmp_path / "equipshare.toml").write_text('[auth]\nmethod = "email"\n')
    return {
        **os.environ,
        "EQUIPSHARE_DATABASE_URL": database_url,
        "EQUIPSHARE_CONFIG": str(tmp_path / "equipshare.toml"),
    }


def test_serve_answers_and_stops_cleanly_on_sigterm(
    context: ServiceContext, world: World, database_url: str, tmp_path: Path
) -> None:
    token = FeedsService(context).create("bob", ExportKind.INSTRUMENT, "WAR-XPS-01").token
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "equipshare", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=command_env(database_url, tmp_path),
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    lines: list[str] = []
    stderr = server.stderr
    assert stderr is not None
    reader = threading.Thread(target=lambda: lines.extend(iter(stderr.readline, "")))
    reader.start()
    try:
        wait_for(lines, "serving on http://127.0.0.1", 30)
        close = "Host: x\r\nConnection: close\r\n\r\n"
        health = exchange(port, f"GET /health HTTP/1.1\r\n{close}".encode())
        feed = exchange(
            port, f"GET /feeds/{token}/instrument/WAR-XPS-01.ics HTTP/1.1\r\n{close}".encode()
        )
        home = exchange(port, f"GET / HTTP/1.1\r\n{close}".encode())
        assert (health.status, feed.status, home.status) == (200, 200, 303)
        # A connection held open must not hold the shutdown up for long.
        held = socket.create_connection((HOST, port))
        stopping = time.monotonic()
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=15) == 0
        took = time.monotonic() - stopping
        held.close()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        reader.join(timeout=10)
    log = "".join(lines)
    assert took < 10, took
    assert "Traceback" not in log and token not in log, log


def test_a_port_already_taken_is_one_line_and_exit_2(
    database_url: str, tmp_path: Path, world: World
) -> None:
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "equipshare", "serve", "--port", str(port)],
            cwd=tmp_path,
            env=command_env(database_url, tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"cannot listen on 127.0.0.1:{port}" in lines[0], done.stderr
