"""`equipshare init`, `institutions` and `facilities` through the real CLI, on both engines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result

from tests.cli.conftest import Invoke
from tests.support.world import World

INIT = (
    "init", "--institution", "warwick", "--institution-name", "University of Warwick",
    "--sector", "academic", "--email-domain", "warwick.ac.uk", "--admin-email",
    "root@warwick.ac.uk", "--organisation", "Midlands Innovation", "--timezone", "Europe/London",
)  # fmt: skip


def run(invoke: Invoke, url: str, user: str, *args: str) -> Result:
    return invoke("--db", url, *args, env={"EQUIPSHARE_USER": user})


def one_line(result: Result, code: int, label: str, *words: str) -> None:
    assert result.exit_code == code, result.output
    assert result.stderr.startswith(f"{label}: ") and result.stderr.count("\n") == 1, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def test_init_sets_up_an_empty_database_and_a_second_run_is_a_no_op(
    invoke: Invoke, empty_database_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "site.toml"
    first = run(invoke, empty_database_url, "root", "--config", str(config), *INIT)
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines()[1:] == [
        "institution WARWICK (University of Warwick, academic, partner, email warwick.ac.uk): "
        "created",
        "admin root of WARWICK: created",
        f"config {config}: set [organisation] name = 'Midlands Innovation', "
        "timezone = 'Europe/London'",
        "set up: act as root (e.g. `equipshare institutions list`)",
    ]
    assert first.stdout.startswith("schema: upgraded empty -> ")
    assert config.read_text() == (
        '[organisation]\nname = "Midlands Innovation"\ntimezone = "Europe/London"\n'
    )
    again = run(invoke, empty_database_url, "root", "--config", str(config), *INIT)
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines()[-1] == "already set up: nothing to do"
    listed = run(invoke, empty_database_url, "root", "--config", str(config),
                 "institutions", "list", "--format", "json")  # fmt: skip
    assert listed.exit_code == 0, listed.output
    assert [(i["code"], i["users"], i["email_domains"]) for i in json.loads(listed.stdout)] == [
        ("WARWICK", 1, ["warwick.ac.uk"])
    ]


def test_init_dry_run_writes_nothing(
    invoke: Invoke, empty_database_url: str, tmp_path: Path
) -> None:
    result = run(invoke, empty_database_url, "root", "--config", str(tmp_path / "e.toml"),
                 *INIT, "--dry-run")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "dry run: nothing written"
    assert "admin root of WARWICK: would create" in result.stdout
    assert not (tmp_path / "e.toml").exists()
    current = run(invoke, empty_database_url, "root", "db", "current")
    assert "empty (no schema)" in current.stdout


def test_init_admin_defaults_to_the_caller_and_refuses_another_setup(
    invoke: Invoke, empty_database_url: str
) -> None:
    done = run(invoke, empty_database_url, "ops", *INIT[:7])
    assert done.exit_code == 0, done.output
    assert "admin ops of WARWICK: created" in done.stdout
    assert not Path("equipshare.toml").exists()  # no organisation given, no file
    other = run(invoke, empty_database_url, "ops",
                "init", "--institution", "ASTON", "--institution-name", "Aston", "--sector",
                "academic")  # fmt: skip
    one_line(other, 1, "refused", "already set up", "admins: ops")


def test_init_refuses_to_overwrite_the_organisation(
    invoke: Invoke, empty_database_url: str
) -> None:
    Path("equipshare.toml").write_text('[organisation]\nname = "Elsewhere"\n')
    result = run(invoke, empty_database_url, "root", *INIT)
    one_line(result, 1, "refused", "[organisation] name = 'Elsewhere'")
    assert Path("equipshare.toml").read_text() == '[organisation]\nname = "Elsewhere"\n'
    current = run(invoke, empty_database_url, "root", "db", "current")
    assert "empty (no schema)" in current.stdout


@pytest.mark.parametrize(
    ("option", "value", "named"),
    [
        ("--timezone", "Mars/Olympus", "time zone"),
        ("--email-domain", "not a domain", "email domain"),
        ("--institution", "two words", "institution code"),
        ("--admin-email", "nobody", "'nobody' is not an email address"),
    ],
)
def test_init_bad_values_name_the_field_and_exit_2(
    invoke: Invoke, empty_database_url: str, option: str, value: str, named: str
) -> None:
    result = run(invoke, empty_database_url, "root", *INIT, option, value)
    one_line(result, 2, "error", named)
    current = run(invoke, empty_database_url, "root", "db", "current")
    assert "empty (no schema)" in current.stdout


def test_init_usage_errors_exit_2(invoke: Invoke, empty_database_url: str) -> None:
    bad_sector = run(invoke, empty_database_url, "root", *INIT[:5], "--sector", "charity")
    assert bad_sector.exit_code == 2 and "--sector" in bad_sector.stderr
    missing = run(invoke, empty_database_url, "root", "init", "--sector", "academic")
    assert missing.exit_code == 2 and "--institution" in missing.stderr


def test_institutions_add_edit_list(invoke: Invoke, database_url: str, world: World) -> None:
    added = run(invoke, database_url, "root", "institutions", "add", "keele", "--name",
                "Keele University", "--sector", "academic", "--partner", "--email-domain",
                "keele.ac.uk", "--format", "csv")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert added.stdout.splitlines()[1] == "KEELE,Keele University,academic,yes,keele.ac.uk,0,0"
    assert added.stderr == "KEELE: created\n"
    edited = run(invoke, database_url, "root", "institutions", "edit", "KEELE",
                 "--not-partner")  # fmt: skip
    assert edited.exit_code == 0 and edited.stderr == "KEELE changed is_partner: True -> False\n"
    bad = run(invoke, database_url, "root", "institutions", "edit", "KEELE", "--email-domain",
              "keele")  # fmt: skip
    one_line(bad, 2, "error", "email domain 'keele'")
    refused = run(invoke, database_url, "mgr", "institutions", "list")
    one_line(refused, 1, "refused", "mgr may not list institutions: that needs an admin")


def test_facilities_and_their_staff(invoke: Invoke, database_url: str, world: World) -> None:
    added = run(invoke, database_url, "root", "facilities", "add", "WAR-EM", "--name",
                "Warwick EM", "--institution", "WARWICK", "--email", "em@warwick.ac.uk",
                "--format", "json")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)[0]["timezone"] == "Europe/London"
    bad_zone = run(invoke, database_url, "root", "facilities", "edit", "WAR-EM", "--timezone",
                   "Nowhere/Special")  # fmt: skip
    one_line(bad_zone, 2, "error", "time zone")
    by_manager = run(invoke, database_url, "mgr", "facilities", "edit", "WAR-PRP", "--site", "x")
    one_line(by_manager, 1, "refused", "needs an admin")

    made = run(invoke, database_url, "root", "facilities", "staff", "add", "WAR-EM", "mgr",
               "--role", "manager")  # fmt: skip
    assert made.stdout == "mgr added to WAR-EM as manager\n"
    tech = run(invoke, database_url, "mgr", "facilities", "staff", "add", "WAR-EM", "tech",
               "--role", "technician")  # fmt: skip
    assert tech.exit_code == 0 and tech.stdout == "tech added to WAR-EM as technician\n"
    twice = run(invoke, database_url, "mgr", "facilities", "staff", "add", "WAR-EM", "tech",
                "--role", "technician")  # fmt: skip
    assert twice.stdout == "tech is already a technician of WAR-EM: nothing changed\n"
    not_theirs = run(invoke, database_url, "tech", "facilities", "staff", "add", "WAR-EM",
                     "alice", "--role", "technician")  # fmt: skip
    one_line(not_theirs, 1, "refused", "change this facility's staff")
    last = run(invoke, database_url, "mgr", "facilities", "staff", "remove", "WAR-EM", "mgr")
    one_line(last, 1, "refused", "last manager of WAR-EM")
    by_admin = run(invoke, database_url, "root", "facilities", "staff", "remove", "WAR-EM", "mgr")
    assert by_admin.exit_code == 0
    assert by_admin.stdout == "mgr removed from WAR-EM (was manager)\n"
    assert "no manager now" in by_admin.stderr

    listed = run(invoke, database_url, "alice", "facilities", "staff", "list", "WAR-EM",
                 "--format", "csv")  # fmt: skip
    assert listed.stdout.splitlines() == [
        "facility,username,name,email,role,active",
        "WAR-EM,tech,Tech,tech@example.ac.uk,technician,yes",
    ]
    shown = run(invoke, database_url, "alice", "facilities", "show", "WAR-PRP")
    assert shown.exit_code == 0 and "tech, tech2" in shown.stdout
    every = run(invoke, database_url, "alice", "facilities", "list", "--format", "json")
    assert [f["code"] for f in json.loads(every.stdout)] == ["AST-EM", "WAR-EM", "WAR-PRP"]


def test_facilities_edit_turns_staff_cancellation_notices_off_and_show_says_so(
    invoke: Invoke, database_url: str, world: World
) -> None:
    before = run(invoke, database_url, "alice", "facilities", "show", "WAR-PRP", "--format", "json")
    assert json.loads(before.stdout)[0]["notify_staff_on_cancel"] is True
    off = run(invoke, database_url, "root", "facilities", "edit", "WAR-PRP",
              "--no-notify-staff-on-cancel")  # fmt: skip
    assert off.exit_code == 0, off.output
    assert off.stderr == "WAR-PRP changed notify_staff_on_cancel: yes -> no\n"
    (line,) = [x for x in off.stdout.splitlines() if "notify staff on cancel" in x]
    assert line.split("│")[2].strip() == "False"
    again = run(invoke, database_url, "root", "facilities", "edit", "WAR-PRP",
                "--no-notify-staff-on-cancel")  # fmt: skip
    assert again.stderr == "WAR-PRP: unchanged\n"
    shown = run(invoke, database_url, "alice", "facilities", "show", "WAR-PRP", "--format", "csv")
    assert shown.stdout.splitlines()[1].split(",")[13] == "False"
