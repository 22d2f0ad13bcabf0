"""TrainingService.renewal_default on both engines: the day a renewal offers, to staff only.

The clock is Mon 16 Mar 2026 09:00 UTC; the world's XPS training was given on 1 Jan 2025,
valid through Fri 31 Dec 2027 (three years).
"""

from __future__ import annotations

from datetime import date

import pytest

from equipshare.domain.errors import NotFound, PermissionDenied
from equipshare.services.people.training import TrainingService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World

XPS = "WAR-XPS-01"


def test_the_offer_is_the_records_own_period_from_today(
    context: ServiceContext, world: World
) -> None:
    training = TrainingService(context)
    alice = next(r for r in training.for_facility("tech") if r.username == "alice")
    assert training.renewal_default("tech", alice.id) == date(2029, 3, 15)
    no_expiry = training.record("tech", "erin", XPS, "independent", None)
    assert training.renewal_default("tech2", no_expiry.id) == date(2027, 3, 15)


def test_only_the_facilitys_staff_are_offered_a_day(context: ServiceContext, world: World) -> None:
    training = TrainingService(context)
    alice = next(r for r in training.for_facility("tech") if r.username == "alice")
    for actor in ("alice", "otherstaff"):
        with pytest.raises(PermissionDenied):
            training.renewal_default(actor, alice.id)
    with pytest.raises(NotFound, match="no training record 9999"):
        training.renewal_default("tech", 9999)
