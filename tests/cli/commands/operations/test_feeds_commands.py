"""`equipshare feeds token create|list|revoke` and `feeds serve`, through the real CLI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from equipshare.config import Settings
from equipshare.services.calendar.feeds import FeedsService
from equipshare.services.plumbing.context import ServiceContext
from tests.cli.conftest import Invoke
from tests.support.world import World


@pytest.fixture
def feeds(database_url: str, world: World) -> Iterator[FeedsService]:
    """A service on the test database, to check what the CLI stored."""
    context = ServiceContext.open(Settings().with_database_url(database_url))
    yield FeedsService(context)
    context.close()


def as_user(name: str) -> dict[str, str]:
    return {"EQUIPSHARE_USER": name}


def create(invoke: Invoke, url: str, user: str, *args: str) -> tuple[str, str, str]:
    """Run `feeds token create ARGS` and return (webcal URL, https URL, token)."""
    result = invoke("feeds", "token", "create", *args, "--db", url, env=as_user(user))
    assert result.exit_code == 0, result.output
    assert "it is shown only now" in result.stderr
    webcal, https = result.stdout.splitlines()
    assert webcal.startswith("webcal://localhost:8080/feeds/")
    assert https == webcal.replace("webcal://", "http://", 1)
    return webcal, https, https.split("/")[4]


def test_create_prints_the_urls_once_and_list_never_shows_the_token(
    invoke: Invoke, database_url: str, feeds: FeedsService
) -> None:
    _, https, token = create(invoke, database_url, "alice", "user", "--label", "phone")
    assert https.endswith("/user/alice.ics")
    assert feeds.resolve(token).username == "alice"

    listed = invoke("feeds", "token", "list", "--db", database_url, env=as_user("alice"))
    assert listed.exit_code == 0, listed.output
    assert token not in listed.output
    header, row = listed.stdout.splitlines()
    assert header.split()[:3] == ["ID", "PREFIX", "FEED"]
    assert f"{token[:6]}…" in row and "user alice" in row and "phone" in row

    as_json = invoke(
        "feeds", "token", "list", "--format", "json", "--db", database_url, env=as_user("alice")
    )
    (entry,) = json.loads(as_json.stdout)
    assert token not in as_json.stdout
    assert (entry["prefix"], entry["kind"], entry["label"]) == (token[:6], "user", "phone")


def test_revoke_and_its_refusals(invoke: Invoke, database_url: str, feeds: FeedsService) -> None:
    _, _, token = create(invoke, database_url, "alice", "instrument", "WAR-XPS-01")
    (record,) = feeds.tokens("alice")

    def revoke(user: str) -> tuple[int, str, str]:
        result = invoke(
            "feeds", "token", "revoke", str(record.id), "--db", database_url, env=as_user(user)
        )
        return result.exit_code, result.stdout, result.stderr

    code, _, err = revoke("bob")
    assert (code, err) == (1, f"refused: no feed token {record.id} of yours\n")
    code, out, _ = revoke("alice")
    assert (code, out) == (0, f"revoked token {record.id} ({token[:6]}…) of alice\n")
    code, _, err = revoke("alice")
    assert code == 1 and "already revoked" in err
    listed = invoke(
        "feeds", "token", "list", "--all", "--db", database_url, env=as_user("alice")
    ).stdout
    assert "revoked" in listed.splitlines()[1]


def test_create_refuses_what_the_user_may_not_see(
    invoke: Invoke, database_url: str, world: World
) -> None:
    # WAR-RAM-01 is for Warwick users, but anyone may see when it is taken, as `export ics`
    # shows them: the feed is refused exactly when the export is.
    args = ("feeds", "token", "create", "instrument", "WAR-RAM-01", "--db", database_url)
    assert invoke(*args, env=as_user("bob")).exit_code == 0
    assert invoke(*args, env=as_user("gone")).exit_code == 1
    missing = ("feeds", "token", "create", "instrument", "NO-SUCH-01", "--db", database_url)
    hidden = invoke(*missing, env=as_user("bob"))
    assert (hidden.exit_code, hidden.stdout) == (1, "")
    assert hidden.stderr == "refused: no instrument with code 'NO-SUCH-01'\n"
    other = invoke(
        "feeds", "token", "create", "user", "alice", "--db", database_url, env=as_user("bob")
    )
    assert other.exit_code == 1 and "only subscribe to their own calendar" in other.stderr
    bad_kind = invoke("feeds", "token", "create", "diary", "--db", database_url)
    assert bad_kind.exit_code == 2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_feeds_serve_answers_a_real_calendar_client(
    invoke: Invoke, database_url: str, world: World, tmp_path: Path
) -> None:
    """The installed command, as a process: a feed, a 304, and a 404 once revoked."""
    _, https, _ = create(invoke, database_url, "alice", "user")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EQUIPSHARE_")}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "equipshare",
            "feeds",
            "serve",
            "--port",
            str(port),
            "--db",
            database_url,
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        url = https.replace("localhost:8080", f"127.0.0.1:{port}")
        deadline = time.monotonic() + 30
        while True:
            try:
                status, headers, body = fetch(url)
                break
            except (ConnectionError, urllib.error.URLError):
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "the feed server did not start"
                time.sleep(0.1)
        assert status == 200
        assert body.startswith(b"BEGIN:VCALENDAR\r\n")
        assert headers["Content-Type"] == "text/calendar; charset=utf-8"
        assert fetch(url, **{"If-None-Match": headers["ETag"]})[0] == 304
        revoked = invoke(
            "feeds", "token", "revoke", "1", "--db", database_url, env=as_user("alice")
        )
        assert revoked.exit_code == 0, revoked.output
        status, _, body = fetch(url)
        assert (status, body) == (404, b"404: Not Found")
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("trouble", ["port in use", "unknown host"])
def test_feeds_serve_that_cannot_listen_says_why_in_one_line(
    database_url: str, world: World, tmp_path: Path, trouble: str
) -> None:
    """It printed a Python traceback when the port was taken."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EQUIPSHARE_")}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        host = "127.0.0.1" if trouble == "port in use" else "no-such-host.invalid"
        done = subprocess.run(
            [sys.executable, "-m", "equipshare", "feeds", "serve", "--host", host,
             "--port", port, "--db", database_url],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: cannot listen on {host}:{port}: ")
    assert done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr
