"""Browser sessions: started within the limits, refused when forged, idle, old or deactivated."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.web import WebSession
from equipshare.domain.errors import PermissionDenied, RefusedError
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.identity.service import SessionsService
from equipshare.services.plumbing.context import ServiceContext
from tests.services.identity.signing_in import set_active, with_server
from tests.support.world import World


def test_a_started_session_is_checked_by_its_secret_and_only_its_hash_is_stored(
    context: ServiceContext, world: World
) -> None:
    sessions = SessionsService(context)
    started = sessions.start("alice", how="proxy", user_agent="Firefox", address="10.0.0.9")
    assert sessions.check(started.secret).username == "alice"
    with context.database.readonly() as s:
        row = s.scalars(select(WebSession)).one()
        actions = s.scalars(select(AuditEvent.action)).all()
    assert started.secret not in (row.secret_hash, row.user_agent)
    assert len(row.secret_hash) == 64
    assert (row.user_agent, row.address) == ("Firefox", "10.0.0.9")
    assert "session.start" in actions
    assert "secret=" not in repr(started)


@pytest.mark.parametrize("forged", ["", "x", "A" * 43, "../../etc", "é" * 43, "A" * 5000])
def test_a_forged_secret_is_refused(context: ServiceContext, world: World, forged: str) -> None:
    SessionsService(context).start("alice", how="proxy")
    with pytest.raises(RefusedError, match=r"not signed in"):
        SessionsService(context).check(forged)


def test_an_idle_session_ends_and_a_used_one_lives_on(
    context: ServiceContext, world: World, clock: FrozenClock
) -> None:
    sessions = SessionsService(with_server(context, session_idle_minutes=30))
    idle = sessions.start("alice", how="proxy")
    busy = sessions.start("alice", how="proxy")
    for _ in range(4):
        clock.advance(minutes=20)
        sessions.check(busy.secret)
    with pytest.raises(RefusedError, match=r"\(unused for 30 minutes\); sign in again"):
        sessions.check(idle.secret)
    with pytest.raises(RefusedError, match=r"not signed in"):  # ended: refused the same way
        sessions.check(idle.secret)
    assert sessions.check(busy.secret).username == "alice"


def test_a_session_ends_at_its_absolute_limit_however_busy(
    context: ServiceContext, world: World, clock: FrozenClock
) -> None:
    sessions = SessionsService(with_server(context, session_absolute_hours=2))
    started = sessions.start("bob", how="email")
    for _ in range(3):
        clock.advance(minutes=39)
        sessions.check(started.secret)
    clock.advance(minutes=3)
    with pytest.raises(RefusedError, match=r"signed in over 2 hours ago"):
        sessions.check(started.secret)


def test_a_deactivated_user_cannot_start_and_their_open_session_is_refused_at_once(
    context: ServiceContext, world: World
) -> None:
    sessions = SessionsService(context)
    with pytest.raises(PermissionDenied, match=r"gone is deactivated"):
        sessions.start("gone", how="proxy")
    started = sessions.start("erin", how="proxy")
    set_active(context, world, "erin", False)
    assert sessions.still_open([started.session.id]) == set()
    with pytest.raises(RefusedError, match=r"erin is deactivated; your session has ended"):
        sessions.check(started.secret)
    with context.database.readonly() as s:
        assert s.scalars(select(WebSession.ended_at)).one() is not None


def test_the_per_user_and_total_limits_refuse_one_more_with_a_clear_message(
    context: ServiceContext, world: World
) -> None:
    sessions = SessionsService(with_server(context, max_sessions_per_user=2, max_sessions=3))
    first = sessions.start("alice", how="proxy")
    sessions.start("alice", how="proxy")
    with pytest.raises(RefusedError, match=r"already signed in 2 times.*max_sessions_per_user"):
        sessions.start("alice", how="proxy")
    sessions.start("bob", how="proxy")
    full = r"equipshare is full: 3 sessions are open.*max_sessions"
    with pytest.raises(RefusedError, match=full):
        sessions.start("carol", how="proxy")
    assert sessions.end(first.secret)
    assert not sessions.end(first.secret)
    sessions.start("carol", how="proxy")  # the place freed by signing out


def test_end_all_signs_a_user_out_everywhere_for_themselves_or_an_admin(
    context: ServiceContext, world: World
) -> None:
    sessions = SessionsService(context)
    mine = [sessions.start("alice", how="proxy") for _ in range(3)]
    with pytest.raises(PermissionDenied, match=r"needs an admin"):
        sessions.end_all("bob", "alice")
    assert sessions.end_all("root", "alice") == 3
    assert sessions.still_open([s.session.id for s in mine]) == set()
    with pytest.raises(RefusedError):
        sessions.check(mine[0].secret)
