"""Windows time-zone names (as Outlook and Exchange write TZIDs) to IANA zone names.

The table is CLDR's windowsZones.xml "001" (territory-neutral) mapping, which icalendar
ships generated from CLDR; we read it from there instead of keeping a second copy that
would drift. Lookups forgive case, surrounding quotes and runs of spaces, because
exports differ in all three.
"""

from __future__ import annotations

from functools import cache

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON


def _normalised(name: str) -> str:
    return " ".join(name.strip().strip('"').split()).casefold()


@cache
def _table() -> dict[str, str]:
    return {_normalised(windows): iana for windows, iana in WINDOWS_TO_OLSON.items()}


def iana_for_windows(name: str) -> str | None:
    """The IANA zone for a Windows zone name ("GMT Standard Time" -> "Europe/London")."""
    return _table().get(_normalised(name))
