"""Terms of use for each demo instrument: who is trained on it, what it costs, when it is down."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from equipshare.demo.calendar import (
    LONDON,
    DemoCalendar,
    PlannedInstrument,
    Row,
    Training,
)
from equipshare.demo.charging import add_price
from equipshare.demo.people import DOWNTIME_NOTES, TRAINING_NOTES
from equipshare.domain.enums import DowntimeReason, InstrumentStatus, TrainingLevel, UserClass

PRICE_FACTORS = {
    UserClass.INTERNAL: Decimal("1"),
    UserClass.PARTNER: Decimal("1.35"),
    UserClass.EXTERNAL_ACADEMIC: Decimal("2"),
    UserClass.INDUSTRY: Decimal("3.6"),
}
PENNY = Decimal("0.01")


def add_training(
    rng: random.Random, cal: DemoCalendar, instrument: PlannedInstrument, rows: list[Row]
) -> None:
    """A pool of trained users: most current, some supervised, a few lapsed or about to lapse."""
    if not instrument.kind.training:
        return
    size = rng.randint(6, 16)
    outside = min(len(instrument.outsiders), round(size * 0.3))
    people = rng.sample(
        instrument.insiders, min(len(instrument.insiders), size - outside)
    ) + rng.sample(instrument.outsiders, outside)
    today = cal.now.astimezone(LONDON).date()
    for person in people:
        r = rng.random()
        if r < 0.05:  # lapsed
            lapsed = today - timedelta(days=rng.randint(1, 60))
            trained, expires = lapsed - timedelta(days=365), lapsed
        elif r < 0.10:  # about to lapse
            lapses = today + timedelta(days=rng.randint(1, 30))
            trained, expires = lapses - timedelta(days=rng.choice((365, 730))), lapses
        elif r < 0.16:  # newly trained
            trained = today - timedelta(days=rng.randint(2, 50))
            expires = trained + timedelta(days=365)
        else:
            trained = cal.monday - timedelta(days=rng.randint(60, 500))
            expires = trained + timedelta(days=rng.choice((365, 548, 730)))
        never = r > 0.9  # some kit needs no renewal
        record = Training(
            person,
            TrainingLevel.SUPERVISED if rng.random() < 0.15 else TrainingLevel.INDEPENDENT,
            cal.at(trained, rng.choice((600, 660, 840))),
            None if never else cal.at(expires, 1020),
        )
        instrument.trained.append(record)
        rows.append(
            {
                "id": len(rows) + 1,
                "user_id": person.id,
                "instrument_id": instrument.id,
                "trainer_id": rng.choice(instrument.facility.technicians),
                "level": record.level.value,
                "trained_at": record.trained_at,
                "expires_at": record.expires_at,
                "revoked_at": None,
                "notes": rng.choice(TRAINING_NOTES),
            }
        )


# Kit the person running the demo is trained on, so `equipshare slots --category XPS`
# shows what a trained researcher sees across the consortium.
PERSONA_CATEGORIES = frozenset({"XPS", "SEM"})


def train_demo_persona(
    cal: DemoCalendar, instrument: PlannedInstrument, admin_id: int, rows: list[Row]
) -> None:
    """Independent training for the demo's own user on the flagship surface-analysis kit."""
    if not instrument.kind.training or instrument.kind.category not in PERSONA_CATEGORIES:
        return
    trained = cal.monday - timedelta(days=200)
    rows.append(
        {
            "id": len(rows) + 1,
            "user_id": admin_id,
            "instrument_id": instrument.id,
            "trainer_id": instrument.facility.technicians[0],
            "level": TrainingLevel.INDEPENDENT.value,
            "trained_at": cal.at(trained, 600),
            "expires_at": cal.at(trained + timedelta(days=730), 1020),
            "revoked_at": None,
            "notes": "Consortium surface-analysis induction",
        }
    )


def add_rate_cards(
    rng: random.Random, cal: DemoCalendar, instrument: PlannedInstrument, rows: list[Row]
) -> None:
    """One price per user class, internal cheapest and industry dearest, from 1 August."""
    factor = (
        Decimal("1")
        if instrument.weekly_quota
        else Decimal(rng.choice(("0.85", "0.9", "1", "1", "1.1", "1.2")))
    )
    internal = Decimal(instrument.kind.rate) * factor
    technician = Decimal(rng.randrange(3500, 6001, 50)) / 100
    monday = cal.monday
    year = monday.year if (monday.month, monday.day) > (8, 1) else monday.year - 1
    for user_class, multiplier in PRICE_FACTORS.items():
        add_price(
            instrument,
            user_class,
            date(year, 8, 1),
            (internal * multiplier).quantize(PENNY),
            technician.quantize(PENNY),
            rows,
        )


def add_downtimes(
    rng: random.Random, cal: DemoCalendar, instruments: list[PlannedInstrument], rows: list[Row]
) -> None:
    """Repairs on out-of-service kit, one visit under way now, and a handful of planned windows."""
    today = cal.now.astimezone(LONDON).date()
    plans: list[tuple[PlannedInstrument, datetime, datetime, DowntimeReason]] = []
    for instrument in instruments:
        if instrument.status is InstrumentStatus.OUT_OF_SERVICE:
            start = cal.at(_weekday(today - timedelta(days=rng.randint(3, 30)), -1), 540)
            end = cal.at(today + timedelta(days=rng.randint(10, 60)), 1020)
            plans.append((instrument, start, end, DowntimeReason.REPAIR))
    ordinary = [
        i for i in instruments if i.status is InstrumentStatus.AVAILABLE and i.weekly_quota is None
    ]
    chosen = rng.sample(ordinary, 13)
    plans.append(
        (
            chosen[0],
            cal.at(_weekday(today - timedelta(days=1), -1), 480),
            cal.at(today + timedelta(days=2), 1020),
            DowntimeReason.ENGINEER_VISIT,
        )
    )
    for instrument in chosen[1:]:
        day = _weekday(cal.first_day + timedelta(days=rng.randrange(14 * 8 - 5)), 1)
        reason = rng.choice(list(DowntimeReason))
        first, days, last = {
            DowntimeReason.CALIBRATION: (540, 0, 780),
            DowntimeReason.MAINTENANCE: (480, 0, 1080),
            DowntimeReason.ENGINEER_VISIT: (480, 1, 1080),
            DowntimeReason.REPAIR: (480, 3, 1080),
            DowntimeReason.OTHER: (540, 0, 1020),
        }[reason]
        plans.append(
            (instrument, cal.at(day, first), cal.at(day + timedelta(days=days), last), reason)
        )
    for number, (instrument, start, end, reason) in enumerate(plans, start=1):
        instrument.downtimes.append((start, end))
        created = min(start - timedelta(days=rng.randint(0, 20)), cal.now)
        rows.append(
            {
                "id": number,
                "instrument_id": instrument.id,
                "starts_at": start,
                "ends_at": end,
                "reason": reason.value,
                "description": rng.choice(DOWNTIME_NOTES[reason.value]),
                "created_by_id": rng.choice(instrument.facility.technicians),
                "ical_uid": cal.uid("downtime", number),
                "sequence": 0,
                "created_at": created,
                "updated_at": created,
            }
        )


def _weekday(day: date, step: int) -> date:
    """`day`, or the nearest weekday from it in the direction of `step`; engineers work weekdays."""
    while day.weekday() > 4:
        day += timedelta(days=step)
    return day
