"""The charging feature's public face: rate cards, facility policies, statements and
corrections to a booking's charge (waived, repriced).

Front ends import from here only; the modules beside it are the package's own.
"""

from __future__ import annotations

from equipshare.services.charging.corrections import ChargeCorrectionService
from equipshare.services.charging.rates import FacilityPolicyService, RateService
from equipshare.services.charging.statements import StatementService

__all__ = [
    "ChargeCorrectionService",
    "FacilityPolicyService",
    "RateService",
    "StatementService",
]
