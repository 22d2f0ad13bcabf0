"""`equipshare users add|edit|reactivate` through the real CLI, on both engines: exit codes
0, 1 and 2, one-line errors naming the field, and nothing written when refused."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.catalogue import User
from tests.cli.conftest import Invoke
from tests.support.world import World

ROOT = {"EQUIPSHARE_USER": "root"}


def _state(database: Database) -> tuple[int, int, dict[str, tuple[str, str | None, str, bool]]]:
    with database.readonly() as session:
        users = {
            u.username: (u.display_name, u.email, u.role.value, u.active)
            for u in session.scalars(select(User))
        }
        audits = int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
    return len(users), audits, users


@pytest.mark.parametrize("command", ["add", "edit", "reactivate"])
def test_help_has_examples(invoke: Invoke, command: str) -> None:
    result = invoke("users", command, "--help")
    assert result.exit_code == 0 and f"equipshare users {command}" in result.stdout


def test_users_add_prints_the_account_and_refuses_bad_input_whole(
    invoke: Invoke, database_url: str, database: Database, world: World
) -> None:
    args = ("users", "add", "jsmith", "--name", "Jo Smith", "--institution", "warwick",
            "--db", database_url)  # fmt: skip
    added = invoke(*args, "--email", "jo@warwick.ac.uk", "--role", "technician",
                   "--format", "json", env=ROOT)  # fmt: skip
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout) == [
        {"username": "jsmith", "name": "Jo Smith", "email": "jo@warwick.ac.uk",
         "institution": "WARWICK", "role": "technician", "active": True}
    ]  # fmt: skip
    assert added.stderr == "added jsmith\n"
    before = _state(database)
    assert before[0] == 12 and before[2]["jsmith"] == ("Jo Smith", "jo@warwick.ac.uk",
                                                     "technician", True)  # fmt: skip

    bad_email = invoke("users", "add", "zoe", "--name", "Zoe", "--institution", "ASTON",
                       "--email", "zoe-at-aston", "--db", database_url, env=ROOT)  # fmt: skip
    assert bad_email.exit_code == 2
    assert bad_email.stderr == "error: email: 'zoe-at-aston' is not an email address\n"
    bad_name = invoke("users", "add", "zoe smith", "--name", "Zoe", "--institution", "ASTON",
                      "--db", database_url, env=ROOT)  # fmt: skip
    assert bad_name.exit_code == 2 and bad_name.stderr.startswith("error: username: 'zoe smith'")
    assert bad_name.stderr.count("\n") == 1
    no_place = invoke("users", "add", "zoe", "--name", "Zoe", "--institution", "MARS",
                      "--db", database_url, env=ROOT)  # fmt: skip
    assert no_place.exit_code == 2
    assert no_place.stderr == "error: institution: no institution with code 'MARS'\n"
    bad_role = invoke(*args, "--role", "boss", env=ROOT)
    assert bad_role.exit_code == 2 and "--role" in bad_role.stderr
    taken = invoke("users", "add", "alice", "--name", "Alice", "--institution", "ASTON",
                   "--db", database_url, env=ROOT)  # fmt: skip
    assert taken.exit_code == 1
    assert taken.stderr.startswith("refused: username: 'alice' is taken")
    not_admin = invoke("users", "add", "zoe", "--name", "Zoe", "--institution", "ASTON",
                       "--db", database_url, env={"EQUIPSHARE_USER": "mgr"})  # fmt: skip
    assert not_admin.exit_code == 1 and "needs an admin" in not_admin.stderr
    assert _state(database) == before


def test_users_edit_changes_what_is_given_and_nothing_when_refused(
    invoke: Invoke, database_url: str, database: Database, world: World
) -> None:
    edited = invoke("users", "edit", "erin", "--role", "facility_manager", "--email", "",
                    "--format", "csv", "--db", database_url, env=ROOT)  # fmt: skip
    assert edited.exit_code == 0, edited.output
    assert edited.stdout.splitlines() == [
        "username,name,email,institution,role,active",
        "erin,Erin,,WARWICK,facility_manager,yes",
    ]
    assert edited.stderr == "changed erin: email, role\n"
    again = invoke("users", "edit", "erin", "--role", "facility_manager", "--db", database_url,
                   env=ROOT)  # fmt: skip
    assert again.exit_code == 0 and again.stderr == "erin unchanged\n"
    before = _state(database)

    nothing = invoke("users", "edit", "erin", "--db", database_url, env=ROOT)
    assert nothing.exit_code == 2 and nothing.stderr.startswith("error: give at least one of")
    bad = invoke("users", "edit", "erin", "--name", "Erin B", "--email", "nope",
                 "--db", database_url, env=ROOT)  # fmt: skip
    assert bad.exit_code == 2 and bad.stderr == "error: email: 'nope' is not an email address\n"
    unknown = invoke("users", "edit", "nobody", "--name", "N", "--db", database_url, env=ROOT)
    assert unknown.exit_code == 1 and unknown.stderr == "refused: no user called 'nobody'\n"
    last = invoke("users", "edit", "root", "--name", "R", "--role", "researcher",
                  "--db", database_url, env=ROOT)  # fmt: skip
    assert last.exit_code == 1 and "would leave no active admin" in last.stderr
    assert last.stderr.count("\n") == 1
    assert _state(database) == before


def test_users_reactivate(
    invoke: Invoke, database_url: str, database: Database, world: World
) -> None:
    args = ("users", "reactivate", "gone", "alice", "--db", database_url)
    dry = invoke(*args, "--dry-run", env=ROOT)
    assert dry.exit_code == 0 and dry.stderr == (
        "dry run: would reactivate gone; already active: alice\n"
    )
    assert _state(database)[2]["gone"][3] is False
    real = invoke(*args, env=ROOT)
    assert real.exit_code == 0 and real.stderr == "reactivated gone; already active: alice\n"
    assert _state(database)[2]["gone"][3] is True
    before = _state(database)
    unknown = invoke("users", "reactivate", "gone", "nobody", "--db", database_url, env=ROOT)
    assert unknown.exit_code == 1
    assert unknown.stderr == "refused: no user called 'nobody'; nobody reactivated\n"
    refused = invoke(*args, env={"EQUIPSHARE_USER": "tech"})
    assert refused.exit_code == 1 and "needs an admin" in refused.stderr
    assert invoke("users", "reactivate", "--db", database_url, env=ROOT).exit_code == 2
    assert _state(database) == before
