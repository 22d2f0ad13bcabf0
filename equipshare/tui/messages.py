"""Messages the TUI's workers post, named for what happened."""

from __future__ import annotations

from textual.message import Message

from equipshare.records import (
    BookingRecord,
    CataloguePage,
    CatalogueQuery,
    InstrumentRecord,
    PendingRequestRow,
    TrainingRecordView,
)


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
