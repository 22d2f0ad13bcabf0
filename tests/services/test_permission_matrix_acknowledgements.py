"""The permission matrix for acknowledgements: a researcher's, a project code's, and a
facility's wording of them.

The work of tests/support/acknowledgement_rows.py (alice on Warwick's XPS and Aston's SEM,
bob on the XPS, all under P1), then every person of the test world, with a deactivated
admin and a deactivated manager of Warwick's facility, asks on SQLite and PostgreSQL.
Each cell says what they may see; reading writes nothing, a wording change its audit event.
"""

from __future__ import annotations

import pytest

from equipshare.domain.records.impact.acknowledgements import Acknowledgement
from equipshare.services.acknowledgements.service import AcknowledgementService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.acknowledgement_rows import plant_march_work
from tests.support.permission_matrix import (
    ASTON_MANAGERS,
    WARWICK_MANAGERS,
    add_retired_staff,
    each_person,
    numbered,
)
from tests.support.world import World


@pytest.fixture
def everyone(context: ServiceContext, world: World) -> World:
    plant_march_work(context, world)
    add_retired_staff(context.database, world)
    return world


def facilities(ack: Acknowledgement) -> str:
    return ",".join(f.code for f in ack.facilities)


def test_a_researchers_acknowledgement(context: ServiceContext, everyone: World) -> None:
    service = AcknowledgementService(context)
    observed = each_person(
        context, numbered, lambda who, _: service.for_user(who, "alice"), shown=facilities
    )
    assert observed == {
        "alice": "ok: WAR-PRP,AST-EM",  # her own, all of it
        "erin": "denied", "bob": "denied",  # a colleague, a collaborator
        "carol": "denied", "dave": "denied",
        "tech": "ok: WAR-PRP", "tech2": "ok: WAR-PRP", "mgr": "ok: WAR-PRP",  # theirs only
        "otherstaff": "ok: AST-EM",
        "root": "ok: WAR-PRP,AST-EM",
        "gone": "denied", "exroot": "denied", "exmgr": "denied",
    }  # fmt: skip


def test_a_project_codes_acknowledgement(context: ServiceContext, everyone: World) -> None:
    service = AcknowledgementService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, _: service.for_project(who, "P1"),
        shown=lambda ack: f"{ack.minutes} min",
    )
    assert observed == {
        "alice": "ok: 420 min", "bob": "ok: 180 min",  # each their own bookings under it
        # no booking of theirs under it: the same words as for a code nobody uses
        "erin": "refused", "carol": "refused", "dave": "refused",
        "tech": "ok: 540 min", "tech2": "ok: 540 min", "mgr": "ok: 540 min",  # Warwick's
        "otherstaff": "ok: 60 min",  # Aston's
        "root": "ok: 600 min",
        "gone": "denied", "exroot": "denied", "exmgr": "denied",
    }  # fmt: skip


@pytest.mark.parametrize(("facility", "expected"), [("WAR-PRP", WARWICK_MANAGERS),
                                                    ("AST-EM", ASTON_MANAGERS)])  # fmt: skip
def test_setting_a_facilitys_wording(
    context: ServiceContext, everyone: World, facility: str, expected: dict[str, str]
) -> None:
    service = AcknowledgementService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, n: service.set_wording(who, facility, f"Wording {n}: $facility.$thanks"),
        writes=["facility.acknowledgement"],
    )
    assert observed == expected
