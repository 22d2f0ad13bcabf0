"""What a walk of every screen in tmux found (issue 20), as each role at 80x24: words cut
off, keys that seemed to do nothing, wording that read wrong.

The clock is Mon 16 Mar 2026 09:00 UTC (GMT in London).
"""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets import Input, Select, Static

from equipshare.db.engine import Database
from equipshare.domain.money.charging import gbp
from equipshare.domain.records.money.statements import Statement
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.charging.service import StatementService
from equipshare.services.consortium.facilities import FacilityService
from equipshare.services.people.training import TrainingService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.bookings.booking_form import BookingForm
from equipshare.tui.modals.downtime.schedule_downtime import ScheduleDowntimeModal
from equipshare.tui.modals.reports.report_period import ReportPeriodModal
from equipshare.tui.modals.training.training_form import TrainingForm
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.portfolio import PortfolioScreen
from equipshare.tui.screens.reports.reports import ReportsScreen
from tests.support.november import NOVEMBER, NOW, plant_november
from tests.support.world import World, london
from tests.tui.administration.test_facilities import open_facilities
from tests.tui.bookings.test_booking_form_offers import XPS, open_form, start_error
from tests.tui.conftest import click_when_ready, recorded, settle, shown
from tests.tui.reports.test_portfolio_screen import open_portfolio
from tests.tui.staff.test_downtime import open_downtime
from tests.tui.staff.test_training import open_training
from tests.tui.staff.test_training import training as training  # a fixture, used by name


def form_errors(form: BookingForm) -> str:
    """Every refusal the booking form shows, beside its field or under the form."""
    return " | ".join(str(error.render()) for error in form.query(".field-error"))


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


async def test_a_refused_start_names_its_zone(context: ServiceContext, world: World) -> None:
    """A start in the past, and a clash, say which clock they mean (GMT or BST)."""
    BookingService(context).book(
        "bob", BookingRequest(XPS, london(2026, 3, 17, 10), london(2026, 3, 17, 12))
    )
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app, london(2026, 3, 16, 8))
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: start_error(form) != "")
        assert start_error(form) == "08:00 Mon 16 Mar 2026 GMT is in the past"
        form.query_one("#booking-start", Input).value = "2026-03-17 11:00"
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: "already booked" in form_errors(form))
        assert "is already booked 10:00-12:00 Tue 17 Mar 2026 GMT (booking" in form_errors(form)


async def test_the_charges_tab_says_a_facility_filter_does_not_narrow_a_statement(
    context: ServiceContext, clock: FrozenClock, database: Database, world: World
) -> None:
    """Statements are by institution: with a facility chosen, the tab's total is still every
    facility's (as `equipshare report charges` has it), and it says so."""
    clock.instant = NOW
    plant_november(database, world)
    app = EquipshareApp(context, "root")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.staff)
        await pilot.press("escape", "R")
        screen = await shown(pilot, ReportsScreen)
        await pilot.press("p")
        period = await shown(pilot, ReportPeriodModal)
        period.query_one("#period-facility", Input).value = "WAR-PRP"
        period.query_one("#period-facility", Input).focus()
        await pilot.press("enter")
        await settle(pilot, lambda: screen.choice.facility_code == "WAR-PRP")
        await pilot.press("5")
        await settle(pilot, lambda: isinstance(screen.report("charges"), Statement))
        statement = StatementService(context).statement("root", NOVEMBER)
        # The note wraps to the terminal: compare its words, not where its lines break.
        note = " ".join(
            str(screen.query_one("#charges-view .report-note", Static).render()).split()
        )
        assert note.startswith("Statement for November 2026 (open, follows its bookings")
        assert f"{gbp(statement.total_pence)} in" in note
        assert note.endswith(
            "every facility's: a statement is by institution, so the facility WAR-PRP is "
            "not applied"
        )


async def test_the_downtime_forms_examples_are_tomorrow(
    context: ServiceContext, world: World
) -> None:
    """Not a fixed day already past (2026-03-18 was shown in December)."""
    app = EquipshareApp(context, "tech")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_downtime(app, pilot, context)
        await pilot.press("n")
        form = await shown(pilot, ScheduleDowntimeModal)
        assert form.query_one("#downtime-start", Input).placeholder == "2026-03-17 09:00"
        assert form.query_one("#downtime-end", Input).placeholder == (
            "2026-03-17 17:00, or a length: 8h"
        )
        await click_when_ready(pilot, "#downtime-preview-button")
        assert form.errors()["start"] == "give the start, like 2026-03-17 09:00"
