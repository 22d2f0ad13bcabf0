"""The catalogue's deferred filter bar: no Selects until built, then the query it was shown."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Select

from equipshare.domain.enums import AccessLevel
from equipshare.domain.records.catalogue import CatalogueFilters, CatalogueQuery
from equipshare.tui.widgets.filter_bar import FilterBar


class BarApp(App[None]):
    def compose(self) -> ComposeResult:
        yield FilterBar(id="bar", deferred=True)


async def test_a_deferred_bar_mounts_its_selects_when_built_showing_what_it_was_given() -> None:
    app = BarApp()
    async with app.run_test() as pilot:
        bar = app.query_one(FilterBar)
        # Before it is built (the first rows are not painted yet) it only keeps what it is told.
        bar.offer(
            CatalogueFilters(institutions=(("WARWICK", "Warwick"),), facilities=(), categories=())
        )
        bar.show(CatalogueQuery(institution_code="WARWICK", access_level=AccessLevel.CONSORTIUM))
        assert not bar.built and not app.query(Select)
        assert bar.choices("filter-institution") == ["WARWICK"]

        await bar.build()
        await pilot.pause()
        assert bar.built
        assert bar.select("filter-institution").value == "WARWICK"
        assert bar.select("filter-access").value == AccessLevel.CONSORTIUM.value
        assert bar.select("filter-facility").is_blank()
        await bar.build()  # again: nothing more is mounted
        assert len(app.query(Select)) == 4
