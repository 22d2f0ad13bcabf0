"""EquipshareApp: wires the services to the screens and holds the global key bindings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from equipshare.domain.errors import ConfigError, EquipshareError
from equipshare.domain.records.accounts import Standing
from equipshare.domain.records.calendar import ExportScope, IssuedFeedToken
from equipshare.services.catalogue.service import CatalogueService, InstrumentDetailService
from equipshare.services.changes.service import ChangesService
from equipshare.services.identity.service import IdentityService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app_parts.account_actions import AccountActions
from equipshare.tui.app_parts.administration import ADMIN_ONLY, AdministrationActions, offered
from equipshare.tui.app_parts.kept_preferences import KeptPreferences
from equipshare.tui.app_parts.key_answers import KeyAnswers
from equipshare.tui.app_parts.staff_actions import STAFF_ACTIONS, StaffActions
from equipshare.tui.commands import InstrumentCommands
from equipshare.tui.keymap import checked_keymap
from equipshare.tui.messages import (
    BookingsChanged,
    CalendarRequested,
    FeedRequested,
    HistoryRequested,
    PreferenceChosen,
    ServiceRefused,
    WeekRequested,
)
from equipshare.tui.preferences import catalogue_query
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.service_screen import ServiceCalls

if TYPE_CHECKING:
    from equipshare.services.bookings.service import ApprovalsService, WeekService
    from equipshare.tui.modals.booking_form import BookingServices
    from equipshare.tui.widgets.suggesters import Completions

# Only the catalogue is imported with the app: it is the first screen. The other screens
# (and the services only they use) are imported when first opened, so a launch does not
# pay for them before its first frame.


def _binding(key: str, action: str, text: str, tip: str, **extra: object) -> Binding:
    return Binding(key, action, text, id=f"app.{action}", tooltip=tip, **extra)  # type: ignore[arg-type]


class EquipshareApp(
    StaffActions, AdministrationActions, AccountActions, KeyAnswers, ServiceCalls, App[None]
):
    """The terminal app for one acting user on one database."""

    @dataclass
    class StandingLoaded(Message):
        """Whether the acting user is facility staff, and how many requests wait for them."""

        staff: bool
        pending: int
        standing: Standing

    @dataclass
    class CalendarSaved(Message):
        """An exported .ics file was written; `path` is where to find it."""

        path: Path

    @dataclass
    class FeedIssued(Message):
        """A feed token was issued; its URLs can be shown once."""

        issued: IssuedFeedToken
        calendar: str

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
        *AccountActions.ACCOUNT_BINDINGS,
        *AdministrationActions.ADMIN_BINDINGS,
        _binding("q", "quit", "Quit", "Leave equipshare"),
    ]

    def __init__(
        self,
        context: ServiceContext,
        actor_username: str,
        *,
        page_size: int = 200,
        notice: str | None = None,
    ) -> None:
        """`notice` is said once the app opens (the demo says which database it opened)."""
        super().__init__()
        self._notice = notice
        settings = context.settings
        self.actor_username = actor_username
        self.context = context
        self.catalogue = CatalogueService(context)
        self.staff = False
        self.pending = 0
        self.standing = Standing(admin=False, staff=False, manager=False)
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
        self.set_keymap(dict(checked_keymap(settings, [type(self)])))

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
        from equipshare.tui.modals.booking_form import BookingServices

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
    def changes(self) -> ChangesService:
        """The change stamps the screen in front reads to keep up (tui/live.py)."""
        return ChangesService(self.context)

    @property
    def live_check_seconds(self) -> float:
        return self.context.settings.tui.live_check_ms / 1000

    @cached_property
    def weeks(self) -> WeekService:
        from equipshare.services.bookings.service import WeekService

        return WeekService(self.context)

    def on_mount(self) -> None:
        self.push_screen(
            CatalogueScreen(
                self.catalogue,
                self.actor_username,
                page_size=self._page_size,
                details=InstrumentDetailService(self.context),
                query=catalogue_query(self.preferences.current),
            )
        )
        if self._notice:
            self.notify(self._notice, timeout=20)
        self.preferences.start()
        self.load_standing()

    # Who the user is: staff see more ------------------------------------------------------

    def load_standing(self) -> None:
        def standing() -> tuple[bool, int, Standing]:
            staff = self.approvals.may_approve(self.actor_username)
            pending = self.approvals.pending_count(self.actor_username) if staff else 0
            return staff, pending, IdentityService(self.context).standing(self.actor_username)

        self.call_service(standing, lambda found: self.StandingLoaded(*found), group="standing")

    @on(ServiceRefused)
    def _notify_refusal(self, message: ServiceRefused) -> None:
        self.notify(message.text, severity="error")

    @on(PreferenceChosen)
    def _preference_chosen(self, message: PreferenceChosen) -> None:
        self.preferences.update(message.update)

    @on(StandingLoaded)
    def _standing_loaded(self, message: StandingLoaded) -> None:
        self.staff, self.pending = message.staff, message.pending
        self.standing = message.standing
        waiting = f" · {self.pending} to approve" if self.pending else ""
        self.sub_title = f"signed in as {self.actor_username}{waiting}"
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Staff-only screens are neither offered nor reachable for anyone else."""
        if action in STAFF_ACTIONS:
            return self.staff
        administration = offered(action, self.standing)
        return True if administration is None else administration

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """Why a screen check_action hides cannot be opened (the key says so: KeyAnswers)."""
        names = {b.action: b.description for b in Binding.make_bindings(self.BINDINGS)}
        screen = names.get(action, action)
        if any(w.group == "standing" and not w.is_finished for w in self.workers):
            return f"Still finding out what you may open; press again for {screen} in a moment"
        if action in STAFF_ACTIONS:
            return f"{screen} is for facility staff and admins; {self.actor_username} is neither"
        if offered(action, self.standing) is False:
            who = "admins" if action in ADMIN_ONLY else "admins and facility managers"
            return f"{screen} is for {who}; {self.actor_username} is neither"
        return None

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
        title = (screen.__class__.__name__.removesuffix("Screen") or "screen").lower()
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
        yield from self.account_commands()
        if self.staff:
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

    # Keeping every screen current -------------------------------------------------------

    @on(CalendarRequested)
    def _calendar_requested(self, message: CalendarRequested) -> None:
        self.save_calendar(message.scope)

    @work(thread=True, exclusive=True, exit_on_error=False, group="calendar_download")
    def save_calendar(self, scope: ExportScope) -> None:
        from equipshare.services.calendar.service import CalendarExportService
        from equipshare.tui.downloads import (
            deliver_served,
            downloads_dir,
            safe_name,
            save_calendar,
        )

        try:
            data = CalendarExportService(self.context).export(self.actor_username, scope)
            name = f"{safe_name(f'equipshare-{scope.kind.value}-{scope.key}')}.ics"
            note = "For a calendar that stays up to date instead, press s for a feed link."
            sent = deliver_served(self, data, name, "text/calendar", note)
            if sent is not None:
                self.call_from_thread(self.notify, sent, timeout=8)
                return
            where = self.downloads or downloads_dir()
            path = save_calendar(data, where, f"equipshare-{scope.kind.value}-{scope.key}")
        except EquipshareError as exc:
            self.call_from_thread(self.notify, str(exc), severity="error")
            return
        except OSError as exc:
            self.call_from_thread(
                self.notify, f"could not save the calendar: {exc}", severity="error"
            )
            return
        self.post_message(self.CalendarSaved(path))

    @on(CalendarSaved)
    def _calendar_saved(self, message: CalendarSaved) -> None:
        self.notify(
            f"Saved {message.path}. Import it into Google Calendar, Outlook, Apple Calendar or "
            "Thunderbird; for a calendar that stays up to date, press s for a feed link "
            "(F lists your feeds).",
            timeout=12,
        )

    @on(FeedRequested)
    def _feed_requested(self, message: FeedRequested) -> None:
        self.issue_feed(message.scope, message.calendar)

    def issue_feed(self, scope: ExportScope, calendar: str) -> None:
        from equipshare.services.calendar.service import FeedsService

        feeds = FeedsService(self.context)
        self.call_service(
            lambda: feeds.create(
                self.actor_username, scope.kind, scope.key, label="from the terminal app"
            ),
            lambda issued: self.FeedIssued(issued, calendar),
            group="feed_token",
        )

    @on(FeedIssued)
    def _feed_issued(self, message: FeedIssued) -> None:
        from equipshare.tui.modals.feed_url import FeedUrlModal

        self.push_screen(FeedUrlModal(message.issued, message.calendar))

    @on(BookingsChanged)
    def _forward_bookings_changed(self, message: BookingsChanged) -> None:
        # Every screen on the stack hears it, so what is shown after Escape is current.
        for screen in self.screen_stack:
            screen.post_message(BookingsChanged(message.instrument_codes))
        self.load_standing()

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        # Domain errors are caught in the workers; anything reaching here is a bug.
        if event.state is WorkerState.ERROR and not isinstance(event.worker.error, EquipshareError):
            self.notify(f"internal error: {event.worker.error!r}", severity="error", timeout=30)
