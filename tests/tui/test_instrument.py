"""The instrument screen: the viewer's price and training, and coming bookings kept private."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from textual.widgets import Static

from equipshare.db.models.charging import RateCard
from equipshare.domain.enums import UserClass
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.catalogue.detail import InstrumentDetailService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.messages import BookingsChanged
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.instrument import InstrumentScreen
from tests.support.world import World, london
from tests.tui.conftest import settle

XPS = "WAR-XPS-01"


def section(screen: InstrumentScreen, key: str) -> str:
    return str(screen.query_one(f"#instrument-{key}", Static).content)


async def test_instrument_screen_shows_price_training_and_private_bookings(
    context: ServiceContext, world: World
) -> None:
    with context.database.sessions.begin() as session:
        session.add(
            RateCard(
                instrument_id=world.instruments[XPS],
                user_class=UserClass.PARTNER,
                valid_from=date(2025, 8, 1),
                hourly_rate=Decimal("67.50"),
                technician_hourly_rate=Decimal("1075.00"),
                currency="GBP",
            )
        )
    bookings = BookingService(context)
    bookings.book("alice", BookingRequest(XPS, london(2026, 3, 16, 11), london(2026, 3, 16, 12)))
    bookings.book("bob", BookingRequest(XPS, london(2026, 3, 17, 10), london(2026, 3, 17, 12)))

    app = EquipshareApp(context, "bob")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        screen = InstrumentScreen(InstrumentDetailService(context), "bob", XPS)
        await app.push_screen(screen)
        await settle(pilot, lambda: screen.detail is not None)

        assert section(screen, "rates") == (
            "£67.50 an hour (consortium partner rate, from 1 Aug 2025)\n"
            "£1,075.00 an hour for a technician's time"
        )
        assert section(screen, "training") == "Trained until 31 Dec 2027"
        assert section(screen, "bookings") == (
            "Mon 16 Mar 2026 11:00-12:00 GMT  Booked (University of Warwick)\n"
            "Tue 17 Mar 2026 10:00-12:00 GMT  you (pending)"
        )
        title = str(screen.query_one("#instrument-bookings-title", Static).content)
        assert title == "Next bookings (Europe/London)"
        assert section(screen, "downtime") == "None scheduled."
        assert "Tech (technician): tech@example.ac.uk" in section(screen, "contacts")
        assert "Open Mon-Fri 09:00-17:00 (Europe/London)." in section(screen, "policy")

        # A booking made elsewhere shows here once the app says bookings changed.
        bookings.book("alice", BookingRequest(XPS, london(2026, 3, 18, 9), london(2026, 3, 18, 10)))
        app.post_message(BookingsChanged(frozenset({XPS})))
        await settle(pilot, lambda: section(screen, "bookings").count("\n") == 2)
        assert section(screen, "bookings").endswith(
            "Wed 18 Mar 2026 09:00-10:00 GMT  Booked (University of Warwick)"
        )

        await pilot.press("escape")
        assert isinstance(app.screen, CatalogueScreen)


async def test_no_rate_set_and_training_required_in_words(
    context: ServiceContext, world: World
) -> None:
    app = EquipshareApp(context, "erin")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        screen = InstrumentScreen(InstrumentDetailService(context), "erin", XPS)
        await app.push_screen(screen)
        await settle(pilot, lambda: screen.detail is not None)
        assert section(screen, "rates") == "No rate set for internal users; ask the facility."
        assert section(screen, "training") == "Training required: contact tech@example.ac.uk"
        assert section(screen, "bookings") == "Nothing booked."


async def test_i_saves_the_instruments_calendar_without_names(
    context: ServiceContext, world: World, tmp_path: Path
) -> None:
    BookingService(context).book(
        "bob", BookingRequest("WAR-XPS-01", london(2026, 3, 17, 10), london(2026, 3, 17, 12))
    )
    app = EquipshareApp(context, "alice")
    app.downloads = tmp_path
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        app.open_instrument("WAR-XPS-01")
        await settle(pilot, lambda: isinstance(app.screen, InstrumentScreen))
        await pilot.press("i")
        saved = tmp_path / "equipshare-instrument-WAR-XPS-01.ics"
        await settle(pilot, saved.exists)
    text = saved.read_bytes().decode("utf-8")
    assert "\r\nSUMMARY:WAR-XPS-01: Booked (Aston University) - pending approval\r\n" in text
    assert "bob" not in text.lower()
