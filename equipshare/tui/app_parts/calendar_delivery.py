"""CalendarDelivery: a screen's CalendarRequested saved as an .ics file (or sent to the
browser when served), and its FeedRequested issued as a feed link, kept out of app.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App
from textual.message import Message

from equipshare.domain.errors import EquipshareError
from equipshare.tui.messages import CalendarRequested, FeedRequested
from equipshare.tui.service_screen import ServiceCalls

if TYPE_CHECKING:
    from pathlib import Path

    from equipshare.domain.records.scheduling.calendar import ExportScope, IssuedFeedToken
    from equipshare.services.plumbing.context import ServiceContext


class CalendarDelivery(ServiceCalls, App[None]):
    """Mixed into the app: exports calendars and issues feeds in thread workers."""

    @dataclass
    class CalendarSaved(Message):
        """An exported .ics file was written; `path` is where to find it."""

        path: Path

    @dataclass
    class FeedIssued(Message):
        """A feed token was issued; its URLs can be shown once."""

        issued: IssuedFeedToken
        calendar: str

    if TYPE_CHECKING:

        @property
        def context(self) -> ServiceContext: ...  # the app's; a launch opens it late

    actor_username: str
    downloads: Path | None

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
        from equipshare.tui.modals.account.feed_url import FeedUrlModal

        self.push_screen(FeedUrlModal(message.issued, message.calendar))
