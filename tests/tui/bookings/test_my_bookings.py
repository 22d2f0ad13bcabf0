"""My bookings: open with m, see the user's bookings, cancel one, and refuse what cannot be.

The clock starts at Mon 16 Mar 2026 09:00 UTC; the fixture moves it to Tue 17 Mar 09:00.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import icalendar
import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from equipshare.domain.enums import BookingStatus, ChargeBasis, UserClass
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.domain.time.timewords import local_range as when_words
from equipshare.services.bookings.checkin import CheckInService
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.calendar.feeds import FeedsService
from equipshare.services.charging.rates import FacilityPolicyService, RateService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.account.feed_url import FeedUrlModal
from equipshare.tui.modals.bookings.booking_form import BookingForm
from equipshare.tui.modals.bookings.reason import CancelBookingModal
from equipshare.tui.modals.confirm import ConfirmModal
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.feed_tokens import FeedTokensScreen
from equipshare.tui.screens.my_bookings import MyBookingsScreen
from equipshare.tui.widgets.fitted_table import FittedTable
from tests.support.world import World, london
from tests.tui.conftest import recorded, settle, shown

XPS = "WAR-XPS-01"


@pytest.fixture
def booked(context: ServiceContext, world: World, clock: FrozenClock) -> dict[str, int]:
    svc = BookingService(context)

    def book(user: str, code: str, start: datetime, end: datetime) -> int:
        project = "GR-1" if code == "WAR-MEG-01" else None
        return svc.book(user, BookingRequest(code, start, end, project_code=project)).id

    ids = {
        "past": book("alice", XPS, london(2026, 3, 16, 11), london(2026, 3, 16, 12)),
        "tue": book("alice", XPS, london(2026, 3, 17, 10), london(2026, 3, 17, 12)),
        "meg": book("alice", "WAR-MEG-01", london(2026, 3, 18, 10), london(2026, 3, 18, 12)),
        "fri": book("alice", XPS, london(2026, 3, 20, 10), london(2026, 3, 20, 11)),
        "bob": book("bob", XPS, london(2026, 3, 19, 10), london(2026, 3, 19, 11)),
    }
    svc.cancel("alice", ids["fri"])
    clock.instant = datetime(2026, 3, 17, 9, 0, tzinfo=UTC)
    return ids


def my_screen(app: EquipshareApp) -> MyBookingsScreen:
    assert isinstance(app.screen, MyBookingsScreen)
    return app.screen


def rows(app: EquipshareApp) -> list[tuple[str, ...]]:
    table = my_screen(app).query_one("#my-bookings-table", FittedTable)
    return [tuple(str(cell) for cell in table.row_values_at(i)) for i in range(table.row_count)]


def errors(app: EquipshareApp) -> list[str]:
    return recorded(app).notified("error")


async def open_my_bookings(app: EquipshareApp, pilot: Pilot[None]) -> None:
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    await pilot.press("m")
    await settle(pilot, lambda: isinstance(app.screen, MyBookingsScreen) and app.screen.loaded)


def test_when_names_the_facility_zone() -> None:
    start, end = london(2026, 3, 17, 10), london(2026, 3, 17, 12)
    assert when_words(start, end, "Europe/London") == "Tue 17 Mar 2026 10:00-12:00 GMT"
    summer = when_words(london(2026, 6, 2, 22), london(2026, 6, 3, 1), "Europe/London")
    assert summer == "Tue 2 Jun 2026 22:00 BST - Wed 3 Jun 2026 01:00 BST"


async def test_m_opens_my_bookings_and_cancel_asks_for_a_reason(
    context: ServiceContext, booked: dict[str, int]
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_my_bookings(app, pilot)
        # No rate cards in this world: no price ("-"), and nobody has checked in yet.
        # Dates near today go without their year; the code and name are columns of their own.
        xps, meg = ("WAR-XPS-01", "", "WAR-XPS-01"), ("WAR-MEG-01", "Mgr", "WAR-MEG-01")
        assert rows(app) == [
            ("Tue 17 Mar 10:00-12:00 GMT", "confirmed", "-", "", *xps),
            ("Wed 18 Mar 10:00-12:00 GMT", "pending", "-", "", *meg),
            ("Fri 20 Mar 10:00-11:00 GMT", "cancelled", "-", "", *xps),
        ]

        await pilot.press("c")  # the cursor is on Tuesday's booking
        await shown(pilot, CancelBookingModal)
        assert isinstance(app.focused, Input)
        await pilot.press(*"sample not ready", "enter")
        await settle(
            pilot,
            lambda: (
                isinstance(app.screen, MyBookingsScreen)
                and app.screen.loaded
                and rows(app)[0][1] == "cancelled"
            ),
        )
        record = BookingService(context).get("alice", booked["tue"])
        assert record.status is BookingStatus.CANCELLED
        assert record.status_reason == "sample not ready"
        assert errors(app) == []

        await pilot.press("t")
        await settle(pilot, lambda: my_screen(app).loaded and not my_screen(app).upcoming)
        assert [r[0] for r in rows(app)] == ["Mon 16 Mar 11:00-12:00 GMT"]

        await pilot.press("escape")
        assert isinstance(app.screen, CatalogueScreen)


async def test_escape_in_the_dialog_keeps_the_booking(
    context: ServiceContext, booked: dict[str, int]
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await open_my_bookings(app, pilot)
        await pilot.press("c")
        await shown(pilot, CancelBookingModal)
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, MyBookingsScreen))
        assert BookingService(context).get("alice", booked["tue"]).status is (
            BookingStatus.CONFIRMED
        )


async def test_cancelled_and_past_bookings_cannot_be_cancelled(
    context: ServiceContext, booked: dict[str, int]
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_my_bookings(app, pilot)
        await pilot.press("down", "down", "c")  # Friday's, already cancelled
        await settle(pilot, lambda: len(errors(app)) == 1)
        assert isinstance(app.screen, MyBookingsScreen)
        assert "is cancelled" in errors(app)[0]

        await pilot.press("t")
        await settle(pilot, lambda: my_screen(app).loaded and not my_screen(app).upcoming)
        await pilot.press("c")
        await settle(pilot, lambda: len(errors(app)) == 2)
        assert isinstance(app.screen, MyBookingsScreen)
        assert "has ended" in errors(app)[1]
        status = BookingService(context).get("alice", booked["past"]).status
        assert status is BookingStatus.CONFIRMED


async def test_a_refusal_from_the_service_becomes_an_error(
    context: ServiceContext, booked: dict[str, int]
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_my_bookings(app, pilot)
        await pilot.press("c")
        await shown(pilot, CancelBookingModal)
        BookingService(context).cancel("mgr", booked["tue"], "instrument down")  # meanwhile
        await pilot.press("enter")
        await settle(pilot, lambda: len(errors(app)) == 1)
        assert "only pending or confirmed bookings can be cancelled" in errors(app)[0]
        assert isinstance(app.screen, MyBookingsScreen)
        # Asked again, the question's quote is refused as the cancel would be, before a
        # reason is asked for.
        await pilot.press("c")
        await settle(pilot, lambda: len(errors(app)) == 2)
        assert "only pending or confirmed bookings can be cancelled" in errors(app)[1]
        assert isinstance(app.screen, MyBookingsScreen)


async def test_e_moves_a_booking_through_the_booking_form(
    context: ServiceContext, booked: dict[str, int]
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_my_bookings(app, pilot)
        await pilot.press("e")  # the cursor is on Tuesday's booking
        form = await shown(pilot, BookingForm)
        assert (form.value("start"), form.value("length")) == ("2026-03-17 10:00", "2h")
        form.query_one("#booking-start", Input).value = "2026-03-19 13:00"
        await pilot.press("ctrl+s")
        await settle(
            pilot,
            lambda: (
                isinstance(app.screen, MyBookingsScreen)
                and my_screen(app).loaded
                and rows(app)[1][0] == "Thu 19 Mar 13:00-15:00 GMT"
            ),
        )
        moved = BookingService(context).get("alice", booked["tue"])
        assert (moved.starts_at, moved.ends_at) == (
            london(2026, 3, 19, 13),
            london(2026, 3, 19, 15),
        )
        assert moved.sequence == 1
        assert errors(app) == []


async def test_past_bookings_cannot_be_moved(
    context: ServiceContext, booked: dict[str, int]
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_my_bookings(app, pilot)
        await pilot.press("t")
        await settle(pilot, lambda: my_screen(app).loaded and not my_screen(app).upcoming)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, MyBookingsScreen)
        assert any("has ended" in text for text in errors(app))


async def test_i_saves_the_users_calendar_as_an_ics_file(
    context: ServiceContext, booked: dict[str, int], tmp_path: Path
) -> None:
    app = EquipshareApp(context, "alice")
    app.downloads = tmp_path
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_my_bookings(app, pilot)
        await pilot.press("i")
        saved = tmp_path / "equipshare-user-alice.ics"
        await settle(pilot, saved.exists)
        calendar = icalendar.Calendar.from_ical(saved.read_bytes())
        events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
        tuesday = [e for e in events.values() if e.decoded("DTSTART") == london(2026, 3, 17, 10)]
        assert len(tuesday) == 1 and str(tuesday[0]["STATUS"]) == "CONFIRMED"
        assert any(n.startswith(f"Saved {saved}") for n in recorded(app).notified("information"))


async def test_s_issues_a_feed_and_shows_its_url_once(
    context: ServiceContext, booked: dict[str, int]
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_my_bookings(app, pilot)
        await pilot.press("s")
        modal = await shown(pilot, FeedUrlModal)
        issued = modal.issued
        assert issued.webcal_url.startswith("webcal://") and issued.token in issued.webcal_url
        url = str(modal.query_one("#feed-webcal", Static).render())
        assert url == issued.webcal_url
        tokens = FeedsService(context).tokens("alice")
        assert [t.id for t in tokens] == [issued.record.id]
        assert issued.token not in repr(tokens)  # listed without the token
        await pilot.press("escape")
        assert isinstance(app.screen, MyBookingsScreen)


async def test_feeds_lists_subscriptions_and_revokes_one(
    context: ServiceContext, booked: dict[str, int]
) -> None:
    feeds = FeedsService(context)
    kept = feeds.create("alice", "user", label="phone")
    dropped = feeds.create("alice", "instrument", XPS, label="lab screen")
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await pilot.press("escape", "F")
        await settle(pilot, lambda: isinstance(app.screen, FeedTokensScreen) and app.screen.loaded)
        screen = app.screen
        assert isinstance(screen, FeedTokensScreen)
        assert [t.id for t in screen.tokens] == [dropped.record.id, kept.record.id]
        table = screen.query_one(FittedTable)
        shown = " ".join(str(c) for i in range(table.row_count) for c in table.row_values_at(i))
        assert kept.token not in shown and dropped.token not in shown
        await pilot.press("x")  # the newest, the instrument feed: asked first
        await settle(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert isinstance(app.screen, ConfirmModal)
        assert app.screen.question.startswith(f"Revoke the subscription to instrument {XPS}")
        await pilot.press("tab", "enter")  # Keep has the focus; Revoke is next
        await settle(pilot, lambda: screen.loaded and len(screen.tokens) == 1)
        assert [t.id for t in feeds.tokens("alice")] == [kept.record.id]
        assert feeds.tokens("alice", include_revoked=True)[0].revoked


@pytest.fixture
def priced(context: ServiceContext, world: World, clock: FrozenClock) -> int:
    """alice's Tuesday 10-12 XPS session at £60 an hour, billed on actual time; 10:02 now."""
    RateService(context).set("mgr", XPS, UserClass.INTERNAL, Decimal("60"))
    FacilityPolicyService(context).set("mgr", "WAR-PRP", charge_basis=ChargeBasis.ACTUAL)
    bookings = BookingService(context)
    booking = bookings.book(
        "alice", BookingRequest(XPS, london(2026, 3, 17, 10), london(2026, 3, 17, 12))
    )
    bookings.book("alice", BookingRequest(XPS, london(2026, 3, 18, 10), london(2026, 3, 18, 11)))
    clock.instant = london(2026, 3, 17, 10, 2)
    return booking.id


