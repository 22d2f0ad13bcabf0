"""`equipshare slots` through the real CLI, on both engines, with the clock frozen.

The clock is Mon 16 Mar 2026 09:00 UTC (09:00 GMT in London); see tests/support/world.py.
"""

from __future__ import annotations

import json

import pytest

from equipshare.domain.time.clock import FrozenClock
from tests.cli.conftest import Invoke
from tests.support.world import World

XPS = "WAR-XPS-01"
FACILITY = "Warwick Photoemission RTP"


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch, clock: FrozenClock, world: World) -> None:
    """Commands build their context with SystemClock(); hand them the test's frozen clock."""
    monkeypatch.setattr("equipshare.services.plumbing.context.SystemClock", lambda: clock)
    monkeypatch.delenv("EQUIPSHARE_USER", raising=False)


def user(name: str) -> dict[str, str]:
    return {"EQUIPSHARE_USER": name}


def rows(stdout: str) -> list[list[str]]:
    """Table rows split on the two-space column gaps."""
    return [[c.strip() for c in line.split("  ") if c.strip()] for line in stdout.splitlines()]


def test_table_shows_local_times_with_the_zone(invoke: Invoke, database_url: str) -> None:
    result = invoke(
        "slots", "--instrument", XPS, "--length", "2h", "--limit", "3", "--db", database_url,
        env=user("alice"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert rows(result.stdout) == [
        ["WHEN", "INSTRUMENT", "INSTITUTION", "FACILITY"],
        ["Mon 16 Mar 2026 10:00-12:00 GMT", XPS, "WARWICK", FACILITY],
        ["Mon 16 Mar 2026 12:00-14:00 GMT", XPS, "WARWICK", FACILITY],
        ["Mon 16 Mar 2026 14:00-16:00 GMT", XPS, "WARWICK", FACILITY],
    ]
    assert result.stderr == ""


def test_limit_is_honoured_for_one_instrument(invoke: Invoke, database_url: str) -> None:
    """It was capped at three slots per instrument whatever --limit said."""
    result = invoke(
        "slots", "--instrument", XPS, "--length", "2h", "--limit", "6", "--db", database_url,
        "--format", "json", env=user("alice"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    starts = [s["start"] for s in json.loads(result.stdout)]
    assert starts == [
        "2026-03-16T10:00:00+00:00",
        "2026-03-16T12:00:00+00:00",
        "2026-03-16T14:00:00+00:00",
        "2026-03-17T09:00:00+00:00",
        "2026-03-17T11:00:00+00:00",
        "2026-03-17T13:00:00+00:00",
    ]


def test_per_instrument_caps_each_instrument_of_a_category(
    invoke: Invoke, database_url: str
) -> None:
    def instruments(*extra: str) -> list[str]:
        result = invoke(
            "slots", "--category", "xps", "--length", "2h", "--limit", "6", "--format", "json",
            "--db", database_url, *extra, env=user("alice"),
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        return [s["instrument"] for s in json.loads(result.stdout)]

    assert max(map(instruments().count, set(instruments()))) == 3
    assert max(map(instruments("--per-instrument", "1").count, set(instruments()))) == 1
    refused = invoke(
        "slots", "--instrument", XPS, "--length", "2h", "--per-instrument", "2",
        "--db", database_url, env=user("alice"),
    )  # fmt: skip
    assert refused.exit_code != 0
    assert "--per-instrument goes with --category" in refused.stderr


def test_from_date_after_the_clocks_change(invoke: Invoke, database_url: str) -> None:
    result = invoke(
        "slots", "--instrument", XPS, "--length", "8h", "--from", "2026-03-30", "--days", "2",
        "--db", database_url, env=user("alice"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [r[0] for r in rows(result.stdout)[1:]] == [
        "Mon 30 Mar 2026 09:00-17:00 BST",
        "Tue 31 Mar 2026 09:00-17:00 BST",
    ]


def test_from_time_without_offset_is_local(invoke: Invoke, database_url: str) -> None:
    result = invoke(
        "slots", "--instrument", XPS, "--length", "1h30m", "--from", "2026-03-17T13:00",
        "--db", database_url, "--format", "json", env=user("alice"),
    )  # fmt: skip
    # XPS takes whole hours only: 90 minutes fits no booking there.
    assert result.exit_code == 2
    assert result.stderr.startswith("error: WAR-XPS-01 takes bookings of 60-480 minutes")
    result = invoke(
        "slots", "--instrument", XPS, "--length", "3h", "--from", "2026-03-17T13:00",
        "--limit", "2", "--db", database_url, "--format", "json", env=user("alice"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [(s["start"], s["end"]) for s in json.loads(result.stdout)] == [
        ("2026-03-17T13:00:00+00:00", "2026-03-17T16:00:00+00:00"),
        ("2026-03-18T09:00:00+00:00", "2026-03-18T12:00:00+00:00"),
    ]


def test_json_category_search(invoke: Invoke, database_url: str) -> None:
    result = invoke(
        "slots", "--category", "sem", "--length", "90m", "--limit", "2", "--format", "json",
        "--db", database_url, env=user("carol"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {
            "start": "2026-03-16T10:00:00+00:00",
            "end": "2026-03-16T11:30:00+00:00",
            "instrument": "AST-SEM-01",
            "instrument_name": "AST-SEM-01",
            "institution": "ASTON",
            "facility": "Aston Electron Microscopy",
            "timezone": "Europe/London",
            "own_institution": False,
        },
        {
            "start": "2026-03-16T11:30:00+00:00",
            "end": "2026-03-16T13:00:00+00:00",
            "instrument": "AST-SEM-01",
            "instrument_name": "AST-SEM-01",
            "institution": "ASTON",
            "facility": "Aston Electron Microscopy",
            "timezone": "Europe/London",
            "own_institution": False,
        },
    ]


def test_no_slots_is_not_an_error(invoke: Invoke, database_url: str) -> None:
    result = invoke(
        "slots", "--instrument", XPS, "--length", "2h", "--from", "2026-03-21", "--days", "2",
        "--db", database_url, env=user("alice"),
    )  # fmt: skip
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "no free slots of 2h on WAR-XPS-01 within 2 days from 2026-03-21\n"
    as_json = invoke(
        "slots", "--category", "XPS", "--length", "2h", "--from", "2026-03-21", "--days", "2",
        "--format", "json", "--db", database_url, env=user("alice"),
    )  # fmt: skip
    assert as_json.exit_code == 0 and json.loads(as_json.stdout) == []


def test_as_user_needs_an_admin(invoke: Invoke, database_url: str) -> None:
    as_erin = ("slots", "--instrument", XPS, "--length", "2h", "--as", "erin")
    refused = invoke(*as_erin, "--db", database_url, env=user("root"))
    assert refused.exit_code == 1
    assert refused.stderr.startswith("refused: erin has no current training on WAR-XPS-01")
    assert len(refused.stderr.splitlines()) == 1
    not_admin = invoke(*as_erin, "--db", database_url, env=user("alice"))
    assert not_admin.exit_code == 1
    assert "only admins may act --as" in not_admin.stderr


def test_refused_instrument_exits_1(invoke: Invoke, database_url: str) -> None:
    result = invoke(
        "slots", "--instrument", "WAR-AFM-01", "--length", "2h", "--db", database_url,
        env=user("alice"),
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr == "refused: WAR-AFM-01 is out of service and cannot be booked\n"


@pytest.mark.parametrize("length", ["2x", "h", "", "0m", "2 hours", "-1h"])
def test_bad_length_exits_2_naming_the_option(
    invoke: Invoke, database_url: str, length: str
) -> None:
    result = invoke(
        "slots", "--instrument", XPS, "--length", length, "--db", database_url, env=user("alice")
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --length: ")
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        ("--length", "2h"),
        ("--instrument", XPS, "--category", "XPS", "--length", "2h"),
        ("--instrument", XPS, "--length", "2h", "--from", "next tuesday"),
        ("--instrument", XPS, "--length", "2h", "--days", "0"),
    ],
)
def test_bad_usage_exits_2(invoke: Invoke, database_url: str, args: tuple[str, ...]) -> None:
    result = invoke("slots", *args, "--db", database_url, env=user("alice"))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.splitlines()) == 1
