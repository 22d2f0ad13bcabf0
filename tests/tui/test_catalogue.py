"""The catalogue screen: search, paging, the instrument screen and help, on a real database."""

from __future__ import annotations

from typing import cast

import pytest
from textual import events
from textual.widgets import Input, Select, Static

from equipshare.db.models.catalogue import Instrument
from equipshare.domain.records.instruments.catalogue import (
    CataloguePage,
    CatalogueQuery,
    NextFreeSlot,
)
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.launch import Launch
from equipshare.tui.app import EquipshareApp
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.help import HelpScreen
from equipshare.tui.screens.instrument import InstrumentScreen
from equipshare.tui.widgets.catalogue_table import CatalogueTable
from tests.support.world import World, add_instrument, instrument_row
from tests.tui.conftest import settle

ALL = ["AST-SEM-01", "WAR-AFM-01", "WAR-MEG-01", "WAR-RAM-01", "WAR-XPS-01"]


def table_of(app: EquipshareApp) -> CatalogueTable:
    return app.screen.query_one("#catalogue-table", CatalogueTable)


def codes(app: EquipshareApp) -> list[str]:
    return table_of(app).codes


def next_free(app: EquipshareApp) -> dict[str, str]:
    table = table_of(app)
    return {code: table.cell(code, "next_free") for code in codes(app)}


def painted(app: EquipshareApp) -> list[str]:
    """The table's lines as drawn, header first."""
    table = table_of(app)
    return [table.render_line(y).text for y in range(table.scrollable_content_region.height)]


def status_text(app: EquipshareApp) -> str:
    return str(app.screen.query_one("#catalogue-status", Static).content)


async def test_catalogue_shows_the_world_and_search_narrows_it(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and codes(app) == ALL)
        assert app.title == context.settings.organisation.name
        assert status_text(app) == "5 of 5 instruments shown"

        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press("x", "p", "s")
        # "xp" finds the XPS too: wait for the page of what was typed, as the status says.
        await settle(pilot, lambda: status_text(app).endswith('filters: "xps"'))
        assert codes(app) == ["WAR-XPS-01"]
        assert status_text(app) == '1 of 1 instrument shown  ·  filters: "xps"'

        await pilot.press("backspace", "backspace", "backspace", "a", "s", "t")
        await settle(pilot, lambda: codes(app) == ["AST-SEM-01"])

        await pilot.press("escape")
        assert isinstance(app.focused, CatalogueTable)


async def test_keys_typed_in_one_burst_after_slash_reach_the_search(
    context: ServiceContext, world: World
) -> None:
    """'/xps' arriving at once, as a paste or a slow SSH link delivers it: all three letters
    go to the search, none to the table; and in the search box "/" is a character."""
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and codes(app) == ALL)
        assert isinstance(app.focused, CatalogueTable)
        for key, character in (("slash", "/"), ("x", "x"), ("p", "p"), ("s", "s")):
            app.post_message(events.Key(key, character))  # queued together, as a driver does
        await settle(pilot, lambda: status_text(app).endswith('filters: "xps"'))
        search = app.screen.query_one("#catalogue-search", Input)
        assert search.value == "xps" and codes(app) == ["WAR-XPS-01"]
        await pilot.press("slash")
        assert search.value == "xps/" and search.has_focus


async def test_bookable_by_me_toggles_a_filter(context: ServiceContext, world: World) -> None:
    app = EquipshareApp(context, "bob")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: codes(app) == ALL)
        await pilot.press("b")
        await settle(pilot, lambda: codes(app) == ["AST-SEM-01", "WAR-MEG-01", "WAR-XPS-01"])
        assert "bookable by me" in status_text(app)
        await pilot.press("b")
        await settle(pilot, lambda: codes(app) == ALL)


