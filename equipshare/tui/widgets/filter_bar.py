"""FilterBar: the catalogue's one-line row of filters; it turns choices into a query.

The screen's query stays the one source of truth: `show()` mirrors it without the bar
reporting that back as a choice, and a real choice posts `FilterBar.Chosen`.

A deferred bar (the catalogue's) mounts its Selects only when `build()` is awaited, after
the first rows are painted: four Selects and their overlays were most of the first
frame's layout and styling work (issue 22, start-up). Until then it keeps what it is
offered and shown, and the Selects start from that.
"""

from __future__ import annotations

from dataclasses import replace

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Select
from textual.widgets._select import SelectOverlay

from equipshare.domain.enums import AccessLevel
from equipshare.domain.records.instruments.catalogue_rows import CatalogueFilters, CatalogueQuery

# (select id, prompt): the bar, left to right.
FILTERS = (
    ("filter-institution", "Institution"),
    ("filter-facility", "Facility"),
    ("filter-category", "Category"),
    ("filter-access", "Access"),
)
ACCESS_CHOICES = [(level.value.replace("_", " "), level.value) for level in AccessLevel]


class FilterSelect(Select[str]):
    """A Select that skips setting itself up when its overlay is gone.

    The bar mounts its Selects after the first rows. An app quit at that moment (a `q`
    typed ahead, or a benchmark that stops at the first rows) tears their children
    down before they mount, and Select's own mount then fails on the missing overlay."""

    def _on_mount(self, event: events.Mount) -> None:
        if not self.query(SelectOverlay):
            event.prevent_default()  # Select's set-up (next in the MRO) has nothing to set


class FilterBar(Horizontal):
    """Institution, facility, category and access; facilities narrow to the institution."""

    DEFAULT_CSS = """
    FilterBar { height: 1; margin: 0 1; }
    FilterBar Select { width: 1fr; margin-right: 1; }
    FilterBar SelectCurrent Static#label { text-wrap: nowrap; text-overflow: ellipsis; }
    FilterBar SelectOverlay { width: 50; max-height: 16; }
    """

    class Chosen(Message):
        """The user picked a filter; `query` is the screen's query with it applied."""

        def __init__(self, query: CatalogueQuery) -> None:
            super().__init__()
            self.query = query

    def __init__(self, *, id: str | None = None, deferred: bool = False) -> None:
        super().__init__(id=id)
        self.filters = CatalogueFilters((), (), ())
        self.current = CatalogueQuery()
        self._offered: dict[str, list[tuple[str, str]]] = {"filter-access": ACCESS_CHOICES}
        self._built = not deferred

    def compose(self) -> ComposeResult:
        if self._built:
            yield from self._selects()

    def _selects(self) -> list[Select[str]]:
        return [
            FilterSelect(
                self._offered.get(select_id, []), prompt=prompt, id=select_id, compact=True
            )
            for select_id, prompt in FILTERS
        ]

    @property
    def built(self) -> bool:
        """Whether the Selects are mounted (a deferred bar's are not until `build()`)."""
        return self._built

    async def build(self) -> None:
        """Mount a deferred bar's Selects, showing what it was offered and shown so far."""
        if self._built:
            return
        self._built = True
        await self.mount_all(self._selects())
        if len(self.query(Select)) == len(FILTERS):  # none when the app closed meanwhile
            self.show(self.current)

    def choices(self, select_id: str) -> list[str]:
        """The values a filter offers now."""
        return [value for _, value in self._offered.get(select_id, [])]

    def select(self, select_id: str) -> Select[str]:
        return self.query_one(f"#{select_id}", Select)

    def offer(self, filters: CatalogueFilters) -> None:
        """The values each filter may take, loaded once from the catalogue."""
        self.filters = filters
        self._offer("filter-institution", [(f"{c} · {n}", c) for c, n in filters.institutions])
        self._offer("filter-category", [(c, c) for c in filters.categories])
        self.show(self.current)

    def _offer(self, select_id: str, options: list[tuple[str, str]]) -> None:
        """Replace a filter's options without it reporting the reset as a choice."""
        if self._offered.get(select_id) == options:
            return
        self._offered[select_id] = options
        if not self._built:
            return  # the Select starts from it when built
        select = self.select(select_id)
        with select.prevent(Select.Changed):
            select.set_options(options)

    def show(self, query: CatalogueQuery) -> None:
        """Mirror `query` in the bar; facilities narrow to the chosen institution."""
        self.current = query
        institution = query.institution_code
        self._offer(
            "filter-facility",
            [
                (f.name if institution else f"{f.institution_code} · {f.name}", f.code)
                for f in self.filters.facilities
                if institution is None or f.institution_code == institution
            ],
        )
        values = {
            "filter-institution": institution,
            "filter-facility": query.facility_code,
            "filter-category": query.category,
            "filter-access": query.access_level.value if query.access_level else None,
        }
        if not self._built:
            return  # `build()` shows `current`
        for select_id, value in values.items():
            select = self.select(select_id)
            legal = {v for _, v in self._offered.get(select_id, [])}
            wanted = value if value in legal else Select.NULL
            if select.value != wanted:
                with select.prevent(Select.Changed):
                    select.value = wanted

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        value = None if event.value == Select.NULL else str(event.value)
        query = self.current
        match event.select.id:
            case "filter-institution":
                query = replace(query, institution_code=value)
                if (
                    value is not None
                    and query.facility_code
                    and not any(
                        f.code == query.facility_code and f.institution_code == value
                        for f in self.filters.facilities
                    )
                ):
                    query = replace(query, facility_code=None)
            case "filter-facility":
                query = replace(query, facility_code=value)
            case "filter-category":
                query = replace(query, category=value)
            case "filter-access":
                query = replace(query, access_level=AccessLevel(value) if value else None)
        self.post_message(self.Chosen(query))
