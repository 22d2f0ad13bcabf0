"""A category's earliest slots across every institution, without reading the whole category.

The database answers which instruments the user may book at all (status, access, length,
training), with the few columns that bound when a slot on each could first start (notice,
horizon, grid, zone). Instruments sharing a first possible start form a tier, which the
database hands over a page at a time in search order (ix_instruments_category_search
holds every column read). Instruments are taken earliest-possible first, in growing
batches: a batch's opening hours sharpen those bounds, and its bookings, downtime and
training are read for that batch alone. Once `limit` slots are in hand, an instrument
whose earliest possible slot sorts after the last of them cannot change the answer, and
neither can any after it, so the search stops there."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Row
from sqlalchemy.orm import Session

from equipshare.domain.enums import AccessLevel, InstrumentStatus
from equipshare.domain.records.instruments.catalogue import (
    BookingPolicy,
    InstrumentRecord,
    OpeningInterval,
    SlotRecord,
)
from equipshare.domain.records.users.people import UserRecord
from equipshare.domain.rules import policy_rules
from equipshare.domain.rules.permissions import Action, Actor, Target, require
from equipshare.domain.time.availability_intervals import first_open_start, next_on_grid
from equipshare.services.availability import statements as sql
from equipshare.services.availability.slots import (
    Search,
    SlotKey,
    free_slots,
    load_occupancy,
    slot_order,
)
from equipshare.services.plumbing.prebuilt import run

FIRST_BATCH_EXTRA = 4
MAX_BATCH = 512


class Candidate(NamedTuple):
    """An instrument the user may book, keyed by the best its first slot could sort at.

    Until its opening hours are read (`policy` is None) the key's start is only the first
    grid instant after notice: a lower bound. Candidates order by key; keys differ in the
    instrument code, so no two compare equal.
    """

    key: SlotKey
    id: int
    institution_id: int
    timezone: str
    terms: tuple[Any, ...]  # statements.POLICY_COLUMNS, in that order
    policy: BookingPolicy | None


def search_category(
    session: Session, search: Search, category: str, limit: int, per_instrument: int
) -> list[SlotRecord]:
    """The `limit` earliest slots over the category, at most `per_instrument` on each."""
    user = search.user
    if not user.active:
        require(Actor(user, frozenset()), Action.BOOK, Target(0, "", category))
    queue = candidates(session, search, category)
    schedules: Schedules = {}
    found: list[SlotRecord] = []
    size = limit + FIRST_BATCH_EXTRA
    while queue and not _settled(found, limit, queue[0][0]):
        batch = _take(session, queue, size)
        unread = [_unread(key, row) for key, _, row in batch if not isinstance(row, Candidate)]
        for sharper in sharpen(session, search, unread, schedules):
            heapq.heappush(queue, (sharper.key, ROW, sharper))
        ready = [c for _, _, c in batch if isinstance(c, Candidate)]
        if not ready:
            continue
        records = instrument_records(session, ready)
        occupancy = load_occupancy(session, search, records)
        for candidate, record in zip(ready, records, strict=True):
            if _settled(found, limit, candidate.key):
                break  # the batch is in key order
            found.extend(free_slots(record, search, occupancy, min(per_instrument, limit)))
            found.sort(key=slot_order)
            del found[limit:]
        size = min(size * 2, MAX_BATCH)
    return found


def _settled(found: Sequence[SlotRecord], limit: int, key: SlotKey) -> bool:
    """Whether a slot sorting at `key` or later could no longer make the first `limit`."""
    return len(found) >= limit and key > slot_order(found[limit - 1])


def open_levels(user: UserRecord) -> list[AccessLevel]:
    """The access levels that admit `user` to another institution's instruments (rule 2)."""
    return [level for level in AccessLevel if policy_rules.may_access(user, _elsewhere(level))]


