"""The week calendar's cells: wall-clock rows of each local day, and what each one shows.

Pure, so the grid's tricky parts (days the clocks skip or repeat an hour, entries that
cross midnight, the colour that wins when a cell holds two things) are tested without a UI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from equipshare.domain.enums import CalendarEntryKind
from equipshare.domain.records.instruments.schedule import CalendarEntry, WeekView


class CellState(StrEnum):
    """What a cell shows, in the order the legend lists them."""

    FREE = "free"
    MINE = "mine"
    CONFIRMED = "confirmed"
    PENDING = "pending"
    DOWNTIME = "downtime"
    HELD = "held"  # held for the viewer off the waitlist: theirs to book until it ends
    CLOSED = "closed"
    PAST = "past"
    SKIPPED = "skipped"  # a wall-clock time the clocks jump over


# When a cell holds two things, the more important one is shown.
PRIORITY = (
    CalendarEntryKind.DOWNTIME,
    CalendarEntryKind.MINE,
    CalendarEntryKind.HELD,
    CalendarEntryKind.CONFIRMED,
    CalendarEntryKind.PENDING,
)


@dataclass(frozen=True)
class Cell:
    """One row of one day: a wall-clock range, its UTC span and what it shows."""

    day: date
    minute: int  # wall-clock minutes after local midnight
    starts_at: datetime
    ends_at: datetime
    state: CellState
    entry: CalendarEntry | None = None
    #: The entry's label, on the first cell of it in each day only.
    label: str = ""
    #: Within opening hours, whatever else the cell shows.
    is_open: bool = False


def row_minutes(slot_minutes: int) -> int:
    """Half-hour rows for fine-grained instruments, hourly rows otherwise."""
    return 30 if slot_minutes < 60 else 60


def wall_clock(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The first instant the wall clock reads `minute` on `day` (fold=0), in UTC."""
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone).astimezone(UTC)


def exists(day: date, minute: int, zone: ZoneInfo) -> bool:
    """Whether the wall clock ever reads this time (not inside a spring-forward gap)."""
    naive = datetime.combine(day, time(minute // 60, minute % 60))
    aware = naive.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive


def _entry_at(entries: tuple[CalendarEntry, ...], a: datetime, b: datetime) -> CalendarEntry | None:
    found = [e for e in entries if e.starts_at < b and e.ends_at > a]
    if not found:
        return None
    return min(found, key=lambda e: (PRIORITY.index(e.kind), e.starts_at))


def _is_open(view: WeekView, a: datetime, b: datetime) -> bool:
    return any(x < b and y > a for x, y in view.open_intervals)


def day_cells(view: WeekView, day: date, minutes: int) -> list[Cell]:
    """The cells of one local day, from midnight to midnight."""
    zone = ZoneInfo(view.instrument.timezone)
    cells: list[Cell] = []
    previous: CalendarEntry | None = None
    for minute in range(0, 24 * 60, minutes):
        a = wall_clock(day, minute, zone)
        b = (
            wall_clock(day + timedelta(days=1), 0, zone)
            if minute + minutes >= 24 * 60
            else wall_clock(day, minute + minutes, zone)
        )
        if not exists(day, minute, zone) or b <= a:
            cells.append(Cell(day, minute, a, a, CellState.SKIPPED))
            continue
        is_open = _is_open(view, a, b)
        entry = _entry_at(view.entries, a, b)
        if entry is not None:
            state = CellState(entry.kind.value)
            label = entry.label if entry is not previous else ""
            cells.append(Cell(day, minute, a, b, state, entry, label, is_open))
            previous = entry
            continue
        previous = None
        if b <= view.now:
            state = CellState.PAST
        elif not is_open:
            state = CellState.CLOSED
        else:
            state = CellState.FREE
        cells.append(Cell(day, minute, a, b, state, is_open=is_open))
    return cells


def _wrapped(text: str, width: int) -> list[str] | None:
    """`text` wrapped at spaces into lines of at most `width`; None if a word is wider."""
    lines: list[str] = []
    for word in text.split():
        if len(word) > width:
            return None
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def fit_label(label: str, width: int, rows: int) -> list[str]:
    """An entry's label in at most `rows` lines of `width` (its cells in one day), no word cut.

    Words wrap onto the entry's later rows. A label that still does not fit gives way to
    its part in brackets ("Booked (ASTON)" to "ASTON": the colour already says booked). A
    word wider than the cell is hyphenated across the rows there are, and only on a single
    row ends in "…" (the status line names the entry in full).
    """
    if width < 1 or rows < 1 or not label:
        return []
    forms = [label]
    inner = re.fullmatch(r".*\((.+)\)", label)
    if inner:
        forms.append(inner.group(1))
    for form in forms:
        lines = _wrapped(form, width)
        if lines is not None and len(lines) <= rows:
            return lines
    rest, lines = " ".join(forms[-1].split()), []
    # Even pieces read better than a full line and a stub ("mainte-", "nance").
    pieces = min(rows, -(-len(rest) // max(1, width - 1)))
    step = min(width - 1, -(-len(rest) // pieces))
    while len(rest) > width and len(lines) < rows - 1 and step > 0:
        lines.append(f"{rest[:step]}-")
        rest = rest[step:].lstrip()
    lines.append(rest if len(rest) <= width else f"{rest[: width - 1]}…")
    return lines


def week_cells(view: WeekView) -> list[list[Cell]]:
    """Seven columns of cells, Monday first, each from local midnight."""
    minutes = row_minutes(view.instrument.policy.slot_minutes)
    return [day_cells(view, view.week_start + timedelta(days=n), minutes) for n in range(7)]


def clock_change(view: WeekView) -> str:
    """'Clocks go forward on Sun 29 Mar (GMT to BST)' when the week holds a change, else ''."""
    zone = ZoneInfo(view.instrument.timezone)
    for n in range(7):
        day = view.week_start + timedelta(days=n)
        before = datetime.combine(day, time(), tzinfo=zone)
        after = datetime.combine(day, time(23, 59), tzinfo=zone)
        if before.utcoffset() != after.utcoffset():
            offset_before, offset_after = before.utcoffset(), after.utcoffset()
            assert offset_before is not None and offset_after is not None
            way = "forward" if offset_after > offset_before else "back"
            return (
                f"Clocks go {way} on {day:%a} {day.day} {day:%b} "
                f"({before.tzname()} to {after.tzname()})"
            )
    return ""
