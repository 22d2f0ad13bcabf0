"""Run the real click application in-process, with a clean environment."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from equipshare.cli.main import cli

Invoke = Callable[..., Result]


@pytest.fixture
def invoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Invoke `equipshare ARGS...` from an empty directory, with no config or env URL."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EQUIPSHARE_DATABASE_URL", raising=False)
    monkeypatch.delenv("EQUIPSHARE_CONFIG", raising=False)
    monkeypatch.setattr("equipshare.config.user_config_path", lambda: tmp_path / "no-user.toml")

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)

    return run
