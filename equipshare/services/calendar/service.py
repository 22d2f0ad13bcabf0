"""The calendar feature's public face: .ics export, feed tokens and calendar import.

Front ends import from here only; the modules beside it are the package's own.
"""

from __future__ import annotations

from equipshare.services.calendar.export import CalendarExportService
from equipshare.services.calendar.feeds import PREFIX_LENGTH, FeedsService
from equipshare.services.calendar.importing import CalendarImportService

__all__ = ["PREFIX_LENGTH", "CalendarExportService", "CalendarImportService", "FeedsService"]
