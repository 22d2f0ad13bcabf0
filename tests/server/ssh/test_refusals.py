"""Everything the SSH server refuses, on both engines, with the real key registry: a key nobody
registered, a removed key, a deactivated owner (at connection, and an open session ended at
the next check), passwords, exec, sftp, port forwarding either way, and agent and X11
forwarding. Each refusal starts no app and leaves a line in the log."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path

import asyncssh
import pytest

from equipshare.server.ssh.server import SshOptions
from equipshare.server.ssh.sessions import KEY_GONE
from equipshare.services.people.service import PeopleService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.ssh_keys.service import SshKeysService
from tests.server.ssh.clients import app_terminal, connect, ssh_argv
from tests.server.ssh.live import HOST, ClientKey, audit_afters, live_ssh, new_key, until
from tests.server.ssh.stand_in import alive

pytestmark = pytest.mark.slow


async def run(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """A command's exit status and its stderr."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, err.decode("utf-8", "replace")


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="equipshare.ssh")
    return caplog


async def test_a_key_nobody_registered_and_a_password_are_refused_by_openssh(
    context: ServiceContext,
    alice_key: ClientKey,
    options: SshOptions,
    tmp_path: Path,
    logged: pytest.LogCaptureFixture,
) -> None:
    stranger = new_key(tmp_path / "keys", "stranger")
    known = tmp_path / "known_hosts"
    async with live_ssh(context, options) as server:
        status, err = await run(*ssh_argv(server.port, stranger, known), f"alice@{HOST}", "-tt")
        assert status == 255 and "Permission denied (publickey)" in err, err
        # The server offers public keys alone: no password or keyboard-interactive prompt.
        status, err = await run(
            *ssh_argv(server.port, stranger, known),
            "-o", "PreferredAuthentications=password,keyboard-interactive", f"alice@{HOST}",
        )  # fmt: skip
        assert status == 255 and "Permission denied (publickey)" in err, err
        with pytest.raises(asyncssh.PermissionDenied):
            await connect(server.port, None, "alice", password="anything")
        assert server.sessions.running() == []
    assert f"refused unregistered key {stranger.fingerprint} from 127.0.0.1" in logged.text
    assert audit_afters(context, "ssh.sign_in") == []


async def test_exec_sftp_and_port_forwarding_are_refused(
    context: ServiceContext,
    alice_key: ClientKey,
    options: SshOptions,
    tmp_path: Path,
    logged: pytest.LogCaptureFixture,
) -> None:
    known = tmp_path / "known_hosts"
    async with live_ssh(context, options) as server:
        port = server.port
        argv = ssh_argv(port, alice_key, known)
        status, err = await run(*argv, f"alice@{HOST}", "cat /etc/passwd")
        assert status == 255 and "exec request failed" in err, err
        status, err = await run(*argv, "-s", f"alice@{HOST}", "sftp")
        assert status == 255 and "subsystem request failed" in err, err
        status, err = await run(
            *argv, "-N", "-o", "ExitOnForwardFailure=yes", "-R", "0:127.0.0.1:22", f"alice@{HOST}"
        )
        assert status == 255 and "remote port forwarding failed" in err, err
        async with await connect(server.port, alice_key) as conn:
            with pytest.raises(asyncssh.ChannelOpenError):
                await conn.run("id")
            with pytest.raises(asyncssh.ChannelOpenError):
                await conn.start_sftp_client()
            with pytest.raises(asyncssh.ChannelOpenError):
                await conn.open_connection("127.0.0.1", server.port)
            with pytest.raises(asyncssh.ChannelOpenError):
                await conn.open_unix_connection("/run/postgresql/.s.PGSQL.5432")
            with pytest.raises(asyncssh.ChannelListenError):
                await conn.forward_remote_port("", 0, "127.0.0.1", 22)
        assert server.sessions.running() == []
    assert "refused to run a command" in logged.text
    assert "refused the 'sftp' subsystem" in logged.text
    assert f"refused forwarding to 127.0.0.1:{port}" in logged.text
    assert "refused remote forwarding of port 0" in logged.text
    assert "refused forwarding to a Unix socket" in logged.text
    assert audit_afters(context, "ssh.sign_in") == []


async def test_agent_and_x11_forwarding_are_refused(
    context: ServiceContext, alice_key: ClientKey, options: SshOptions, tmp_path: Path
) -> None:
    socket = tmp_path / "agent.sock"
    agent = await asyncio.create_subprocess_exec(
        "ssh-agent", "-D", "-a", str(socket),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        await until(socket.exists, 10, "ssh-agent's socket")
        async with live_ssh(context, options) as server:
            conn = await connect(
                server.port, alice_key, agent_path=str(socket), agent_forwarding=True
            )
            async with conn:
                chan, _ = await conn.create_session(
                    asyncssh.SSHClientSession, term_type="xterm", encoding=None
                )
                await until(lambda: len(server.sessions.running()) == 1, 30, "the app")
                # No agent listener on the server: nothing the app runs reaches the keys.
                assert [c.get_agent_path() for c in server.connections] == [None]
                chan.close()
            _, err = await run(
                *ssh_argv(server.port, alice_key, tmp_path / "known_hosts"),
                "-X", "-o", "ForwardX11Trusted=yes", "-o", "XAuthLocation=/nonexistent",
                f"alice@{HOST}", "-tt",
                env={**os.environ, "DISPLAY": "127.0.0.1:99"},  # OpenSSH asks only with one
            )  # fmt: skip
            assert "X11 forwarding request failed" in err, err
    finally:
        agent.terminate()
        await agent.wait()


async def test_a_removed_key_ends_its_open_session_within_the_check_and_is_refused_after(
    context: ServiceContext, alice_key: ClientKey, options: SshOptions
) -> None:
    async with live_ssh(context, options) as server:
        async with app_terminal(server.port, alice_key) as terminal:
            await terminal.shows("signed in as alice", 60)
            (session,) = server.sessions.running("alice")
            SshKeysService(context).remove("alice", alice_key.fingerprint, actor="root")
            removed = time.monotonic()
            await asyncio.wait_for(terminal.closed.wait(), 30)
            took = time.monotonic() - removed
        assert KEY_GONE.split(",")[0] in " ".join(terminal.screen.text().split())
        assert terminal.exit_status == 1
        assert not alive(session.pid)
        # The check runs every 0.5 s here; ending the app takes at most its hang-up time.
        assert took < options.check_seconds + options.rules.hangup_seconds + 3, took
        with pytest.raises(asyncssh.PermissionDenied):
            await connect(server.port, alice_key)


async def test_a_deactivated_owner_is_ended_then_refused_saying_why(
    context: ServiceContext, alice_key: ClientKey, options: SshOptions
) -> None:
    async with live_ssh(context, options) as server:
        async with app_terminal(server.port, alice_key) as terminal:
            await terminal.shows("signed in as alice", 60)
            PeopleService(context).deactivate("root", ["alice"])
            await asyncio.wait_for(terminal.closed.wait(), 30)
        assert terminal.exit_status == 1
        assert "no longer registered to an active equipshare account" in " ".join(
            terminal.screen.text().split()
        )
        async with app_terminal(server.port, alice_key) as again:
            await asyncio.wait_for(again.closed.wait(), 30)
        assert "the account alice is deactivated" in again.screen.text()
        assert again.exit_status == 1
        assert server.sessions.running() == []
    assert [e["user"] for e in audit_afters(context, "ssh.sign_in")] == ["alice"]
