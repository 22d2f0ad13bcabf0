"""The changes feature's public face: the stamps of the topics an open screen shows.

A screen asks every few seconds, from every process that shows one, so the answer is one
statement of index reads (`statements.py`) over the counters that every committed write
bumps below the services (`equipshare.db.change_stamps`), whichever process wrote it.
"""

from __future__ import annotations

from collections.abc import Iterable

from equipshare.db.engine import SQLITE_BEGIN_OPTION
from equipshare.domain.errors import PermissionDenied
from equipshare.domain.records.changes import Topic, TopicKind, TopicStamps
from equipshare.services.changes.statements import statement_for
from equipshare.services.plumbing.context import ServiceContext

__all__ = ["ChangesService", "Topic", "TopicKind", "TopicStamps"]

#: The kinds read as two rows (the facilities staffed, and every one for an admin) to add up.
STAFFED = (TopicKind.APPROVALS, TopicKind.TRAINING, TopicKind.DOWNTIME)


class ChangesService:
    """Change stamps for the acting user's open screens."""

    def __init__(self, context: ServiceContext) -> None:
        # A plain connection that begins DEFERRED on SQLite, as read-only sessions do: a
        # session would cost more than the one statement it runs.
        self._reader = context.database.engine.execution_options(
            **{SQLITE_BEGIN_OPTION: "DEFERRED"}
        )
        # With a read replica the screens read there, so their stamps must come from there
        # too: stamps from the primary would reload a screen before the replica holds what
        # moved them, and then never again.
        self._replica = context.database.replica

    def stamps(self, actor_username: str, topics: Iterable[Topic]) -> TopicStamps:
        """The stamps of `topics` now; a topic naming nothing that exists reads as the
        catalogue's stamp alone, so it changes when such a thing appears.

        A stamp counts writes, never what was written, but whose bookings moved when is the
        owner's business: the USER topic is the actor's own.
        """
        wanted = frozenset(topics)
        for topic in wanted:
            if topic.kind is TopicKind.USER and topic.key != actor_username:
                raise PermissionDenied(f"user: only {actor_username}'s own bookings", "user")
        kinds = frozenset(topic.kind for topic in wanted)
        params = {
            "actor": actor_username,
            "codes": sorted({t.key for t in wanted if t.kind is TopicKind.INSTRUMENT}),
            "facility_codes": sorted({t.key for t in wanted if t.kind is TopicKind.FACILITY}),
        }
        if self._replica is not None:
            with self._replica() as session:
                rows = session.connection().execute(statement_for(kinds), params).all()
        else:
            with self._reader.connect() as connection:
                rows = connection.execute(statement_for(kinds), params).all()
        everything = 0
        found: dict[tuple[str, str], int] = {}
        for kind, key, stamp in rows:
            if kind == "all":
                everything = int(stamp or 0)
            elif kind in STAFFED:  # the staff and admin rows
                found[(kind, "")] = found.get((kind, ""), 0) + int(stamp or 0)
            else:
                found[(kind, key)] = int(stamp or 0)
        return TopicStamps(
            {topic: everything + found.get((topic.kind, topic.key), 0) for topic in wanted}
        )
