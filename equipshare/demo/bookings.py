"""Demo bookings: recurring series and bookings that obey every booking rule, planned in memory."""

from __future__ import annotations

import random
from bisect import bisect_right
from datetime import datetime, timedelta

from equipshare.demo.calendar import (
    LONDON,
    SPAN_WEEKS,
    DemoCalendar,
    Interval,
    Person,
    PlannedInstrument,
    Row,
    subtract,
)
from equipshare.demo.catalogue import COLLABORATIVE, FULL_SERVICE
from equipshare.demo.charging import UNPRICED, UsePlanner
from equipshare.demo.people import (
    CANCEL_REASONS,
    NO_SHOW_REASON,
    PURPOSE_SUFFIXES,
    PURPOSES,
    REJECT_REASONS,
)
from equipshare.domain.enums import BookingStatus, InstrumentStatus, TrainingLevel

# Share of bookings by users of another institution, where the access level allows them.
CROSS_SHARE = 0.3
ASSIST_RATE = {FULL_SERVICE: 0.6, COLLABORATIVE: 0.3}
# Technicians sit beside users only in their working day (local minutes).
TECHNICIAN_DAY = (480, 1080)
# Idle time between bookings, rounded up to the instrument's slot.
IDLE_MINUTES = (60, 120, 180, 240, 360, 480)
LEAD_HOURS = (2, 5, 20, 26, 48, 72, 96, 168, 240, 336, 504)
SERIES_COUNT = 6


