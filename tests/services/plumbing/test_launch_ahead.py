"""A launch read in a forked child (issue 22, start-up) answers as the launch read here does:
the same actor, refusals and first page, on both engines; a child that dies only makes the
parent read it itself, and every child is reaped."""

from __future__ import annotations

import os
import signal
import threading
import time

from equipshare.domain.records.instruments.catalogue import CatalogueQuery
from equipshare.services.catalogue.service import CatalogueService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.launch import Launch
from equipshare.services.plumbing.launch_ahead import launch_ahead, read_in_child
from tests.support.world import World

SEARCHED = CatalogueQuery(search="a")


def _gone(pid: int) -> bool:
    """The child has left and been reaped (by the launch, or its reaping thread)."""
    for _ in range(200):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.01)
    return False


def test_the_child_answers_as_the_launch_here_does(context: ServiceContext, world: World) -> None:
    catalogue = CatalogueService(context)
    for caller, as_user in [("alice", None), ("root", "bob"), ("dave", None), ("gone", None)]:
        here = Launch.start(context.settings, caller, as_user)
        assert here is not None
        here.close()
        pending = read_in_child(context.settings, caller, as_user)
        pid = pending.pid
        assert pid is not None and pid != os.getpid()
        launch = pending.result()
        assert launch is not None and launch.actor == here.actor
        with launch:
            launch.ask_first_page(SEARCHED, 2)  # asked early, read while the app starts
            expected = catalogue.page(launch.actor_username, SEARCHED, limit=2)
            assert launch.first_page(SEARCHED, 2) == expected
            assert expected.rows and expected.next_after is not None  # a page with more
            assert launch.first_page(SEARCHED, 2) is None  # once only: then the service's
        assert _gone(pid)


def test_refusals_are_left_to_the_usual_way_as_here(context: ServiceContext, world: World) -> None:
    for caller, as_user in [("alice", "bob"), ("root", "nobody"), ("nobody", None)]:
        assert Launch.start(context.settings, caller, as_user) is None
        pending = read_in_child(context.settings, caller, as_user)
        pid = pending.pid
        assert pid is not None
        assert pending.result() is None, (caller, as_user)
        assert _gone(pid)


def test_another_question_than_the_one_asked_is_the_services(
    context: ServiceContext, world: World
) -> None:
    launch = read_in_child(context.settings, "alice", None).result()
    assert launch is not None
    with launch:
        launch.ask_first_page(CatalogueQuery(), 60)
        assert launch.first_page(SEARCHED, 60) is None  # the app asks the service instead


def test_a_killed_child_leaves_the_parent_to_read_it(context: ServiceContext, world: World) -> None:
    pending = read_in_child(context.settings, "alice", None)
    pid = pending.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    launch = pending.result()  # read here instead, the same answer
    assert launch is not None and launch.actor_username == "alice"
    with launch:
        expected = CatalogueService(context).page("alice", SEARCHED, limit=2)
        assert launch.first_page(SEARCHED, 2) == expected
    assert _gone(pid)
    # Killed after it said who acts: the first page is the service's to read.
    pending = read_in_child(context.settings, "alice", None)
    pid = pending.pid
    launch = pending.result()
    assert pid is not None and launch is not None
    os.kill(pid, signal.SIGKILL)
    with launch:
        assert launch.first_page(SEARCHED, 2) is None
    assert _gone(pid)


def test_a_child_never_asked_leaves_when_the_launch_closes(
    context: ServiceContext, world: World
) -> None:
    pending = read_in_child(context.settings, "alice", None)
    pid = pending.pid
    launch = pending.result()
    assert pid is not None and launch is not None
    launch.close()
    assert _gone(pid)


def test_beside_another_thread_the_launch_is_read_here(
    context: ServiceContext, world: World
) -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        pending = launch_ahead(context.settings, "alice", None)
        assert pending.pid is None  # no fork beside a thread that may hold a lock
        launch = pending.result()
    finally:
        stop.set()
        other.join()
    assert launch is not None and launch.actor_username == "alice"
    with launch:
        launch.ask_first_page(SEARCHED, 2)
        expected = CatalogueService(context).page("alice", SEARCHED, limit=2)
        assert launch.first_page(SEARCHED, 2) == expected
