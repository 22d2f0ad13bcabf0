"""Every charge said where it arises, through the real CLI on both engines: `cancel` (one
booking and a series scope) names its late fee and why, or why it is free; `move` names
the old and new price; `checkout` says whether it billed actual or booked time.

The CLI runs on the system clock, so bookings are planted or booked around the real now.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from equipshare.db.engine import Database
from equipshare.domain.enums import ChargeBasis, UserClass
from tests.cli.conftest import Invoke
from tests.support.maintenance_rows import plant_booking
from tests.support.pricing import plant_rate, set_policy
from tests.support.world import LONDON, World

XPS, RAM = "WAR-XPS-01", "WAR-RAM-01"


def as_user(name: str) -> dict[str, str]:
    return {"EQUIPSHARE_USER": name}


def priced_session(database: Database, world: World, starts_in: timedelta) -> int:
    """Alice's one-hour XPS session, frozen at £30 an hour, starting `starts_in` from now."""
    start = datetime.now(UTC).replace(microsecond=0) + starts_in
    return plant_booking(
        database,
        world,
        "alice",
        XPS,
        start,
        start + timedelta(hours=1),
        user_class=UserClass.INTERNAL,
        hourly_rate_pence=3000,
        instrument_charge_pence=3000,
        technician_charge_pence=0,
    )


def test_a_late_cancel_names_its_fee_and_why(
    invoke: Invoke, database_url: str, database: Database, world: World
) -> None:
    set_policy(database, world, free_hours=24, late_percent=100)
    booking = priced_session(database, world, timedelta(hours=3))
    done = invoke("cancel", str(booking), "--db", database_url, env=as_user("alice"))
    assert done.exit_code == 0, done.output
    assert done.stdout == (
        f"booking {booking} cancelled; late cancellation fee £30.00 "
        "(100% of £30.00, within 24 h of the start)\n"
    )


def test_a_free_cancel_says_why_it_is_free(
    invoke: Invoke, database_url: str, database: Database, world: World
) -> None:
    set_policy(database, world, free_hours=24, late_percent=100)
    early = priced_session(database, world, timedelta(days=3))
    late = priced_session(database, world, timedelta(hours=3))
    args = ("--db", database_url)
    done = invoke("cancel", str(early), *args, env=as_user("alice"))
    assert done.stdout == (
        f"booking {early} cancelled; no charge (more than 24 h before the start)\n"
    )
    by_staff = invoke("cancel", str(late), "--reason", "service", *args, env=as_user("mgr"))
    assert by_staff.stdout == (
        f"booking {late} cancelled; no charge (facility staff and admins cancel free)\n"
    )


def test_a_series_cancel_names_each_occurrences_charge(
    invoke: Invoke, database_url: str, database: Database, world: World
) -> None:
    # The Raman is open around the clock: the first occurrence starts in about 3 hours.
    plant_rate(database, world, RAM, UserClass.INTERNAL, "20")
    set_policy(database, world, free_hours=24, late_percent=50)
    now = datetime.now(LONDON).replace(second=0, microsecond=0, tzinfo=None)
    start = now + timedelta(hours=3, minutes=30 - now.minute % 30)
    booked = invoke(
        "book", RAM, "--start", start.isoformat(timespec="minutes"),
        "--end", (start + timedelta(hours=1)).isoformat(timespec="minutes"),
        "--repeat", "weekly", "--count", "2", "--db", database_url, env=as_user("alice"),
    )  # fmt: skip
    assert booked.exit_code == 0, booked.output
    first, second = (int(n) for n in re.findall(r"booking (\d+) confirmed", booked.stdout))
    args = ("--scope", "all", "--db", database_url)
    done = invoke("cancel", str(first), *args, env=as_user("alice"))
    assert done.exit_code == 0, done.output
    assert done.stdout == (
        f"booking {first} cancelled; late cancellation fee £10.00 "
        "(50% of £20.00, within 24 h of the start)\n"
        f"booking {second} cancelled; no charge (more than 24 h before the start)\n"
    )


def test_a_move_names_the_old_and_new_price(
    invoke: Invoke, database_url: str, database: Database, world: World
) -> None:
    plant_rate(database, world, XPS, UserClass.INTERNAL, "20")
    day = datetime.now(LONDON).date() + timedelta(days=2)
    while day.weekday() != 1:  # a Tuesday, inside opening hours
        day += timedelta(days=1)
    booked = invoke(
        "book", XPS, "--start", f"{day}T10:00", "--end", f"{day}T11:00",
        "--db", database_url, env=as_user("alice"),
    )  # fmt: skip
    booking = int(booked.stdout.split()[1])
    moved = invoke(
        "move", str(booking), "--length", "2h", "--db", database_url, env=as_user("alice")
    )
    assert moved.exit_code == 0, moved.output
    assert moved.stdout.endswith("10:00-12:00 GMT (confirmed); price £20.00 -> £40.00\n") or (
        moved.stdout.endswith("10:00-12:00 BST (confirmed); price £20.00 -> £40.00\n")
    ), moved.stdout
    assert moved.stdout.startswith(f"booking {booking} is now {_day_words(day)} ")


def _day_words(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def test_a_check_out_on_booked_time_says_the_booked_price_stands(
    invoke: Invoke, database_url: str, database: Database, world: World
) -> None:
    set_policy(database, world, basis=ChargeBasis.BOOKED)
    booking = priced_session(database, world, -timedelta(minutes=10))
    args = (str(booking), "--db", database_url)
    assert invoke("checkin", *args, env=as_user("alice")).exit_code == 0
    out = invoke("checkout", *args, env=as_user("alice"))
    assert out.exit_code == 0, out.output
    assert out.stdout.endswith(
        "; confirmed, charge £30.00 as booked (the facility bills booked time)\n"
    ), out.stdout
