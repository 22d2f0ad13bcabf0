"""What the front ends offer each person: admin, staff and manager standing, on both engines."""

from __future__ import annotations

import pytest

from equipshare.domain.errors import NotFound
from equipshare.domain.records.users.accounts import Standing
from equipshare.services.identity.service import IdentityService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("root", Standing(admin=True, staff=False, manager=False)),
        ("mgr", Standing(admin=False, staff=True, manager=True)),
        ("tech", Standing(admin=False, staff=True, manager=False)),
        ("alice", Standing(admin=False, staff=False, manager=False)),
        ("gone", Standing(admin=False, staff=False, manager=False)),
    ],
)
def test_standing_follows_role_staff_rows_and_activity(
    context: ServiceContext, world: World, username: str, expected: Standing
) -> None:
    assert IdentityService(context).standing(username) == expected


def test_an_unknown_user_has_no_standing(context: ServiceContext, world: World) -> None:
    with pytest.raises(NotFound, match="no user called 'nobody'"):
        IdentityService(context).standing("nobody")