def offered(app: EquipshareApp) -> set[str]:
    """The use keys the footer offers for the highlighted booking."""
    return {"n", "o"} & set(my_screen(app).active_bindings)


async def test_n_checks_in_and_o_checks_out_and_the_price_follows_the_time_used(
    context: ServiceContext, priced: int, clock: FrozenClock
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(120, 30), message_hook=recorded(app)) as pilot:
        await open_my_bookings(app, pilot)
        assert [r[1:4] for r in rows(app)] == [
            ("confirmed", "£120.00", ""),
            ("confirmed", "£60.00", ""),
        ]
        assert offered(app) == {"n"}  # Tuesday's session is on; it opened at 09:45
        await pilot.press("down")
        await settle(pilot, lambda: offered(app) == set())  # Wednesday's is not yet
        await pilot.press("up", "n")
        await settle(pilot, lambda: my_screen(app).loaded and rows(app)[0][3] == "in 10:02 GMT")
        assert offered(app) == {"o"}
        assert BookingService(context).get("alice", priced).checked_in_at == clock.now()

        clock.instant = london(2026, 3, 17, 11, 30)
        await pilot.press("o")
        await settle(pilot, lambda: my_screen(app).loaded and rows(app)[0][3] == "10:02-11:30 GMT")
        # Actual-time basis: 88 minutes at £60 an hour, not the two hours booked.
        assert rows(app)[0][1:4] == ("confirmed", "£88.00", "10:02-11:30 GMT")
        assert offered(app) == set()
        assert BookingService(context).get("alice", priced).charge_pence == 8800
        notes = recorded(app).notified("information")
        assert (
            f"Checked out of booking {priced} on {XPS}; charge £88.00 for 1 h 28 min used, "
            "check-in to check-out (booked £120.00)"
        ) in notes
        assert errors(app) == []


