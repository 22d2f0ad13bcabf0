"""The booking rules a calendar import holds each event to, decided in memory.

An imported event is a booking made elsewhere, so it skips only what concerns the moment
a booking is made (the past, notice and horizon). Everything a booking held here keeps to
applies, as on every other path (`bookings.checks.check_all`): the instrument takes
bookings (rule 1), the owner's institution may use it (rule 2), the owner is trained or
the booking assisted (rule 3), grid, lengths, opening hours and project code (rule 4),
the weekly quota (rule 5), and approval (rule 7): a booking that needs it is imported
pending.

Rules 4 and 5 and approval yield, as they do for `book --override`, only to an
explicit override by staff who may override the policy. What it waved through is kept
in the booking's audit event, and an approval it waved is written on the row as the
importer's decision (`decided_by_id`), which is how `equipshare check` tells an approved
booking from one that skipped approval. Access and training never yield.

Training records and the quota's weekly totals are read once per import, so a file of
ten thousand events costs no query per event.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from equipshare.domain.enums import (
    ACTIVE_BOOKING_STATUSES,
    BookingStatus,
    CalendarEventStatus,
    TrainingLevel,
)
from equipshare.domain.errors import RefusedError
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.users.people import UserRecord
from equipshare.domain.rules import policy_rules
from equipshare.ical.importer import ImportedEvent
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.prebuilt import BOOKINGS, TRAINING_RECORDS

_TRAINED = select(
    TRAINING_RECORDS.c.user_id, TRAINING_RECORDS.c.trained_at, TRAINING_RECORDS.c.expires_at
).where(
    TRAINING_RECORDS.c.instrument_id == bindparam("instrument_id"),
    TRAINING_RECORDS.c.level == TrainingLevel.INDEPENDENT,
    TRAINING_RECORDS.c.revoked_at.is_(None),
)
_AT = BOOKINGS.c.starts_at.type
_WEEKS_BOOKED = select(
    BOOKINGS.c.id, BOOKINGS.c.user_id, BOOKINGS.c.starts_at, BOOKINGS.c.ends_at
).where(
    BOOKINGS.c.instrument_id == bindparam("instrument_id"),
    BOOKINGS.c.status.in_(sorted(ACTIVE_BOOKING_STATUSES)),
    BOOKINGS.c.starts_at >= bindparam("start", type_=_AT),
    BOOKINGS.c.starts_at < bindparam("end", type_=_AT),
)

#: A booking as the quota ledger knows it: its id, or the run's own row while it has none.
Holder = object
_Share = tuple[int, datetime, int]  # user id, quota week start, minutes


@dataclass(frozen=True)
class Refusal:
    """The rule that refused an event and its words, as the booking form would show them."""

    rule: str
    message: str


@dataclass(frozen=True)
class Verdict:
    """What the rules say of one event: refused, or allowed with what an override waved."""

    refusal: Refusal | None = None
    overridden: tuple[str, ...] = ()


def _minutes(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds() // 60)


@dataclass
class ImportRules:
    """Rules 1-5 and 7 for one import onto one instrument, over what it has read."""

    session: Session
    instrument: InstrumentRecord
    now: datetime
    override: bool
    _users: dict[int, UserRecord] = field(default_factory=dict)
    _training: dict[int, list[tuple[datetime, datetime | None]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    _week_minutes: dict[tuple[int, datetime], int] = field(default_factory=lambda: defaultdict(int))
    _shares: dict[Holder, _Share] = field(default_factory=dict)

    def load(self, start: datetime, end: datetime) -> None:
        """Read the instrument's training records and, under a quota, the weeks' bookings."""
        params: dict[str, Any] = {"instrument_id": self.instrument.id}
        for user_id, trained_at, expires_at in self.session.execute(_TRAINED, params):
            self._training[user_id].append((trained_at, expires_at))
        if self.instrument.policy.weekly_quota_minutes is None:
            return
        tz = self.instrument.timezone
        params |= {
            "start": policy_rules.quota_week(start, tz)[0],
            "end": policy_rules.quota_week(end, tz)[1],
        }
        for booking_id, user_id, starts_at, ends_at in self.session.execute(_WEEKS_BOOKED, params):
            self.held(booking_id, user_id, starts_at, ends_at)

    def owner(self, user_id: int) -> UserRecord:
        """The owner's record (institution, sector, partner), read once per run."""
        if user_id not in self._users:
            self._users[user_id] = row_records.user_by_id(self.session, user_id)
        return self._users[user_id]

    def status(
        self, event: ImportedEvent, held: Mapping[str, Any] | None, owner: UserRecord
    ) -> tuple[BookingStatus, bool]:
        """Rule 7 for an event (`held`: its row's values), and whether an override waved it.

        A booking confirmed here stays confirmed while its slot and owner stay; moved or
        given to someone else, it needs approval again if the rule asks for it. TENTATIVE
        in the source calendar waits for approval whatever the rule says.
        """
        needs = policy_rules.needs_approval(owner, self.instrument)
        if held is not None and held["status"] is BookingStatus.CONFIRMED:
            slot = (held["starts_at"], held["ends_at"], held["user_id"])
            if not needs or slot == (event.starts_at, event.ends_at, owner.id):
                return BookingStatus.CONFIRMED, False
        if event.status is CalendarEventStatus.TENTATIVE:
            return BookingStatus.PENDING, False
        if not needs:
            return BookingStatus.CONFIRMED, False
        if self.override:
            return BookingStatus.CONFIRMED, True
        return BookingStatus.PENDING, False

    def judge(
        self,
        owner: UserRecord,
        start: datetime,
        end: datetime,
        *,
        project_code: str | None,
        assisted: bool,
        holder: Holder | None,
    ) -> Verdict:
        """Rules 1-5 for the event as `owner`'s booking; `holder` is the row it replaces."""
        instrument = self.instrument
        try:
            if end > self.now:  # an instrument taken out of service keeps its past
                policy_rules.check_status(instrument)
        except RefusedError as refusal:
            return Verdict(Refusal("status", str(refusal)))
        try:
            policy_rules.check_access(owner, instrument)
        except RefusedError as refusal:
            return Verdict(Refusal("access", str(refusal)))
        if instrument.policy.requires_training and not assisted and not self._trained(owner, end):
            return Verdict(
                Refusal(
                    "training",
                    f"{owner.username} has no current training on {instrument.code} at the "
                    f"end of the event, and no technician assists it",
                )
            )
        overridden: list[str] = []

        def policy() -> None:
            policy_rules.check_held_policy(instrument, start, end, project_code)

        def quota() -> None:
            self._check_quota(owner, start, end, holder)

        checks: tuple[tuple[str, Callable[[], None]], ...] = (("policy", policy), ("quota", quota))
        for rule, check in checks:
            try:
                check()
            except RefusedError as refusal:
                if not self.override:
                    return Verdict(Refusal(_rule_name(rule, refusal), str(refusal)))
                overridden.append(str(refusal))
        return Verdict(None, tuple(overridden))

    def _trained(self, owner: UserRecord, at: datetime) -> bool:
        """An unrevoked independent record valid at `at` (as `checks.holds_training`)."""
        return any(
            trained_at <= at and (expires_at is None or expires_at > at)
            for trained_at, expires_at in self._training.get(owner.id, [])
        )

    def _check_quota(
        self, owner: UserRecord, start: datetime, end: datetime, holder: Holder | None
    ) -> None:
        if self.instrument.policy.weekly_quota_minutes is None:
            return
        week = policy_rules.quota_week(start, self.instrument.timezone)[0]
        used = self._week_minutes[(owner.id, week)]
        own = self._shares.get(holder) if holder is not None else None
        if own is not None and own[:2] == (owner.id, week):
            used -= own[2]
        policy_rules.check_quota(self.instrument, used, _minutes(start, end))

    # -- the quota ledger, kept up to date as the run decides --------------------------

    def held(self, holder: Holder, user_id: int, start: datetime, end: datetime) -> None:
        """`holder` now holds [start, end) for `user_id` (replacing what it held before)."""
        self.released(holder)
        if self.instrument.policy.weekly_quota_minutes is None:
            return
        week = policy_rules.quota_week(start, self.instrument.timezone)[0]
        share = (user_id, week, _minutes(start, end))
        self._shares[holder] = share
        self._week_minutes[(user_id, week)] += share[2]

    def released(self, holder: Holder) -> None:
        """`holder` no longer holds a slot (cancelled, or about to be moved)."""
        share = self._shares.pop(holder, None)
        if share is not None:
            self._week_minutes[(share[0], share[1])] -= share[2]


def _rule_name(rule: str, refusal: RefusedError) -> str:
    """The part of rule 4 that refused: "opening hours", "length", "slot grid"..."""
    if rule == "quota":
        return "quota"
    words = str(refusal)
    if "opening hours" in words:
        return "opening hours"
    if refusal.field == "project_code":
        return "project code"
    if refusal.field == "length":
        return "length"
    if "slots" in words:
        return "slot grid"
    return "policy"
