"""The research screens any user may open (calendar feeds, acknowledgements, grant costing,
outputs): openers kept out of app.py, each importing its screen and service on first use."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.screen import Screen

    from equipshare.services.plumbing.context import ServiceContext
    from equipshare.tui.widgets.suggesters import Completions


class ResearchActions:
    """Mixed into the app: opens the screens every user has for their research."""

    actor_username: str
    downloads: Path | None
    staff: bool

    if TYPE_CHECKING:

        @property
        def context(self) -> ServiceContext: ...  # the app's; a launch opens it late

        @property
        def completions(self) -> Completions: ...

        def _show(self, screen_type: type[Screen[None]], make: Screen[None]) -> None: ...

    def action_feeds(self) -> None:
        from equipshare.services.calendar.service import FeedsService
        from equipshare.tui.screens.feed_tokens import FeedTokensScreen

        self._show(
            FeedTokensScreen, FeedTokensScreen(FeedsService(self.context), self.actor_username)
        )

    def action_acknowledge(self) -> None:
        from equipshare.services.acknowledgements.service import AcknowledgementService
        from equipshare.tui.screens.acknowledge import AcknowledgeScreen

        screen = AcknowledgeScreen(
            AcknowledgementService(self.context),
            self.actor_username,
            may_pick=self.staff,
            usernames=self.completions.usernames if self.staff else None,
            downloads=self.downloads,
        )
        self._show(AcknowledgeScreen, screen)

    def action_estimate(self) -> None:
        from equipshare.services.grants.service import GrantCostingService
        from equipshare.tui.screens.estimate.estimate import EstimateScreen

        screen = EstimateScreen(
            GrantCostingService(self.context),
            self.actor_username,
            may_pick=self.staff,
            completions=self.completions,
        )
        self._show(EstimateScreen, screen)

    def action_outputs(self) -> None:
        from equipshare.services.outputs.service import OutputService
        from equipshare.tui.screens.outputs import OutputsScreen

        self._show(OutputsScreen, OutputsScreen(OutputService(self.context), self.actor_username))
