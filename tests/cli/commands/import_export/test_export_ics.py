"""`equipshare export ics` through the real CLI, on both engines, with the clock frozen."""

from __future__ import annotations

from pathlib import Path

import icalendar
import pytest

from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.plumbing.context import ServiceContext
from tests.cli.conftest import Invoke
from tests.support.world import World, london

XPS = "WAR-XPS-01"


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch, clock: FrozenClock, world: World) -> None:
    """Commands build their context with SystemClock(); hand them the test's frozen clock."""
    monkeypatch.setattr("equipshare.services.plumbing.context.SystemClock", lambda: clock)
    monkeypatch.delenv("EQUIPSHARE_USER", raising=False)


def user(name: str) -> dict[str, str]:
    return {"EQUIPSHARE_USER": name}


@pytest.fixture
def booked(context: ServiceContext) -> None:
    bookings = BookingService(context)
    for day in (17, 31):  # one in GMT, one in BST
        request = BookingRequest(
            XPS, london(2026, 3, day, 10), london(2026, 3, day, 12), purpose="Secret sample"
        )
        bookings.book("alice", request)


def test_instrument_calendar_to_a_file(
    invoke: Invoke, database_url: str, tmp_path: Path, booked: None
) -> None:
    target = tmp_path / "xps.ics"
    result = invoke(
        "export", "ics", "--instrument", XPS, "-o", str(target), "--db", database_url,
        env=user("bob"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    data = target.read_bytes()
    assert data.startswith(b"BEGIN:VCALENDAR\r\n")
    assert b"Secret sample" not in data and b"Alice" not in data
    events = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert sorted(e.decoded("DTSTART") for e in events) == [
        london(2026, 3, 17, 10),
        london(2026, 3, 31, 10),
    ]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".xps")] == []


def test_own_calendar_to_stdout_within_dates(
    invoke: Invoke, database_url: str, booked: None
) -> None:
    result = invoke(
        "export", "ics", "--user", "alice", "--from", "2026-03-30", "--to", "2026-03-31",
        "--db", database_url, env=user("alice"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    events = icalendar.Calendar.from_ical(result.stdout_bytes).walk("VEVENT")
    assert [e.decoded("DTSTART") for e in events] == [london(2026, 3, 31, 10)]
    assert "Secret sample" in str(events[0]["DESCRIPTION"])


def test_refusals_and_bad_input_are_one_line_with_their_exit_code(
    invoke: Invoke, database_url: str, tmp_path: Path
) -> None:
    refused = invoke("export", "ics", "--user", "alice", "--db", database_url, env=user("bob"))
    assert refused.exit_code == 1
    assert refused.stderr.startswith("refused: bob may not export alice's calendar")
    assert refused.stderr.count("\n") == 1

    unknown = invoke("export", "ics", "--instrument", "NOPE", "--db", database_url, env=user("bob"))
    assert unknown.exit_code == 1 and "NOPE" in unknown.stderr

    both = invoke(
        "export", "ics", "--instrument", XPS, "--user", "bob", "--db", database_url,
        env=user("bob"),
    )  # fmt: skip
    assert both.exit_code == 2 and "exactly one" in both.stderr

    bad_date = invoke(
        "export", "ics", "--instrument", XPS, "--from", "31/03/2026", "--db", database_url,
        env=user("bob"),
    )  # fmt: skip
    assert bad_date.exit_code == 2 and "--from" in bad_date.stderr

    missing_dir = tmp_path / "nowhere" / "x.ics"
    unwritable = invoke(
        "export", "ics", "--instrument", XPS, "-o", str(missing_dir), "--db", database_url,
        env=user("bob"),
    )  # fmt: skip
    assert unwritable.exit_code == 2 and unwritable.stderr.startswith("error: -o:")
    assert not missing_dir.parent.exists()
