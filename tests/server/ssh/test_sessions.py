"""What each session's process is given and how it ends, with a stand-in app (no database):
its environment, its controlling terminal and size, resizes, exit status, disconnects, the
idle timeout and the session limits."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from equipshare.server.ssh.server import SshOptions
from equipshare.server.ssh.session import SERVED_VIA_ENV
from equipshare.server.terminal_apps import SERVED_USER_ENV
from tests.server.ssh.clients import app_terminal, connect, openssh_terminal
from tests.server.ssh.live import ClientKey, new_key, options_for, serving, until
from tests.server.ssh.stand_in import MemoryRegistry, alive, facts, stand_in_launch

HANGUPS = (signal.SIGHUP, signal.SIGINT)


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, ClientKey]:
    return {name: new_key(tmp_path / "keys", name) for name in ("alice", "bob", "carol")}


@pytest.fixture
def registry(keys: dict[str, ClientKey]) -> MemoryRegistry:
    return MemoryRegistry({key.fingerprint: name for name, key in keys.items()})


def stand_in_options(tmp_path: Path, mode: str = "obedient", **changes: object) -> SshOptions:
    options = options_for(tmp_path, "sqlite:///unused.db")
    rules = replace(options.rules, launch=stand_in_launch(tmp_path / "dumps", mode))
    return replace(options, rules=rules, **changes)  # type: ignore[arg-type]


@pytest.fixture
def server_ignores_hangups() -> Iterator[None]:
    """As a server started in the background (nohup, `&` in a script) does."""
    before = {signum: signal.signal(signum, signal.SIG_IGN) for signum in HANGUPS}
    yield
    for signum, handler in before.items():
        signal.signal(signum, handler)


@pytest.mark.usefixtures("server_ignores_hangups")
async def test_the_app_runs_as_the_key_s_owner_in_a_terminal_of_its_own(
    tmp_path: Path, keys: dict[str, ClientKey], registry: MemoryRegistry
) -> None:
    sent = {"LANG": "evil", "EQUIPSHARE_SERVED_USER": "root", "LD_PRELOAD": "/tmp/x.so"}
    async with (
        serving(stand_in_options(tmp_path), registry) as server,
        app_terminal(
            server.port, keys["alice"], username="root", size=(101, 33), term="xterm-kitty",
            env=sent,
        ) as terminal,
    ):  # fmt: skip
        await terminal.shows("READY 101 33")
        (session,) = server.sessions.running("alice")
        pid = session.pid
        assert pid is not None
        seen = facts(tmp_path / "dumps", pid)
    env = seen["env"]
    assert env[SERVED_USER_ENV] == "alice" and env[SERVED_VIA_ENV] == "ssh"
    assert env["TERM"] == "xterm-kitty" and env["COLORTERM"] == "truecolor"
    assert "LD_PRELOAD" not in env and env.get("LANG") != "evil"
    assert not {"COLUMNS", "LINES", "ROWS", "SSH_AUTH_SOCK", "DISPLAY"} & set(env)
    # The leader of its own session, with the pty as its controlling terminal.
    assert seen["sid"] == seen["pgid"] == seen["foreground"] == pid
    assert seen["size"] == [101, 33]
    # Default, though the server ignores SIGHUP and SIGINT ("0" is SIG_DFL; Python sets its
    # own SIGINT handler only where SIGINT was not ignored).
    dispositions = seen["dispositions"]
    assert dispositions["SIGHUP"] == dispositions["SIGTERM"] == dispositions["SIGQUIT"] == "0"
    assert "default_int_handler" in dispositions["SIGINT"], dispositions
    assert registry.sign_ins == [("alice", "127.0.0.1")]


async def test_colorterm_only_when_the_client_says_it_has_truecolor(
    tmp_path: Path, keys: dict[str, ClientKey], registry: MemoryRegistry
) -> None:
    envs: list[dict[str, str]] = []
    async with serving(stand_in_options(tmp_path), registry) as server:
        for sent in ({}, {"COLORTERM": "truecolor"}):
            async with app_terminal(server.port, keys["alice"], env=sent) as terminal:
                await terminal.shows("READY")
                (session,) = server.sessions.running("alice")
                envs.append(facts(tmp_path / "dumps", session.pid)["env"])
                await terminal.keys("q")
                await terminal.closed.wait()
    assert [env.get("COLORTERM") for env in envs] == [None, "truecolor"]
    assert [env["TERM"] for env in envs] == ["xterm-256color"] * 2


async def test_resizes_reach_the_app_from_asyncssh_and_from_openssh(
    tmp_path: Path, keys: dict[str, ClientKey], registry: MemoryRegistry
) -> None:
    async with serving(stand_in_options(tmp_path), registry) as server:
        async with app_terminal(server.port, keys["alice"], size=(80, 24)) as terminal:
            await terminal.shows("READY 80 24")
            assert terminal.chan is not None
            terminal.chan.change_terminal_size(132, 43)
            await terminal.shows("SIZE 132 43")
        known = tmp_path / "known_hosts"
        async with openssh_terminal(server.port, keys["alice"], known) as ssh:
            await ssh.shows("READY 120 36")
            ssh.resize(90, 30)
            await ssh.shows("SIZE 90 30")
            await ssh.keys("q")
            assert await ssh.exit_code() == 7  # the app's own status reaches the client


async def test_a_disconnect_ends_the_app_even_one_that_ignores_hangups(
    tmp_path: Path, keys: dict[str, ClientKey], registry: MemoryRegistry
) -> None:
    options = stand_in_options(tmp_path, "stubborn")
    options = replace(options, rules=replace(options.rules, hangup_seconds=0.3, kill_seconds=0.3))
    async with serving(options, registry) as server:
        async with app_terminal(server.port, keys["alice"]) as terminal:
            await terminal.shows("READY")
            (session,) = server.sessions.running("alice")
            pid = session.pid
        await until(lambda: not alive(pid), 10, f"app {pid} ended")
        await until(lambda: server.sessions.running() == [], 10, "the session forgotten")


async def test_a_session_idle_too_long_is_told_and_closed(
    tmp_path: Path, keys: dict[str, ClientKey], registry: MemoryRegistry
) -> None:
    options = stand_in_options(tmp_path)
    options = replace(options, rules=replace(options.rules, idle_seconds=1.0))
    async with (
        serving(options, registry) as server,
        app_terminal(server.port, keys["alice"]) as terminal,
    ):
        await terminal.shows("READY")
        await asyncio.wait_for(terminal.closed.wait(), 15)
    assert "no keystroke for 1 minute(s)" in terminal.screen.text()
    assert terminal.exit_status == 1


async def test_one_session_more_than_a_limit_is_told_which_and_closed(
    tmp_path: Path, keys: dict[str, ClientKey], registry: MemoryRegistry
) -> None:
    options = stand_in_options(tmp_path, per_user=1, total=2)
    async with (
        serving(options, registry) as server,
        app_terminal(server.port, keys["alice"]) as first,
    ):
        await first.shows("READY")
        async with app_terminal(server.port, keys["alice"]) as second:
            await asyncio.wait_for(second.closed.wait(), 15)
        assert "alice already has 1 equipshare sessions open" in second.screen.text()
        assert second.exit_status == 1
        async with app_terminal(server.port, keys["bob"]) as bobs:
            await bobs.shows("READY")
            async with app_terminal(server.port, keys["carol"]) as full:
                await asyncio.wait_for(full.closed.wait(), 15)
            assert "the equipshare SSH server is full" in full.screen.text()
            assert full.exit_status == 1
            assert len(server.sessions.running()) == 2


async def test_a_shell_without_a_terminal_is_told_how_to_ask_for_one(
    tmp_path: Path, keys: dict[str, ClientKey], registry: MemoryRegistry
) -> None:
    async with serving(stand_in_options(tmp_path), registry) as server:
        conn = await connect(server.port, keys["alice"])
        async with conn:
            done = await conn.run(encoding=None)
    assert done.exit_status == 1
    assert isinstance(done.stdout, bytes)
    assert b"equipshare needs a terminal: connect with ssh -t" in done.stdout
    assert registry.sign_ins == []
