"""Run the real click application in-process, with a clean environment."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from equipshare.cli.main import cli
from equipshare.db.engine import Database
from tests.support.world import World

Invoke = Callable[..., Result]


@pytest.fixture
def invoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Invoke `equipshare ARGS...` from an empty directory, with no config or env URL."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EQUIPSHARE_DATABASE_URL", raising=False)
    monkeypatch.delenv("EQUIPSHARE_DATABASE_READ_URL", raising=False)
    monkeypatch.delenv("EQUIPSHARE_CONFIG", raising=False)
    monkeypatch.setattr("equipshare.config.user_config_path", lambda: tmp_path / "no-user.toml")

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)

    return run


@pytest.fixture(autouse=True)
def no_ambient_user(monkeypatch: pytest.MonkeyPatch) -> None:
    """Who acts is what each test says: never the `$EQUIPSHARE_USER` of whoever runs them."""
    monkeypatch.delenv("EQUIPSHARE_USER", raising=False)


@pytest.fixture
def db(database_url: str, world: World) -> Iterator[Database]:
    """The test world's database, opened as the commands under test open it."""
    database = Database.connect(database_url)
    yield database
    database.dispose()
