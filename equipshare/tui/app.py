"""EquipshareApp: wires the services to the screens and holds the global key bindings."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.worker import Worker, WorkerState

from equipshare.errors import EquipshareError
from equipshare.services.availability import AvailabilityService
from equipshare.services.bookings import BookingService
from equipshare.services.catalogue import CatalogueService
from equipshare.services.context import ServiceContext
from equipshare.services.my_bookings import MyBookingsService
from equipshare.services.series import SeriesService
from equipshare.services.week import WeekService
from equipshare.tui.messages import BookingsChanged
from equipshare.tui.modals.booking_form import BookingServices
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.help import HelpScreen, bindings_of
from equipshare.tui.screens.my_bookings import MyBookingsScreen
from equipshare.tui.screens.week import WeekScreen


class EquipshareApp(App[None]):
    """The terminal app for one acting user on one database."""

    CSS_PATH = "equipshare.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "question_mark",
            "help",
            "Help",
            key_display="?",
            id="app.help",
            tooltip="List every key of this screen and the global ones",
        ),
        Binding(
            "m",
            "my_bookings",
            "My bookings",
            id="app.my_bookings",
            tooltip="Your upcoming and past bookings",
        ),
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Leave equipshare"),
    ]

    def __init__(
        self, context: ServiceContext, actor_username: str, *, page_size: int = 200
    ) -> None:
        super().__init__()
        self.actor_username = actor_username
        self.catalogue = CatalogueService(context)
        self.context = context
        self.booking_services = BookingServices(
            BookingService(context), SeriesService(context), AvailabilityService(context)
        )
        self.weeks = WeekService(context)
        self._page_size = page_size
        self.title = context.settings.organisation.name
        self.sub_title = f"signed in as {actor_username}"

    def on_mount(self) -> None:
        self.push_screen(
            CatalogueScreen(self.catalogue, self.actor_username, page_size=self._page_size)
        )

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        screen = self.screen
        title = (screen.__class__.__name__.removesuffix("Screen") or "screen").lower()
        self.push_screen(
            HelpScreen(title, bindings_of(list(screen.BINDINGS)), bindings_of(list(self.BINDINGS)))
        )

    def action_my_bookings(self) -> None:
        if isinstance(self.screen, MyBookingsScreen | ModalScreen):
            return
        self.push_screen(
            MyBookingsScreen(
                MyBookingsService(self.context), BookingService(self.context), self.actor_username
            )
        )

    def open_week(self, code: str) -> None:
        """Show an instrument's week calendar, from any screen that names an instrument."""
        self.push_screen(WeekScreen(self.weeks, self.booking_services, self.actor_username, code))

    @on(BookingsChanged)
    def _forward_bookings_changed(self, message: BookingsChanged) -> None:
        # Every screen on the stack hears it, so what is shown after Escape is current.
        for screen in self.screen_stack:
            screen.post_message(BookingsChanged(message.instrument_codes))

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        # Domain errors are caught in the workers; anything reaching here is a bug.
        if event.state is WorkerState.ERROR and not isinstance(event.worker.error, EquipshareError):
            self.notify(f"internal error: {event.worker.error!r}", severity="error", timeout=30)
