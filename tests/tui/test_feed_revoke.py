"""Revoking a calendar subscription asks first, naming the feed (issue 20, clumsy forms):
a calendar app cannot be given the old address back, so one key must not end it."""

from __future__ import annotations

from equipshare.services.calendar.feeds import FeedsService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.confirm import ConfirmModal
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.feed_tokens import FeedTokensScreen
from tests.support.world import World
from tests.tui.conftest import click_when_ready, recorded, settle, shown

XPS = "WAR-XPS-01"


async def test_x_asks_naming_the_feed_and_keep_or_escape_keeps_it(
    context: ServiceContext, world: World
) -> None:
    feeds = FeedsService(context)
    feeds.create("alice", "user", label="phone")
    lab = feeds.create("alice", "instrument", XPS, label="lab screen")
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        app.action_feeds()
        await settle(pilot, lambda: isinstance(app.screen, FeedTokensScreen) and app.screen.loaded)
        screen = app.screen
        assert isinstance(screen, FeedTokensScreen)

        await pilot.press("x")  # the cursor is on the newest: the lab screen's feed
        confirm = await shown(pilot, ConfirmModal)
        assert confirm.question == (
            f"Revoke the subscription to instrument {XPS} (lab screen), "
            f"address starting {lab.record.prefix}…?"
        )
        await pilot.press("enter")  # Keep has the focus
        await settle(pilot, lambda: app.screen is screen)
        await pilot.press("x")
        await shown(pilot, ConfirmModal)
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is screen)
        assert len(feeds.tokens("alice")) == 2

        await pilot.press("x")
        await shown(pilot, ConfirmModal)
        await click_when_ready(pilot, "#confirm-go")
        await settle(pilot, lambda: screen.loaded and len(screen.tokens) == 1)
    assert [t.label for t in feeds.tokens("alice")] == ["phone"]


async def test_enter_on_a_feed_says_what_can_be_done_with_it(
    context: ServiceContext, world: World
) -> None:
    FeedsService(context).create("alice", "user", label="phone")
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(80, 24), message_hook=recorded(app)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        app.action_feeds()
        await settle(pilot, lambda: isinstance(app.screen, FeedTokensScreen) and app.screen.loaded)
        await pilot.press("enter")
        await settle(pilot, lambda: bool(recorded(app).notified("warning")))
        assert recorded(app).notified("warning")[0].endswith("x revokes this one")
        assert isinstance(app.screen, FeedTokensScreen)
