"""The known world with March 2026's completed work (tests/support/acknowledgement_rows.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from equipshare.services.acknowledgements.service import AcknowledgementService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.acknowledgement_rows import HIDDEN_NAME, HIDDEN_ORCID, plant_march_work
from tests.support.world import World

__all__ = ["HIDDEN_NAME", "HIDDEN_ORCID", "March"]


@dataclass(frozen=True)
class March:
    context: ServiceContext
    world: World
    service: AcknowledgementService
    alice_bookings: tuple[int, ...]
    bob_booking: int


@pytest.fixture
def march(context: ServiceContext, world: World) -> March:
    alice, bob = plant_march_work(context, world)
    return March(context, world, AcknowledgementService(context), alice, bob)
