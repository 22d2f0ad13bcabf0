"""ApprovalDecisions: what the Approvals screen's keys decide: approve or reject the
highlighted request, approve every selected one at once, and undo the last decision.

ApprovalsScreen (approvals.py) lists, searches and selects the requests; this base sends
each decision to the services in a worker, takes decided requests out of the list where
they stand, and tells the app so calendars and the waiting count follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.message import Message

from equipshare.domain.enums import BookingStatus
from equipshare.domain.records.pages import BulkApproval, UndoneDecisions
from equipshare.domain.records.scheduling.bookings import BookingRecord, PendingRequestRow
from equipshare.domain.time.timewords import local_range
from equipshare.services.bookings.service import BookingService, DecisionService
from equipshare.tui.approval_words import bulk_question, bulk_words, decision_words
from equipshare.tui.messages import BookingsChanged
from equipshare.tui.modals.bookings.reason import RejectBookingModal
from equipshare.tui.modals.confirm import ConfirmModal
from equipshare.tui.paged_screen import PagedScreen


class ApprovalDecisions(PagedScreen[PendingRequestRow]):
    """The base of ApprovalsScreen: a, r, b and u, and what their answers change."""

    @dataclass
    class BookingDecided(Message):
        """Staff approved or rejected a pending booking; `booking.status` says which."""

        booking: BookingRecord

    @dataclass
    class SelectionApproved(Message):
        """The selected requests were approved, those the service allowed."""

        result: BulkApproval

    @dataclass
    class DecisionUndone(Message):
        """The last decision was taken back: its bookings are pending again."""

        undone: UndoneDecisions
        words: str

    _bookings: BookingService
    _decisions: DecisionService
    _actor: str
    #: How many requests wait in all (None: not known since a page was refused).
    total: int | None
    #: The requests selected for a bulk approval, loaded or not (a search may hide some).
    selected_rows: dict[int, PendingRequestRow]
    #: The bookings of the last decision taken here, and its words, for undo.
    last_decision: tuple[tuple[int, ...], str] | None
    #: Requests whose decision is on its way: a second keystroke waits for the answer.
    _deciding: set[int]

    if TYPE_CHECKING:

        def selected(self) -> PendingRequestRow | None: ...

    def _decidable(self) -> PendingRequestRow | None:
        row = self.selected()
        if row is None:
            self.notify("No request selected", severity="warning")
            return None
        if row.booking_id in self._deciding:  # the first keystroke is still being carried out
            self.notify(
                f"Still deciding request {row.booking_id}; wait for the answer", severity="warning"
            )
            return None
        return row

    def action_approve(self) -> None:
        row = self._decidable()
        if row is not None:
            self._deciding.add(row.booking_id)
            self.decide(row.booking_id, None)

    def action_reject(self) -> None:
        row = self._decidable()
        if row is None:
            return
        description = (
            f"{row.requester_name}'s request for {row.instrument_code} "
            f"{local_range(row.starts_at, row.ends_at, row.timezone)}"
        )

        def reject_with(reason: str | None) -> None:
            if reason is not None:
                self._deciding.add(row.booking_id)
                self.decide(row.booking_id, reason)

        self.app.push_screen(RejectBookingModal(description), reject_with)

    def decide(self, booking_id: int, reject_reason: str | None) -> None:
        """Approve (no reason) or reject (with one) in the service."""

        def decide_in_service() -> BookingRecord:
            try:
                if reject_reason is None:
                    return self._bookings.approve(self._actor, booking_id)
                return self._bookings.reject(self._actor, booking_id, reject_reason)
            finally:
                self._deciding.discard(booking_id)

        self.call_service(decide_in_service, self.BookingDecided, group="approvals_write")

    @on(BookingDecided)
    def _booking_decided(self, message: BookingDecided) -> None:
        booking = message.booking
        approved = booking.status is BookingStatus.CONFIRMED
        self.notify(f"{'Approved' if approved else 'Rejected'} booking {booking.id} on "
                    f"{booking.instrument_code}  (u undoes)")  # fmt: skip
        verb = "approval" if approved else "rejection"
        self.last_decision = ((booking.id,), decision_words([booking], verb))
        self._decided([booking])

    def _decided(self, bookings: list[BookingRecord]) -> None:
        """Take decided requests out of the list where they stand, and tell the app."""
        for booking in bookings:
            key = str(booking.id)
            self.selected_rows.pop(booking.id, None)
            if self.rows.pop(key, None) is not None:
                self.table.remove_row(key)
                self.total = None if self.total is None else max(0, self.total - 1)
        self.list_changed()
        codes = frozenset(b.instrument_code for b in bookings)
        self.app.post_message(BookingsChanged(codes))  # calendars and the waiting count follow

    def action_approve_selected(self) -> None:
        """Ask, naming how many, then approve every selected request."""
        rows = list(self.selected_rows.values())
        if not rows:
            self.notify(
                "Select requests first: space selects the highlighted one", severity="warning"
            )
            return
        question, note = bulk_question(rows)
        ids = [row.booking_id for row in rows]

        def confirmed(go: bool | None) -> None:
            if go:
                self.call_service(
                    lambda: self._decisions.approve_many(self._actor, ids),
                    self.SelectionApproved,
                    group="approvals_write",
                )

        modal = ConfirmModal(question, note, go=f"Approve {len(rows):,}", destructive=False)
        self.app.push_screen(modal, confirmed)

    @on(SelectionApproved)
    def _selection_approved(self, message: SelectionApproved) -> None:
        result = message.result
        self.notify(bulk_words(result), severity="warning" if result.refused else "information")
        if result.approved:
            self.last_decision = (
                tuple(b.id for b in result.approved),
                decision_words(result.approved, "approval"),
            )
            self._decided(list(result.approved))

    def action_undo(self) -> None:
        if self.last_decision is None:
            self.notify("Nothing to undo: you have decided no request here", severity="warning")
            return
        ids, words = self.last_decision
        self.call_service(
            lambda: self.DecisionUndone(self._decisions.undo(self._actor, ids), words),
            lambda undone: undone,
            group="approvals_write",
        )

    @on(DecisionUndone)
    def _decision_undone(self, message: DecisionUndone) -> None:
        self.last_decision = None
        withdrawn = message.undone.withdrawn_notices
        told = (
            f"; {withdrawn:,} unsent notice{'s' if withdrawn != 1 else ''} withdrawn"
            if withdrawn
            else ""
        )
        self.notify(f"Undid the {message.words}: pending again{told}")
        self.reload()
        codes = frozenset(b.instrument_code for b in message.undone.bookings)
        self.app.post_message(BookingsChanged(codes))
