"""`equipshare serve` with SSH, as an operator runs it, in a process of its own: alone
(--ssh-only) and beside the web app ([ssh] enabled); SIGTERM ends every session's app and the
server at once; an SSH port already taken is one line and exit 2."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from equipshare.services.plumbing.context import ServiceContext
from tests.server.live import exchange
from tests.server.ssh.clients import openssh_terminal
from tests.server.ssh.live import HOST, ClientKey
from tests.server.ssh.stand_in import alive
from tests.server.test_serve_process import free_port, wait_for

pytestmark = pytest.mark.slow


def config_env(database_url: str, tmp_path: Path, ssh: str) -> dict[str, str]:
    config = tmp_path / "equipshare.toml"
    config.write_text(f'[ssh]\nhost_key_file = "{tmp_path / "host_key"}"\n{ssh}')
    return {**os.environ, "EQUIPSHARE_DATABASE_URL": database_url, "EQUIPSHARE_CONFIG": str(config)}


@contextmanager
def running(
    argv: list[str], env: dict[str, str], cwd: Path
) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    server = subprocess.Popen(
        [sys.executable, "-m", "equipshare", *argv],
        cwd=cwd, env=env, stderr=subprocess.PIPE, text=True, errors="replace",
    )  # fmt: skip
    lines: list[str] = []
    stderr = server.stderr
    assert stderr is not None
    reader = threading.Thread(target=lambda: lines.extend(iter(stderr.readline, "")))
    reader.start()
    try:
        yield server, lines
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        reader.join(timeout=10)


def app_pid(lines: list[str]) -> int:
    found = re.search(r"signed in with key \S+ from \S+ \(app (\d+)\)", "".join(lines))
    assert found, lines
    return int(found.group(1))


async def test_ssh_only_serves_the_app_and_sigterm_ends_it_all(
    context: ServiceContext, alice_key: ClientKey, database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = config_env(database_url, tmp_path, "")  # enabled = false: --ssh-only serves anyway
    with running(["serve", "--ssh-only", "--port", str(port)], env, tmp_path) as (server, lines):
        wait_for(lines, f"serving the app over SSH on 127.0.0.1:{port}", 60)
        async with openssh_terminal(port, alice_key, tmp_path / "known_hosts") as ssh:
            await ssh.shows("signed in as alice", 60)
            pid = app_pid(lines)
            stopping = time.monotonic()
            server.send_signal(signal.SIGTERM)
            # In a thread: the loop must go on reading the client's terminal meanwhile, or
            # the client blocks on its full pty and never takes the server's last words.
            assert await asyncio.to_thread(server.wait, 30) == 0
            took = time.monotonic() - stopping
            await ssh.shows("the equipshare server is stopping")
            assert await ssh.exit_code() == 1
    log = "".join(lines)
    assert not alive(pid), f"app {pid} outlived the server"
    assert took < 20, took  # hang-up 2 s, terminate 2 s, the last words 5 s at most
    assert "Traceback" not in log, log
    # The log's scrubber may cut a fingerprint as it cuts any long token-like run.
    assert f"ssh: alice signed in with key {alice_key.fingerprint[:10]}" in log
    assert "from 127.0.0.1 (app" in log
    assert (tmp_path / "host_key").stat().st_mode & 0o777 == 0o600


async def test_serve_runs_ssh_beside_the_web_app_when_enabled(
    context: ServiceContext, alice_key: ClientKey, database_url: str, tmp_path: Path
) -> None:
    web, ssh_port = free_port(), free_port()
    env = config_env(database_url, tmp_path, f"enabled = true\nport = {ssh_port}\n")
    with running(["serve", "--port", str(web)], env, tmp_path) as (server, lines):
        wait_for(lines, f"the app over SSH on 127.0.0.1:{ssh_port}", 60)
        health = exchange(web, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert health.status == 200
        async with openssh_terminal(ssh_port, alice_key, tmp_path / "known_hosts") as ssh:
            await ssh.shows("signed in as alice", 60)
            pid = app_pid(lines)
            server.send_signal(signal.SIGTERM)
            # In a thread: the loop must go on reading the client's terminal meanwhile, or
            # the client blocks on its full pty and never takes the server's last words.
            assert await asyncio.to_thread(server.wait, 30) == 0
            assert await ssh.exit_code() == 1
    assert not alive(pid), f"app {pid} outlived the server"
    assert "Traceback" not in "".join(lines)


def test_an_ssh_port_already_taken_is_one_line_and_exit_2(
    database_url: str, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = config_env(database_url, tmp_path, f"enabled = true\nport = {port}\n")
        done = subprocess.run(
            [sys.executable, "-m", "equipshare", "serve", "--port", str(free_port())],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"cannot listen for SSH on 127.0.0.1:{port}" in lines[0], done.stderr
