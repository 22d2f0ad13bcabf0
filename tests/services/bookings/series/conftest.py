"""The series tests' services."""

from __future__ import annotations

import pytest

from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.series import SeriesService
from equipshare.services.plumbing.context import ServiceContext


@pytest.fixture
def series(context: ServiceContext) -> SeriesService:
    return SeriesService(context)


@pytest.fixture
def bookings(context: ServiceContext) -> BookingService:
    return BookingService(context)
