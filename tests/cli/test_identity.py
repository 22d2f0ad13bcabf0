"""Who the CLI acts as: $EQUIPSHARE_USER, else the OS login; `--as` only for admins."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from equipshare.cli.identity import resolve_actor
from equipshare.config import Settings
from equipshare.domain.errors import NotFound, PermissionDenied
from equipshare.services.plumbing.context import ServiceContext
from tests.cli.conftest import Invoke
from tests.support.world import World


@pytest.fixture
def service_context(database_url: str, world: World) -> Iterator[ServiceContext]:
    context = ServiceContext.open(Settings().with_database_url(database_url))
    yield context
    context.close()


def login_as(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: name)  # the CLI imports getpass when it asks


def test_environment_wins_over_the_login_name(
    service_context: ServiceContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    login_as(monkeypatch, "alice")
    assert resolve_actor(service_context, None) == "alice"
    monkeypatch.setenv("EQUIPSHARE_USER", "bob")
    assert resolve_actor(service_context, None) == "bob"


def test_admin_may_act_as_another_user(
    service_context: ServiceContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EQUIPSHARE_USER", "root")
    assert resolve_actor(service_context, "alice") == "alice"
    with pytest.raises(NotFound, match="no user called 'nobody'"):
        resolve_actor(service_context, "nobody")


def test_non_admin_may_not_act_as_another_user(
    service_context: ServiceContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EQUIPSHARE_USER", "mgr")
    assert resolve_actor(service_context, "mgr") == "mgr"  # --as yourself is harmless
    with pytest.raises(PermissionDenied, match=r"only admins .* \(you are mgr\)"):
        resolve_actor(service_context, "alice")


def test_unknown_login_name_says_how_to_name_yourself(
    service_context: ServiceContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    login_as(monkeypatch, "zz9")
    with pytest.raises(NotFound, match=r"no user called 'zz9' \(your login name\): set "):
        resolve_actor(service_context, None)


# -- through the command line -----------------------------------------------------------


def message(stderr: str) -> str:
    """The one-line message after its "refused: " or "error: " label."""
    assert stderr.startswith(("refused: ", "error: ")) and stderr.count("\n") == 1, stderr
    return stderr.removeprefix("error: ").removeprefix("refused: ").rstrip("\n")


def approve_args(url: str, *extra: str) -> list[str]:
    # Booking 424242 does not exist: acting as someone allowed gets as far as NotFound.
    return ["approve", "424242", "--db", url, *extra]


def test_cli_honours_equipshare_user(
    invoke: Invoke, database_url: str, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    login_as(monkeypatch, "root")
    result = invoke(*approve_args(database_url), env={"EQUIPSHARE_USER": "nobody"})
    assert result.exit_code == 1
    assert message(result.stderr).startswith("no user called 'nobody' ($EQUIPSHARE_USER): set ")


def test_cli_as_by_admin_and_by_non_admin(invoke: Invoke, database_url: str, world: World) -> None:
    by_admin = invoke(*approve_args(database_url, "--as", "alice"), env={"EQUIPSHARE_USER": "root"})
    assert by_admin.exit_code == 1
    assert message(by_admin.stderr) == "no booking 424242"

    by_alice = invoke(*approve_args(database_url, "--as", "root"), env={"EQUIPSHARE_USER": "alice"})
    assert by_alice.exit_code == 1
    assert message(by_alice.stderr) == "only admins may act --as another user (you are alice)"


def test_cli_falls_back_to_the_login_name(
    invoke: Invoke, database_url: str, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    login_as(monkeypatch, "stranger")
    result = invoke(*approve_args(database_url))
    assert result.exit_code == 1
    assert "no user called 'stranger' (your login name)" in result.stderr
