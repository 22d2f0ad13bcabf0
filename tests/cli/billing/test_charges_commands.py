"""`equipshare charges waive|reprice` through the real CLI on both engines: one line each, a
dry run that changes nothing, bad input naming its field (exit 2), refusals (exit 1)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from equipshare.db.engine import Database
from equipshare.db.models.bookings import Booking
from equipshare.domain.enums import UserClass
from equipshare.domain.time.clock import FrozenClock
from tests.cli.conftest import Invoke
from tests.support.november import NOW, plant_november
from tests.support.permission_matrix import database_state
from tests.support.pricing import plant_rate
from tests.support.world import World

TECH, MGR = {"EQUIPSHARE_USER": "tech"}, {"EQUIPSHARE_USER": "mgr"}


@pytest.fixture
def november(
    monkeypatch: pytest.MonkeyPatch, clock: FrozenClock, database: Database, world: World
) -> dict[str, int]:
    """Commands build their context with SystemClock(); hand them the test's frozen clock."""
    clock.instant = NOW
    monkeypatch.setattr("equipshare.services.plumbing.context.SystemClock", lambda: clock)
    return plant_november(database, world)


def charge(database: Database, booking_id: int) -> int:
    with database.readonly() as session:
        row = session.execute(
            select(Booking.instrument_charge_pence, Booking.technician_charge_pence).where(
                Booking.id == booking_id
            )
        ).one()
        return int(row[0] + row[1])


def test_waive_prints_old_and_new_and_a_dry_run_changes_nothing(
    invoke: Invoke, database_url: str, database: Database, november: dict[str, int]
) -> None:
    late1 = str(november["late1"])
    waive = ("charges", "waive", late1, "--reason", "instrument fault", "--db", database_url)

    before = database_state(database)
    dry = invoke(*waive, "--dry-run", env=TECH)
    assert dry.exit_code == 0, dry.output
    assert dry.stdout == (
        f"dry run: booking {late1}: £15.00 -> £0.00 (waived: instrument fault); nothing changed\n"
    )
    assert database_state(database) == before

    done = invoke(*waive, env=TECH)
    assert done.exit_code == 0, done.output
    assert done.stdout == f"booking {late1}: £15.00 -> £0.00 (waived: instrument fault)\n"
    assert charge(database, november["late1"]) == 0

    again = invoke(*waive, env=TECH)
    assert again.exit_code == 1
    assert again.stderr == (
        f"refused: booking {late1} (cancelled) bills nothing (£0.00); nothing to waive\n"
    )


def test_reprice_with_a_corrected_class(
    invoke: Invoke,
    database_url: str,
    database: Database,
    world: World,
    november: dict[str, int],
) -> None:
    plant_rate(database, world, "WAR-XPS-01", UserClass.INDUSTRY, "80")
    session = str(november["session"])
    reprice = ("charges", "reprice", session, "--reason", "Acme, not Aston", "--db", database_url)

    denied = invoke(*reprice, "--user-class", "industry", env=TECH)
    assert denied.exit_code == 1
    assert denied.stderr == (
        "refused: tech may not reprice this booking on WAR-XPS-01: that needs a manager of "
        "Warwick Photoemission RTP, or an admin\n"
    )

    done = invoke(*reprice, "--user-class", "industry", env=MGR)
    assert done.exit_code == 0, done.output
    assert done.stdout == (
        f"booking {session}: £20.00 -> £160.00 (repriced at industry £80.00/h in force "
        "03 Nov 2026: Acme, not Aston)\n"
    )
    assert charge(database, november["session"]) == 16_000

    no_card = invoke(*reprice, "--user-class", "partner", env=MGR)
    assert no_card.exit_code == 1
    assert "WAR-XPS-01 has no partner rate card in force on Tue 03 Nov 2026" in no_card.stderr


def test_bad_input_names_its_field_and_exits_2(
    invoke: Invoke, database_url: str, database: Database, november: dict[str, int]
) -> None:
    late1 = str(november["late1"])
    before = database_state(database)
    blank = invoke("charges", "waive", late1, "--reason", "  ", "--db", database_url, env=TECH)
    assert (blank.exit_code, blank.stderr) == (2, "error: reason: say why the charge is waived\n")
    missing = invoke("charges", "waive", late1, "--db", database_url, env=TECH)
    assert missing.exit_code == 2 and "Missing option '--reason'" in missing.stderr
    wrong_class = invoke("charges", "reprice", late1, "--reason", "x", "--user-class", "staff",
                         "--db", database_url, env=MGR)  # fmt: skip
    assert wrong_class.exit_code == 2 and "'--user-class'" in wrong_class.stderr
    not_a_number = invoke("charges", "waive", "eight", "--reason", "x", "--db", database_url)
    assert not_a_number.exit_code == 2 and "BOOKING_ID" in not_a_number.stderr
    unknown = invoke("charges", "waive", "999999", "--reason", "x", "--db", database_url,
                     env=TECH)  # fmt: skip
    assert (unknown.exit_code, unknown.stderr) == (1, "refused: no booking 999999\n")
    assert database_state(database) == before
