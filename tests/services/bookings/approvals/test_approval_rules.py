"""Approval confirms only what rules 2 and 3 still allow, on both engines.

Access and training yield to no override, and either may change while a request waits:
an approval past them would confirm a booking `equipshare check` reports.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from equipshare.db.engine import Database
from equipshare.db.models.catalogue import Instrument
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import AccessLevel, BookingStatus
from equipshare.domain.errors import RefusedError
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.admin.integrity import IntegrityService
from equipshare.services.bookings.decisions import DecisionService
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"


def bobs_request(context: ServiceContext) -> int:
    """bob (Aston) asks for Warwick's XPS: cross-institution, so it waits for approval."""
    made = BookingService(context).book(
        "bob", BookingRequest(XPS, london(2026, 3, 23, 10), london(2026, 3, 23, 12))
    )
    assert made.status is BookingStatus.PENDING
    return made.id


def test_an_approval_is_refused_once_the_owner_s_training_is_revoked(
    context: ServiceContext, world: World, database: Database
) -> None:
    booking = bobs_request(context)
    with database.sessions.begin() as s:
        s.execute(
            update(TrainingRecord)
            .where(TrainingRecord.user_id == world.users["bob"])
            .values(revoked_at=datetime(2026, 3, 16, 8, tzinfo=UTC))
        )
    with pytest.raises(RefusedError, match="bob has no current training on WAR-XPS-01"):
        BookingService(context).approve("mgr", booking)
    assert BookingService(context).get("mgr", booking).status is BookingStatus.PENDING
    assert IntegrityService(context).check().clean
    BookingService(context).reject("mgr", booking, "training revoked")  # rejecting still works


def test_an_approval_is_refused_once_the_access_level_shuts_the_owner_out(
    context: ServiceContext, world: World, database: Database
) -> None:
    booking = bobs_request(context)
    with database.sessions.begin() as s:
        s.execute(
            update(Instrument)
            .where(Instrument.code == XPS)
            .values(access_level=AccessLevel.INSTITUTION)
        )
    with pytest.raises(RefusedError, match="University of Warwick users only; bob is from Aston"):
        BookingService(context).approve("mgr", booking)
    assert BookingService(context).get("mgr", booking).status is BookingStatus.PENDING


def test_an_approval_of_a_request_that_still_keeps_the_rules_confirms_it(
    context: ServiceContext, world: World
) -> None:
    booking = bobs_request(context)
    assert BookingService(context).approve("mgr", booking).status is BookingStatus.CONFIRMED
    assert IntegrityService(context).check().clean


def test_a_request_whose_time_has_passed_cannot_be_approved_but_can_be_rejected(
    context: ServiceContext, world: World, clock: FrozenClock
) -> None:
    """Confirming a session that is over would bill an hour nobody was given; while it runs
    (the requester may be at the instrument) it can still be approved."""
    booking = bobs_request(context)  # 10:00-12:00 Mon 23 Mar 2026
    clock.instant = london(2026, 3, 23, 11)
    running = bobs_request_at(context, london(2026, 3, 23, 13))
    clock.instant = london(2026, 3, 23, 12)  # the first has just ended
    with pytest.raises(
        RefusedError, match=r"\(10:00-12:00 Mon 23 Mar 2026 GMT\) is over: a request cannot"
    ):
        BookingService(context).approve("mgr", booking)
    assert BookingService(context).get("mgr", booking).status is BookingStatus.PENDING
    bulk = DecisionService(context).approve_many("mgr", [booking])
    assert not bulk.approved and "is over" in bulk.refused[0].reason
    clock.instant = london(2026, 3, 23, 13, 30)  # the second has begun, and not ended
    assert BookingService(context).approve("mgr", running).status is BookingStatus.CONFIRMED
    rejected = BookingService(context).reject("mgr", booking, "too late to confirm")
    assert rejected.status is BookingStatus.REJECTED


def bobs_request_at(context: ServiceContext, start: datetime) -> int:
    made = BookingService(context).book(
        "bob", BookingRequest(XPS, start, start + timedelta(hours=1))
    )
    assert made.status is BookingStatus.PENDING
    return made.id
