"""Pricing a plan in the database: each line's instrument, the applicant's class there, and
the rate cards in force on each grant year's first day (the arithmetic is the domain's)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.charging import RateCard
from equipshare.domain.errors import InputError, NotFound
from equipshare.domain.money.charging import pence_of, user_class_of
from equipshare.domain.money.grant_costing import (
    MAX_UPLIFT,
    CardPrice,
    checked_years,
    grant_year_start,
    line_charge,
    year_rates,
)
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.money.grants import CostedLine, GrantEstimate, PlanLine, PlanRequest
from equipshare.domain.records.users.people import UserRecord
from equipshare.services.plumbing import row_records

#: More lines than instruments-times-years any consortium plans is a mistake, not a grant.
MAX_LINES = 500


def check_request(request: PlanRequest) -> None:
    """Refuse a plan that cannot be priced, naming the line (`where`) and the field."""
    checked_years(request.years)
    if not Decimal(0) <= request.uplift_percent <= MAX_UPLIFT:
        raise InputError(f"uplift must be 0 to {MAX_UPLIFT}% a year", "uplift")
    if not request.lines:
        raise InputError("a plan needs at least one line of hours", "lines")
    if len(request.lines) > MAX_LINES:
        raise InputError(f"a plan holds at most {MAX_LINES} lines", "lines")
    seen: dict[tuple[str, int], PlanLine] = {}
    for line in request.lines:
        where = f"{line.where}: " if line.where else ""
        if not 1 <= line.year <= request.years:
            raise InputError(
                f"{where}year {line.year} is not a year of a {request.years}-year grant "
                f"(1 to {request.years})",
                "year",
            )
        if line.instrument_minutes < 0 or line.assisted_minutes < 0:
            raise InputError(f"{where}hours cannot be negative", "hours")
        if line.assisted_minutes > line.instrument_minutes:
            raise InputError(
                f"{where}assisted hours are more than the instrument hours: an assisted "
                "session is instrument time too",
                "assisted_hours",
            )
        key = (line.instrument_code.casefold(), line.year)
        if key in seen:
            first = seen[key].where or "another line"
            raise InputError(
                f"{where}{line.instrument_code} year {line.year} is already planned on {first}",
                "instrument",
            )
        seen[key] = line


def _instrument(session: Session, line: PlanLine) -> InstrumentRecord:
    try:
        return row_records.load_instrument(session, line.instrument_code)
    except NotFound as exc:
        where = f"{line.where}: " if line.where else ""
        raise InputError(f"{where}{exc}", "instrument") from None


def _cards(session: Session, instrument_id: int, user_class: object) -> list[CardPrice]:
    rows = session.execute(
        select(RateCard.valid_from, RateCard.hourly_rate, RateCard.technician_hourly_rate).where(
            RateCard.instrument_id == instrument_id, RateCard.user_class == user_class
        )
    )
    return [CardPrice(row[0], pence_of(row[1]), pence_of(row[2])) for row in rows]


def price(session: Session, applicant: UserRecord, request: PlanRequest) -> GrantEstimate:
    """The plan priced for `applicant` at today's rate cards (request already checked)."""
    costed: list[CostedLine] = []
    for line in request.lines:
        instrument = _instrument(session, line)
        user_class = user_class_of(applicant, instrument)
        cards = _cards(session, instrument.id, user_class)
        on = grant_year_start(request.starts_on, line.year)
        rates = year_rates(cards, on, request.uplift_percent)
        charge = line_charge(line.instrument_minutes, line.assisted_minutes, rates, user_class)
        costed.append(
            CostedLine(
                instrument_code=instrument.code,
                instrument_name=instrument.name,
                host_code=instrument.institution_code,
                year=line.year,
                priced_on=on,
                user_class=user_class,
                instrument_minutes=line.instrument_minutes,
                assisted_minutes=line.assisted_minutes,
                card_valid_from=rates.card_valid_from,
                uplift_years=rates.uplift_years,
                hourly_rate_pence=rates.hourly_pence,
                technician_rate_pence=rates.technician_pence,
                instrument_pence=charge.instrument_pence,
                technician_pence=charge.technician_pence,
            )
        )
    costed.sort(key=lambda c: (c.year, c.instrument_code))
    return GrantEstimate(
        applicant=applicant.username,
        applicant_name=applicant.display_name,
        institution_code=applicant.institution_code,
        starts_on=request.starts_on,
        years=request.years,
        uplift_percent=request.uplift_percent,
        lines=tuple(costed),
    )
