"""`equipshare report charges --issue` through the real CLI on both engines: a dry run stores
nothing, issuing twice changes nothing and exits 0, and an issued month prints the same
bytes in every format after purge, anonymise, cancellation and corrections."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import date

import pytest

from equipshare.config import RetentionSettings
from equipshare.db.engine import Database
from equipshare.domain.enums import UserClass
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.admin.service import RetentionService
from equipshare.services.bookings.service import BookingService, CheckInService
from equipshare.services.plumbing.context import ServiceContext
from tests.cli.conftest import Invoke
from tests.support.november import NOW, at, plant_november
from tests.support.pricing import plant_rate
from tests.support.world import World

ROOT = {"EQUIPSHARE_USER": "root"}
FORMATS = ("table", "csv", "json")


@pytest.fixture
def november(
    monkeypatch: pytest.MonkeyPatch, clock: FrozenClock, database: Database, world: World
) -> dict[str, int]:
    """Commands build their context with SystemClock(); hand them the test's frozen clock."""
    clock.instant = NOW
    monkeypatch.setattr("equipshare.services.plumbing.context.SystemClock", lambda: clock)
    return plant_november(database, world)


def printed(invoke: Invoke, url: str, month: str) -> dict[str, str]:
    """The month's statement as each format prints it."""
    found = {}
    for output in FORMATS:
        result = invoke("report", "charges", "--month", month, "--format", output, "--db", url,
                        env=ROOT)  # fmt: skip
        assert result.exit_code == 0, result.output
        found[output] = result.stdout
    return found


def test_issue_dry_run_then_issue_then_nothing_changes_it(
    invoke: Invoke,
    database_url: str,
    database: Database,
    world: World,
    context: ServiceContext,
    clock: FrozenClock,
    november: dict[str, int],
) -> None:
    issue = ("report", "charges", "--month", "2026-11", "--issue", "--db", database_url)

    dry = invoke(*issue, "--dry-run", "--format", "csv", env=ROOT)
    assert dry.exit_code == 0, dry.output
    assert dry.stderr.splitlines()[-1] == (
        "dry run: would issue 2026-11: 5 lines (0 adjustments), £90.00; nothing stored"
    )
    assert json.loads(printed(invoke, database_url, "2026-11")["json"])["issued_at"] is None

    refused = invoke(*issue, env={"EQUIPSHARE_USER": "mgr"})
    assert refused.exit_code == 1
    assert "mgr may not issue recharge statements: that needs an admin" in refused.stderr

    done = invoke(*issue, env=ROOT)
    assert done.exit_code == 0, done.output
    assert done.stderr.splitlines()[-1] == (
        "issued 2026-11: 5 lines (0 adjustments), £90.00; it will not change"
    )
    assert "Recharge statement, November 2026 (GBP), issued 02 Dec 2026 09:00 GMT by root" in (
        done.stdout
    )
    issued = printed(invoke, database_url, "2026-11")
    assert issued["table"] == done.stdout

    clock.advance(hours=1)
    CheckInService(context).check_out("tech", november["corrected"], at=at(9, 11))
    BookingService(context).cancel("carol", november["straddling"])
    late2, session = str(november["late2"]), str(november["session"])
    waived = invoke("charges", "waive", late2, "--reason", "goodwill", "--db", database_url,
                    env={"EQUIPSHARE_USER": "tech"})  # fmt: skip
    assert waived.stdout == (
        f"booking {late2}: £5.00 -> £0.00 (waived: goodwill); billed as an adjustment on 2026-12\n"
    )
    plant_rate(database, world, "WAR-XPS-01", UserClass.PARTNER, "15")
    repriced = invoke("charges", "reprice", session, "--reason", "partner card", "--db",
                      database_url, env={"EQUIPSHARE_USER": "mgr"})  # fmt: skip
    assert repriced.stdout == (
        f"booking {session}: £20.00 -> £30.00 (repriced at partner £15.00/h in force 03 Nov "
        "2026: partner card); billed as an adjustment on 2026-12\n"
    )
    short = replace(context.settings, retention=RetentionSettings(cancelled_days=7))
    RetentionService(replace(context, settings=short)).purge("root", date(2026, 12, 1))
    RetentionService(context).anonymise("root", date(2026, 11, 20))

    assert printed(invoke, database_url, "2026-11") == issued

    again = invoke(*issue, env=ROOT)
    assert again.exit_code == 0
    assert again.stderr.splitlines()[-1] == (
        "2026-11 was already issued (02 Dec 2026 09:00 GMT by root); nothing changed"
    )
    assert again.stdout == issued["table"]

    december = list(csv.DictReader(io.StringIO(printed(invoke, database_url, "2026-12")["csv"])))
    adjusted = {int(row["booking_id"]): row for row in december if row["adjusts_month"]}
    assert set(adjusted) == {november[k] for k in ("corrected", "straddling", "late2", "session")}
    assert adjusted[november["session"]]["amount"] == "10.00"
    assert adjusted[november["late2"]]["amount"] == "-5.00"
    corrected = adjusted[november["corrected"]]
    assert (corrected["adjusts_month"], corrected["amount"], corrected["minutes"]) == (
        "2026-11", "-30.00", "-180")  # fmt: skip
    assert corrected["note"] == "adjusts 2026-11: billed £40.00, now £10.00 (completed)"


def test_issue_refuses_an_open_month_and_mixed_options(
    invoke: Invoke, database_url: str, november: dict[str, int]
) -> None:
    base = ("report", "charges", "--db", database_url)
    early = invoke(*base, "--month", "2026-12", "--issue", env=ROOT)
    assert early.exit_code == 1
    assert "2026-12 is not over yet (its last day is Thu 31 Dec 2026)" in early.stderr
    assert invoke(*base, "--dry-run", env=ROOT).exit_code == 2
    mixed = invoke(*base, "--issue", "--institution", "ASTON", env=ROOT)
    assert mixed.exit_code == 2 and "leave out --institution" in mixed.stderr


def test_a_month_not_over_is_named_to_date(
    invoke: Invoke, database_url: str, november: dict[str, int]
) -> None:
    # The clock says Wed 2 Dec 2026: December bills only what has happened so far.
    december = invoke("report", "charges", "--month", "2026-12", "--db", database_url, env=ROOT)
    assert december.exit_code == 0, december.output
    assert "Recharge statement, December 2026 (GBP), to date, open: the month is not over" in (
        december.stdout
    )
    assert december.stderr.startswith("2026-12 to date: ")
    ended = invoke("report", "charges", "--db", database_url, env=ROOT)  # last month: November
    assert "Recharge statement, November 2026 (GBP), open: it follows its bookings" in (
        ended.stdout
    )
    assert ended.stderr.startswith("2026-11: 5 bookings billed, ")
