"""The next free slot for the catalogue's rows on screen: the Next free column.

Loaded on first use (it needs the ORM, the availability search and the models), not with
the catalogue's first page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import Instrument
from equipshare.domain.display.wording import count_words
from equipshare.domain.records.instruments.catalogue import InstrumentRecord, NextFreeSlot
from equipshare.domain.records.users.people import UserRecord
from equipshare.domain.rules import policy_rules
from equipshare.services.availability import slots as availability_slots
from equipshare.services.plumbing import row_records

#: The first, cheap look for a next free slot; the whole window only if it finds none.
SOON = timedelta(days=2)


def next_free_slots(
    session: Session,
    actor_username: str,
    codes: Sequence[str],
    now: datetime,
    length: timedelta,
    days: int,
) -> tuple[NextFreeSlot, ...]:
    """CatalogueService.next_free's work, in the caller's read transaction."""
    user = row_records.load_user(session, actor_username)
    rows = session.scalars(
        select(Instrument).options(*row_records.INSTRUMENT_LOAD).where(Instrument.code.in_(codes))
    ).all()
    instruments = {row.code: row_records.instrument_record(row) for row in rows}
    notes = {code: _refusal(user, i) for code, i in instruments.items()}
    by_length: dict[timedelta, list[InstrumentRecord]] = {}
    for code, instrument in instruments.items():
        if not notes[code]:
            by_length.setdefault(_length_for(instrument, length), []).append(instrument)
    found: dict[str, NextFreeSlot] = {}
    for wanted, group in by_length.items():
        search = availability_slots.Search(user, wanted, now, now, now + timedelta(days=days))
        occupancy = availability_slots.load_occupancy(session, search, group)
        for instrument in group:
            found[instrument.code] = _first_slot(instrument, search, occupancy, days)
    return tuple(
        found.get(code) or NextFreeSlot(code, instruments[code].timezone, None, None, notes[code])
        for code in codes
        if code in instruments
    )


def _refusal(user: UserRecord, instrument: InstrumentRecord) -> str:
    """Why `user` could book no slot at all on `instrument`, in a few words; "" if they could."""
    if not user.active:
        return "account deactivated"
    if not instrument.status.bookable:
        return instrument.status.value.replace("_", " ")
    if not policy_rules.may_access(user, instrument):
        return "not open to you"
    return ""


def _length_for(instrument: InstrumentRecord, wanted: timedelta) -> timedelta:
    """The allowed length nearest `wanted` from above: a whole number of slots, within limits."""
    policy = instrument.policy
    minutes = max(int(wanted.total_seconds() // 60), policy.min_minutes)
    minutes = -(-minutes // policy.slot_minutes) * policy.slot_minutes
    return timedelta(minutes=min(minutes, policy.max_minutes))


def _first_slot(
    instrument: InstrumentRecord,
    search: availability_slots.Search,
    occupancy: availability_slots.Occupancy,
    days: int,
) -> NextFreeSlot:
    """The earliest slot, looking at the next two days first: most instruments have one there,
    and opening hours over the whole window are the costly part."""
    policy = instrument.policy
    if policy.requires_training and not occupancy.trained.get(instrument.id):
        return NextFreeSlot(instrument.code, instrument.timezone, None, None, "training needed")
    if not search.fits_length(instrument):
        note = "no slot of that length"
        return NextFreeSlot(instrument.code, instrument.timezone, None, None, note)
    soon = replace(search, window_end=min(search.window_end, search.now + SOON))
    slots = availability_slots.free_slots(instrument, soon, occupancy, 1) or (
        availability_slots.free_slots(instrument, search, occupancy, 1)
    )
    if slots:
        slot = slots[0]
        return NextFreeSlot(instrument.code, instrument.timezone, slot.starts_at, slot.ends_at, "")
    note = f"none in {count_words(days, 'day')}"
    return NextFreeSlot(instrument.code, instrument.timezone, None, None, note)
