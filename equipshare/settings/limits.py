"""[limits]: how big an input file may be before an import refuses it, unread.

A cap protects the machine, not the data: `import instruments /dev/zero` once grew to 23 GB
until the kernel killed it. Each import reads at most its cap plus one byte, so a stream
(a FIFO, /dev/zero) stops there too, and the refusal names the cap and this table. Rows are
capped too: a row of two bytes costs a few hundred once read.

Its own module, beside `sections.py`, which imports it into `Settings`; the fields carry
the metadata `sections.doc` gives (doc, bounds, longest) without importing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MEGABYTE = 1024 * 1024


def _limit(text: str, default: int, bounds: tuple[int, int]) -> Any:
    return field(default=default, metadata={"doc": text, "bounds": bounds, "longest": 200})


@dataclass(frozen=True)
class LimitSettings:
    """How big an input file may be; a larger one is refused, naming its cap, before any work."""

    sheet_megabytes: int = _limit(
        "Largest spreadsheet (CSV) that import instruments, import users and training import "
        "read, in megabytes (10,000 uniquip rows are about 6 MB).",
        50,
        (1, 1024),
    )
    sheet_rows: int = _limit(
        "Most rows (blank ones included) such a spreadsheet may have.", 200_000, (1, 2_000_000)
    )
    calendar_megabytes: int = _limit(
        "Largest iCalendar file that import ics reads, in megabytes (real resource "
        "calendars are well under 1 MB).",
        20,
        (1, 1024),
    )

    @property
    def sheet_bytes(self) -> int:
        return self.sheet_megabytes * MEGABYTE

    @property
    def calendar_bytes(self) -> int:
        return self.calendar_megabytes * MEGABYTE
