"""A launch of the terminal app: the schema check, the caller and the first catalogue page,
read through the database driver before SQLAlchemy is imported (issue 22, start-up).

`Launch.start` opens one driver connection as the engine would open its own (db/drivers.py),
checks the schema version and resolves who is acting, as ServiceContext.open and
IdentityService.acting_username do. The app shows its first page through `first_page` and
opens the ServiceContext, importing SQLAlchemy, in a worker once those rows are painted.
Whatever this quick way cannot settle (an unusual URL, a missing file, an unknown user, a
refusal, any driver error) it leaves to the usual way, which answers as it always has:
`start` returns None, `first_page` returns None.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from equipshare.config import Settings
from equipshare.db.drivers import DriverConnection
from equipshare.db.schema_head import VERSION_TABLE, shipped_linear_head
from equipshare.domain.records.instruments.catalogue_rows import CataloguePage, CatalogueQuery
from equipshare.domain.records.users.people import UserRecord
from equipshare.domain.time.clock import Clock
from equipshare.services.plumbing.first_page import find_user, first_page

if TYPE_CHECKING:
    from equipshare.services.plumbing.context import ServiceContext


class PageReader(Protocol):
    """Where a launch read elsewhere (launch_ahead's child) reads its first page, once."""

    def ask(self, query: CatalogueQuery, limit: int) -> None: ...

    def first_page(self, query: CatalogueQuery, limit: int) -> CataloguePage | None: ...

    def close(self) -> None: ...


class Launch:
    """What a launch read before SQLAlchemy loaded, and the ServiceContext opened after."""

    def __init__(
        self,
        settings: Settings,
        actor: UserRecord,
        reads: DriverConnection | PageReader,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings
        self.actor_username = actor.username
        self._actor = actor
        self._reads: DriverConnection | PageReader | None = reads
        self._clock = clock
        self._context: ServiceContext | None = None
        self._lock = threading.Lock()

    @classmethod
    def start(
        cls, settings: Settings, caller: str, as_user: str | None, clock: Clock | None = None
    ) -> Launch | None:
        """The launch for `caller` (acting `as_user`, for an admin), or None when the usual
        way must open the database and say what is wrong."""
        try:
            reads = _checked_reads(settings)
        except Exception:  # the driver's own errors: the engine reports them in its words
            return None
        if reads is None:
            return None
        try:
            actor = _acting_user(reads, caller, as_user)
        except Exception:
            actor = None
        if actor is None:
            reads.close()
            return None
        return cls(settings, actor, reads, clock)

    @property
    def actor(self) -> UserRecord:
        return self._actor

    def ask_first_page(self, query: CatalogueQuery, limit: int) -> None:
        """Say which first page `first_page` will be asked for, so that a launch read
        elsewhere reads it while the app starts; here it is read when asked."""
        with self._lock:
            reads = self._reads
            if reads is not None and not isinstance(reads, DriverConnection):
                reads.ask(query, limit)

    def first_page(self, query: CatalogueQuery, limit: int) -> CataloguePage | None:
        """The actor's first catalogue page for `query`, once (then the connection closes);
        None when it was read already or cannot be answered here."""
        with self._lock:
            reads, self._reads = self._reads, None
        if reads is None:
            return None
        if not isinstance(reads, DriverConnection):
            return reads.first_page(query, limit)  # and closes
        try:
            return first_page(reads, self._actor, query, limit)
        except Exception:  # a refused search, a lost connection: the service says so itself
            return None
        finally:
            reads.close()

    def context(self) -> ServiceContext:
        """The ServiceContext, opened (and SQLAlchemy imported) by the first caller; a thread
        worker, after the first rows are painted. The schema was checked at start."""
        from equipshare.services.plumbing.context import ServiceContext

        with self._lock:
            if self._context is None:
                self._context = ServiceContext.open(self.settings, self._clock, require_head=False)
            return self._context

    def close(self) -> None:
        with self._lock:
            reads, self._reads = self._reads, None
            context, self._context = self._context, None
        if reads is not None:
            reads.close()
        if context is not None:
            context.close()

    def __enter__(self) -> Launch:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _checked_reads(settings: Settings) -> DriverConnection | None:
    """The connection reads go to (the replica, given a read_url), once the primary's schema
    is at the shipped head; None when anything is for the usual way to judge."""
    head = shipped_linear_head()
    primary = DriverConnection.open(settings.database_url)
    if primary is None:
        return None
    try:
        versions = primary.rows(f"SELECT version_num FROM {VERSION_TABLE}")
        if head is None or versions != [(head,)]:
            return None
        read_url = settings.database.read_url
        if not read_url:
            reads, primary = primary, None
            return reads
        if primary.backend != "postgresql":
            return None  # SQLite has no replicas: Database.connect refuses the setting
        replica = DriverConnection.open(read_url)
        if replica is None:
            return None
        if replica.rows("SELECT pg_is_in_recovery()") != [(True,)]:
            replica.close()
            return None  # not a standby: ReplicaReads refuses it, naming it
        return replica
    finally:
        if primary is not None:
            primary.close()


def _acting_user(reads: DriverConnection, caller: str, as_user: str | None) -> UserRecord | None:
    """IdentityService.acting_username's answer as a user record; None where it refuses."""
    user = find_user(reads, caller)
    if user is None or as_user is None or as_user == caller:
        return user
    if not (user.is_admin and user.active):
        return None
    return find_user(reads, as_user)
