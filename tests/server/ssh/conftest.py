"""Fixtures: a key pair per person on disk, registered through the key service, and the options
of a server on a free port whose app processes use the test's database."""

from __future__ import annotations

from pathlib import Path

import pytest

from equipshare.server.ssh.server import SshOptions
from equipshare.services.plumbing.context import ServiceContext
from tests.server.ssh.live import ClientKey, new_key, options_for, register
from tests.support.world import World


@pytest.fixture
def alice_key(context: ServiceContext, world: World, tmp_path: Path) -> ClientKey:
    """alice's key, registered: she is trained on WAR-XPS-01, which books without approval."""
    del world
    key = new_key(tmp_path / "keys", "alice")
    register(context, "alice", key)
    return key


@pytest.fixture
def options(tmp_path: Path, database_url: str) -> SshOptions:
    return options_for(tmp_path, database_url)
