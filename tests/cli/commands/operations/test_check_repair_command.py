"""`equipshare check --repair`: the booking roll-ups rebuilt by an admin, a dry run first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from equipshare.db.change_stamps import UNTRACKED_OPTION
from equipshare.db.engine import Database
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import OpeningWeek
from equipshare.domain.enums import BookingStatus
from tests.cli.conftest import Invoke
from tests.support.maintenance_rows import plant_booking
from tests.support.world import World


def test_repair_dry_run_then_real_then_clean(
    invoke: Invoke, database_url: str, database: Database, world: World
) -> None:
    start = datetime(2026, 3, 10, 10, tzinfo=UTC)
    booking = plant_booking(database, world, "bob", "AST-SEM-01", start,
                            start + timedelta(hours=1), BookingStatus.COMPLETED)  # fmt: skip
    by_hand = database.engine.execution_options(**{UNTRACKED_OPTION: True})
    with by_hand.begin() as conn:  # as psql would, past equipshare
        conn.execute(update(Booking).where(Booking.id == booking).values(status="no_show"))
    instrument = world.instruments["AST-SEM-01"]

    found = invoke("check", "--format", "csv", "--db", database_url)
    assert found.exit_code == 1
    assert f"booking roll-ups,instrument {instrument} day 2026-03-10," in found.stdout
    assert "run `equipshare check --repair`" in found.stdout

    refused = invoke("check", "--repair", "--db", database_url, env={"EQUIPSHARE_USER": "bob"})
    assert refused.exit_code == 1
    assert (
        refused.stderr == "refused: bob may not repair the booking roll-ups: that needs an admin\n"
    )
    alone = invoke("check", "--dry-run", "--db", database_url)
    assert alone.exit_code == 2 and "--dry-run goes with --repair" in alone.stderr

    root = {"EQUIPSHARE_USER": "root"}
    dry = invoke("check", "--repair", "--dry-run", "--db", database_url, env=root)
    assert dry.exit_code == 1  # still found: nothing changed
    assert dry.stderr.startswith(
        "dry run: 1 instrument-day of the booking roll-ups differed from their bookings; "
        "nothing changed (1 row)\n"
    )
    done = invoke("check", "--repair", "--db", database_url, env=root)
    assert done.exit_code == 0, done.output
    assert done.stderr.startswith(
        "repaired: 1 instrument-day of the booking roll-ups differed; rebuilt from the "
        "bookings, 1 row -> 1\nok: no problems found"
    )


def test_repair_rebuilds_an_opening_week_changed_by_hand(
    invoke: Invoke, database_url: str, database: Database, world: World
) -> None:
    xps = world.instruments["WAR-XPS-01"]
    with database.engine.begin() as conn:  # as psql would: the hours' triggers never see it
        conn.execute(update(OpeningWeek).where(OpeningWeek.instrument_id == xps).values(sunday=60))
    found = invoke("check", "--format", "csv", "--db", database_url)
    assert found.exit_code == 1
    assert f"opening weeks,instrument {xps}," in found.stdout

    root = {"EQUIPSHARE_USER": "root"}
    dry = invoke("check", "--repair", "--dry-run", "--db", database_url, env=root)
    assert dry.stderr.startswith(
        "dry run: the opening weeks of 1 instrument differed from their hours; nothing changed\n"
    ), dry.stderr
    done = invoke("check", "--repair", "--db", database_url, env=root)
    assert done.exit_code == 0, done.output
    assert done.stderr.startswith(
        "repaired: the opening weeks of 1 instrument differed from their hours; "
        "rebuilt from the hours\nok: no problems found"
    ), done.stderr
