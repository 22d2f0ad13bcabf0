"""The history feature's public face: reading the audit trail.

Front ends import from here only; the modules beside it are the package's own.
"""

from __future__ import annotations

from equipshare.services.history.trail import HistoryService

__all__ = ["HistoryService"]