async def test_enter_opens_the_instrument_and_escape_returns(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "bob")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: codes(app) == ALL)
        await pilot.press("down", "down")  # WAR-MEG-01
        await pilot.press("enter")
        await settle(
            pilot,
            lambda: isinstance(app.screen, InstrumentScreen) and app.screen.instrument is not None,
        )
        screen = cast(InstrumentScreen, app.screen)
        assert screen.code == "WAR-MEG-01"
        facts = str(screen.query_one("#instrument-facts", Static).content)
        assert "Aston" not in facts and "University of Warwick (WARWICK)" in facts
        assert "users of consortium partner institutions" in facts
        policy = str(screen.query_one("#instrument-policy", Static).content)
        assert "Booked in 2-hour slots; every booking lasts 2 hours." in policy
        assert "Open Mon-Fri 08:00-18:00 (Europe/London)." in policy
        assert "Every booking needs the facility's approval." in policy
        assert "A project or grant code is required." in policy
        assert "Each user may book up to 6 hours a week." in policy

        await pilot.press("escape")
        assert isinstance(app.screen, CatalogueScreen)
        assert table_of(app).cursor_row == 2


async def test_question_mark_lists_the_bindings(context: ServiceContext, world: World) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: codes(app) == ALL)
        await pilot.press("question_mark")
        await settle(pilot, lambda: isinstance(app.screen, HelpScreen))
        rows = cast(HelpScreen, app.screen).rows()
        keys = {(key, where) for key, _, where, _ in rows}
        assert ("/", "catalogue") in keys and ("b", "catalogue") in keys
        assert ("?", "everywhere") in keys and ("q", "everywhere") in keys
        assert all(does for _, does, _, _ in rows)
        await pilot.press("escape")
        assert isinstance(app.screen, CatalogueScreen)


async def test_cursor_near_the_end_loads_the_next_page(
    context: ServiceContext, world: World
) -> None:
    with context.database.sessions.begin() as session:
        session.add_all(
            instrument_row(world.facilities["WAR-PRP"], f"WAR-GEN-{n:03d}") for n in range(450)
        )
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        # A small first page; once the view rests, the count and one bigger page behind it.
        await settle(pilot, lambda: status_text(app) == "260 of 455 instruments shown")
        table = table_of(app)
        await pilot.press("ctrl+end")
        await settle(pilot, lambda: table.row_count == 455)
        assert table.cursor_row == 259  # the end of what was loaded when the key was pressed
        loaded = codes(app)
        assert loaded == sorted(loaded) and len(set(loaded)) == 455
        assert status_text(app) == "455 of 455 instruments shown"


