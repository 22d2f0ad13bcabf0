"""The permission matrix for instruments: creating, editing, opening hours, status, downtime.

Every person of the test world, with a deactivated admin and a deactivated manager of
Warwick's facility, tries each action through the real services on SQLite and
PostgreSQL, on Warwick's XPS and on Aston's SEM; the outcomes must equal the tables of
tests/support/permission_matrix.py. A refusal leaves every table as it was; a success
writes exactly its audit event.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from equipshare.domain.enums import DowntimeReason, InstrumentStatus
from equipshare.domain.records.instruments.catalogue import OpeningInterval
from equipshare.domain.records.instruments.instrument_changes import InstrumentChanges
from equipshare.services.catalogue.service import (
    InstrumentEditingService,
    InstrumentStatusService,
)
from equipshare.services.downtime.service import DowntimeService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.permission_matrix import (
    ASTON_MANAGERS,
    ASTON_STAFF,
    WARWICK_MANAGERS,
    WARWICK_STAFF,
    add_retired_staff,
    each_person,
    numbered,
)
from tests.support.world import World, london

XPS, SEM = "WAR-XPS-01", "AST-SEM-01"


@pytest.fixture
def everyone(context: ServiceContext, world: World) -> World:
    add_retired_staff(context.database, world)
    return world


# -- creating and editing ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("facility", "expected"), [("WAR-PRP", WARWICK_MANAGERS), ("AST-EM", ASTON_MANAGERS)]
)
def test_create_instrument(
    context: ServiceContext, everyone: World, facility: str, expected: dict[str, str]
) -> None:
    service = InstrumentEditingService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, n: service.create(
            who, facility, f"NEW-{n:02d}", InstrumentChanges(name=f"New {n}", category="XPS")
        ),
        writes=["instrument.create"],
    )
    assert observed == expected


@pytest.mark.parametrize(("code", "expected"), [(XPS, WARWICK_MANAGERS), (SEM, ASTON_MANAGERS)])
def test_edit_policy(
    context: ServiceContext, everyone: World, code: str, expected: dict[str, str]
) -> None:
    service = InstrumentEditingService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, n: service.edit(
            who, code, InstrumentChanges(max_days_ahead=100 + n, requires_approval=n % 2 == 0)
        ),
        writes=["instrument.edit"],
    )
    assert observed == expected


def test_edit_description(context: ServiceContext, everyone: World) -> None:
    service = InstrumentEditingService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, n: service.edit(who, XPS, InstrumentChanges(room=f"Room {n}")),
        writes=["instrument.edit"],
    )
    assert observed == WARWICK_MANAGERS


@pytest.mark.parametrize(("code", "expected"), [(XPS, WARWICK_MANAGERS), (SEM, ASTON_MANAGERS)])
def test_set_hours(
    context: ServiceContext, everyone: World, code: str, expected: dict[str, str]
) -> None:
    service = InstrumentEditingService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, n: service.set_hours(who, code, (OpeningInterval(0, 540, 600 + 60 * n),)),
        writes=["instrument.hours"],
    )
    assert observed == expected


def test_anyone_reads_an_instruments_profile(context: ServiceContext, everyone: World) -> None:
    service = InstrumentEditingService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, _: service.profile(who, XPS),
        shown=lambda profile: profile.opening_hours,
    )
    hours = "; ".join(f"{day} 09:00-17:00" for day in ("mon", "tue", "wed", "thu", "fri"))
    # The catalogue is public, to a deactivated account too (as catalogue search is).
    assert observed == {who: f"ok: {hours}" for who in WARWICK_STAFF}


# -- status ------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "expected"), [(XPS, WARWICK_STAFF), (SEM, ASTON_STAFF)])
def test_set_status(
    context: ServiceContext, everyone: World, code: str, expected: dict[str, str]
) -> None:
    service = InstrumentStatusService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, n: service.set_status(
            who, code, InstrumentStatus.LIMITED, f"one detector down ({n})"
        ),
        writes=["instrument.status"],
    )
    assert observed == expected


def test_take_out_of_service(context: ServiceContext, everyone: World) -> None:
    # Out of service and back, so each person starts from an instrument in service.
    service = InstrumentStatusService(context)

    def back_in_service(n: int) -> int:
        service.set_status("root", XPS, InstrumentStatus.AVAILABLE)
        return n

    observed = each_person(
        context,
        back_in_service,
        lambda who, n: service.set_status(
            who, XPS, InstrumentStatus.OUT_OF_SERVICE, f"X-ray source failed ({n})"
        ),
        writes=["instrument.status"],
    )
    assert observed == WARWICK_STAFF


# -- downtime ----------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "expected"), [(XPS, WARWICK_STAFF), (SEM, ASTON_STAFF)])
def test_schedule_downtime(
    context: ServiceContext, everyone: World, code: str, expected: dict[str, str]
) -> None:
    service = DowntimeService(context)

    def schedule(who: str, n: int) -> object:
        start = london(2026, 4, 1, 9) + timedelta(days=n)
        return service.schedule(
            who, code, start, start + timedelta(hours=2), DowntimeReason.MAINTENANCE
        )

    observed = each_person(context, numbered, schedule, writes=["downtime.create"])
    assert observed == expected


@pytest.mark.parametrize(("code", "expected"), [(XPS, WARWICK_STAFF), (SEM, ASTON_STAFF)])
def test_cancel_downtime(
    context: ServiceContext, everyone: World, code: str, expected: dict[str, str]
) -> None:
    service = DowntimeService(context)

    def scheduled_by_root(n: int) -> int:
        start = london(2026, 4, 1, 9) + timedelta(days=n)
        downtime, _ = service.schedule(
            "root", code, start, start + timedelta(hours=2), DowntimeReason.CALIBRATION
        )
        return downtime.id

    observed = each_person(
        context,
        scheduled_by_root,
        lambda who, downtime_id: service.cancel(who, downtime_id),
        writes=["downtime.delete"],
    )
    assert observed == expected


@pytest.mark.parametrize(("code", "expected"), [(XPS, WARWICK_STAFF), (SEM, ASTON_STAFF)])
def test_preview_downtime(
    context: ServiceContext, everyone: World, code: str, expected: dict[str, str]
) -> None:
    service = DowntimeService(context)
    start = london(2026, 4, 1, 9)
    observed = each_person(
        context,
        numbered,
        lambda who, _: service.preview(who, code, start, start + timedelta(hours=2)),
    )
    assert observed == expected
