"""`equipshare users keys add|remove|list` through the real CLI, on both engines: a key from
a file or stdin, a bad file refused in one line naming it with nothing written, the
fingerprints ssh-keygen prints, and who may do what."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from equipshare.cli.main import cli
from equipshare.db.engine import Database
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.ssh_keys.service import SshKeysService
from tests.cli.conftest import Invoke
from tests.support.permission_matrix import database_state
from tests.support.ssh_keys import ECDSA_P256, ED25519, RSA_1024, SK_ED25519
from tests.support.world import World

ROOT = {"EQUIPSHARE_USER": "root"}
ALICE = {"EQUIPSHARE_USER": "alice"}


def piped(invoke: Invoke, text: str, *args: str, env: dict[str, str]) -> Result:
    """`equipshare ARGS...` with `text` on stdin, set up as `invoke` sets up every run."""
    return CliRunner().invoke(cli, list(args), env=env, input=text, catch_exceptions=False)


def key_file(tmp_path: Path, text: str, name: str = "id.pub") -> str:
    path = tmp_path / name
    path.write_text(text + "\n")
    return str(path)


@pytest.mark.parametrize("command", ["add", "remove", "list"])
def test_help_has_examples(invoke: Invoke, command: str) -> None:
    result = invoke("users", "keys", command, "--help")
    assert result.exit_code == 0 and "KEY" in result.stdout.upper()
    group = invoke("users", "keys", "--help")
    assert f"equipshare users keys {command}" in group.stdout


def test_a_user_adds_lists_and_removes_their_own_keys(
    invoke: Invoke, database_url: str, db: Database, tmp_path: Path
) -> None:
    path = key_file(tmp_path, ED25519.line)
    added = invoke("users", "keys", "add", "alice", path, "--db", database_url, env=ALICE)
    assert added.exit_code == 0, added.output
    assert added.stdout == f"{ED25519.fingerprint}\n"  # as `ssh-keygen -l` prints it
    assert added.stderr == f"added ssh-ed25519 key {ED25519.fingerprint} (alice@laptop) to alice\n"
    stdin = piped(invoke, SK_ED25519.line, "users", "keys", "add", "alice", "-",
                  "--label", "yubikey", "--db", database_url, env=ALICE)  # fmt: skip
    assert stdin.exit_code == 0 and stdin.stdout == f"{SK_ED25519.fingerprint}\n"

    listed = invoke("users", "keys", "list", "alice", "--format", "json",
                    "--db", database_url, env=ALICE)  # fmt: skip
    rows = json.loads(listed.stdout)
    assert [(r["fingerprint"], r["algorithm"], r["label"]) for r in rows] == [
        (ED25519.fingerprint, "ssh-ed25519", "alice@laptop"),
        (SK_ED25519.fingerprint, "sk-ssh-ed25519@openssh.com", "yubikey"),
    ]
    assert rows[0]["last_used"] is None and rows[0]["added"].endswith("+00:00")
    table = invoke("users", "keys", "list", "alice", "--db", database_url, env=ALICE)
    assert table.exit_code == 0 and "never" in table.stdout
    # The CLI runs on the real clock; times are in the organisation's zone, named.
    assert re.search(r"\b\w{3} \d{1,2} \w{3} \d{4} \d\d:\d\d (GMT|BST)\b", table.stdout)
    assert ED25519.fingerprint in table.stdout.splitlines()[1]  # whole, never wrapped

    removed = invoke("users", "keys", "remove", "alice", ED25519.fingerprint,
                     "--db", database_url, env=ALICE)  # fmt: skip
    assert removed.exit_code == 0
    assert removed.stderr == f"removed key {ED25519.fingerprint} from alice\n"
    left = invoke("users", "keys", "list", "alice", "--format", "json",
                  "--db", database_url, env=ALICE)  # fmt: skip
    assert [r["fingerprint"] for r in json.loads(left.stdout)] == [SK_ED25519.fingerprint]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (RSA_1024.line, "public key: an RSA key of 1024 bits is too weak"),
        ("ssh-ed25519 AAAA%%%%", "public key: the key data after ssh-ed25519 is not base64"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----",
         "public key: this is a private key"),
        ("", "public key: none given"),
    ],
)  # fmt: skip
def test_a_bad_key_file_is_one_line_naming_it_and_nothing_is_written(
    invoke: Invoke, database_url: str, db: Database, tmp_path: Path, content: str, says: str
) -> None:
    before = database_state(db)
    path = key_file(tmp_path, content, "bad.pub")
    result = invoke("users", "keys", "add", "alice", path, "--db", database_url, env=ALICE)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}: {says}")
    assert result.stderr.count("\n") == 1 and result.stdout == ""
    assert database_state(db) == before


def test_a_file_that_is_missing_binary_or_huge_is_refused_naming_it(
    invoke: Invoke, database_url: str, db: Database, tmp_path: Path
) -> None:
    before = database_state(db)
    binary = tmp_path / "key.bin"
    binary.write_bytes(b"\xff\xfe\x00ssh")
    huge = tmp_path / "huge.pub"
    huge.write_bytes(b"a" * 70_000)
    for path, says in [
        (tmp_path / "none.pub", "no such file"),
        (binary, "not text"),
        (huge, "over 64 KB"),
        (tmp_path, "cannot read it"),
    ]:
        result = invoke("users", "keys", "add", "alice", str(path), "--db", database_url,
                        env=ALICE)  # fmt: skip
        assert result.exit_code == 2, (path, result.output)
        assert result.stderr == f"error: {path}: {says}" + result.stderr.split(says, 1)[1]
        assert result.stderr.count("\n") == 1
    stdin = piped(invoke, "ssh-rsa AAAA", "users", "keys", "add", "alice", "-",
                  "--db", database_url, env=ALICE)  # fmt: skip
    assert stdin.exit_code == 2 and stdin.stderr.startswith("error: stdin: public key: ")
    assert database_state(db) == before


def test_who_may_do_what_and_what_a_duplicate_says(
    invoke: Invoke, database_url: str, db: Database, world: World, tmp_path: Path
) -> None:
    path = key_file(tmp_path, ECDSA_P256.line)
    by_root = invoke("users", "keys", "add", "bob", path, "--db", database_url, env=ROOT)
    assert by_root.exit_code == 0, by_root.output
    before = database_state(db)
    theirs = invoke("users", "keys", "add", "bob", path, "--db", database_url, env=ALICE)
    assert theirs.exit_code == 1 and "alice may not add SSH keys on bob's account" in theirs.stderr
    taken = invoke("users", "keys", "add", "alice", path, "--db", database_url, env=ALICE)
    assert (taken.exit_code, taken.stderr) == (1, "refused: this key is already registered\n")
    peek = invoke("users", "keys", "list", "bob", "--db", database_url, env=ALICE)
    assert peek.exit_code == 1 and "may not list bob's SSH keys" in peek.stderr
    gone = invoke("users", "keys", "remove", "alice", ECDSA_P256.fingerprint,
                  "--db", database_url, env=ALICE)  # fmt: skip
    assert gone.exit_code == 1 and "alice has no SSH key" in gone.stderr
    bad = invoke("users", "keys", "remove", "alice", "MD5:aa", "--db", database_url, env=ALICE)
    assert bad.exit_code == 2 and bad.stderr.startswith("error: fingerprint: 'MD5:aa'")
    assert database_state(db) == before
    as_bob = invoke("users", "keys", "list", "bob", "--as", "bob", "--db", database_url, env=ROOT)
    assert as_bob.exit_code == 0 and ECDSA_P256.fingerprint in as_bob.stdout


def test_the_table_shows_the_last_sign_in_in_the_organisations_zone(
    invoke: Invoke, database_url: str, context: ServiceContext, world: World
) -> None:
    keys = SshKeysService(context)
    keys.add("alice", ED25519.line, actor="alice")
    keys.sign_in(ED25519.fingerprint, "192.0.2.44")
    table = invoke("users", "keys", "list", "alice", "--db", database_url, env=ALICE)
    assert table.exit_code == 0
    assert "192.0.2.44" in table.stdout and "never" not in table.stdout
    empty = invoke("users", "keys", "list", "bob", "--db", database_url, env=ROOT)
    assert (empty.exit_code, empty.stdout, empty.stderr) == (0, "", "bob has no SSH keys\n")