class BookingPlanner:
    """Fills each instrument's open hours with bookings, one rule-abiding slot at a time.

    Slots are laid end to end inside open windows (opening hours minus downtime and
    series occurrences), so active bookings never overlap; only a cancelled or rejected
    booking may leave its slot to be booked again.
    """

    def __init__(self, rng: random.Random, calendar: DemoCalendar) -> None:
        self.rng = rng
        self.calendar = calendar
        self.series: list[Row] = []
        self.bookings: list[Row] = []
        self.cross_institution = 0
        self._use = UsePlanner(calendar)
        # (person, quarter hour) taken: nobody is at two instruments or two sessions at once.
        self._busy: set[tuple[int, int]] = set()
        self._quota_used: dict[tuple[int, int, int], int] = {}  # (instrument, user, week)
        self._reserved: dict[int, list[Interval]] = {}
        self._origin = calendar.start
        self._weekdays = [d for d in calendar.days() if d.weekday() < 5]
        self._open: dict[tuple[int, int] | None, list[Interval]] = {}  # by opening hours

    def plan(self, instruments: list[PlannedInstrument]) -> None:
        self._plan_series(instruments)
        for instrument in instruments:
            if instrument.status is InstrumentStatus.RETIRED:
                continue
            demand = self.rng.uniform(0.18, 0.45)
            if instrument.status is InstrumentStatus.LIMITED:
                demand /= 2
            self._fill(instrument, self._windows(instrument), demand)

    def _windows(self, instrument: PlannedInstrument) -> list[Interval]:
        cal, hours = self.calendar, instrument.hours
        if hours not in self._open:
            self._open[hours] = (
                [(cal.start, cal.end)]
                if hours is None
                else [(cal.at(d, hours[0]), cal.at(d, hours[1])) for d in self._weekdays]
            )
        base = self._open[hours]
        blocked = instrument.downtimes + self._reserved.get(instrument.id, [])
        return subtract(base, sorted(blocked))

    def _fill(self, instrument: PlannedInstrument, windows: list[Interval], demand: float) -> None:
        rng, slot = self.rng, instrument.kind.slot
        lengths = sorted(timedelta(minutes=n) for n in instrument.kind.lengths)
        # Round-the-clock kit sits idle for longer stretches: nobody starts a run at 3 a.m.
        stretch = 4 if instrument.hours is None else 1
        gaps = [timedelta(minutes=-(-n * stretch // slot) * slot) for n in IDLE_MINUTES]
        for cursor, end in windows:
            while cursor < end:
                if rng.random() >= demand:
                    cursor += rng.choice(gaps)
                    continue
                fitting = lengths[: bisect_right(lengths, end - cursor)]
                if not fitting:
                    break
                length = rng.choice(fitting)
                status = self._book(instrument, cursor, cursor + length)
                released = status in (BookingStatus.CANCELLED, BookingStatus.REJECTED)
                if not (released and rng.random() < 0.5):  # else its slot went back on offer
                    cursor += length

    def _book(
        self, instrument: PlannedInstrument, start: datetime, end: datetime
    ) -> BookingStatus | None:
        rng = self.rng
        quarters = self._quarters(start, end)
        chosen = self._choose_user(instrument, start, end, quarters)
        if chosen is None:
            return None
        user, needs_technician = chosen
        minutes = int((end - start).total_seconds() // 60)
        week = (start.astimezone(LONDON).date() - self.calendar.monday).days // 7
        quota_key = (instrument.id, user.id, week)
        used = self._quota_used.get(quota_key, 0) + minutes
        if instrument.weekly_quota is not None and used > instrument.weekly_quota:
            return None
        technician = None
        if needs_technician or rng.random() < ASSIST_RATE.get(instrument.kind.service, 0.04):
            technician = self._free_technician(instrument, start, end, quarters)
            if technician is None and needs_technician:
                return None
        self._quota_used[quota_key] = used
        status = self._status(instrument, user, start, end)
        self._add(instrument, user, start, end, status, technician)
        return status

    def _quarters(self, start: datetime, end: datetime) -> range:
        """The quarter hours from the span's start that [start, end) covers."""
        first = int((start - self._origin).total_seconds()) // 900
        return range(first, int((end - self._origin).total_seconds()) // 900)

    def _is_free(self, person: int, instrument: PlannedInstrument, quarters: range) -> bool:
        # Round-the-clock kit runs unattended, so its user may be elsewhere meanwhile.
        return instrument.hours is None or all((person, q) not in self._busy for q in quarters)

    def _choose_user(
        self, instrument: PlannedInstrument, start: datetime, end: datetime, quarters: range
    ) -> tuple[Person, bool] | None:
        """A free user the access level admits, and whether a technician must sit beside them.

        Trained users come first; anyone else eligible gets an assisted session instead.
        """
        rng = self.rng
        if instrument.kind.training:
            for record in rng.sample(instrument.trained, min(3, len(instrument.trained))):
                if record.covers(start, end) and self._is_free(
                    record.user.id, instrument, quarters
                ):
                    return record.user, record.level is TrainingLevel.SUPERVISED
        for _ in range(3):
            cross = instrument.outsiders and rng.random() < CROSS_SHARE
            person = rng.choice(instrument.outsiders if cross else instrument.insiders)
            if self._is_free(person.id, instrument, quarters):
                return person, instrument.kind.training
        return None

    def _free_technician(
        self, instrument: PlannedInstrument, start: datetime, end: datetime, quarters: range
    ) -> int | None:
        local_start, local_end = start.astimezone(LONDON), end.astimezone(LONDON)
        day_start, day_end = TECHNICIAN_DAY
        if (
            local_start.date() != local_end.date()
            or local_start.weekday() > 4
            or local_start.hour * 60 + local_start.minute < day_start
            or local_end.hour * 60 + local_end.minute > day_end
        ):
            return None
        technicians = list(instrument.facility.technicians)
        for technician in self.rng.sample(technicians, len(technicians)):
            if all((technician, q) not in self._busy for q in quarters):
                self._busy.update((technician, q) for q in quarters)
                return technician
        return None

    def _status(
        self, instrument: PlannedInstrument, user: Person, start: datetime, end: datetime
    ) -> BookingStatus:
        now, r = self.calendar.now, self.rng.random()
        decided = instrument.requires_approval or user.institution is not (
            instrument.facility.institution
        )
        if end <= now:
            if r < 0.07:
                return BookingStatus.CANCELLED
            if r < 0.10:  # only where users must check in does anyone know who stayed away
                checks = instrument.facility.policy.requires_check_in
                return BookingStatus.NO_SHOW if checks and r < 0.085 else BookingStatus.COMPLETED
            if decided and r < 0.13:
                return BookingStatus.REJECTED
            return BookingStatus.COMPLETED
        if start < now:
            return BookingStatus.CONFIRMED
        if r < 0.06:
            return BookingStatus.CANCELLED
        if decided and r < 0.08:
            return BookingStatus.REJECTED
        if decided and r < (0.5 if instrument.requires_approval else 0.25):
            return BookingStatus.PENDING
        return BookingStatus.CONFIRMED

    def _created(self, instrument: PlannedInstrument, start: datetime) -> datetime:
        """When the booking was made: within notice and horizon rules, and never after now."""
        lead = max(self.rng.choice(LEAD_HOURS) * 60, instrument.min_notice + 60)
        latest = self.calendar.now - timedelta(minutes=self.rng.randint(5, 600))
        return min(start - timedelta(minutes=lead), latest)

    def _between(self, first: datetime, last: datetime) -> datetime:
        if last <= first:
            return first
        span = (last - first).total_seconds()
        return first + timedelta(seconds=int(span * self.rng.uniform(0.1, 0.9)))

    def _add(
        self,
        instrument: PlannedInstrument,
        user: Person,
        start: datetime,
        end: datetime,
        status: BookingStatus,
        technician: int | None,
        series_id: int | None = None,
        created: datetime | None = None,
    ) -> None:
        rng, now = self.rng, self.calendar.now
        number = len(self.bookings) + 1
        created = created or self._created(instrument, start)
        cross = user.institution is not instrument.facility.institution
        self.cross_institution += cross
        wants_code = instrument.requires_project_code or rng.random() < 0.55
        row: Row = {
            "id": number,
            "instrument_id": instrument.id,
            "user_id": user.id,
            "created_by_id": technician if technician and rng.random() < 0.3 else user.id,
            "technician_id": technician,
            "series_id": series_id,
            "recurrence_start": start if series_id else None,
            "starts_at": start,
            "ends_at": end,
            "status": status.value,
            "purpose": rng.choice(PURPOSES[instrument.kind.family]) + rng.choice(PURPOSE_SUFFIXES),
            "project_code": rng.choice(user.projects) if wants_code else None,
            "status_reason": None,
            "decided_by_id": None,
            "decided_at": None,
            "ical_uid": self.calendar.uid("booking", number),
            "sequence": 0,
            "created_at": created,
            "updated_at": created,
            **UNPRICED,
        }
        settled = self._between(created, min(start, now))
        manager = instrument.facility.manager
        if status is BookingStatus.CANCELLED:
            cancelled = self._use.cancelled_at(instrument, created, start, settled)
            row.update(
                status_reason=rng.choice(CANCEL_REASONS),
                sequence=1,
                updated_at=cancelled,
                cancelled_at=cancelled,
            )
        elif status is BookingStatus.REJECTED:
            row.update(
                status_reason=rng.choice(REJECT_REASONS),
                sequence=1,
                updated_at=settled,
                decided_by_id=manager,
                decided_at=settled,
            )
        else:
            if (instrument.requires_approval or cross) and status is not BookingStatus.PENDING:
                row.update(decided_by_id=manager, decided_at=settled, updated_at=settled)
            if status is BookingStatus.NO_SHOW:
                row["status_reason"] = NO_SHOW_REASON
            if status in (BookingStatus.COMPLETED, BookingStatus.NO_SHOW):
                row["updated_at"] = end
            elif rng.random() < 0.06:  # moved or edited since it was made
                row.update(
                    sequence=rng.randint(1, 2), updated_at=self._between(row["updated_at"], now)
                )
        self._use.price(row, instrument, user)
        self.bookings.append(row)
        if instrument.hours is not None:
            self._busy.update((user.id, q) for q in self._quarters(start, end))

    def _plan_series(self, instruments: list[PlannedInstrument]) -> None:
        candidates = [
            i
            for i in instruments
            if i.status is InstrumentStatus.AVAILABLE
            and i.hours is not None
            and i.kind.slot <= 60
            and not i.downtimes
            and not i.requires_approval
            and i.weekly_quota is None
            and i.max_days_ahead >= 90
        ]
        for instrument in self.rng.sample(candidates, len(candidates)):
            if len(self.series) == SERIES_COUNT:
                return
            self._try_series(instrument)

    def _try_series(self, instrument: PlannedInstrument) -> None:
        """A weekly booking at the same local time, e.g. a group's Tuesday-morning session."""
        rng, cal = self.rng, self.calendar
        assert instrument.hours is not None
        opens, closes = instrument.hours
        begin = opens + 60
        lengths = [n for n in instrument.kind.lengths if begin + n <= closes and n <= 240]
        count = rng.randint(6, 10)
        first_week, weekday = rng.randint(-SPAN_WEEKS, SPAN_WEEKS - count), rng.randrange(5)
        if not lengths:
            return
        minutes = rng.choice(lengths)
        days = [cal.monday + timedelta(weeks=first_week + k, days=weekday) for k in range(count)]
        slots = [(cal.at(d, begin), cal.at(d, begin + minutes)) for d in days]
        if instrument.kind.training:
            people = [
                t.user
                for t in instrument.trained
                if t.level is TrainingLevel.INDEPENDENT and t.covers(slots[0][0], slots[-1][1])
            ]
        else:
            people = instrument.insiders
        people = [
            p
            for p in people
            if all(self._is_free(p.id, instrument, self._quarters(*slot)) for slot in slots)
        ]
        if not people:
            return
        user = rng.choice(people)
        series_id = len(self.series) + 1
        created = self._created(instrument, slots[0][0])
        self.series.append(
            {
                "id": series_id,
                "instrument_id": instrument.id,
                "user_id": user.id,
                "rrule": f"FREQ=WEEKLY;COUNT={count}",
                "first_start": slots[0][0],
                "ical_uid": cal.uid("series", series_id),
                "sequence": 0,
                "created_at": created,
                "updated_at": created,
            }
        )
        self._reserved.setdefault(instrument.id, []).extend(slots)
        for start, end in slots:
            if end <= cal.now:
                status = BookingStatus.CANCELLED if rng.random() < 0.1 else BookingStatus.COMPLETED
            else:
                status = BookingStatus.CONFIRMED
            self._add(instrument, user, start, end, status, None, series_id, created)
