"""The consortium feature's public face: first run, institutions, facilities and their staff.

Front ends import from here only; the modules beside it are the package's own.
"""

from __future__ import annotations

from equipshare.services.consortium.facilities import FacilityService
from equipshare.services.consortium.first_run import FirstRunService
from equipshare.services.consortium.institutions import InstitutionService
from equipshare.services.consortium.staff import StaffService

__all__ = ["FacilityService", "FirstRunService", "InstitutionService", "StaffService"]
