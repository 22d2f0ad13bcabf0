"""`equipshare rates list|set` and `facility policy` through the real CLI, on both engines.

The CLI runs on the system clock, so "today" and future dates are worked out from it.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from click.testing import Result

from equipshare.config import Settings
from equipshare.domain.records.money.charging import CardState
from equipshare.services.charging.rates import FacilityPolicyService, RateService
from equipshare.services.plumbing.context import ServiceContext
from tests.cli.conftest import Invoke
from tests.support.world import LONDON, World

XPS = "WAR-XPS-01"


def run(invoke: Invoke, url: str, user: str, *args: str) -> Result:
    # --db first (the global form), so a "--" in ARGS still leaves it an option.
    return invoke("--db", url, *args, env={"EQUIPSHARE_USER": user})


def one_line(stderr: str, label: str) -> str:
    assert stderr.startswith(f"{label}: ") and stderr.count("\n") == 1, stderr
    return stderr


def stored_cards(url: str) -> list[tuple[str, str, str, str]]:
    context = ServiceContext.open(Settings().with_database_url(url))
    try:
        return [
            (c.user_class.value, str(c.valid_from), str(c.hourly_rate), c.state.value)
            for c in RateService(context).list("root", XPS)
        ]
    finally:
        context.close()


def next_month() -> date:
    return (datetime.now(LONDON).date().replace(day=1) + timedelta(days=32)).replace(day=1)


def test_set_prints_the_card_and_a_second_run_changes_nothing(
    invoke: Invoke, database_url: str, world: World
) -> None:
    first = run(invoke, database_url, "mgr", "rates", "set", XPS, "partner", "81.50",
                "--technician-rate", "£40", "--format", "json")  # fmt: skip
    assert first.exit_code == 0, first.output
    card = json.loads(first.stdout)[0]
    today = datetime.now(LONDON).date()
    assert card == {
        "user_class": "partner",
        "valid_from": today.isoformat(),
        "hourly_rate": "81.50",
        "technician_hourly_rate": "40.00",
        "state": "in force",
    }
    assert first.stderr == f"{XPS} partner from {today}: created\n"
    again = run(invoke, database_url, "mgr", "rates", "set", XPS, "partner", "81.5",
                "--technician-rate", "40.00")  # fmt: skip
    assert again.exit_code == 0 and again.stderr.endswith(": unchanged\n")
    assert stored_cards(database_url) == [("partner", str(today), "81.50", "in force")]


def test_list_shows_every_card_in_each_format(
    invoke: Invoke, database_url: str, world: World
) -> None:
    later = next_month()
    for args in (("internal", "60"), ("internal", "66", "--from", later.isoformat())):
        assert run(invoke, database_url, "root", "rates", "set", XPS, *args).exit_code == 0
    listed = run(invoke, database_url, "alice", "rates", "list", XPS, "--format", "csv")
    assert listed.exit_code == 0, listed.output
    today = datetime.now(LONDON).date()
    assert listed.stdout.splitlines() == [
        "user_class,valid_from,hourly_rate,technician_hourly_rate,state",
        f"internal,{today},60.00,0.00,{CardState.IN_FORCE.value}",
        f"internal,{later},66.00,0.00,{CardState.FUTURE.value}",
    ]
    table = run(invoke, database_url, "alice", "rates", "list", XPS)
    assert table.exit_code == 0 and "66.00" in table.stdout and "future" in table.stdout


def test_dry_run_writes_nothing(invoke: Invoke, database_url: str, world: World) -> None:
    result = run(invoke, database_url, "mgr", "rates", "set", XPS, "industry", "200", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "200.00" in result.stdout and result.stderr.endswith(": would be created\n")
    assert stored_cards(database_url) == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("internal", "12.345"), "more than 2 decimal places"),
        (("internal", "--", "-3"), "0 or more"),
        (("internal", "cheap"), "not an amount"),
        (("internal", "10", "--technician-rate", "1.001"), "technician rate"),
        (("internal", "10", "--from", "2020-01-01"), "in the past"),
        (("internal", "10", "--from", "next week"), "not a date"),
    ],
)
def test_bad_input_exits_2_on_one_line_and_writes_nothing(
    invoke: Invoke, database_url: str, world: World, args: tuple[str, ...], words: str
) -> None:
    result = run(invoke, database_url, "mgr", "rates", "set", XPS, *args)
    assert result.exit_code == 2 and words in one_line(result.stderr, "error")
    assert stored_cards(database_url) == []


def test_an_unknown_class_is_a_usage_error(invoke: Invoke, database_url: str, world: World) -> None:
    result = run(invoke, database_url, "mgr", "rates", "set", XPS, "student", "10")
    assert result.exit_code == 2 and "student" in result.stderr


@pytest.mark.parametrize("who", ["tech", "alice"])
def test_only_managers_and_admins_may_set_prices(
    invoke: Invoke, database_url: str, world: World, who: str
) -> None:
    result = run(invoke, database_url, who, "rates", "set", XPS, "internal", "10")
    assert result.exit_code == 1 and "manager of" in one_line(result.stderr, "refused")
    assert stored_cards(database_url) == []


def policy_of(url: str) -> dict[str, object]:
    context = ServiceContext.open(Settings().with_database_url(url))
    try:
        return FacilityPolicyService(context).show("root", "WAR-PRP").settings()
    finally:
        context.close()


def test_policy_shows_then_changes_and_a_second_run_is_a_no_op(
    invoke: Invoke, database_url: str, world: World
) -> None:
    shown = run(invoke, database_url, "alice", "facility", "policy", "WAR-PRP", "--format", "json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout) == [
        {
            "facility_code": "WAR-PRP",
            "charge_basis": "booked",
            "free_cancellation_hours": 24,
            "late_cancellation_percent": 50,
            "requires_check_in": False,
        }
    ]
    change = ("--late-cancellation-percent", "100", "--check-in-required", "--format", "csv")
    dry = run(invoke, database_url, "mgr", "facility", "policy", "WAR-PRP", *change, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines()[1] == "WAR-PRP,booked,24,100,True"
    assert dry.stderr.splitlines() == [
        "WAR-PRP would change late_cancellation_percent: 50 -> 100",
        "WAR-PRP would change requires_check_in: false -> true",
    ]
    assert policy_of(database_url)["late_cancellation_percent"] == 50
    done = run(invoke, database_url, "mgr", "facility", "policy", "WAR-PRP", *change)
    assert done.exit_code == 0 and done.stderr.count("changed") == 2
    assert policy_of(database_url)["late_cancellation_percent"] == 100
    again = run(invoke, database_url, "mgr", "facility", "policy", "WAR-PRP", *change)
    assert again.exit_code == 0 and again.stderr == "WAR-PRP: policy unchanged\n"


def test_policy_bad_input_and_refusal_change_nothing(
    invoke: Invoke, database_url: str, world: World
) -> None:
    before = policy_of(database_url)
    bad = run(invoke, database_url, "mgr", "facility", "policy", "WAR-PRP",
              "--late-cancellation-percent", "150")  # fmt: skip
    assert bad.exit_code == 2 and "0 to 100" in one_line(bad.stderr, "error")
    refused = run(invoke, database_url, "tech", "facility", "policy", "WAR-PRP",
                  "--charge-basis", "actual")  # fmt: skip
    assert refused.exit_code == 1 and "charging policy" in one_line(refused.stderr, "refused")
    missing = run(invoke, database_url, "mgr", "facility", "policy", "NOPE")
    assert missing.exit_code == 1 and "NOPE" in one_line(missing.stderr, "refused")
    assert policy_of(database_url) == before


@pytest.mark.parametrize("command", [("rates", "list"), ("rates", "set"), ("facility", "policy")])
def test_help_reads_like_a_man_page(invoke: Invoke, command: tuple[str, ...]) -> None:
    result = invoke(*command, "--help")
    assert result.exit_code == 0 and "Examples:" in result.stdout
    assert f"equipshare {' '.join(command)} " in result.stdout
