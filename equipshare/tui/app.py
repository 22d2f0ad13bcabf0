"""EquipshareApp: wires the services to the screens and holds the global key bindings."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from equipshare.domain.errors import ConfigError, EquipshareError
from equipshare.services.plumbing.launch import Launch
from equipshare.tui.app_parts.account_actions import AccountActions
from equipshare.tui.app_parts.administration import AdministrationActions
from equipshare.tui.app_parts.calendar_delivery import CalendarDelivery
from equipshare.tui.app_parts.kept_preferences import KeepsPreferences, KeptPreferences
from equipshare.tui.app_parts.key_answers import KeyAnswers
from equipshare.tui.app_parts.live_refresh import LiveRefresh
from equipshare.tui.app_parts.live_standing import LiveStanding
from equipshare.tui.app_parts.research_actions import ResearchActions
from equipshare.tui.app_parts.staff_actions import StaffActions
from equipshare.tui.app_parts.standing import StandingChecks
from equipshare.tui.commands import InstrumentCommands
from equipshare.tui.keymap import checked_keymap
from equipshare.tui.messages import HistoryRequested, ServiceRefused, WeekRequested
from equipshare.tui.preferences import catalogue_query
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.service_screen import ServiceCalls

if TYPE_CHECKING:
    from equipshare.config import Settings
    from equipshare.services.bookings.service import ApprovalsService, WeekService
    from equipshare.services.catalogue.service import CatalogueService
    from equipshare.services.plumbing.context import ServiceContext
    from equipshare.tui.modals.bookings.booking_form import BookingServices
    from equipshare.tui.widgets.suggesters import Completions

# Only the catalogue is imported with the app: it is the first screen. The other screens
# (and the services only they use) are imported when first opened, so a launch does not
# pay for them before its first frame.


def _binding(key: str, action: str, text: str, tip: str, **extra: object) -> Binding:
    return Binding(key, action, text, id=f"app.{action}", tooltip=tip, **extra)  # type: ignore[arg-type]


class EquipshareApp(
    StaffActions,
    ResearchActions,
    AdministrationActions,
    AccountActions,
    KeyAnswers,
    StandingChecks,
    CalendarDelivery,
    LiveRefresh,
    KeepsPreferences,
    ServiceCalls,
    App[None],
):
    """The terminal app for one acting user on one database."""

    CSS_PATH = "equipshare.tcss"
    COMMANDS = App.COMMANDS | {InstrumentCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        _binding(
            "question_mark",
            "help",
            "Help",
            "Every key of this screen and the global ones",
            key_display="?",
        ),
        _binding("slash", "search", "Search", "Search the catalogue", key_display="/", show=False),
        _binding("m", "my_bookings", "My bookings", "Your upcoming and past bookings"),
        _binding("A", "approvals", "Approvals", "Requests waiting for your decision (staff)"),
        _binding("D", "downtime", "Downtime", "Schedule and cancel downtime (staff)"),
        _binding("T", "training", "Training", "Record, renew and revoke training (staff)"),
        _binding(
            "R",
            "reports",
            "Reports",
            "Utilisation, sharing, technicians' work, demand and charges (staff)",
        ),
        _binding("F", "feeds", "Feeds", "Your calendar subscriptions: list and revoke", show=False),
        _binding(
            "C",
            "acknowledge",
            "Acknowledge",
            "The acknowledgement for a paper: facilities, instruments, technicians",
            show=False,
        ),
        _binding(
            "G",
            "estimate",
            "Grant costing",
            "Cost a grant's instrument and technician time; saved plans against charges",
            show=False,
        ),
        _binding(
            "O",
            "outputs",
            "Outputs",
            "Papers and datasets recorded against bookings: yours, and those crediting you",
            show=False,
        ),
        _binding(
            "W",
            "portfolio",
            "Portfolio",
            "A technician's recorded work over a period (staff)",
            show=False,
        ),
        *AccountActions.ACCOUNT_BINDINGS,
        *AdministrationActions.ADMIN_BINDINGS,
        _binding("q", "quit", "Quit", "Leave equipshare"),
    ]

    def __init__(
        self,
        context: ServiceContext | Launch,
        actor_username: str,
        *,
        page_size: int = 200,
        notice: str | None = None,
    ) -> None:
        """`notice` is said once the app opens (the demo says which database it opened).

        Given a Launch (`equipshare tui`), the first page comes through it and the
        ServiceContext opens, with SQLAlchemy's import, in the first worker that needs it,
        after the first rows are painted (issue 22, start-up)."""
        super().__init__()
        self._notice = notice
        self._launch = context if isinstance(context, Launch) else None
        self._services_context = None if isinstance(context, Launch) else context
        self.settings: Settings = context.settings
        settings = self.settings
        self.actor_username = actor_username
        self._page_size = page_size
        #: Where downloaded .ics files go; tests point it at a temporary folder.
        self.downloads: Path | None = None
        self.title = settings.organisation.name
        self.sub_title = f"signed in as {actor_username}"
        if settings.tui.theme not in self.available_themes:
            raise ConfigError(
                f"{settings.source or 'equipshare.toml'}: [tui] theme: no theme is called "
                f"{settings.tui.theme!r}; try textual-dark or textual-light"
            )
        self.theme = settings.tui.theme
        #: The user's theme and last filters, kept between runs (a chosen theme wins).
        self.preferences = KeptPreferences(self, actor_username)
        if self._launch is not None:  # read while the app starts, where it is read ahead
            self._launch.ask_first_page(
                catalogue_query(self.preferences.current), CatalogueScreen.FIRST_PAGE_ROWS
            )
        self.set_keymap(dict(checked_keymap(settings, [type(self)])))

    @property
    def context(self) -> ServiceContext:
        """What the services are built from; a launch's opens on first use (in a worker)."""
        if self._services_context is None:
            assert self._launch is not None
            self._services_context = self._launch.context()
        return self._services_context

    @cached_property
    def catalogue(self) -> CatalogueService:
        """Built by the first worker that reads the catalogue through the service."""
        from equipshare.services.catalogue.service import CatalogueService

        return CatalogueService(self.context)

    @cached_property
    def approvals(self) -> ApprovalsService:
        """Built by the first worker that counts requests, so a launch does not import bookings."""
        from equipshare.services.bookings.service import ApprovalsService

        return ApprovalsService(self.context)

    @cached_property
    def booking_services(self) -> BookingServices:
        """Built on first use: only the booking form and the screens that open it need them."""
        from equipshare.services.availability.service import AvailabilityService
        from equipshare.services.bookings.service import (
            BookingService,
            ChargeQuoteService,
            SeriesService,
            WaitlistService,
        )
        from equipshare.tui.modals.bookings.booking_form import BookingServices

        context = self.context
        return BookingServices(
            BookingService(context),
            SeriesService(context),
            AvailabilityService(context),
            ChargeQuoteService(context),
            WaitlistService(context),
        )

    @cached_property
    def completions(self) -> Completions:
        """Username and instrument lookups for fields that complete as typed."""
        from equipshare.tui.completions import completions_for

        return completions_for(self.context, self.actor_username)

    @cached_property
    def weeks(self) -> WeekService:
        from equipshare.services.bookings.service import WeekService

        return WeekService(self.context)

    def on_mount(self) -> None:
        launch = self._launch
        self.push_screen(
            CatalogueScreen(
                lambda: self.catalogue,
                self.actor_username,
                page_size=self._page_size,
                query=catalogue_query(self.preferences.current),
                first_page=launch.first_page if launch is not None else None,
            )
        )
        if self._notice:
            self.notify(self._notice, timeout=20)
        self.preferences.start()

    @on(CatalogueScreen.Opened)
    def _catalogue_opened(self) -> None:
        # Read once the first rows are painted: its worker loads the ORM and the booking
        # services, which would otherwise hold up the first page (issue 22, start-up).
        # LiveStanding loads it after its first stamp, then again on other people's writes.
        LiveStanding(self, self.load_standing).start()

    @on(ServiceRefused)
    def _notify_refusal(self, message: ServiceRefused) -> None:
        self.notify(message.text, severity="error")

    # Going places ---------------------------------------------------------------------

    def _can_leave(self) -> bool:
        return not isinstance(self.screen, ModalScreen)

    def _show(self, screen_type: type[Screen[None]], make: Screen[None]) -> None:
        if isinstance(self.screen, screen_type):
            self.notify("You are on that screen already", severity="warning")
        elif self._can_leave():
            self.push_screen(make)

    def action_help(self) -> None:
        from equipshare.tui.screens.help import HelpScreen, bindings_of

        if isinstance(self.screen, HelpScreen):
            return
        screen = self.screen
        declared = [*screen.BINDINGS]
        node = screen.focused
        while node is not None and node is not screen:
            declared.extend(type(node).__dict__.get("BINDINGS", []))
            node = node.parent  # type: ignore[assignment]
        name = screen.__class__.__name__.removesuffix("Screen") or "screen"
        title = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()  # "my bookings"
        app_bindings = [b for b in bindings_of(list(self.BINDINGS)) if self._offered(b)]
        self.push_screen(HelpScreen(title, bindings_of(declared), app_bindings))

    def _offered(self, binding: Binding) -> bool:
        return self.check_action(binding.action, ()) is not False

    def action_search(self) -> None:
        if not self._can_leave():
            return
        while not isinstance(self.screen, CatalogueScreen) and len(self.screen_stack) > 2:
            self.pop_screen()
        if isinstance(self.screen, CatalogueScreen):
            self.screen.action_focus_search()

    def action_my_bookings(self) -> None:
        from equipshare.services.bookings.service import MyBookingsService
        from equipshare.tui.screens.my_bookings import MyBookingsScreen

        self._show(
            MyBookingsScreen,
            MyBookingsScreen(
                MyBookingsService(self.context),
                self.booking_services,
                self.weeks,
                self.actor_username,
            ),
        )

    def open_week(self, code: str) -> None:
        """Show an instrument's week calendar, from any screen that names an instrument."""
        from equipshare.tui.screens.week import WeekScreen

        self.push_screen(WeekScreen(self.weeks, self.booking_services, self.actor_username, code))

    @on(WeekRequested)
    def _week_requested(self, message: WeekRequested) -> None:
        self.open_week(message.instrument_code)

    @on(HistoryRequested)
    def _history_requested(self, message: HistoryRequested) -> None:
        from equipshare.services.history.service import HistoryService
        from equipshare.tui.screens.history import HistoryScreen

        history = HistoryService(self.context)
        self.push_screen(HistoryScreen(history, self.actor_username, message.query, message.title))

    def open_instrument(self, code: str) -> None:
        from equipshare.services.catalogue.service import InstrumentDetailService
        from equipshare.tui.screens.instrument import InstrumentScreen

        self.push_screen(
            InstrumentScreen(InstrumentDetailService(self.context), self.actor_username, code)
        )

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "My bookings", "Your upcoming and past bookings", self.action_my_bookings
        )
        yield SystemCommand(
            "Catalogue search", "Search every partner's instruments", self.action_search
        )
        yield SystemCommand(
            "Calendar subscriptions", "List and revoke your feed tokens", self.action_feeds
        )
        yield SystemCommand(
            "Acknowledge",
            "The acknowledgement for a paper: facilities, instruments and technicians to thank",
            self.action_acknowledge,
        )
        yield SystemCommand(
            "Grant costing",
            "Cost a grant's instrument and technician time, save it, compare it with charges",
            self.action_estimate,
        )
        yield SystemCommand(
            "Outputs",
            "Papers and datasets recorded against bookings: yours, and those crediting you",
            self.action_outputs,
        )
        yield from self.account_commands()
        if self.staff:
            yield SystemCommand(
                "Portfolio", "A technician's recorded work over a period", self.action_portfolio
            )
            yield SystemCommand(
                "Approvals", "Requests waiting for your decision", self.action_approvals
            )
            yield SystemCommand("Downtime", "Schedule and cancel downtime", self.action_downtime)
            yield SystemCommand(
                "Training", "Record, renew and revoke training", self.action_training
            )
            yield SystemCommand(
                "Reports",
                "Utilisation, sharing, technicians' work, demand and charges",
                self.action_reports,
            )
        yield from self.administration_commands()

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        # Domain errors are caught in the workers; anything reaching here is a bug.
        if event.state is WorkerState.ERROR and not isinstance(event.worker.error, EquipshareError):
            self.notify(f"internal error: {event.worker.error!r}", severity="error", timeout=30)
