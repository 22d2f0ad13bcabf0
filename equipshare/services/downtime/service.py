"""The downtime feature's public face, for front ends.

Front ends import from here only; the modules beside it are the package's own.
"""

from __future__ import annotations

from equipshare.services.downtime.scheduling import DowntimeService

__all__ = ["DowntimeService"]
