"""The staff screens (approvals, downtime, training, reports, portfolio): openers kept out
of app.py.

Offered when the user decides some facility's requests; each service checks every call.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.screen import Screen

    from equipshare.services.bookings.service import ApprovalsService
    from equipshare.services.plumbing.context import ServiceContext
    from equipshare.tui.app_parts.kept_preferences import KeptPreferences
    from equipshare.tui.widgets.suggesters import Completions

# "profile" is the user's own credit profile (account_actions.py): only staff have one.
STAFF_ACTIONS = frozenset({"approvals", "downtime", "training", "reports", "profile", "portfolio"})


class StaffActions:
    """Mixed into the app: opens the staff screens, importing each on first use."""

    if TYPE_CHECKING:

        @property
        def context(self) -> ServiceContext: ...  # the app's; a launch opens it late

    actor_username: str
    downloads: Path | None
    preferences: KeptPreferences

    if TYPE_CHECKING:

        @property
        def completions(self) -> Completions: ...

        @property
        def approvals(self) -> ApprovalsService: ...

        def _show(self, screen_type: type[Screen[None]], make: Screen[None]) -> None: ...

    def action_approvals(self) -> None:
        from equipshare.domain.records.pages import ApprovalOrder
        from equipshare.services.bookings.service import BookingService
        from equipshare.tui.screens.approvals import ApprovalsScreen

        kept = self.preferences.current.approvals_order
        order = ApprovalOrder(kept) if kept in set(ApprovalOrder) else ApprovalOrder.REQUESTED
        self._show(
            ApprovalsScreen,
            ApprovalsScreen(
                self.approvals, BookingService(self.context), self.actor_username, order=order
            ),
        )

    def action_downtime(self) -> None:
        from equipshare.services.downtime.service import DowntimeService
        from equipshare.tui.screens.downtime import DowntimeScreen

        self._show(
            DowntimeScreen,
            DowntimeScreen(
                DowntimeService(self.context), self.actor_username, completions=self.completions
            ),
        )

    def action_training(self) -> None:
        from equipshare.services.people.service import TrainingService
        from equipshare.tui.screens.training import TrainingScreen

        self._show(
            TrainingScreen,
            TrainingScreen(
                TrainingService(self.context),
                self.actor_username,
                completions=self.completions,
                expiring=self.preferences.current.training_expiring is not False,
            ),
        )

    def action_reports(self) -> None:
        from zoneinfo import ZoneInfo

        from equipshare.services.charging.service import StatementService
        from equipshare.services.reports.service import ReportService
        from equipshare.tui.screens.reports.reports import ReportsScreen

        zone = self.context.settings.organisation.timezone
        today = self.context.clock.now().astimezone(ZoneInfo(zone)).date()
        screen = ReportsScreen(
            ReportService(self.context),
            StatementService(self.context),
            self.actor_username,
            today,
            zone,
            downloads=self.downloads,
        )
        self._show(ReportsScreen, screen)

    def action_portfolio(self) -> None:
        from zoneinfo import ZoneInfo

        from equipshare.services.portfolio.service import PortfolioService
        from equipshare.services.reports.service import ReportService
        from equipshare.tui.screens.portfolio import PortfolioScreen

        zone = self.context.settings.organisation.timezone
        today = self.context.clock.now().astimezone(ZoneInfo(zone)).date()
        screen = PortfolioScreen(
            PortfolioService(self.context),
            ReportService(self.context),
            self.actor_username,
            today,
            downloads=self.downloads,
        )
        self._show(PortfolioScreen, screen)
