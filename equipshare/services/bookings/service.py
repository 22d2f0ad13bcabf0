"""The bookings feature's public face: every booking service a front end calls.

Front ends import from here only; the modules beside it are the package's own.
"""

from __future__ import annotations

from equipshare.services.bookings.approvals import ApprovalsService
from equipshare.services.bookings.checkin import CheckInService
from equipshare.services.bookings.decisions import DecisionService
from equipshare.services.bookings.facility_bookings import FacilityBookingsService
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.my_bookings import MyBookingsService
from equipshare.services.bookings.past import PastBookingService
from equipshare.services.bookings.quotes import ChargeQuoteService
from equipshare.services.bookings.series import SeriesService
from equipshare.services.bookings.waitlist import WaitlistService
from equipshare.services.bookings.week import WeekService

__all__ = [
    "ApprovalsService",
    "BookingService",
    "ChargeQuoteService",
    "CheckInService",
    "DecisionService",
    "FacilityBookingsService",
    "MyBookingsService",
    "PastBookingService",
    "SeriesService",
    "WaitlistService",
    "WeekService",
]
