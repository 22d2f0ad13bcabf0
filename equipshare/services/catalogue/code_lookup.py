"""InstrumentLookupService: the instrument codes starting with what was typed, for completion.

The catalogue shows every instrument to everyone, so anyone active may look codes up; a
deactivated account may not. Case never matters, and the lookup reads one range of
migration 0009's index and stops after `limit`, so a keystroke costs the same at any scale.
The catalogue's search (every word anywhere in five columns) answers a different question.
"""

from __future__ import annotations

from sqlalchemy import select

from equipshare.db.models.catalogue import Instrument
from equipshare.domain.errors import PermissionDenied
from equipshare.domain.inputs.search_text import checked_search
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.prefix import prefix_key, starts_with

#: The most codes one lookup returns: it fills a suggestion, not a page.
MAX_LIMIT = 50


class InstrumentLookupService:
    """Prefix lookups of instrument codes for completing fields; read-only."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database

    def codes(self, actor_username: str, text: str, *, limit: int = 10) -> tuple[str, ...]:
        """Up to `limit` instrument codes starting with `text`, in any case, in code order."""
        text = checked_search(text, "code").strip()
        limit = max(1, min(limit, MAX_LIMIT))
        if not text:
            return ()
        with self._db.reads() as session:
            user = row_records.load_user(session, actor_username)
            if not user.active:
                raise PermissionDenied(
                    f"{actor_username} may not look up instruments: the account is deactivated",
                    "user",
                )
            key = prefix_key(session, Instrument.code)
            query = (
                select(Instrument.code)
                .where(starts_with(session, Instrument.code, text))
                .order_by(key)
                .limit(limit)
            )
            return tuple(session.scalars(query))
