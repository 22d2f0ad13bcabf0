"""The permission matrix for SSH keys: adding, listing and removing them, on one's own
account and on another's.

Every person of the test world, with a deactivated admin and a deactivated manager,
tries each action through SshKeysService on SQLite and PostgreSQL; the outcomes must
equal the tables, here and in tests/support/permission_matrix.py. A refusal leaves every
table as it was; a success writes exactly its audit event (a listing, nothing).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from equipshare.db.models.catalogue import User
from equipshare.db.models.ssh import SshKey
from equipshare.domain.inputs.ssh_keys import parse_public_key
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.ssh_keys.service import SshKeysService
from tests.support.permission_matrix import (
    ADMINS_ONLY,
    PEOPLE,
    add_retired_staff,
    each_person,
    fresh_user,
    numbered,
)
from tests.support.ssh_keys import ed25519_line
from tests.support.world import World

# Every active account looks after its own keys; a deactivated one may do nothing.
ACTIVE_ACCOUNTS = {who: "denied" if who in ("gone", "exroot", "exmgr") else "ok" for who in PEOPLE}
# A technician's keys are theirs, their facility's managers' to list, and the admins'.
TECHS_KEYS_LISTED = {**ADMINS_ONLY, "tech": "ok", "mgr": "ok"}


@pytest.fixture
def everyone(context: ServiceContext, world: World) -> World:
    add_retired_staff(context.database, world)
    return world


def plant_key(context: ServiceContext, username: str, seed: str) -> str:
    """A key on `username`'s account, straight in the database (no audit); its fingerprint."""
    key = parse_public_key(ed25519_line(seed))
    with context.database.sessions.begin() as session:
        user_id = session.scalars(select(User.id).where(User.username == username)).one()
        session.add(
            SshKey(
                user_id=user_id, algorithm=key.algorithm, public_key=key.base64,
                fingerprint=key.fingerprint, label="", created_at=datetime(2025, 1, 1, tzinfo=UTC),
            )
        )  # fmt: skip
    return key.fingerprint


def test_add_a_key_to_ones_own_account(context: ServiceContext, everyone: World) -> None:
    keys = SshKeysService(context)
    observed = each_person(
        context,
        numbered,
        lambda who, n: keys.add(who, ed25519_line(f"own {n}"), actor=who),
        writes=["ssh_key.added"],
    )
    assert observed == ACTIVE_ACCOUNTS


def test_add_a_key_to_another_account(context: ServiceContext, everyone: World) -> None:
    keys = SshKeysService(context)
    observed = each_person(
        context,
        lambda n: fresh_user(context.database, everyone, f"keyholder{n}"),
        lambda who, owner: keys.add(owner, ed25519_line(owner), actor=who),
        writes=["ssh_key.added"],
    )
    assert observed == ADMINS_ONLY


def test_remove_a_key_from_ones_own_account(context: ServiceContext, everyone: World) -> None:
    keys = SshKeysService(context)
    observed = each_person(
        context,
        lambda n: plant_key(context, PEOPLE[n], f"own {n}"),
        lambda who, fingerprint: keys.remove(who, fingerprint, actor=who),
        writes=["ssh_key.removed"],
    )
    assert observed == ACTIVE_ACCOUNTS


def test_remove_a_key_from_another_account(context: ServiceContext, everyone: World) -> None:
    keys = SshKeysService(context)

    def prepare(n: int) -> tuple[str, str]:
        owner = fresh_user(context.database, everyone, f"keyholder{n}")
        return owner, plant_key(context, owner, owner)

    observed = each_person(
        context,
        prepare,
        lambda who, target: keys.remove(*target, actor=who),
        writes=["ssh_key.removed"],
    )
    assert observed == ADMINS_ONLY


def test_list_ones_own_keys(context: ServiceContext, everyone: World) -> None:
    keys = SshKeysService(context)
    observed = each_person(
        context,
        lambda n: plant_key(context, PEOPLE[n], f"own {n}"),
        lambda who, _: keys.list(who, actor=who),
        shown=lambda listed: str(len(listed)),
    )
    assert observed == {
        who: "ok: 1" if result == "ok" else result for who, result in ACTIVE_ACCOUNTS.items()
    }


def test_list_a_technicians_keys(context: ServiceContext, everyone: World) -> None:
    keys = SshKeysService(context)
    plant_key(context, "tech", "tech's laptop")
    observed = each_person(
        context,
        numbered,
        lambda who, _: keys.list("tech", actor=who),
        shown=lambda listed: str(len(listed)),
    )
    assert observed == {
        who: "ok: 1" if result == "ok" else result for who, result in TECHS_KEYS_LISTED.items()
    }