async def test_a_refused_check_in_is_a_notification_and_hidden_keys_do_nothing(
    context: ServiceContext, priced: int
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await open_my_bookings(app, pilot)
        CheckInService(context).check_in("tech", priced)  # the technician did it meanwhile
        await pilot.press("n")
        await settle(pilot, lambda: len(errors(app)) == 1)
        assert "already checked in" in errors(app)[0]
        assert isinstance(app.screen, MyBookingsScreen)
        await pilot.press("down", "o")  # not offered on Wednesday's booking: nothing happens
        await pilot.pause()
        assert errors(app) == [errors(app)[0]] and offered(app) == set()
        wednesday = BookingService(context).get("alice", priced + 1)
        assert wednesday.checked_in_at is None and wednesday.checked_out_at is None


async def test_enter_on_a_booking_is_its_e_on_both_tabs(
    context: ServiceContext, booked: dict[str, int]
) -> None:
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(100, 30), message_hook=recorded(app)) as pilot:
        await open_my_bookings(app, pilot)
        await pilot.press("enter")  # the cursor is on Tuesday's booking
        form = await shown(pilot, BookingForm)
        assert form.value("start") == "2026-03-17 10:00"
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, MyBookingsScreen))
        await pilot.press("t")
        await settle(pilot, lambda: my_screen(app).loaded and not my_screen(app).upcoming)
        await pilot.press("enter")  # a past booking: says why, as e does
        await settle(pilot, lambda: any("has ended" in text for text in errors(app)))
        assert isinstance(app.screen, MyBookingsScreen)
