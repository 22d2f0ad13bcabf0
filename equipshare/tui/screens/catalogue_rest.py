"""CatalogueRestWork: what the catalogue does once the view has rested: count the matches
and find the "Next free" slots of the rows in view, each in a worker of its own, and keep
those slots current as bookings are made here or anywhere else.

CatalogueScreen (catalogue.py) searches, filters and pages; this base never runs behind a
keystroke: typing holds it, and an answer for an older query is dropped (a next free
slot is still kept in the cache).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.message import Message
from textual.timer import Timer

from equipshare.domain.records.changes import Topic
from equipshare.domain.records.instruments.catalogue_rows import CatalogueQuery, NextFreeSlot
from equipshare.tui.messages import BookingsChanged
from equipshare.tui.next_free import NextFreeCache, next_free_words
from equipshare.tui.service_screen import ServiceScreen
from equipshare.tui.widgets.catalogue_table import CatalogueTable

if TYPE_CHECKING:
    from equipshare.services.catalogue.service import CatalogueService


class CatalogueRestWork(ServiceScreen[None]):
    """The base of CatalogueScreen: the total count and the Next free column."""

    @dataclass
    class Counted(Message):
        """The instruments matching a query were counted (off the typing path)."""

        generation: int
        query: CatalogueQuery
        total: int

    @dataclass
    class NextFreeFound(Message):
        """Next free slots for some rows; `generation` says which query asked."""

        generation: int
        slots: tuple[NextFreeSlot, ...]

    #: At most this many rows, from the top of the view, get a next free slot per look.
    NEXT_FREE_ROWS = 50
    #: Seconds a next free slot is trusted before it is asked for again.
    NEXT_FREE_TTL = 60.0
    #: Seconds the view must rest (no keystroke, page or scroll) before the total count and
    #: next free slots are asked for: they must not compete with typing.
    REST_DELAY = 0.2

    _actor: str
    _generation: int
    _query: CatalogueQuery
    _total: int | None
    _rest_timer: Timer | None
    _free: NextFreeCache
    #: The codes whose next free slots are being found now.
    _asked: tuple[str, ...]

    if TYPE_CHECKING:

        @property
        def _catalogue(self) -> CatalogueService: ...

        @property
        def _table(self) -> CatalogueTable: ...

        def _update_status(self) -> None: ...

        def _maybe_prefetch(self) -> None: ...

    def _hold_background_work(self) -> None:
        """Typing or a new query: nothing waits to run behind it."""
        if self._rest_timer is not None:
            self._rest_timer.stop()
            self._rest_timer = None

    def _rest_then_fill(self) -> None:
        """Once nothing has moved for REST_DELAY seconds: prefetch, count, find next free slots."""
        self._hold_background_work()
        self._rest_timer = self.set_timer(self.REST_DELAY, self._rested)

    def _rested(self) -> None:
        self._rest_timer = None
        self._maybe_prefetch()
        self._count_if_needed()
        self._ask_next_free()

    def _count_if_needed(self) -> None:
        if self._total is None and not self.working("catalogue_count"):
            self.count_matches(self._generation, self._query)

    def count_matches(self, generation: int, query: CatalogueQuery) -> None:
        self.call_service(
            lambda: self._catalogue.count(self._actor, query),
            lambda total: self.Counted(generation, query, total),
            group="catalogue_count",
            # The page load reports the same refusal; the status keeps its dots.
            refused=lambda _: None,
            drop_if_cancelled=True,
        )

    @on(Counted)
    def _show_count(self, message: Counted) -> None:
        if message.generation == self._generation:
            self._total = message.total
            self._update_status()
        elif self._rest_timer is None:
            self._count_if_needed()  # counted an older query; the view rests on a new one

    def _ask_next_free(self) -> None:
        """Ask for the rows from the top of the view that have no fresh answer."""
        codes = self._free.missing(self._table.codes_in_view(self.NEXT_FREE_ROWS), time.monotonic())
        if codes and not self.working("next_free"):
            self._asked = codes
            self.find_next_free(self._generation, codes)

    def find_next_free(self, generation: int, codes: tuple[str, ...]) -> None:
        self.call_service(
            lambda: self._catalogue.next_free(self._actor, codes),
            lambda slots: self.NextFreeFound(generation, slots),
            group="next_free",
            # The page load reports the same refusal; the column keeps its dots.
            refused=lambda _: None,
            drop_if_cancelled=True,
        )

    @on(NextFreeFound)
    def _show_next_free(self, message: NextFreeFound) -> None:
        now = time.monotonic()
        self._free.store(message.slots, now)
        if message.generation == self._generation:  # else kept in the cache, not painted
            table = self._table
            for slot in message.slots:
                table.update_next_free(slot.instrument_code, next_free_words(slot))
        asked, self._asked = self._asked, ()
        if self._rest_timer is None and any(
            code not in asked
            for code in self._free.missing(self._table.codes_in_view(self.NEXT_FREE_ROWS), now)
        ):
            self._ask_next_free()  # the view moved on while this answer was on its way

    @on(BookingsChanged)
    def _bookings_changed(self, message: BookingsChanged) -> None:
        self._free.forget(message.instrument_codes)
        self._ask_next_free()

    # Keeping up with writes made elsewhere ----------------------------------------------------

    def live_topics(self) -> frozenset[Topic]:
        """The instruments whose next free slot is shown (at most NEXT_FREE_ROWS)."""
        codes = self._table.codes_in_view(self.NEXT_FREE_ROWS) if self.is_mounted else ()
        return frozenset(Topic.instrument(code) for code in codes)

    def live_changed(self, changed: frozenset[Topic]) -> None:
        # Booked elsewhere: forget those next free slots and ask again, as after our own.
        self.post_message(BookingsChanged(frozenset(topic.key for topic in changed)))
