"""Reading times, dates and lengths typed on the command line, in the facility's zone.

The parsing itself lives in equipshare.domain.time.timeparse, so the TUI reads input the same way
without importing the command line.
"""

from __future__ import annotations

from equipshare.domain.time.timeparse import parse_date, parse_from, parse_instant, parse_length

__all__ = ["parse_date", "parse_from", "parse_instant", "parse_length"]
