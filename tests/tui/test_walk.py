"""What a walk of every screen in tmux found (issue 20), as each role at 80x24: words cut
off, keys that seemed to do nothing, wording that read wrong.

The clock is Mon 16 Mar 2026 09:00 UTC (GMT in London).
"""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets import Input, Select, Static

from equipshare.services.consortium.facilities import FacilityService
from equipshare.services.people.training import TrainingService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.training_form import TrainingForm
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.portfolio import PortfolioScreen
from tests.support.world import World
from tests.tui.conftest import recorded, settle, shown
from tests.tui.test_facilities import open_facilities
from tests.tui.test_portfolio_screen import open_portfolio
from tests.tui.test_training import open_training
from tests.tui.test_training import training as training  # a fixture, used by name


def whole(widget: Widget) -> bool:
    """Every line of the widget's words is in view: none is cut off below its height."""
    width = widget.content_size.width
    needed = widget.get_content_height(widget.content_size, widget.app.size, width)
    return bool(needed) and widget.content_size.height >= needed


async def test_the_training_expiry_says_blank_means_never_in_the_room_it_has(
    context: ServiceContext, training: TrainingService
) -> None:
    app = EquipshareApp(context, "tech")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await open_training(app, pilot, training, "tech")
        await pilot.press("n")
        form = await shown(pilot, TrainingForm)
        expiry = form.query_one("#training-expiry", Input)
        assert "blank: never" in expiry.placeholder
        assert len(expiry.placeholder) <= expiry.content_size.width


async def test_u_on_a_managers_portfolio_opens_the_list_of_whose(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "mgr")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_portfolio(pilot)
        who = screen.query_one("#portfolio-who", Select)
        await pilot.press("u")
        await settle(pilot, lambda: who.expanded)
        assert app.focused is not None and who in app.focused.ancestors_with_self


async def test_why_an_admin_has_no_portfolio_is_shown_whole(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "root")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await settle(pilot, lambda: not any(w.group == "standing" for w in app.workers))
        await pilot.press("W")
        screen = await shown(pilot, PortfolioScreen)
        status = screen.query_one("#portfolio-status", Static)
        await settle(pilot, lambda: str(status.content).startswith("Not shown"))
        assert str(status.content).endswith("a portfolio records technical work")
        assert whole(status)


async def test_a_facilitys_details_are_shown_whole_at_80_columns(
    context: ServiceContext, world: World
) -> None:
    FacilityService(context).edit(
        "root",
        "AST-EM",
        department="School of Life Sciences",
        building="Aston Medical School",
        site="Aston Triangle, Birmingham",
        email="em-facility@aston.ac.uk",
        web_address="https://www.aston.ac.uk/facilities/electron-microscopy",
    )  # as the demo's facilities are described: four lines at 80 columns
    app = EquipshareApp(context, "root")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_facilities(app, pilot, "root")
        detail = app.screen.query_one("#facility-detail", Static)
        assert "instrument" in str(detail.content)
        assert whole(detail)
