"""Race: many sign-ins at once against the session limits, and exactly the limit get in.

As in tests/services/bookings/waitlist/test_waitlist_race.py, every racer is a thread that
waits at a barrier and then calls the real service, each call in its own transaction on its own
connection, on both engines. Counting the open sessions and then adding one must not let two
racers both take the last place, for one user (max_sessions_per_user) or for everyone
(max_sessions). A loser is refused with a reason; any other exception is a bug.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from equipshare.db.models.web import WebSession
from equipshare.domain.errors import RefusedError
from equipshare.services.identity.service import SessionsService
from equipshare.services.plumbing.context import ServiceContext
from tests.services.identity.signing_in import with_server
from tests.support.world import World

ACTIVE = ["alice", "bob", "carol", "dave", "erin", "mgr", "tech", "tech2", "otherstaff", "root"]


def race(sessions: SessionsService, usernames: list[str]) -> list[tuple[str, str]]:
    """Every username signs in at once; (who, "won" or "refused: ..." or "other: ...") each."""
    start_line = threading.Barrier(len(usernames))

    def run(who: str) -> tuple[str, str]:
        start_line.wait(30)
        try:
            sessions.start(who, how="proxy")
        except RefusedError as exc:
            return who, f"refused: {exc}"
        except Exception as exc:  # any other outcome is a bug; the test reports it
            return who, f"other: {type(exc).__name__}: {exc}"
        return who, "won"

    with ThreadPoolExecutor(len(usernames)) as pool:
        return list(pool.map(run, usernames))


def open_sessions(context: ServiceContext) -> Counter[int]:
    with context.database.readonly() as s:
        rows = s.execute(
            select(WebSession.user_id, func.count())
            .where(WebSession.ended_at.is_(None))
            .group_by(WebSession.user_id)
        ).all()
    return Counter({user_id: count for user_id, count in rows})


def test_ten_people_at_once_past_the_total_limit_let_exactly_the_limit_in(
    context: ServiceContext, world: World
) -> None:
    sessions = SessionsService(with_server(context, max_sessions=4))
    outcomes = race(sessions, ACTIVE)
    assert not [o for o in outcomes if o[1].startswith("other")], outcomes
    assert [o for _, o in outcomes].count("won") == 4, outcomes
    assert all("equipshare is full" in o for _, o in outcomes if o != "won"), outcomes
    assert open_sessions(context).total() == 4


def test_one_user_signing_in_eight_times_at_once_gets_exactly_their_limit(
    context: ServiceContext, world: World
) -> None:
    sessions = SessionsService(with_server(context, max_sessions_per_user=3))
    outcomes = race(sessions, ["alice"] * 8)
    assert [o for _, o in outcomes].count("won") == 3, outcomes
    assert all("max_sessions_per_user" in o for _, o in outcomes if o != "won"), outcomes
    assert open_sessions(context) == Counter({world.users["alice"]: 3})


def test_both_limits_hold_together_when_three_people_race_four_times_each(
    context: ServiceContext, world: World
) -> None:
    # Each may hold two, six could; the whole installation holds five.
    sessions = SessionsService(with_server(context, max_sessions_per_user=2, max_sessions=5))
    outcomes = race(sessions, ["alice", "bob", "carol"] * 4)
    assert not [o for o in outcomes if o[1].startswith("other")], outcomes
    assert [o for _, o in outcomes].count("won") == 5, outcomes
    held = open_sessions(context)
    assert held.total() == 5 and max(held.values()) == 2, held
