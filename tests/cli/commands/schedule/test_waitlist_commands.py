"""`equipshare waitlist join|leave|list|accept` through the real CLI, on both engines.

The CLI runs on the system clock, so the taken range is on a Tuesday a few days ahead.
"""

from __future__ import annotations

import json
import re

from click.testing import Result

from tests.cli.commands.schedule.test_booking_commands import (
    TUESDAY,
    as_user,
    at,
    book_xps,
    booked_id,
    one_line_error,
    upcoming,
)
from tests.cli.conftest import Invoke
from tests.support.world import World


def waitlist(invoke: Invoke, url: str, user: str, *args: str) -> Result:
    return invoke("waitlist", *args, "--db", url, env=as_user(user))


def join(invoke: Invoke, url: str, user: str, start: str, end: str) -> Result:
    return waitlist(invoke, url, user, "join", "WAR-XPS-01", "--start", start, "--end", end)


def listed(invoke: Invoke, url: str, user: str, *args: str) -> list[dict[str, object]]:
    result = waitlist(invoke, url, user, "list", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def entry_id(output: str) -> int:
    match = re.match(r"waitlist entry (\d+): ", output)
    assert match, output
    return int(match.group(1))


def test_join_list_accept_and_leave(invoke: Invoke, database_url: str, world: World) -> None:
    day = upcoming(TUESDAY)
    taken = book_xps(invoke, database_url, "alice", day, (10, 12))
    ten, twelve = at(day, 10), at(day, 12)

    bob = join(invoke, database_url, "bob", ten, twelve)
    assert bob.exit_code == 0, bob.stderr
    line = r"waitlist entry \d+: WAR-XPS-01 Tue \d+ \w+ \d{4} 10:00-12:00 (GMT|BST), 1st in line\n"
    assert re.fullmatch(line, bob.stdout), bob.stdout
    erin = join(invoke, database_url, "erin", ten, twelve)
    assert erin.stdout.endswith(", 2nd in line\n"), erin.stdout
    bob_entry, erin_entry = entry_id(bob.stdout), entry_id(erin.stdout)
    assert [
        (r["entry"], r["place"], r["status"]) for r in listed(invoke, database_url, "erin")
    ] == [(erin_entry, 2, "waiting")]

    early = waitlist(invoke, database_url, "bob", "accept", str(bob_entry))
    assert early.exit_code == 1
    assert "is not held for you: it is not free yet" in one_line_error(early.stderr)

    cancelled = invoke("cancel", str(taken), "--db", database_url, env=as_user("alice"))
    assert cancelled.exit_code == 0, cancelled.stderr
    (held,) = listed(invoke, database_url, "bob")
    assert held["status"] == "offered" and held["held_until"], held
    table = waitlist(invoke, database_url, "bob", "list")
    assert "held until" in table.stdout and "│ offered │ 1 " in table.stdout, table.stdout

    booked = waitlist(invoke, database_url, "bob", "accept", str(bob_entry), "--purpose", "XPS")
    assert booked.exit_code == 0, booked.stderr
    assert booked.stdout.endswith(" pending\n")  # bob is at Aston: the XPS asks approval
    booked_id(booked.stdout)
    assert listed(invoke, database_url, "bob") == []
    assert [r["status"] for r in listed(invoke, database_url, "bob", "--all")] == ["accepted"]

    left = waitlist(invoke, database_url, "erin", "leave", str(erin_entry))
    assert (left.exit_code, left.stdout) == (0, f"waitlist entry {erin_entry} left\n")
    empty = waitlist(invoke, database_url, "erin", "list")
    assert (empty.exit_code, empty.stdout, empty.stderr) == (0, "", "You are on no waitlist\n")


def test_refusals_are_one_line_naming_what_is_wrong(
    invoke: Invoke, database_url: str, world: World
) -> None:
    day = upcoming(TUESDAY)
    book_xps(invoke, database_url, "alice", day, (10, 12))
    ten, twelve = at(day, 10), at(day, 12)
    assert join(invoke, database_url, "bob", ten, twelve).exit_code == 0

    again = join(invoke, database_url, "bob", at(day, 11), twelve)
    assert again.exit_code == 1
    assert one_line_error(again.stderr).startswith("you are already waiting for WAR-XPS-01")

    free = join(invoke, database_url, "bob", at(day, 13), at(day, 15))
    assert free.exit_code == 1
    assert "is free 13:00-15:00" in one_line_error(free.stderr)
    assert "book it instead" in free.stderr

    backwards = join(invoke, database_url, "bob", twelve, ten)
    assert backwards.exit_code == 2
    assert one_line_error(backwards.stderr).startswith("--end:")

    not_yours = waitlist(invoke, database_url, "erin", "leave", "1")
    assert not_yours.exit_code == 1
    assert "not yours" in one_line_error(not_yours.stderr)
    missing = waitlist(invoke, database_url, "erin", "leave", "999")
    assert missing.exit_code == 1
    assert one_line_error(missing.stderr) == "no waitlist entry 999"
