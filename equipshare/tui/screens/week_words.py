"""What the week screen says: its legend, the status line for the cursor's cells, which
cells Enter may book and `j` queues for, and a waitlist place in words."""

from __future__ import annotations

from datetime import datetime

from equipshare.domain.display.wording import duration
from equipshare.domain.enums import CalendarEntryKind
from equipshare.domain.records.scheduling.waitlist import WaitlistEntryRecord
from equipshare.domain.time.timewords import local_range
from equipshare.tui.week_layout import Cell, CellState

# 76 columns: whole at 80 (two-wide swatches, so "closed" is not cut off).
LEGEND = (
    "[on $surface-lighten-1]  [/] free  [on $success]  [/] mine  "
    "[on $primary]  [/] confirmed  [on $warning]  [/] pending  "
    "[on $error]  [/] downtime  [on $accent]  [/] held  [$text-disabled]···[/] closed"
)
# What Enter may book: free time, and a range held off the waitlist for the viewer.
BOOKABLE = frozenset({CellState.FREE, CellState.HELD})
TAKEN = (CalendarEntryKind.CONFIRMED, CalendarEntryKind.PENDING, CalendarEntryKind.DOWNTIME)

STATE_WORDS = {
    CellState.FREE: "free: Enter books it (shift+arrows or drag for longer)",
    CellState.CLOSED: "closed",
    CellState.PAST: "in the past",
    CellState.SKIPPED: "does not exist: the clocks skip this time",
}


def describe(cells: tuple[Cell, ...], timezone: str) -> str:
    """The status line for the cursor's cell or the selection."""
    if not cells:
        return ""
    first, last = cells[0], cells[-1]
    if first.state is CellState.SKIPPED and len(cells) == 1:
        return STATE_WORDS[CellState.SKIPPED]
    when = local_range(first.starts_at, last.ends_at, timezone)
    entry = first.entry
    if len(cells) == 1 and entry is not None:
        return f"{local_range(entry.starts_at, entry.ends_at, timezone)} · {entry.detail}"
    states = {cell.state for cell in cells}
    if states == {CellState.FREE}:
        return f"{when} · {STATE_WORDS[CellState.FREE]}"
    return f"{when} · " + ", ".join(sorted(state.value for state in states))


def waitlist_range(cells: tuple[Cell, ...]) -> tuple[datetime, datetime] | None:
    """The range `j` queues for: the taken entry under a lone cursor, whole, or the selection."""
    if not cells:
        return None
    entry = cells[0].entry
    if len(cells) == 1 and entry is not None and entry.kind in TAKEN:
        return entry.starts_at, entry.ends_at
    return cells[0].starts_at, cells[-1].ends_at


def standing_words(entry: WaitlistEntryRecord, hold_minutes: int) -> str:
    """'You are 2nd in line for WAR-XPS-01 Tue 17 Mar 2026 10:00-12:00 GMT: ...', with how
    long a freed range is held (a hold ends sooner where the notice would forbid booking)."""
    n = entry.position
    place = f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"
    when = local_range(entry.starts_at, entry.ends_at, entry.timezone)
    return (
        f"You are {place} in line for {entry.instrument_code} {when}: when it frees up, "
        f"it is held for you for up to {duration(hold_minutes)} and you are told"
    )
