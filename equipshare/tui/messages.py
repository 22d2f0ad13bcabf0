"""Messages that cross screens, named for what happened; each screen nests its own.

A message only one screen (or the app) posts and hears is nested in that class, as the
widgets nest theirs (`CatalogueScreen.PageLoaded`, `WeekGrid.RangeChosen`). What stays
here travels between screens and the app, or is shared by several of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from collections.abc import Callable

    from equipshare.domain.records.operations.history import HistoryQuery
    from equipshare.domain.records.scheduling.calendar import ExportScope
    from equipshare.domain.records.users.people import TrainingRecordView
    from equipshare.tui.preferences import Preferences


class ServiceRefused(Message):
    """A service raised a domain error; its message is fit to show the user.

    Posted by every ServiceScreen's workers (and the app's), shown as a notification.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class BookingsChanged(Message, bubble=False):
    """A write changed bookings on these instruments; every screen showing one reloads.

    Posted to the app, which forwards it to each screen on the stack; it must not
    bubble back up from a screen, or the app would forward it forever.
    """

    def __init__(self, instrument_codes: frozenset[str]) -> None:
        super().__init__()
        self.instrument_codes = instrument_codes


class WeekRequested(Message):
    """A screen asked for an instrument's week calendar; the app opens it."""

    def __init__(self, instrument_code: str) -> None:
        super().__init__()
        self.instrument_code = instrument_code


class HistoryRequested(Message):
    """A screen asked for the audit history of what `query` names; the app opens it."""

    def __init__(self, query: HistoryQuery, title: str) -> None:
        super().__init__()
        self.query = query
        self.title = title


class ProfileRequested(Message):
    """A screen asked for a staff member's credit profile; the app opens the dialog."""

    def __init__(self, username: str) -> None:
        super().__init__()
        self.username = username


class CalendarRequested(Message):
    """A screen asked for a calendar as an .ics file; the app exports and saves it."""

    def __init__(self, scope: ExportScope) -> None:
        super().__init__()
        self.scope = scope


class FeedRequested(Message):
    """A screen asked for a subscription feed of a calendar; the app issues a token."""

    def __init__(self, scope: ExportScope, calendar: str) -> None:
        super().__init__()
        self.scope = scope
        self.calendar = calendar


class TrainingSaved(Message):
    """Training was recorded, renewed or revoked; `verb` says which, in the past tense.

    Shared by the training dialogs (the form and the prompt), each of which closes on it.
    """

    def __init__(self, record: TrainingRecordView, verb: str) -> None:
        super().__init__()
        self.record = record
        self.verb = verb


class TrainingRefused(Message):
    """The training service refused; `field` says where to show it (None: the form).

    Shared by the training dialogs and the training screen (a refused listing).
    """

    def __init__(self, text: str, field: str | None) -> None:
        super().__init__()
        self.text = text
        self.field = field


class PreferenceChosen(Message, bubble=False):
    """A screen's choice worth keeping for the user's next start (a filter, an order).

    Posted to the app, which applies `update` to the user's preferences and saves them
    (tui/preferences.py); screens never write the file themselves.
    """

    def __init__(self, update: Callable[[Preferences], Preferences]) -> None:
        super().__init__()
        self.update = update
