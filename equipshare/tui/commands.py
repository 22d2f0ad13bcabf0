"""Command palette providers: go to, book or edit any instrument by typing part of its name."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, Protocol, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from equipshare.domain.errors import EquipshareError
from equipshare.domain.records.instruments.catalogue_rows import CatalogueQuery, CatalogueRow

if TYPE_CHECKING:
    from equipshare.services.catalogue.service import CatalogueService

MATCHES = 8


class InstrumentOpener(Protocol):
    """What the palette needs of the app: whose search it runs, and where a hit goes.

    A Protocol, not the app's class, so this module never imports the app that imports it.
    """

    actor_username: str
    catalogue: CatalogueService
    staff: bool  # facility staff or an admin: offered "Edit ..." too

    def open_instrument(self, code: str) -> None: ...

    def open_week(self, code: str) -> None: ...

    def open_editor(self, code: str) -> None: ...

    def action_search(self) -> None: ...


class InstrumentCommands(Provider):
    """'Go to XPS-01 ...', 'Book XPS-01 ...' and, for staff, 'Edit XPS-01 ...' for matches."""

    @property
    def _app(self) -> InstrumentOpener:
        return cast(InstrumentOpener, self.app)

    async def _find(self, text: str) -> tuple[CatalogueRow, ...]:
        app = self._app
        try:
            # The catalogue query runs in a thread, so typing never waits on the database.
            page = await asyncio.to_thread(  # `catalogue` too: it may open the context
                lambda: app.catalogue.page(
                    app.actor_username, CatalogueQuery(search=text), limit=MATCHES
                )
            )
        except EquipshareError:
            return ()
        return page.rows

    async def search(self, query: str) -> Hits:
        words = query.strip()
        for prefix in ("go to ", "book ", "edit "):
            if words.lower().startswith(prefix):
                words = words[len(prefix) :]
        if len(words) < 2:
            return
        matcher = self.matcher(query)
        app = self._app
        verbs = [("Go to", app.open_instrument, 0.5), ("Book", app.open_week, 0.4)]
        if app.staff:
            # The editor says itself which parts the actor may change on this instrument.
            verbs.append(("Edit", app.open_editor, 0.3))
        for row in await self._find(words):
            for verb, action, floor in verbs:
                text = f"{verb} {row.code}  {row.name}"
                yield Hit(
                    max(matcher.match(text), floor),
                    matcher.highlight(text),
                    partial(action, row.code),
                    text=text,
                    help=f"{row.category} · {row.facility_name} ({row.institution_code})",
                )

    async def discover(self) -> Hits:
        yield DiscoveryHit(
            "Go to instrument ...",
            self._app.action_search,
            help="Type part of a code or name in the palette, or search the catalogue",
        )
