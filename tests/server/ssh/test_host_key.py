"""The host key: made once (ed25519, 0600, in a folder only its owner reads) and the same after
a restart, so OpenSSH's strict host key check passes; a key others may read, or a relative
path in [ssh], stops the server with one line."""

from __future__ import annotations

import asyncio
import socket
import stat
from pathlib import Path

import pytest

from equipshare.domain.errors import ConfigError, ServerStartError
from equipshare.server.ssh.host_key import load_or_create_host_key
from equipshare.settings.parsing import parse_settings
from equipshare.settings.ssh import HOST_KEY_NAME, SshSettings
from tests.server.ssh.clients import ssh_argv
from tests.server.ssh.live import HOST, new_key, options_for, serving
from tests.server.ssh.stand_in import MemoryRegistry


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_key_is_made_once_private_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "state" / "ssh" / HOST_KEY_NAME
    first = load_or_create_host_key(path)
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    assert first.algorithm == b"ssh-ed25519"
    content = path.read_bytes()
    again = load_or_create_host_key(path)
    assert path.read_bytes() == content
    assert again.get_fingerprint("sha256") == first.get_fingerprint("sha256")
    assert (path.parent / f"{HOST_KEY_NAME}.pub").read_bytes() == first.export_public_key()
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


def test_a_key_others_may_read_or_that_is_not_a_key_stops_the_server(tmp_path: Path) -> None:
    path = tmp_path / HOST_KEY_NAME
    load_or_create_host_key(path)
    path.chmod(0o644)
    with pytest.raises(
        ServerStartError, match=r"may be read by other users \(mode 0644\); run chmod 600"
    ):
        load_or_create_host_key(path)
    path.write_text("not a key")
    path.chmod(0o600)
    with pytest.raises(ServerStartError, match=r"\[ssh\] host_key_file: cannot read"):
        load_or_create_host_key(path)


def test_the_setting_wants_an_absolute_path_and_defaults_to_the_data_directory(
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigError, match=r"\[ssh\] host_key_file: 'keys/host' is not an absolute"):
        parse_settings('[ssh]\nhost_key_file = "keys/host"\n', tmp_path / "equipshare.toml")
    assert SshSettings().host_key_path.name == HOST_KEY_NAME
    assert SshSettings(host_key_file="/srv/eq/key").host_key_path == Path("/srv/eq/key")


async def test_openssh_trusts_the_server_again_after_a_restart(tmp_path: Path) -> None:
    key = new_key(tmp_path / "keys", "alice")
    registry = MemoryRegistry({key.fingerprint: "alice"})
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port = int(probe.getsockname()[1])
    known = tmp_path / "known_hosts"
    for checking in ("accept-new", "yes"):  # the second time, only the key first seen will do
        async with serving(options_for(tmp_path, "sqlite:///unused.db", port=port), registry):
            argv = ssh_argv(port, key, known, checking=checking)
            process = await asyncio.create_subprocess_exec(
                *argv, "-T", f"alice@{HOST}",
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, err = await asyncio.wait_for(process.communicate(), 30)
        # The key was accepted, and the session said it needs a terminal (-T asks for none).
        assert process.returncode == 1, err.decode()
        assert b"equipshare needs a terminal" in out
    assert len(known.read_text().splitlines()) == 1
