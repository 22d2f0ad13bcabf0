"""Readers of untrusted calendar bytes, as the bounded worker (tests/ical/bounded.py) runs them."""

from __future__ import annotations

from datetime import UTC, datetime

from equipshare.ical.importer import parse_calendar

#: The parse's "now": fixed, so a rule's window is the same on every run.
NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)


def parse_ics(data: bytes) -> str:
    """Parse as `equipshare import ics` does; a summary of what was found."""
    parsed = parse_calendar(data, now=NOW, default_timezone="Europe/London", source="fuzz.ics")
    return f"{len(parsed.events)} events, {len(parsed.skipped)} skipped"
