"""BookingChangesScreen: the base of screens that move or cancel a booking, asking first
which occurrences a change reaches when the booking is one of a series.

My bookings and the week calendar share it, so both ask the same question and word the
result the same way, as the CLI's `move --scope` and `cancel --scope` do.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.message import Message

from equipshare.domain.records.bookings import BookingEdit, BookingRecord
from equipshare.domain.timewords import local_range
from equipshare.services.bookings.service import WeekService
from equipshare.tui.messages import BookingsChanged
from equipshare.tui.modals.booking_draft import (
    BookingDraft,
    BookingOutcome,
    BookingServices,
    moved_words,
)
from equipshare.tui.modals.booking_form import BookingForm
from equipshare.tui.modals.reason import CancelBookingModal
from equipshare.tui.modals.series_scope import Scope, SeriesScopeModal
from equipshare.tui.service_screen import ServiceScreen

#: How the cancel question names the occurrences a scope reaches.
CANCEL_REACH: dict[Scope, str] = {
    "this": "",
    "following": " and every later occurrence of its series",
    "all": " and every occurrence of its series not yet over",
}


class BookingChangesScreen(ServiceScreen[None]):
    """A screen that moves and cancels bookings by id; a series asks for a scope first."""

    @dataclass
    class ChangeLoaded(Message):
        """A booking arrived with what moving or cancelling it needs."""

        edit: BookingEdit
        cancelling: bool

    @dataclass
    class Cancelled(Message):
        """The service cancelled a booking, or several occurrences of a series."""

        bookings: tuple[BookingRecord, ...]

    def __init__(self, services: BookingServices, weeks: WeekService, actor: str) -> None:
        super().__init__()
        self._services = services
        self._weeks = weeks
        self._actor = actor

    # Asking -------------------------------------------------------------------------------

    def change_booking(self, booking_id: int) -> None:
        """Open the booking form on `booking_id`, after the scope question for a series."""
        self._load(booking_id, cancelling=False)

    def ask_to_cancel(self, booking_id: int) -> None:
        """Ask for a reason (and, for a series, a scope), then cancel."""
        self._load(booking_id, cancelling=True)

    def _load(self, booking_id: int, *, cancelling: bool) -> None:
        # The edit says whether the booking is one of a series, and refuses those who
        # may not change it before any question is asked.
        self.call_service(
            lambda: self._weeks.edit(self._actor, booking_id),
            lambda edit: self.ChangeLoaded(edit, cancelling),
            group="booking_change",
        )

    @on(ChangeLoaded)
    def _change_loaded(self, message: ChangeLoaded) -> None:
        edit, cancelling = message.edit, message.cancelling
        go = self._ask_reason if cancelling else self._open_form
        booking = edit.booking
        if booking.series_id is None:
            go(edit, None)
            return

        def chosen(scope: Scope | None) -> None:
            if scope is not None:
                go(edit, scope)

        when = local_range(booking.starts_at, booking.ends_at, edit.timezone)
        verb = "Cancel" if cancelling else "Move or edit"
        question = (
            f"Booking {booking.id} on {booking.instrument_code}, {when}, is one of a series. "
            f"{verb} which occurrences?"
        )
        self.app.push_screen(SeriesScopeModal(question), chosen)

    # Moving -------------------------------------------------------------------------------

    def _open_form(self, edit: BookingEdit, scope: Scope | None) -> None:
        booking = edit.booking
        draft = BookingDraft(
            instrument_code=booking.instrument_code,
            instrument_name=edit.instrument_name,
            timezone=edit.timezone,
            starts_at=booking.starts_at,
            minutes=int((booking.ends_at - booking.starts_at).total_seconds() // 60),
            technicians=edit.technicians,
            booking_id=booking.id,
            purpose=booking.purpose,
            project_code=booking.project_code or "",
            technician=edit.technician_username or "",
            scope=scope,
        )

        def moved(outcome: BookingOutcome | None) -> None:
            if outcome is not None and outcome.bookings:
                self.notify(moved_words(outcome, edit.timezone))
                codes = frozenset(b.instrument_code for b in outcome.bookings)
                self.app.post_message(BookingsChanged(codes))

        self.app.push_screen(BookingForm(self._services, self._actor, draft), moved)

    # Cancelling ---------------------------------------------------------------------------

    def _ask_reason(self, edit: BookingEdit, scope: Scope | None) -> None:
        booking = edit.booking
        when = local_range(booking.starts_at, booking.ends_at, edit.timezone)
        description = f"{booking.instrument_code} {when}{CANCEL_REACH[scope or 'this']}"

        def cancel_if_confirmed(reason: str | None) -> None:
            if reason is not None:
                self.cancel_booking(booking.id, reason, scope)

        self.app.push_screen(CancelBookingModal(description), cancel_if_confirmed)

    def cancel_booking(self, booking_id: int, reason: str, scope: Scope | None = None) -> None:
        """Cancel one booking, or with a scope the occurrences of its series it reaches."""
        services, actor = self._services, self._actor

        def cancel() -> tuple[BookingRecord, ...]:
            if scope is None or scope == "this":
                return (services.bookings.cancel(actor, booking_id, reason),)
            return tuple(
                services.series.cancel_occurrences(actor, booking_id, scope=scope, reason=reason)
            )

        self.call_service(cancel, self.Cancelled, group="booking_change_write")

    @on(Cancelled)
    def _booking_cancelled(self, message: Cancelled) -> None:
        bookings = message.bookings
        first = bookings[0]
        if len(bookings) == 1:
            self.notify(f"Cancelled booking {first.id} on {first.instrument_code}")
        else:
            ids = ", ".join(str(b.id) for b in bookings)
            self.notify(f"Cancelled {len(bookings)} bookings on {first.instrument_code}: {ids}")
        self.app.post_message(BookingsChanged(frozenset(b.instrument_code for b in bookings)))
