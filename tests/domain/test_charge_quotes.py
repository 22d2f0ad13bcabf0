"""The words of charge quotes, from the pure rule: fees, free reasons, and what was charged
when the window closed between the quote and the cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from equipshare.domain.enums import ChargeBasis
from equipshare.domain.money.charge_quotes import (
    CancellationLine,
    CancellationTerms,
    FeeWaiver,
    UseCharge,
    cancellation_terms,
    charged_words,
    fee_words,
    use_charge_words,
)
from equipshare.domain.money.charging import FREE, Charge

START = datetime(2026, 3, 17, 10, tzinfo=UTC)
BOOKED = Charge(3000, 1001)


def terms_at(
    before_start: timedelta, waived: FeeWaiver | None = None, booked: Charge = BOOKED
) -> CancellationTerms:
    return cancellation_terms(
        booked, START, START - before_start, free_hours=24, late_percent=50, waived=waived
    )


def test_each_part_of_a_late_fee_is_rounded_on_its_own() -> None:
    late = terms_at(timedelta(hours=1))
    assert late.fee == Charge(1500, 501) and late.fee_pence == 2001
    assert (
        fee_words(late) == "late cancellation fee £20.01 (50% of £40.01, within 24 h of the start)"
    )


def test_free_cancellations_say_why() -> None:
    assert fee_words(terms_at(timedelta(hours=25))) == "no charge (more than 24 h before the start)"
    for waiver in FeeWaiver:
        terms = terms_at(timedelta(hours=1), waiver)
        assert terms.fee == FREE and fee_words(terms) == f"no charge ({waiver.value})"
    assert fee_words(terms_at(timedelta(hours=1), booked=FREE)) == "no charge"


def test_what_was_charged_is_said_even_when_the_quote_had_gone_stale() -> None:
    quoted = CancellationLine(1, START, START + timedelta(hours=1), terms_at(timedelta(hours=25)))
    assert charged_words(0, quoted) == "no charge (more than 24 h before the start)"
    assert charged_words(2001, quoted) == "cancellation fee £20.01"
    unpriced = CancellationLine(1, START, START, terms_at(timedelta(hours=1), booked=FREE))
    assert charged_words(0, unpriced) == ""


def test_a_check_out_names_the_minutes_used() -> None:
    use = UseCharge(1, ChargeBasis.ACTUAL, True, 4000, 34, None, None, 1)
    assert use_charge_words(use) == (
        "charge £0.34 for 1 minute used, check-in to check-out (booked £40.00)"
    )
    never_in = UseCharge(1, ChargeBasis.ACTUAL, True, 4000, 4000, None, None, None)
    assert use_charge_words(never_in) == "charge £40.00 as booked (never checked in)"