def _elsewhere(level: AccessLevel) -> InstrumentRecord:
    """A stand-in instrument at no institution of the user's, for asking `may_access`."""
    policy = BookingPolicy(60, 60, 60, 0, 1, False, False, False, False, None, ())
    return InstrumentRecord(
        0, "", "", "", None, None, InstrumentStatus.AVAILABLE, level, None, None,
        0, "", -1, "", "", "UTC", None, policy,
    )  # fmt: skip


# A heap entry: an instrument's key with its candidate_page row until its hours are read,
# then with its sharpened Candidate; or a Tier, keyed by a bound on what it yields next.
# Instruments' keys differ in the code, and a tier's bound is a key it already yielded,
# so the middle element (rows before tiers) settles every tie without comparing payloads.
Entry = tuple[SlotKey, int, "Candidate | Row[Any] | Tier"]
ROW, TIER = 0, 1
FIRST_PAGE = 256


def _unread(key: SlotKey, row: Row[Any] | Tier) -> Candidate:
    assert not isinstance(row, Tier), "_take yields instruments only"
    return Candidate(
        key, row.id, row.institution_id, row.timezone, tuple(row[sql.POLICY_START :]), None
    )


def _take(session: Session, queue: list[Entry], size: int) -> list[Entry]:
    """Up to `size` instrument entries off the heap, reading tiers' pages as they come up."""
    taken: list[Entry] = []
    while queue and len(taken) < size:
        entry = heapq.heappop(queue)
        if isinstance(entry[2], Tier):
            entry[2].read_page(session, queue)
        else:
            taken.append(entry)
    return taken


class Tier:
    """The eligible instruments whose schedules share one earliest possible start, read from
    the database a page at a time in search order, so a category of thousands is not read
    whole when its first few instruments settle the answer."""

    def __init__(
        self, first: datetime, schedules: list[tuple[Any, ...]], params: dict[str, Any]
    ) -> None:
        self.first = first
        self.params = {**params, "schedules": schedules, "page": FIRST_PAGE}
        self.after: tuple[int, str, str] = (-1, "", "")

    def entry(self) -> Entry:
        elsewhere, institution, code = self.after
        return ((self.first, elsewhere > 0, institution, code), TIER, self)

    def read_page(self, session: Session, queue: list[Entry]) -> None:
        """Push the next page's instruments, and this tier again unless it is used up."""
        elsewhere, institution, code = self.after
        after = {"after_elsewhere": elsewhere, "after_institution": institution, "after_code": code}
        page = sql.CANDIDATE_PAGES[session.get_bind().dialect.name]
        rows = run(session, page, {**self.params, **after}).all()
        own = self.params["institution_id"]
        for row in rows:
            key = (self.first, row.institution_id != own, row.institution_code, row.code)
            heapq.heappush(queue, (key, ROW, row))
        if len(rows) == self.params["page"]:
            last = rows[-1]
            self.after = (int(last.institution_id != own), last.institution_code, last.code)
            self.params["page"] *= 2
            heapq.heappush(queue, self.entry())


def candidates(session: Session, search: Search, category: str) -> list[Entry]:
    """The category's tiers, as a heap by earliest possible slot: one for each first
    possible start among the schedules its instruments could have.

    Which instruments the user may book (status, access, length and training) is judged
    by the database; a training record that ends before any slot in the window could end
    does not count.
    """
    user = search.user
    params = {
        "wanted": category.strip().lower(),
        "institution_id": user.institution_id,
        "levels": open_levels(user),
        "minutes": search.minutes,
        "user_id": user.id,
        "trained_until": search.window_start + search.length,
    }
    zones: list[str] = []
    schedules: list[tuple[int, int, int]] = []
    for zone, grid, notice, ahead in run(session, sql.ZONES_AND_SCHEDULES, params):
        if zone is not None:
            zones.append(zone)
        else:
            schedules.append((grid, notice, ahead))
    tiers: dict[datetime, list[tuple[Any, ...]]] = {}
    for grid, notice, ahead in schedules:
        if search.minutes % grid:
            continue  # the length is not whole slots on this grid
        for zone in zones:
            first = _first_after_notice(search, zone, grid, notice, ahead)
            if first is not None:
                tiers.setdefault(first, []).append((zone, grid, notice, ahead))
    queue = [Tier(first, schedules, params).entry() for first, schedules in tiers.items()]
    heapq.heapify(queue)
    return queue


