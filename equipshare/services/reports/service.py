"""The reports feature's public face: the impact reports, for front ends.

Front ends import from here only; the modules beside it are the package's own.
"""

from __future__ import annotations

from equipshare.services.reports.impact import ReportService

__all__ = ["ReportService"]
