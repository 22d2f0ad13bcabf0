"""Grant costing arithmetic: which rate card prices each grant year, the yearly uplift, and
the price of a plan's hours, rounded exactly as charging rounds a booking.

Pure, so that the estimate, the saved plan and the property test that books the same hours
share one rule:
- grant year k starts on the k-1th anniversary of the grant's start (29 Feb on 28 Feb), and
  its hours are priced at the card in force on that first day, as a booking made that day
  freezes the card in force on the day it is made;
- a year priced at an instrument's latest card, on or after an anniversary of that card's
  first day, has its rates raised by the uplift once per anniversary passed, each raise
  rounded half up to the penny as a facility's next card would be;
- a line's assisted hours are booked as assisted sessions and the rest as own use, and each
  part is priced as one session of that length (equipshare.domain.money.charging.session_charge).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from equipshare.domain.enums import UserClass
from equipshare.domain.errors import InputError
from equipshare.domain.money.charging import Charge, FrozenRates, session_charge

#: The longest grant costed: research grants run up to five years, fellowships up to eight.
MAX_YEARS = 10
#: A yearly uplift above this is a typo (3 meant, 30 typed), not inflation.
MAX_UPLIFT = Decimal("25")
#: No grant year holds more hours than a leap year has.
MAX_LINE_MINUTES = 366 * 24 * 60


@dataclass(frozen=True)
class CardPrice:
    """One rate card of an instrument for one user class, in whole pence an hour."""

    valid_from: date
    hourly_pence: int
    technician_pence: int


@dataclass(frozen=True)
class YearRates:
    """The rates one grant year is priced at, and where they came from.

    `card_valid_from` None: no card was in force on `priced_on`, so the time is free, as a
    booking made that day would be.
    """

    priced_on: date
    card_valid_from: date | None
    uplift_years: int
    hourly_pence: int
    technician_pence: int

    @property
    def priced(self) -> bool:
        return self.card_valid_from is not None


def grant_year_start(start: date, year: int) -> date:
    """The first day of grant year `year` (1-based): the start's `year - 1`th anniversary."""
    target = start.year + year - 1
    try:
        return start.replace(year=target)
    except ValueError:  # 29 February in a year without one
        return start.replace(year=target, day=28)


def anniversaries(since: date, on: date) -> int:
    """How many anniversaries of `since` have come by `on` (0 before the first)."""
    years = 0
    while grant_year_start(since, years + 2) <= on:
        years += 1
    return years


def uplifted(pence: int, percent: Decimal, years: int) -> int:
    """`pence` raised by `percent` `years` times, rounded half up to the penny each time."""
    for _ in range(years):
        raised = Decimal(pence) * (100 + percent) / 100
        pence = int(raised.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return pence


def year_rates(cards: Sequence[CardPrice], on: date, uplift_percent: Decimal) -> YearRates:
    """The rates for time priced on `on`: the card in force then, uplifted past the latest."""
    in_force = [card for card in cards if card.valid_from <= on]
    if not in_force:
        return YearRates(on, None, 0, 0, 0)
    card = max(in_force, key=lambda c: c.valid_from)
    latest = max(c.valid_from for c in cards)
    years = anniversaries(card.valid_from, on) if card.valid_from == latest else 0
    return YearRates(
        priced_on=on,
        card_valid_from=card.valid_from,
        uplift_years=years if uplift_percent else 0,
        hourly_pence=uplifted(card.hourly_pence, uplift_percent, years),
        technician_pence=uplifted(card.technician_pence, uplift_percent, years),
    )


def line_charge(
    instrument_minutes: int, assisted_minutes: int, rates: YearRates, user_class: UserClass
) -> Charge:
    """The price of a line: assisted sessions and own-use sessions, each priced as one
    session, so instrument time is the sum of the two parts' instrument charges."""
    frozen = FrozenRates(user_class, rates.hourly_pence, rates.technician_pence)
    assisted = session_charge(assisted_minutes, frozen, assisted=True)
    own = session_charge(instrument_minutes - assisted_minutes, frozen, assisted=False)
    return Charge(assisted.instrument_pence + own.instrument_pence, assisted.technician_pence)


def minutes_of_hours(text: str, label: str, field: str) -> int:
    """'120', '7.5' or '0.25' hours as whole minutes, or an InputError naming `label`."""
    try:
        hours = Decimal(text.strip())
    except InvalidOperation:
        raise InputError(f"{label} {text.strip()!r} is not a number of hours", field) from None
    if not hours.is_finite() or hours < 0:
        raise InputError(f"{label} must be 0 or more hours, not {text.strip()}", field)
    minutes = hours * 60
    if minutes != minutes.to_integral_value():
        raise InputError(f"{label} {text.strip()} h is not a whole number of minutes", field)
    if minutes > MAX_LINE_MINUTES:
        raise InputError(f"{label} {text.strip()} h is more than a year holds (8,784 h)", field)
    return int(minutes)


def checked_uplift(text: str) -> Decimal:
    """A yearly uplift in percent: 0 to 25, at most two decimal places."""
    try:
        value = Decimal(text.strip().removesuffix("%"))
    except InvalidOperation:
        raise InputError(f"uplift {text.strip()!r} is not a percentage like 3", "uplift") from None
    if not value.is_finite() or value < 0 or value > MAX_UPLIFT:
        raise InputError(f"uplift must be 0 to {MAX_UPLIFT}% a year, not {text.strip()}", "uplift")
    if value != value.quantize(Decimal("0.01")):
        raise InputError(f"uplift {text.strip()} has more than 2 decimal places", "uplift")
    return value.quantize(Decimal("0.01"))


def checked_years(years: int) -> int:
    if not 1 <= years <= MAX_YEARS:
        raise InputError(f"a grant runs 1 to {MAX_YEARS} years, not {years}", "years")
    return years


def hours_text(minutes: int) -> str:
    """Minutes as hours for people: 7200 -> '120 h', 450 -> '7.5 h', 15 -> '0.25 h'."""
    hours = (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    shown = f"{hours:,.2f}".rstrip("0").rstrip(".")
    return f"{shown} h"
