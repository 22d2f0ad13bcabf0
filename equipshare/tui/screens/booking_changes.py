"""BookingChangesScreen: the base of screens that move or cancel a booking, asking first
which occurrences a change reaches when the booking is one of a series.

My bookings and the week calendar share it, so both ask the same question and word the
result the same way, as the CLI's `move --scope` and `cancel --scope` do. Cancelling
asks with what it would cost now (the service's quote, by the rule the cancel charges by)
and reports what it did cost; a move reports the old and new price.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.message import Message

from equipshare.domain.money.charge_quotes import (
    BookingPrice,
    CancellationQuote,
    charged_words,
    price_change_words,
    quote_words,
)
from equipshare.domain.money.charging import gbp
from equipshare.domain.records.scheduling.bookings import BookingEdit, BookingRecord
from equipshare.domain.time.timewords import local_range
from equipshare.services.bookings.service import WeekService
from equipshare.tui.messages import BookingsChanged
from equipshare.tui.modals.bookings.booking_draft import (
    BookingDraft,
    BookingOutcome,
    BookingServices,
    moved_words,
)
from equipshare.tui.modals.bookings.booking_form import BookingForm
from equipshare.tui.modals.bookings.reason import CancelBookingModal
from equipshare.tui.modals.bookings.series_scope import Scope, SeriesScopeModal
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
        #: What the booking (and its series' occurrences) cost before a move; empty to cancel.
        prices: tuple[BookingPrice, ...] = ()

    @dataclass
    class CancellationQuoted(Message):
        """What cancelling would cost now arrived; the question can be asked."""

        edit: BookingEdit
        scope: Scope | None
        quote: CancellationQuote

    @dataclass
    class Cancelled(Message):
        """The service cancelled a booking, or several occurrences of a series."""

        bookings: tuple[BookingRecord, ...]
        quote: CancellationQuote | None = None

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
        weeks, quotes, actor = self._weeks, self._services.quotes, self._actor

        def load() -> BookingChangesScreen.ChangeLoaded:
            edit = weeks.edit(actor, booking_id)
            prices = () if cancelling else quotes.prices(actor, booking_id)
            return self.ChangeLoaded(edit, cancelling, prices)

        self.call_service(load, lambda loaded: loaded, group="booking_change")

    @on(ChangeLoaded)
    def _change_loaded(self, message: ChangeLoaded) -> None:
        edit, cancelling = message.edit, message.cancelling
        prices = {price.booking_id: price for price in message.prices}

        def go(edit: BookingEdit, scope: Scope | None) -> None:
            if cancelling:
                self._quote_cancellation(edit, scope)
            else:
                self._open_form(edit, scope, prices)

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

    def _open_form(
        self, edit: BookingEdit, scope: Scope | None, prices: dict[int, BookingPrice]
    ) -> None:
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
                price = moved_price_words(outcome.bookings, prices)
                self.notify(moved_words(outcome, edit.timezone) + (f"\n{price}" if price else ""))
                codes = frozenset(b.instrument_code for b in outcome.bookings)
                self.app.post_message(BookingsChanged(codes))

        self.app.push_screen(BookingForm(self._services, self._actor, draft), moved)

    # Cancelling ---------------------------------------------------------------------------

    def _quote_cancellation(self, edit: BookingEdit, scope: Scope | None) -> None:
        """Ask the service what cancelling costs now, then ask the user with that said."""
        quotes, actor, booking_id = self._services.quotes, self._actor, edit.booking.id
        quoted = None if scope == "this" else scope  # "this" cancels as a single booking does
        self.call_service(
            lambda: quotes.cancellation(actor, booking_id, quoted),
            lambda quote: self.CancellationQuoted(edit, scope, quote),
            # Its own group: asked from the load's answer, maybe before that worker has
            # finished, which an exclusive call in the same group would cancel.
            group="booking_change_quote",
        )

    @on(CancellationQuoted)
    def _ask_reason(self, message: CancellationQuoted) -> None:
        edit, scope, quote = message.edit, message.scope, message.quote
        booking = edit.booking
        when = local_range(booking.starts_at, booking.ends_at, edit.timezone)
        description = f"{booking.instrument_code} {when}{CANCEL_REACH[scope or 'this']}"
        priced = any(line.terms.booked.total_pence for line in quote.lines)

        def cancel_if_confirmed(reason: str | None) -> None:
            if reason is not None:
                self.cancel_booking(booking.id, reason, scope, quote)

        notice = quote_words(quote) if priced else ""
        self.app.push_screen(CancelBookingModal(description, notice), cancel_if_confirmed)

    def cancel_booking(
        self,
        booking_id: int,
        reason: str,
        scope: Scope | None = None,
        quote: CancellationQuote | None = None,
    ) -> None:
        """Cancel one booking, or with a scope the occurrences of its series it reaches."""
        services, actor = self._services, self._actor

        def cancel() -> tuple[BookingRecord, ...]:
            if scope is None or scope == "this":
                return (services.bookings.cancel(actor, booking_id, reason),)
            return tuple(
                services.series.cancel_occurrences(actor, booking_id, scope=scope, reason=reason)
            )

        self.call_service(
            cancel,
            lambda bookings: self.Cancelled(bookings, quote),
            group="booking_change_write",
        )

    @on(Cancelled)
    def _booking_cancelled(self, message: Cancelled) -> None:
        bookings = message.bookings
        first = bookings[0]
        if len(bookings) == 1:
            charged = cancelled_charge_words(first, message.quote)
            self.notify(
                f"Cancelled booking {first.id} on {first.instrument_code}"
                + (f"; {charged}" if charged else "")
            )
        else:
            ids = ", ".join(str(b.id) for b in bookings)
            fee = sum(b.charge_pence for b in bookings)
            self.notify(
                f"Cancelled {len(bookings)} bookings on {first.instrument_code}: {ids}"
                + (f"; late cancellation fees {gbp(fee)}" if fee else "")
            )
        self.app.post_message(BookingsChanged(frozenset(b.instrument_code for b in bookings)))


def cancelled_charge_words(booking: BookingRecord, quote: CancellationQuote | None) -> str:
    """What cancelling `booking` charged, explained by the quote it was confirmed with."""
    line = quote.line(booking.id) if quote is not None else None
    return charged_words(booking.charge_pence, line)


def moved_price_words(bookings: tuple[BookingRecord, ...], before: dict[int, BookingPrice]) -> str:
    """'Price £20.00 -> £40.00' for one booking; for several, their total before and after."""
    priced = [b for b in bookings if b.hourly_rate_pence is not None]
    if not priced:
        return ""
    if len(bookings) == 1:
        words = price_change_words(before.get(priced[0].id), priced[0].charge_pence, True)
        return words[:1].upper() + words[1:]
    after = sum(b.charge_pence for b in priced)
    if any(b.id not in before for b in priced):
        return f"Price {gbp(after)} in all"
    was = sum(before[b.id].pence for b in priced)
    if was == after:
        return f"Price unchanged, {gbp(after)} in all"
    return f"Price {gbp(was)} -> {gbp(after)} in all"
