"""`equipshare users profile` and `users profiles` through the real CLI, on both engines:
showing and editing a credit profile, bad input refused naming the option with nothing
written, an ORCID iD clash, opting out, and who may do what."""

from __future__ import annotations

import json

import pytest

from equipshare.db.engine import Database
from tests.cli.conftest import Invoke
from tests.support.permission_matrix import database_state

ORCID = "0000-0002-1825-0097"
AS = {name: {"EQUIPSHARE_USER": name} for name in ("tech", "tech2", "mgr", "alice", "root")}


@pytest.mark.parametrize("command", ["profile", "profiles"])
def test_help_has_examples(invoke: Invoke, command: str) -> None:
    result = invoke("users", command, "--help")
    assert result.exit_code == 0 and f"equipshare users {command} " in result.stdout
    assert command in invoke("users", "--help").stdout


def test_a_technician_edits_and_shows_their_own_profile(
    invoke: Invoke, database_url: str, db: Database
) -> None:
    edited = invoke(
        "users", "profile", "tech", "--credit-name", "Dr Tess Echnician", "--orcid",
        ORCID.replace("-", ""), "--job-title", "Senior XPS technician", "--expertise",
        "XPS, UPS", "--format", "json", "--db", database_url, env=AS["tech"],
    )  # fmt: skip
    assert edited.exit_code == 0, edited.output
    assert edited.stderr == "changed tech: credit name, orcid, job title, expertise\n"
    [row] = json.loads(edited.stdout)
    assert row["orcid"] == ORCID and row["printed_as"] == "Dr Tess Echnician"
    assert (row["named"], row["facilities"], row["updated_by"]) == (
        True, "WAR-PRP (technician)", "tech",
    )  # fmt: skip
    shown = invoke("users", "profile", "tech", "--db", database_url, env=AS["tech2"])
    assert shown.exit_code == 0, shown.output
    assert "Dr Tess Echnician" in shown.stdout and ORCID in shown.stdout
    assert " UTC" in shown.stdout  # when it was last changed, the zone named
    again = invoke("users", "profile", "tech", "--job-title", "Senior XPS technician",
                   "--db", database_url, env=AS["tech"])  # fmt: skip
    assert again.exit_code == 0 and again.stderr == "tech unchanged\n"


def test_a_manager_opts_their_technician_out_and_lists_the_facility(
    invoke: Invoke, database_url: str, db: Database
) -> None:
    result = invoke("users", "profile", "tech2", "--not-named", "--format", "csv",
                    "--db", database_url, env=AS["mgr"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "technical staff of the facility" in result.stdout
    listed = invoke("users", "profiles", "WAR-PRP", "--format", "json",
                    "--db", database_url, env=AS["mgr"])  # fmt: skip
    rows = json.loads(listed.stdout)
    assert [(r["username"], r["named"], r["editable"]) for r in rows] == [
        ("mgr", True, True), ("tech", True, True), ("tech2", False, True),
    ]  # fmt: skip
    as_tech = json.loads(invoke("users", "profiles", "WAR-PRP", "--format", "json",
                                "--db", database_url, env=AS["tech"]).stdout)  # fmt: skip
    assert [r["editable"] for r in as_tech] == [False, True, False]


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--orcid", "0000-0002-1825-0098", "--orcid: '0000-0002-1825-0098' fails the ORCID check"),
        ("--orcid", "12345", "--orcid: '12345' is not an ORCID iD"),
        ("--credit-name", "x" * 201, "--credit-name: 201 characters, more than the 200"),
        ("--job-title", "tab\x07bell", "--job-title: holds a character that cannot be printed"),
    ],
)
def test_bad_input_names_the_option_exits_2_and_writes_nothing(
    invoke: Invoke, database_url: str, db: Database, option: str, value: str, says: str
) -> None:
    before = database_state(db)
    result = invoke("users", "profile", "tech", "--expertise", "XPS", option, value,
                    "--db", database_url, env=AS["tech"])  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {says}") and result.stderr.count("\n") == 1
    assert result.stdout == "" and database_state(db) == before


def test_refusals_exit_1_in_one_line(invoke: Invoke, database_url: str, db: Database) -> None:
    assert invoke("users", "profile", "tech", "--orcid", ORCID, "--db", database_url,
                  env=AS["tech"]).exit_code == 0  # fmt: skip
    before = database_state(db)
    cases = [
        (("tech2", "--orcid", ORCID), "tech2", "refused: orcid: 0000-0002-1825-0097 is already "
         "on another person's profile; an ORCID iD belongs to one person"),
        (("tech",), "alice", "refused: alice may not see tech's profile"),
        (("tech", "--named"), "alice", "refused: alice may not change tech's profile"),
        (("tech", "--not-named"), "tech2", "refused: tech2 may not change tech's profile"),
        (("alice", "--job-title", "Postdoc"), "alice",
         "refused: alice is not facility staff: only technicians and managers have a profile"),
        (("otherstaff", "--named"), "mgr", "refused: mgr may not change otherstaff's profile"),
    ]  # fmt: skip
    for args, who, says in cases:
        result = invoke("users", "profile", *args, "--db", database_url, env=AS[who])
        assert result.exit_code == 1, (args, result.output)
        assert result.stderr.startswith(says) and result.stderr.count("\n") == 1, result.stderr
    listed = invoke("users", "profiles", "WAR-PRP", "--db", database_url, env=AS["alice"])
    assert listed.exit_code == 1 and "may not list the staff profiles of WAR-PRP" in listed.stderr
    assert database_state(db) == before
