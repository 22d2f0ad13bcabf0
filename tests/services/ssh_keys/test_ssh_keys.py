"""SSH keys: added, listed and removed by their owners and admins; signing in with one; the
server's checks of open sessions; and anonymise letting a person's keys go."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update

from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.catalogue import User
from equipshare.db.models.ssh import SshKey
from equipshare.domain.errors import InputError, NotFound, PermissionDenied, RefusedError
from equipshare.domain.records.users.ssh_keys import SshSignIn
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.admin.service import RetentionService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.ssh_keys.service import ALREADY_REGISTERED, SshKeysService
from tests.support.permission_matrix import database_state
from tests.support.ssh_keys import ED25519, ED25519_BOB, RSA_1024, RSA_2048, ed25519_line
from tests.support.world import World


@pytest.fixture
def keys(context: ServiceContext, world: World) -> SshKeysService:
    return SshKeysService(context)


def audits(context: ServiceContext, action: str) -> list[AuditEvent]:
    with context.database.readonly() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def deactivate(context: ServiceContext, username: str) -> None:
    with context.database.sessions.begin() as session:
        session.execute(update(User).where(User.username == username).values(active=False))


def test_an_added_key_is_listed_with_its_fingerprint_and_its_comment_as_label(
    context: ServiceContext, keys: SshKeysService, world: World, clock: FrozenClock
) -> None:
    added = keys.add("alice", ED25519.line, actor="alice")
    assert (added.username, added.algorithm, added.fingerprint, added.label) == (
        "alice", "ssh-ed25519", ED25519.fingerprint, "alice@laptop",
    )  # fmt: skip
    assert (added.created_at, added.last_used_at, added.last_used_from) == (
        clock.now(), None, None,
    )  # fmt: skip
    named = keys.add("alice", RSA_2048.line, "  work   desktop ", actor="alice")
    assert named.label == "work desktop"
    assert keys.list("alice", actor="alice") == (added, named)
    [event, _] = audits(context, "ssh_key.added")
    assert event.actor_id == world.users["alice"] and event.entity_type == "ssh_key"
    assert event.after == {
        "user": "alice", "algorithm": "ssh-ed25519",
        "fingerprint": ED25519.fingerprint, "label": "alice@laptop",
    }  # fmt: skip
    with context.database.readonly() as session:
        stored = session.scalars(select(SshKey.public_key).where(SshKey.id == added.id)).one()
    assert stored == ED25519.line.split()[1]  # public, so kept as OpenSSH wrote it


def test_an_admin_adds_lists_and_removes_anyones_keys(
    context: ServiceContext, keys: SshKeysService, world: World
) -> None:
    added = keys.add("tech", ED25519.line, "lab pc", actor="root")
    assert keys.list("tech", actor="root") == (added,) == keys.list("tech", actor="tech")
    keys.remove("tech", ED25519.fingerprint, actor="root")
    assert keys.list("tech", actor="tech") == ()
    [event] = audits(context, "ssh_key.removed")
    assert event.actor_id == world.users["root"]
    assert event.before is not None and event.before["fingerprint"] == ED25519.fingerprint


def test_a_researcher_may_not_touch_another_users_keys(
    context: ServiceContext, keys: SshKeysService
) -> None:
    keys.add("bob", ED25519_BOB.line, actor="bob")
    before = database_state(context.database)
    with pytest.raises(PermissionDenied, match="alice may not add SSH keys on bob's account"):
        keys.add("bob", ED25519.line, actor="alice")
    with pytest.raises(PermissionDenied, match="that needs an admin"):
        keys.remove("bob", ED25519_BOB.fingerprint, actor="alice")
    with pytest.raises(PermissionDenied, match="may not list bob's SSH keys"):
        keys.list("bob", actor="alice")
    assert database_state(context.database) == before


def test_a_facility_manager_lists_their_staffs_keys_but_not_others(
    keys: SshKeysService,
) -> None:
    added = keys.add("tech", ED25519.line, actor="tech")
    assert keys.list("tech", actor="mgr") == (added,)
    with pytest.raises(PermissionDenied):
        keys.list("otherstaff", actor="mgr")  # Aston's technician
    with pytest.raises(PermissionDenied):
        keys.remove("tech", ED25519.fingerprint, actor="mgr")  # listing only


def test_one_key_belongs_to_one_user_and_only_admins_hear_whose_it_is(
    context: ServiceContext, keys: SshKeysService
) -> None:
    keys.add("alice", ED25519.line, actor="alice")
    before = database_state(context.database)
    with pytest.raises(RefusedError) as mine:
        keys.add("alice", ED25519.line, "again", actor="alice")
    assert str(mine.value) == f"{ALREADY_REGISTERED} on your account as 'alice@laptop'"
    with pytest.raises(RefusedError) as theirs:
        keys.add("bob", ED25519.line.replace("alice@laptop", "bob"), actor="bob")
    assert str(theirs.value) == ALREADY_REGISTERED and theirs.value.field == "public_key"
    with pytest.raises(RefusedError, match=f"^{ALREADY_REGISTERED} to alice$"):
        keys.add("bob", ED25519.line, actor="root")
    assert database_state(context.database) == before


def test_no_key_is_added_to_a_deactivated_account_nor_by_one(
    context: ServiceContext, keys: SshKeysService
) -> None:
    before = database_state(context.database)
    with pytest.raises(RefusedError, match="the account gone is deactivated"):
        keys.add("gone", ED25519.line, actor="root")
    with pytest.raises(PermissionDenied, match="the account is deactivated"):
        keys.add("gone", ED25519.line, actor="gone")
    assert database_state(context.database) == before


def test_a_bad_key_or_label_is_refused_before_anything_is_written(
    context: ServiceContext, keys: SshKeysService
) -> None:
    before = database_state(context.database)
    with pytest.raises(InputError, match="1024 bits is too weak") as weak:
        keys.add("alice", RSA_1024.line, actor="alice")
    with pytest.raises(InputError, match="not base64"):
        keys.add("alice", "ssh-ed25519 ???", actor="alice")
    with pytest.raises(InputError, match="label: at most 100") as label:
        keys.add("alice", ED25519.line, "x" * 101, actor="alice")
    assert (weak.value.field, label.value.field) == ("public_key", "label")
    assert database_state(context.database) == before


def test_removing_a_key_not_on_the_account_is_not_found(keys: SshKeysService) -> None:
    keys.add("bob", ED25519_BOB.line, actor="bob")
    with pytest.raises(NotFound, match=f"alice has no SSH key {ED25519_BOB.fingerprint}"):
        keys.remove("alice", ED25519_BOB.fingerprint, actor="alice")
    with pytest.raises(InputError, match="is not a SHA256 fingerprint"):
        keys.remove("alice", "MD5:aa:bb", actor="alice")
    keys.remove("bob", ED25519_BOB.fingerprint.removeprefix("SHA256:"), actor="bob")
    assert keys.list("bob", actor="bob") == ()


def test_an_account_holds_at_most_fifty_keys(keys: SshKeysService) -> None:
    for n in range(50):
        keys.add("erin", ed25519_line(n), actor="erin")
    with pytest.raises(RefusedError, match="already has 50 SSH keys"):
        keys.add("erin", ed25519_line(50), actor="erin")


# -- the SSH server's calls ----------------------------------------------------------------


def test_signing_in_names_the_keys_owner_and_records_when_and_whence(
    context: ServiceContext, keys: SshKeysService, world: World, clock: FrozenClock
) -> None:
    keys.add("alice", ED25519.line, actor="alice")
    clock.advance(minutes=5)
    signed = keys.sign_in(ED25519.fingerprint, "192.0.2.7")
    assert signed == SshSignIn(world.users["alice"], "alice", "Alice", ED25519.fingerprint)
    [listed] = keys.list("alice", actor="alice")
    assert (listed.last_used_at, listed.last_used_from) == (clock.now(), "192.0.2.7")
    [event] = audits(context, "ssh.sign_in")
    assert event.actor_id == world.users["alice"]
    assert event.after == {
        "user": "alice", "fingerprint": ED25519.fingerprint, "address": "192.0.2.7",
    }  # fmt: skip


@pytest.mark.parametrize("fingerprint", [ED25519_BOB.fingerprint, "SHA256:x", "", "\x00" * 50])
def test_an_unknown_key_signs_in_nobody_and_writes_nothing(
    context: ServiceContext, keys: SshKeysService, fingerprint: str
) -> None:
    keys.add("alice", ED25519.line, actor="alice")
    before = database_state(context.database)
    with pytest.raises(RefusedError, match="this SSH key is not registered with equipshare"):
        keys.sign_in(fingerprint, "192.0.2.7")
    assert not keys.is_registered(fingerprint)
    assert database_state(context.database) == before


def test_a_deactivated_owner_is_refused_at_sign_in_and_their_sessions_end(
    context: ServiceContext, keys: SshKeysService
) -> None:
    keys.add("alice", ED25519.line, actor="alice")
    keys.sign_in(ED25519.fingerprint, "192.0.2.7")
    assert keys.still_allowed("alice", ED25519.fingerprint)
    deactivate(context, "alice")
    before = database_state(context.database)
    with pytest.raises(PermissionDenied, match="the account alice is deactivated"):
        keys.sign_in(ED25519.fingerprint, "198.51.100.1")
    assert not keys.still_allowed("alice", ED25519.fingerprint)
    assert keys.is_registered(ED25519.fingerprint)  # sign_in gives the reason in words
    assert database_state(context.database) == before


def test_a_removed_key_is_no_longer_allowed(context: ServiceContext, keys: SshKeysService) -> None:
    keys.add("alice", ED25519.line, actor="alice")
    keys.add("bob", ED25519_BOB.line, actor="bob")
    before = database_state(context.database)
    assert keys.still_allowed("alice", ED25519.fingerprint)
    assert not keys.still_allowed("bob", ED25519.fingerprint)  # someone else's key
    assert not keys.still_allowed("nobody", ED25519.fingerprint)
    assert not keys.still_allowed("ali\x00ce", ED25519.fingerprint)
    assert not keys.still_allowed("alice", "not a fingerprint")
    assert database_state(context.database) == before  # the poll writes nothing
    keys.remove("alice", ED25519.fingerprint, actor="alice")
    assert not keys.still_allowed("alice", ED25519.fingerprint)
    assert not keys.is_registered(ED25519.fingerprint)
    with pytest.raises(RefusedError, match="not registered"):
        keys.sign_in(ED25519.fingerprint, "192.0.2.7")


def test_a_client_address_is_kept_printable_and_short(
    context: ServiceContext, keys: SshKeysService
) -> None:
    keys.add("alice", ED25519.line, actor="alice")
    keys.sign_in(ED25519.fingerprint, "10.0.0.1\x1b[2J" + "9" * 100)
    [listed] = keys.list("alice", actor="alice")
    assert listed.last_used_from is not None
    assert listed.last_used_from.startswith("10.0.0.1[2J") and len(listed.last_used_from) == 64


def test_the_same_key_added_twice_at_once_is_registered_once(
    context: ServiceContext, keys: SshKeysService
) -> None:
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def add(who: str) -> None:
        start.wait()
        try:
            keys.add(who, ED25519.line, actor=who)
            outcomes.append("added")
        except RefusedError as refused:
            outcomes.append(str(refused).split(" on your")[0])

    threads = [threading.Thread(target=add, args=(who,)) for who in ("alice", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["added", ALREADY_REGISTERED]
    assert len(audits(context, "ssh_key.added")) == 1


# -- retention -----------------------------------------------------------------------------


def test_anonymise_drops_a_persons_keys_and_a_recent_ssh_sign_in_is_a_sign_of_life(
    context: ServiceContext, keys: SshKeysService, world: World
) -> None:
    keys.add("dave", ED25519.line, actor="root")
    with context.database.sessions.begin() as session:  # used lately, with no audit event
        session.add(
            SshKey(
                user_id=world.users["erin"], algorithm="ssh-ed25519",
                public_key=ED25519_BOB.line.split()[1], fingerprint=ED25519_BOB.fingerprint,
                label="erin@home", created_at=datetime(2025, 1, 1, tzinfo=UTC),
                last_used_at=datetime(2026, 2, 1, tzinfo=UTC), last_used_from="192.0.2.9",
            )
        )  # fmt: skip
    report = RetentionService(context).anonymise("root", date(2026, 1, 1))
    gone = {user.user_id for user in report.users}
    assert world.users["dave"] in gone and world.users["erin"] not in gone
    with context.database.readonly() as session:
        owners = session.scalars(select(SshKey.user_id)).all()
    assert owners == [world.users["erin"]]
    assert not keys.is_registered(ED25519.fingerprint)
