"""A launch read in a process of its own while the terminal app's modules load (issue 22,
start-up).

On PostgreSQL, importing psycopg and connecting took a third of the time to the first
catalogue rows (60-70 ms of ~380), on the one core the app's own imports were using. So
`equipshare tui` forks before it imports Textual: the child does what `Launch.start` does
(imports the driver, connects, checks the schema, resolves who acts), sends the actor, then
waits to be asked for the first page, reads it and sends it; meanwhile the parent imports
Textual on the other core. What crosses is pickled records, over two pipes, between two
processes of the same program.

Nothing here changes an answer, only where it is read: where there is no fork (Windows), or
other threads run (a fork copies locks they may hold), the launch is read in-process as
before, and a child that dies or sends nothing readable leaves the parent to read it
itself, or the service (a first page), as the in-process launch does.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import threading
from typing import BinaryIO

from equipshare.config import Settings
from equipshare.domain.records.instruments.catalogue_rows import CataloguePage, CatalogueQuery
from equipshare.domain.records.users.people import UserRecord
from equipshare.domain.time.clock import Clock
from equipshare.services.plumbing.launch import Launch


class PendingLaunch:
    """A launch being read: `result()` waits for it (Launch.start's answer)."""

    def __init__(
        self,
        settings: Settings,
        caller: str,
        as_user: str | None,
        clock: Clock | None,
        child: ChildReads | None,
    ) -> None:
        self._settings, self._caller, self._as_user, self._clock = settings, caller, as_user, clock
        self._child = child

    @property
    def pid(self) -> int | None:
        """The child reading the launch; None when it is read in this process."""
        return self._child.pid if self._child is not None else None

    def result(self) -> Launch | None:
        """The launch (None: the usual way must open the database and say what is wrong)."""
        child, self._child = self._child, None
        if child is not None:
            try:
                sent = child.receive()
            except (EOFError, OSError, pickle.UnpicklingError):
                child.close()  # it died or said nothing readable: read it here instead
            else:
                if isinstance(sent, UserRecord):
                    return Launch(self._settings, sent, child, self._clock)
                child.close()
                if sent is None:
                    return None  # the child's Launch.start said: the usual way
        return Launch.start(self._settings, self._caller, self._as_user, self._clock)


class ChildReads:
    """The parent's end of a child holding the launch's connection until the first page."""

    def __init__(self, pid: int, to_child: BinaryIO, from_child: BinaryIO) -> None:
        self.pid = pid
        self._to, self._from = to_child, from_child
        self._asked: tuple[CatalogueQuery, int] | None = None

    def receive(self) -> object:
        return pickle.load(self._from)

    def ask(self, query: CatalogueQuery, limit: int) -> None:
        """Ask for the first page now; `first_page` collects the answer."""
        if self._asked is None:
            self._asked = (query, limit)
            with contextlib.suppress(OSError, pickle.PickleError):
                pickle.dump(self._asked, self._to)
                self._to.flush()

    def first_page(self, query: CatalogueQuery, limit: int) -> CataloguePage | None:
        """The child's answer for `query`, then the child is done; None if it has none
        (or was asked another question: the service answers this one)."""
        self.ask(query, limit)
        try:
            page = self.receive() if self._asked == (query, limit) else None
        except (EOFError, OSError, pickle.UnpicklingError):
            return None
        finally:
            self.close()
        return page if isinstance(page, CataloguePage) else None

    def close(self) -> None:
        """Close the pipes (a child still waiting sees their end and leaves) and reap the
        child: at once if it has left, else by a thread of its own, so nothing waits here."""
        for end in (self._to, self._from):
            with contextlib.suppress(OSError):
                end.close()
        with contextlib.suppress(ChildProcessError):  # reaped already
            if os.waitpid(self.pid, os.WNOHANG)[0] == 0:
                threading.Thread(target=_reap, args=(self.pid,), daemon=True).start()


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def launch_ahead(
    settings: Settings, caller: str, as_user: str | None, clock: Clock | None = None
) -> PendingLaunch:
    """Start reading the launch for `caller` (acting `as_user`): in a child where this
    process may fork (POSIX, no other thread), else here when the result is asked for."""
    if not hasattr(os, "fork") or threading.active_count() != 1:
        return PendingLaunch(settings, caller, as_user, clock, None)
    return read_in_child(settings, caller, as_user, clock)


def read_in_child(
    settings: Settings, caller: str, as_user: str | None, clock: Clock | None = None
) -> PendingLaunch:
    """Fork the child that reads the launch (see launch_ahead for when that is safe)."""
    down_read, down_write = os.pipe()
    up_read, up_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(down_write)
        os.close(up_read)
        _child_main(settings, caller, as_user, clock, down_read, up_write)
    os.close(down_read)
    os.close(up_write)
    child = ChildReads(pid, os.fdopen(down_write, "wb"), os.fdopen(up_read, "rb"))
    return PendingLaunch(settings, caller, as_user, clock, child)


def _child_main(
    settings: Settings,
    caller: str,
    as_user: str | None,
    clock: Clock | None,
    from_parent: int,
    to_parent: int,
) -> None:
    """Read the launch and answer the parent, then leave without running anything of the
    parent's (its exit handlers, its buffered output): os._exit."""
    try:
        with os.fdopen(to_parent, "wb") as out, os.fdopen(from_parent, "rb") as asked:
            launch = Launch.start(settings, caller, as_user, clock)
            pickle.dump(launch.actor if launch is not None else None, out)
            out.flush()
            if launch is not None:
                with launch:
                    try:
                        query, limit = pickle.load(asked)
                    except EOFError:
                        return  # the parent went on without a first page
                    pickle.dump(launch.first_page(query, limit), out)
                    out.flush()
    except BaseException:  # the parent reads it itself; nothing to report here
        pass
    finally:
        os._exit(0)
