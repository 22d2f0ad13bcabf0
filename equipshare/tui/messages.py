"""Messages the TUI's workers post, named for what happened."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from textual.message import Message

from equipshare.domain.records.bookings import (
    BookingEdit,
    BookingRecord,
    MyBookingRow,
    PendingRequestRow,
)
from equipshare.domain.records.calendar import ExportScope, FeedTokenRecord, IssuedFeedToken
from equipshare.domain.records.catalogue import (
    CatalogueFilters,
    CataloguePage,
    CatalogueQuery,
    DowntimeRecord,
    InstrumentDetail,
    InstrumentRecord,
    NextFreeSlot,
    SlotRecord,
)
from equipshare.domain.records.people import TrainingRecordView
from equipshare.domain.records.reports import (
    DemandReport,
    SharingReport,
    TechniciansReport,
    UtilisationReport,
)
from equipshare.domain.records.schedule import DowntimeBoard, WeekView
from equipshare.domain.records.statements import Statement
from equipshare.tui.report_choice import ReportChoice


class CataloguePageLoaded(Message):
    """A keyset page of the catalogue arrived; `after` is None for the first page."""

    def __init__(
        self, generation: int, query: CatalogueQuery, after: str | None, page: CataloguePage
    ) -> None:
        super().__init__()
        self.generation = generation
        self.query = query
        self.after = after
        self.page = page


class InstrumentLoaded(Message):
    """One instrument's full record arrived."""

    def __init__(self, instrument: InstrumentRecord) -> None:
        super().__init__()
        self.instrument = instrument


class ServiceRefused(Message):
    """A service raised a domain error; its message is fit to show the user."""

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


class WeekLoaded(Message):
    """An instrument's week arrived for the calendar; `day` places the cursor, if given."""

    def __init__(self, view: WeekView, day: int | None) -> None:
        super().__init__()
        self.view = view
        self.day = day


class BookingsCreated(Message):
    """The booking form's request was accepted: one booking, or a series' occurrences."""

    def __init__(self, bookings: tuple[BookingRecord, ...], skipped: int = 0) -> None:
        super().__init__()
        self.bookings = bookings
        self.skipped = skipped


class BookingRefused(Message):
    """The service refused the booking form; `field` says where to show it."""

    def __init__(self, text: str, field: str, nearest: tuple[SlotRecord, ...] = ()) -> None:
        super().__init__()
        self.text = text
        self.field = field
        self.nearest = nearest


class PendingRequestsLoaded(Message):
    """The requests waiting for the actor's decision arrived, oldest first."""

    def __init__(self, rows: tuple[PendingRequestRow, ...]) -> None:
        super().__init__()
        self.rows = rows


class BookingDecided(Message):
    """Staff approved or rejected a pending booking; `booking.status` says which."""

    def __init__(self, booking: BookingRecord) -> None:
        super().__init__()
        self.booking = booking


class TrainingRecordsLoaded(Message):
    """Training records for the training screen arrived; `expiring` says which list."""

    def __init__(self, expiring: bool, rows: tuple[TrainingRecordView, ...]) -> None:
        super().__init__()
        self.expiring = expiring
        self.rows = rows


class TrainingSaved(Message):
    """Training was recorded, renewed or revoked; `verb` says which, in the past tense."""

    def __init__(self, record: TrainingRecordView, verb: str) -> None:
        super().__init__()
        self.record = record
        self.verb = verb


class TrainingRefused(Message):
    """The training service refused a form; `field` says where to show it (None: the form)."""

    def __init__(self, text: str, field: str | None) -> None:
        super().__init__()
        self.text = text
        self.field = field


class DowntimeBoardLoaded(Message):
    """The current and future downtime of the actor's facilities arrived."""

    def __init__(self, board: DowntimeBoard) -> None:
        super().__init__()
        self.board = board


class DowntimePreviewed(Message):
    """The form's range was read in the instrument's zone; these bookings are in the way."""

    def __init__(
        self,
        instrument: InstrumentRecord,
        starts_at: datetime,
        ends_at: datetime,
        bookings: tuple[BookingRecord, ...],
    ) -> None:
        super().__init__()
        self.instrument = instrument
        self.starts_at = starts_at
        self.ends_at = ends_at
        self.bookings = bookings


class DowntimeScheduled(Message):
    """A downtime was written and the bookings in its way were cancelled."""

    def __init__(self, downtime: DowntimeRecord, cancelled: tuple[BookingRecord, ...]) -> None:
        super().__init__()
        self.downtime = downtime
        self.cancelled = cancelled


