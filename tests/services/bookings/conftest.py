"""The booking service over the small known world, for the booking tests."""

from __future__ import annotations

import pytest

from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World


@pytest.fixture
def svc(context: ServiceContext, world: World) -> BookingService:
    return BookingService(context)
