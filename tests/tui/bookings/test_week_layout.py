"""The week grid's cells: wall-clock rows on days the clocks change, and which entry wins."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from equipshare.domain.enums import AccessLevel, CalendarEntryKind, InstrumentStatus
from equipshare.domain.records.instruments.catalogue import (
    BookingPolicy,
    InstrumentRecord,
    OpeningInterval,
)
from equipshare.domain.records.instruments.schedule import CalendarEntry, WeekView
from equipshare.domain.rules.policy_rules import open_intervals
from equipshare.tui.week_layout import (
    CellState,
    clock_change,
    day_cells,
    fit_label,
    row_minutes,
    week_cells,
)
from tests.support.world import london

TZ = "Europe/London"


def instrument(slot_minutes: int = 60) -> InstrumentRecord:
    policy = BookingPolicy(
        slot_minutes=slot_minutes,
        min_minutes=60,
        max_minutes=480,
        min_notice_minutes=0,
        max_days_ahead=90,
        requires_approval=False,
        requires_training=False,
        requires_project_code=False,
        allow_overnight=False,
        weekly_quota_minutes=None,
        opening_hours=tuple(OpeningInterval(d, 9 * 60, 17 * 60) for d in range(7)),
    )
    return InstrumentRecord(
        1,
        "X-01",
        "X",
        "XPS",
        None,
        None,
        InstrumentStatus.AVAILABLE,
        AccessLevel.CONSORTIUM,
        None,
        None,
        1,
        "Facility",
        1,
        "WAR",
        "Warwick",
        TZ,
        None,
        policy,
    )


def view(monday: date, now: datetime, *entries: CalendarEntry, slot: int = 60) -> WeekView:
    record = instrument(slot)
    start, end = (
        london(monday.year, monday.month, monday.day, 0),
        london(*(monday + timedelta(days=7)).timetuple()[:3], 0),
    )
    opened = open_intervals(record.policy, TZ, start, end)
    return WeekView(record, monday, start, end, now, tuple(opened), entries, True, "", ())


def entry(kind: CalendarEntryKind, start: datetime, end: datetime, label: str) -> CalendarEntry:
    return CalendarEntry(kind, start, end, label, label)


def test_spring_forward_day_skips_the_missing_hour() -> None:
    week = view(date(2026, 3, 23), london(2026, 3, 1, 0))
    sunday = day_cells(week, date(2026, 3, 29), 60)
    assert [c.state for c in sunday[:3]] == [CellState.CLOSED, CellState.SKIPPED, CellState.CLOSED]
    assert sunday[0].ends_at == datetime(2026, 3, 29, 1, tzinfo=UTC)
    assert sunday[2].starts_at == datetime(2026, 3, 29, 1, tzinfo=UTC)  # 02:00 BST
    assert sunday[9].starts_at == datetime(2026, 3, 29, 8, tzinfo=UTC)  # 09:00 BST
    assert sunday[9].state is CellState.FREE
    assert clock_change(week) == "Clocks go forward on Sun 29 Mar (GMT to BST)"


def test_fall_back_day_shows_the_repeated_hour_once_covering_both() -> None:
    week = view(date(2026, 10, 19), london(2026, 10, 1, 0))
    sunday = day_cells(week, date(2026, 10, 25), 60)
    one = sunday[1]  # 01:00, which the clocks pass twice
    assert (one.starts_at, one.ends_at) == (
        datetime(2026, 10, 25, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 2, tzinfo=UTC),
    )
    assert sunday[9].starts_at == datetime(2026, 10, 25, 9, tzinfo=UTC)  # 09:00 GMT
    assert len(sunday) == 24
    assert clock_change(week) == "Clocks go back on Sun 25 Oct (BST to GMT)"
    assert clock_change(view(date(2026, 3, 16), london(2026, 3, 1, 0))) == ""


def test_past_closed_free_and_the_entry_that_wins() -> None:
    now = london(2026, 3, 17, 10, 30)
    mine = entry(CalendarEntryKind.MINE, london(2026, 3, 17, 13), london(2026, 3, 17, 15), "You")
    down = entry(
        CalendarEntryKind.DOWNTIME, london(2026, 3, 17, 14), london(2026, 3, 17, 16), "service"
    )
    tuesday = week_cells(view(date(2026, 3, 16), now, mine, down))[1]
    states = {c.starts_at.hour: c.state for c in tuesday}
    assert states[8] is CellState.PAST  # before now, closed or not
    assert states[10] is CellState.FREE  # now is inside it: still bookable later in the hour
    assert states[13] is CellState.MINE
    assert states[14] is states[15] is CellState.DOWNTIME  # downtime outranks a booking
    assert states[17] is CellState.CLOSED
    labels = [c.label for c in tuesday if c.label]
    assert labels == ["You", "service"]  # a label on the first cell of each entry only


def test_an_overnight_entry_is_labelled_again_on_the_next_day() -> None:
    late = entry(
        CalendarEntryKind.CONFIRMED, london(2026, 3, 17, 22), london(2026, 3, 18, 2), "jsmith"
    )
    days = week_cells(view(date(2026, 3, 16), london(2026, 3, 1, 0), late))
    assert [c.state for c in days[1][22:]] == [CellState.CONFIRMED] * 2
    assert [c.state for c in days[2][:2]] == [CellState.CONFIRMED] * 2
    assert days[1][22].label == days[2][0].label == "jsmith"
    assert days[2][1].label == ""


def test_half_hour_rows_for_fine_grained_instruments() -> None:
    assert row_minutes(15) == row_minutes(30) == 30
    assert row_minutes(60) == row_minutes(120) == 60
    cells = week_cells(view(date(2026, 3, 16), london(2026, 3, 1, 0), slot=30))
    assert len(cells) == 7 and len(cells[0]) == 48
    assert cells[0][19].starts_at == london(2026, 3, 16, 9, 30)


def test_a_label_wraps_over_its_rows_and_never_cuts_a_word_unmarked() -> None:
    # At 80 columns a day's cells hold 9 characters (issue 20: "Booked (ASTO" was cut).
    assert fit_label("Booked (ASTON)", 9, 2) == ["Booked", "(ASTON)"]
    assert fit_label("Booked (ASTON)", 9, 1) == ["ASTON"]  # the colour says booked
    assert fit_label("Booked (ASTON)", 20, 1) == ["Booked (ASTON)"]
    assert fit_label("engineer visit", 9, 2) == ["engineer", "visit"]
    assert fit_label("maintenance", 9, 2) == ["mainte-", "nance"]
    assert fit_label("maintenance", 9, 1) == ["maintena…"]
    assert fit_label("You", 9, 3) == ["You"]
    assert fit_label("", 9, 3) == []
