"""The catalogue's deferred filter bar: no Selects until built, then the query it was shown."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Select

from equipshare.domain.enums import AccessLevel
from equipshare.domain.records.instruments.catalogue import CatalogueFilters, CatalogueQuery
from equipshare.tui.widgets.filter_bar import FilterBar, FilterSelect


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


class Torn(FilterSelect):
    """What a quit at the wrong moment leaves: a Select mounting with no overlay."""

    def compose(self) -> ComposeResult:
        yield from ()


class TornApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Torn([("Warwick", "WARWICK")], prompt="Institution", id="torn")


async def test_a_filter_whose_overlay_is_gone_at_mount_does_not_crash_the_app() -> None:
    """The bar mounts its Selects after the first rows; an app quit at that moment tears
    their children down first, and a plain Select's mount then raises NoMatches."""
    app = TornApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.query_one(Torn).is_mounted
    assert app.return_code in (0, None)