async def test_a_launch_paints_the_drivers_first_page_then_the_services_take_over(
    context: ServiceContext, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with context.database.sessions.begin() as session:
        session.add_all(
            instrument_row(world.facilities["WAR-PRP"], f"WAR-GEN-{n:03d}") for n in range(70)
        )
    launch = Launch.start(context.settings, "mgr", None)  # as `equipshare tui` starts
    assert launch is not None
    answers: list[CataloguePage | None] = []
    read_first = launch.first_page

    def first_page(query: CatalogueQuery, limit: int) -> CataloguePage | None:
        answers.append(read_first(query, limit))
        return answers[-1]

    monkeypatch.setattr(launch, "first_page", first_page)
    with launch:
        app = EquipshareApp(launch, launch.actor_username)
        async with app.run_test(size=(100, 30)) as pilot:
            # The rest (the count, the next page, the manager's keys) comes through the
            # services, built from the context the launch opens after the first rows.
            await settle(pilot, lambda: status_text(app) == "75 of 75 instruments shown")
            assert app.staff
            shown = codes(app)
    assert shown == sorted(shown) and len(shown) == 75
    [page] = answers
    assert page is not None and [row.code for row in page.rows] == shown[:60]


async def test_filter_by_institution_narrows_the_table_and_its_facilities(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: codes(app) == ALL)
        screen = cast(CatalogueScreen, app.screen)
        institution = screen.query_one("#filter-institution", Select)
        facility = screen.query_one("#filter-facility", Select)
        await settle(
            pilot, lambda: screen.filter_choices("filter-facility") == ["AST-EM", "WAR-PRP"]
        )
        await pilot.press("f")
        assert app.focused is institution
        await pilot.press("enter", "down", "enter")  # the first institution: ASTON
        await settle(pilot, lambda: codes(app) == ["AST-SEM-01"])
        assert screen.query_state.institution_code == "ASTON"
        assert "filters: institution ASTON" in status_text(app)
        # Only Aston's facility is left to choose from.
        assert screen.filter_choices("filter-facility") == ["AST-EM"]
        assert str(facility.value) == str(Select.NULL)

        await pilot.press("tab", "tab", "tab", "enter", "down", "enter")  # access: institution
        await settle(pilot, lambda: codes(app) == [])
        await pilot.press("x")
        await settle(pilot, lambda: codes(app) == ALL)
        assert institution.is_blank() and screen.query_one("#filter-access", Select).is_blank()


async def test_next_free_column_is_filled_after_the_page(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "erin")
    async with app.run_test(size=(100, 30)) as pilot:
        # Every row is there and every "Next free" cell is answered (no rows: no answers yet).
        await settle(pilot, lambda: codes(app) == ALL and "…" not in next_free(app).values())
        # Monday 09:00 GMT with an hour's notice; erin is not trained on the XPS.
        assert next_free(app) == {
            "AST-SEM-01": "Mon 16 Mar 10:00 GMT",
            "WAR-AFM-01": "out of service",
            "WAR-MEG-01": "Mon 16 Mar 10:00 GMT",
            "WAR-RAM-01": "Mon 16 Mar 10:00 GMT",
            "WAR-XPS-01": "training needed",
        }
        # A new search repaints from the cache: no dots while the answers are fresh.
        await pilot.press("slash", "x", "p", "s")
        # "xp" finds the XPS too: wait for the page of what was typed, as the status says.
        await settle(pilot, lambda: status_text(app).endswith('filters: "xps"'))
        assert codes(app) == ["WAR-XPS-01"]
        assert next_free(app) == {"WAR-XPS-01": "training needed"}
        # An answer to an older query is not painted over the current one.
        screen = cast(CatalogueScreen, app.screen)
        stale = NextFreeSlot("WAR-XPS-01", "Europe/London", None, None, "stale")
        screen.post_message(CatalogueScreen.NextFreeFound(screen.generation - 1, (stale,)))
        await pilot.pause()
        assert next_free(app)["WAR-XPS-01"] == "training needed"


async def test_names_show_literally_and_a_click_on_the_highlighted_row_opens_it(
    context: ServiceContext, world: World
) -> None:
    nmr_id = add_instrument(context.database, world, "WAR-NMR-01", "WAR-PRP")
    with context.database.sessions.begin() as session:
        instrument = session.get(Instrument, nmr_id)
        assert instrument is not None
        instrument.name = "[x] Bruker [b]NMR"
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(
            pilot, lambda: len(codes(app)) == len(ALL) + 1 and "…" not in next_free(app).values()
        )
        lines = painted(app)
        assert lines[0].split()[:5] == ["Code", "Name", "Institution", "Next", "free"]
        nmr = next(line for line in lines if line.startswith(" WAR-NMR-01"))
        assert "[x] Bruker [b]NMR" in nmr  # not markup: the brackets stay
        # At 80 columns the next free slot still shows its zone.
        meg = next(line for line in lines if line.startswith(" WAR-MEG-01"))
        assert "Mon 16 Mar 10:00 GMT" in meg

        await pilot.click(CatalogueTable, offset=(3, 3))  # the header, then rows 0, 1, 2
        assert table_of(app).cursor_code == "WAR-MEG-01"
        assert isinstance(app.screen, CatalogueScreen)  # a first click only highlights
        await pilot.click(CatalogueTable, offset=(3, 3))
        await settle(pilot, lambda: isinstance(app.screen, InstrumentScreen))
        assert cast(InstrumentScreen, app.screen).code == "WAR-MEG-01"


async def test_a_refused_search_shows_the_refusal_not_the_last_rows(
    context: ServiceContext, world: World
) -> None:
    """A NUL or a search past the limit is refused: the table empties and the status says why
    (issue 17: the refusal was swallowed and the last search's rows stayed)."""
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and codes(app) == ALL)
        search = app.screen.query_one("#catalogue-search", Input)
        search.value = "x" * 60_000
        await settle(pilot, lambda: status_text(app).startswith("Not shown"))
        assert codes(app) == [] and search.has_class("-invalid")
        assert status_text(app) == "Not shown: search: at most 200 characters, not 60,000"
        search.value = "xps"
        await settle(pilot, lambda: codes(app) == ["WAR-XPS-01"])
        assert not search.has_class("-invalid")
        search.value = "xps\x00"
        await settle(pilot, lambda: codes(app) == [])
        assert status_text(app).startswith("Not shown: search: holds a control character")