class DowntimeCancelled(Message):
    """A downtime was removed; its range is free again."""

    def __init__(self, downtime: DowntimeRecord) -> None:
        super().__init__()
        self.downtime = downtime


class DowntimeRefused(Message):
    """The downtime form's input or the service was refused; `field` says where to show it."""

    def __init__(self, text: str, field: str | None) -> None:
        super().__init__()
        self.text = text
        self.field = field


class CatalogueFiltersLoaded(Message):
    """The institutions, facilities and categories the catalogue's filters offer arrived."""

    def __init__(self, filters: CatalogueFilters) -> None:
        super().__init__()
        self.filters = filters


class NextFreeSlotsFound(Message):
    """Next free slots for some catalogue rows; `generation` says which query asked."""

    def __init__(self, generation: int, slots: tuple[NextFreeSlot, ...]) -> None:
        super().__init__()
        self.generation = generation
        self.slots = slots


class InstrumentDetailLoaded(Message):
    """One instrument as the instrument screen shows it to the acting user arrived."""

    def __init__(self, detail: InstrumentDetail) -> None:
        super().__init__()
        self.detail = detail


class StandingLoaded(Message):
    """Whether the acting user is facility staff, and how many requests wait for them."""

    def __init__(self, staff: bool, pending: int) -> None:
        super().__init__()
        self.staff = staff
        self.pending = pending


class WeekRequested(Message):
    """A screen asked for an instrument's week calendar; the app opens it."""

    def __init__(self, instrument_code: str) -> None:
        super().__init__()
        self.instrument_code = instrument_code


class BookingEditLoaded(Message):
    """A booking arrived with what the booking form needs to move it."""

    def __init__(self, edit: BookingEdit) -> None:
        super().__init__()
        self.edit = edit


class MyBookingsLoaded(Message):
    """The user's upcoming or past bookings arrived."""

    def __init__(self, upcoming: bool, rows: tuple[MyBookingRow, ...]) -> None:
        super().__init__()
        self.upcoming = upcoming
        self.rows = rows


class BookingCancelled(Message):
    """The service cancelled a booking."""

    def __init__(self, booking: BookingRecord) -> None:
        super().__init__()
        self.booking = booking


class CatalogueCounted(Message):
    """The number of instruments matching a catalogue query was counted (off the typing path)."""

    def __init__(self, generation: int, query: CatalogueQuery, total: int) -> None:
        super().__init__()
        self.generation = generation
        self.query = query
        self.total = total


class CalendarSaved(Message):
    """An exported .ics file was written; `path` is where to find it."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path


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


class FeedIssued(Message):
    """A feed token was issued; its URLs can be shown once."""

    def __init__(self, issued: IssuedFeedToken, calendar: str) -> None:
        super().__init__()
        self.issued = issued
        self.calendar = calendar


class FeedTokensLoaded(Message):
    """The user's active feed tokens arrived, newest first, without their secrets."""

    def __init__(self, tokens: tuple[FeedTokenRecord, ...]) -> None:
        super().__init__()
        self.tokens = tokens


class FeedTokenRevoked(Message):
    """A feed token was revoked; its next request gets 404."""

    def __init__(self, token: FeedTokenRecord) -> None:
        super().__init__()
        self.token = token


ReportData = UtilisationReport | SharingReport | TechniciansReport | DemandReport | Statement


class ReportLoaded(Message):
    """One tab's report arrived, made for the period and filters in `choice`."""

    def __init__(self, tab: str, choice: ReportChoice, report: ReportData) -> None:
        super().__init__()
        self.tab = tab
        self.choice = choice
        self.report = report


class ReportRefused(Message):
    """A tab's report could not be made (no permission, an unknown code); `text` says why."""

    def __init__(self, tab: str, choice: ReportChoice, text: str) -> None:
        super().__init__()
        self.tab = tab
        self.choice = choice
        self.text = text


class ReportExported(Message):
    """A tab's figures were saved as CSV at `path`; `rows` counts the data rows."""

    def __init__(self, path: Path, rows: int) -> None:
        super().__init__()
        self.path = path
        self.rows = rows


class BookingCheckedIn(Message):
    """The user checked in to `booking`: its session has begun."""

    def __init__(self, booking: BookingRecord) -> None:
        super().__init__()
        self.booking = booking


class BookingCheckedOut(Message):
    """The user checked out of `booking`; its charge may have changed (actual-time basis)."""

    def __init__(self, booking: BookingRecord) -> None:
        super().__init__()
        self.booking = booking
