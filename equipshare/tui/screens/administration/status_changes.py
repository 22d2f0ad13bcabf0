"""InstrumentStatusChanges: the instrument editor's Status tab saved: a dry run lists the
bookings the new status would strand, the user chooses to cancel or keep them, and the
change is written with exactly those bookings (any booked since is refused, not lost).

InstrumentEditorScreen (instrument_editor.py) builds on this base; the other tabs save
through it in one call each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.message import Message

from equipshare.domain.display.wording import status_words
from equipshare.domain.enums import InstrumentStatus
from equipshare.domain.errors import EquipshareError
from equipshare.domain.records.instruments.instrument_changes import StatusChange
from equipshare.services.catalogue.service import InstrumentStatusService
from equipshare.tui.messages import BookingsChanged
from equipshare.tui.modals.administration.instrument_status import (
    StrandedBookingsModal,
    status_result,
)
from equipshare.tui.service_screen import ServiceScreen


class InstrumentStatusChanges(ServiceScreen[None]):
    """The base of InstrumentEditorScreen: previews, asks about and sets the status."""

    @dataclass
    class StatusPreviewed(Message):
        """A dry run of the status change: the bookings it would strand."""

        preview: StatusChange
        status: InstrumentStatus
        reason: str

    @dataclass
    class StatusChanged(Message):
        """The status was written; stranded bookings were cancelled or kept."""

        change: StatusChange

    _status: InstrumentStatusService
    _actor: str
    code: str
    #: A save is on its way: the editor refuses another until it is answered.
    busy: bool

    if TYPE_CHECKING:

        def _refused(self, error: EquipshareError) -> Message: ...

        def load(self, refill: frozenset[str]) -> None: ...

    def preview_status(self, status: InstrumentStatus, reason: str) -> None:
        self.busy = True
        self.call_service(
            lambda: self._status.set_status(self._actor, self.code, status, reason, dry_run=True),
            lambda preview: self.StatusPreviewed(preview, status, reason),
            group="instrument_editor_write",
            refused=self._refused,
        )

    @on(StatusPreviewed)
    def _status_previewed(self, message: StatusPreviewed) -> None:
        preview = message.preview
        if not preview.changed:
            self.busy = False
            self.notify(f"{self.code} is already {status_words(message.status)}: nothing changed")
            return
        ids = tuple(booking.id for booking in preview.affected)
        if not ids:
            self.set_status(message.status, message.reason, None, ids)
            return

        def decided(cancel: bool | None) -> None:
            if cancel is None:
                self.busy = False
                self.notify(f"{self.code}: nothing changed")
                return
            self.set_status(message.status, message.reason, cancel, ids)

        modal = StrandedBookingsModal(preview, status_words(message.status), message.reason)
        self.app.push_screen(modal, decided)

    def set_status(
        self, status: InstrumentStatus, reason: str, cancel: bool | None, ids: tuple[int, ...]
    ) -> None:
        self.call_service(
            lambda: self._status.set_status(
                self._actor, self.code, status, reason, cancel_affected=cancel, previewed=ids
            ),
            self.StatusChanged,
            group="instrument_editor_write",
            refused=self._refused,
        )

    @on(StatusChanged)
    def _status_changed(self, message: StatusChanged) -> None:
        self.busy = False
        self.notify(status_result(message.change))
        self.app.post_message(BookingsChanged(frozenset({message.change.instrument.code})))
        self.load(frozenset({"status"}))
