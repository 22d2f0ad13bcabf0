"""[limits]: how big an input file may be before an import refuses it, unread.

A cap protects the machine, not the data: `import instruments /dev/zero` once grew to 23 GB
until the kernel killed it. Each import reads at most its cap plus one byte, so a stream
(a FIFO, /dev/zero) stops there too, and the refusal names the cap and this table.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

MEGABYTE = 1024 * 1024
#: The range every limit must lie in: a cap of 0 would refuse everything, and one past
#: a gigabyte no longer protects a small server.
MEGABYTES_RANGE = (1, 1024)


@dataclass(frozen=True)
class LimitSettings:
    """How big an input file may be; a larger one is refused, naming its cap, before any work."""

    sheet_megabytes: int = field(
        default=50,
        metadata={
            "doc": "Largest spreadsheet (CSV) that import instruments, import users and "
            "training import read, in megabytes, 1 to 1024 (10,000 uniquip rows are about 6 MB)."
        },
    )
    calendar_megabytes: int = field(
        default=20,
        metadata={
            "doc": "Largest iCalendar file that import ics reads, in megabytes, 1 to 1024 "
            "(real resource calendars are well under 1 MB)."
        },
    )

    @property
    def sheet_bytes(self) -> int:
        return self.sheet_megabytes * MEGABYTE

    @property
    def calendar_bytes(self) -> int:
        return self.calendar_megabytes * MEGABYTE


def check_limits(limits: LimitSettings) -> None:
    """Refuse a limit outside MEGABYTES_RANGE, naming the key."""
    low, high = MEGABYTES_RANGE
    for each in fields(limits):
        value = getattr(limits, each.name)
        if not low <= value <= high:
            raise ValueError(f"[limits] {each.name}: must be {low} to {high} (MB), got {value}")
