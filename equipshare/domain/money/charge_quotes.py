"""What a cancellation, a move or a check-out costs, and why, in words a person can check.

The cancellation rule lives here once: the real cancel prices a row through
`cancellation_terms`, and the quote shown before it asks the same function the same
question, so what the user is told and what they are charged cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from equipshare.domain.enums import ChargeBasis
from equipshare.domain.money.charging import FREE, Charge, gbp, is_late_cancellation


class FeeWaiver(StrEnum):
    """Why a cancellation inside the late window still costs nothing."""

    STAFF = "facility staff and admins cancel free"
    DOWNTIME = "cancelled for downtime"


@dataclass(frozen=True)
class CancellationTerms:
    """What cancelling one booking costs at one instant, with every fact the words need."""

    booked: Charge  # the booked price at the frozen rates
    fee: Charge
    late_percent: int
    free_hours: int
    free_until: datetime  # from this instant on, a cancellation is late
    late: bool
    waived: FeeWaiver | None

    @property
    def fee_pence(self) -> int:
        return self.fee.total_pence

    @property
    def late_fee_pence(self) -> int:
        """What a late cancellation by the user costs, whether or not this one is late."""
        return self.booked.percent(self.late_percent).total_pence


def cancellation_terms(
    booked: Charge,
    starts_at: datetime,
    cancelled_at: datetime,
    *,
    free_hours: int,
    late_percent: int,
    waived: FeeWaiver | None,
) -> CancellationTerms:
    """The one cancellation rule: inside the last `free_hours` a share of the booked price,
    unless staff or downtime cancel, which is free."""
    late = is_late_cancellation(starts_at, cancelled_at, free_hours)
    fee = FREE if waived is not None or not late else booked.percent(late_percent)
    return CancellationTerms(
        booked=booked,
        fee=fee,
        late_percent=late_percent,
        free_hours=free_hours,
        free_until=starts_at - timedelta(hours=free_hours),
        late=late,
        waived=waived,
    )


@dataclass(frozen=True)
class CancellationLine:
    """One booking a cancellation reaches and what cancelling it now costs."""

    booking_id: int
    starts_at: datetime
    ends_at: datetime
    terms: CancellationTerms


@dataclass(frozen=True)
class CancellationQuote:
    """What cancelling a booking (or the occurrences of its series a scope reaches) would
    cost at `at`; nothing is changed by asking."""

    booking_id: int
    instrument_code: str
    timezone: str
    at: datetime
    lines: tuple[CancellationLine, ...]

    @property
    def fee_pence(self) -> int:
        return sum(line.terms.fee_pence for line in self.lines)

    def line(self, booking_id: int) -> CancellationLine | None:
        return next((line for line in self.lines if line.booking_id == booking_id), None)


@dataclass(frozen=True)
class BookingPrice:
    """What a booking costs now; `priced` is False when no rate card priced it."""

    booking_id: int
    pence: int
    priced: bool


@dataclass(frozen=True)
class UseCharge:
    """What a used session bills and why: the facility's basis, the booked price, and for
    actual time, how long from check-in to check-out."""

    booking_id: int
    basis: ChargeBasis
    priced: bool
    booked_pence: int
    charge_pence: int
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    used_minutes: int | None  # None: billed as booked


def _used(minutes: int) -> str:
    """'1 minute', '45 minutes', '2 h', '1 h 53 min'."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{minutes} minute" + ("s" if minutes != 1 else "")
    return f"{hours} h" + (f" {rest} min" if rest else "")


def _hours(hours: int) -> str:
    return f"{hours} h"


def fee_words(terms: CancellationTerms) -> str:
    """'late cancellation fee £30.00 (100% of £30.00, within 24 h of the start)', or 'no
    charge' with the reason it is free."""
    if terms.fee_pence:
        return (
            f"late cancellation fee {gbp(terms.fee_pence)} ({terms.late_percent}% of "
            f"{gbp(terms.booked.total_pence)}, within {_hours(terms.free_hours)} of the start)"
        )
    if not terms.booked.total_pence:
        return "no charge"
    if terms.waived is not None:
        return f"no charge ({terms.waived.value})"
    if not terms.late:
        return f"no charge (more than {_hours(terms.free_hours)} before the start)"
    return "no charge (the facility charges no late fee)"


def quote_words(quote: CancellationQuote) -> str:
    """The question's second sentence: what cancelling now costs, and until when it is free.

    'Cancelling now costs £30.00, 100% late fee (within 24 h of the start).'
    'Cancelling now is free until Mon 16 Mar 2026 10:00 GMT; then £15.00 (50% late fee).'
    """
    lines = quote.lines
    fee = quote.fee_pence
    if len(lines) == 1:
        terms = lines[0].terms
        if fee:
            return (
                f"Cancelling now costs {gbp(fee)}, {terms.late_percent}% late fee "
                f"(within {_hours(terms.free_hours)} of the start)."
            )
        if terms.booked.total_pence and terms.waived is not None:
            return f"Cancelling now is free ({terms.waived.value})."
        if terms.late or not terms.late_fee_pence:
            return "Cancelling now is free."
        return (
            f"Cancelling now is free until {instant_words(terms.free_until, quote.timezone)}; "
            f"then {gbp(terms.late_fee_pence)} ({terms.late_percent}% late fee)."
        )
    late = [line for line in lines if line.terms.fee_pence]
    if not fee:
        return f"Cancelling these {len(lines)} bookings now is free."
    return (
        f"Cancelling these {len(lines)} bookings now costs {gbp(fee)}: a late fee on "
        f"{len(late)} of them (within {_hours(late[0].terms.free_hours)} of the start)."
    )


def instant_words(instant: datetime, timezone: str) -> str:
    """'Mon 16 Mar 2026 10:00 GMT' in the facility's zone, naming the zone."""
    local = instant.astimezone(ZoneInfo(timezone))
    return f"{local:%a} {local.day} {local:%b %Y} {local:%H:%M} {local.tzname()}"


def price_change_words(before: BookingPrice | None, after_pence: int, priced: bool) -> str:
    """'price £30.00 -> £45.00', 'price unchanged, £30.00', or '' when nothing is priced."""
    if not priced:
        return ""
    if before is None:
        return f"price {gbp(after_pence)}"
    if before.pence == after_pence:
        return f"price unchanged, {gbp(after_pence)}"
    return f"price {gbp(before.pence)} -> {gbp(after_pence)}"


def use_charge_words(use: UseCharge) -> str:
    """'charge £37.67 for 1 h 53 min used, check-in to check-out (booked £40.00)' or
    'charge £40.00 as booked (the facility bills booked time)'."""
    if not use.priced:
        return "no charge (the instrument has no price for this booker)"
    charge = gbp(use.charge_pence)
    if use.used_minutes is None:
        why = (
            "the facility bills booked time"
            if use.basis is ChargeBasis.BOOKED
            else "never checked in"
        )
        return f"charge {charge} as booked ({why})"
    return (
        f"charge {charge} for {_used(use.used_minutes)} used, check-in to check-out "
        f"(booked {gbp(use.booked_pence)})"
    )


def charged_words(charged_pence: int, line: CancellationLine | None) -> str:
    """What a cancellation just charged, explained by its quote: '' when the booking had no
    price to charge. Should the window have closed between quote and cancel, the amount
    charged is still what is said."""
    if line is None or line.terms.fee_pence != charged_pence:
        return f"cancellation fee {gbp(charged_pence)}" if charged_pence else "no charge"
    return fee_words(line.terms) if line.terms.booked.total_pence else ""
