"""The availability feature's public face: the earliest free slots, for front ends.

Front ends import from here only; the modules beside it are the package's own.
"""

from __future__ import annotations

from equipshare.services.availability.search import AvailabilityService

__all__ = ["AvailabilityService"]