def _first_after_notice(
    search: Search, tz: str, slot_minutes: int, notice: int, ahead: int
) -> datetime | None:
    """The first grid instant a slot could start at, opening hours aside; None: no start."""
    lo, hi = search.starts_between(notice, ahead)
    if lo >= hi:
        return None
    first = next_on_grid(lo, tz, slot_minutes)
    return first if first < hi else None


Hours = tuple[tuple[int, int, int], ...]
Schedules = dict[tuple[str, tuple[Any, ...], Hours], tuple[BookingPolicy, datetime | None]]


def sharpen(
    session: Session, search: Search, batch: Sequence[Candidate], schedules: Schedules
) -> list[Candidate]:
    """The batch with its opening hours read and each key's start moved to the first grid
    instant the instrument is open; an instrument never open in the window is dropped."""
    if not batch:
        return []
    hours: dict[int, list[tuple[int, int, int]]] = {c.id: [] for c in batch}
    for instrument_id, weekday, opens, closes in run(session, sql.HOURS, {"ids": list(hours)}):
        hours[instrument_id].append((weekday, opens, closes))
    sharper = []
    for candidate in batch:
        hours_of = tuple(sorted(hours[candidate.id]))
        policy, first = _schedule(search, candidate, hours_of, schedules)
        if first is not None:
            sharper.append(candidate._replace(key=(first, *candidate.key[1:]), policy=policy))
    return sharper


def _schedule(
    search: Search, candidate: Candidate, hours: Hours, schedules: Schedules
) -> tuple[BookingPolicy, datetime | None]:
    """The candidate's policy and the earliest start any slot under it could have; shared by
    every instrument with the same terms, hours and zone, so a uniform category costs one."""
    key = (candidate.timezone, candidate.terms, hours)
    known = schedules.get(key)
    if known is None:
        slot, shortest, longest, notice, ahead, approval, training, project, overnight, quota = (
            candidate.terms
        )
        policy = BookingPolicy(
            slot_minutes=slot,
            min_minutes=shortest,
            max_minutes=longest,
            min_notice_minutes=notice,
            max_days_ahead=ahead,
            requires_approval=approval,
            requires_training=training,
            requires_project_code=project,
            allow_overnight=overnight,
            weekly_quota_minutes=quota,
            opening_hours=tuple(OpeningInterval(*hour) for hour in hours),
        )
        lo, hi = search.starts_between(notice, ahead)
        first = (
            first_open_start(policy, candidate.timezone, lo, hi, search.length) if lo < hi else None
        )
        known = schedules[key] = (policy, first)
    return known


def instrument_records(session: Session, batch: Sequence[Candidate]) -> list[InstrumentRecord]:
    """Full records for a batch of sharpened candidates, in the batch's order: one query."""
    rows = run(session, sql.DESCRIPTIONS, {"ids": [c.id for c in batch]}).all()
    by_id = {row.id: row for row in rows}
    records = []
    for candidate in batch:
        row, policy = by_id[candidate.id], candidate.policy
        assert policy is not None, "only sharpened candidates are searched"
        records.append(
            InstrumentRecord(
                id=row.id,
                code=row.code,
                name=row.name,
                category=row.category,
                manufacturer=row.manufacturer,
                model=row.model,
                status=row.status,
                access_level=row.access_level,
                building=row.building,
                room=row.room,
                facility_id=row.facility_id,
                facility_name=row.facility_name,
                institution_id=candidate.institution_id,
                institution_code=row.institution_code,
                institution_name=row.institution_name,
                timezone=candidate.timezone,
                contact_technician_id=row.contact_technician_id,
                policy=policy,
                status_reason=row.status_reason,
            )
        )
    return records
