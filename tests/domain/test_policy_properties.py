"""Pure policy rules under hypothesis: opening hours and quota weeks across the 2026 DST changes.

Each is checked against a brute-force reading of London's wall clock, minute by minute.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from equipshare.domain.records.instruments.catalogue import BookingPolicy, OpeningInterval
from equipshare.domain.rules.policy_rules import quota_week, within_opening_hours
from tests.support.world import LONDON

SPRING, AUTUMN = date(2026, 3, 29), date(2026, 10, 25)  # the 2026 UK clock changes
AROUND = [
    datetime(2026, 3, 26, tzinfo=UTC),
    datetime(2026, 10, 22, tzinfo=UTC),
    datetime(2026, 6, 1, tzinfo=UTC),
]
# Boundaries inside 01:00-02:00 on the change Sundays are included on purpose: the rule
# is whatever the wall clock reads, even for times the clocks skip or repeat.
intervals = st.builds(
    lambda day, opens, minutes: OpeningInterval(day, opens, min(opens + minutes, 1440)),
    st.integers(0, 6),
    st.integers(0, 95).map(lambda q: 15 * q),
    st.integers(1, 96).map(lambda q: 15 * q),
)
policies = st.builds(
    lambda hours, overnight: BookingPolicy(
        15, 15, 2880, 0, 365, False, False, False, overnight, None, tuple(hours)
    ),
    st.lists(intervals, max_size=8),
    st.booleans(),
)


def open_at(policy: BookingPolicy, instant: datetime) -> bool:
    """Whether London's wall clock at `instant` reads a time inside an opening interval."""
    if not policy.opening_hours:
        return True
    local = instant.astimezone(LONDON)
    minute = local.hour * 60 + local.minute
    return any(
        i.weekday == local.weekday() and i.opens_minute <= minute < i.closes_minute
        for i in policy.opening_hours
    )


def open_throughout(policy: BookingPolicy, start: datetime, end: datetime) -> bool:
    if policy.allow_overnight:
        return open_at(policy, start)
    minutes = (end - start) // timedelta(minutes=1)
    return all(open_at(policy, start + timedelta(minutes=m)) for m in range(minutes))


@given(
    policy=policies,
    base=st.sampled_from(AROUND),
    offset=st.integers(0, 6 * 24 * 12).map(lambda n: timedelta(minutes=5 * n)),
    length=st.integers(1, 26 * 12).map(lambda n: timedelta(minutes=5 * n)),
)
@settings(max_examples=400, deadline=None)
def test_opening_hours_agree_with_the_wall_clock_minute_by_minute(
    policy: BookingPolicy, base: datetime, offset: timedelta, length: timedelta
) -> None:
    start = base + offset
    assert within_opening_hours(policy, "Europe/London", start, start + length) is (
        open_throughout(policy, start, start + length)
    )


@given(
    instant=st.integers(0, 365 * 24 * 4).map(
        lambda q: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=15 * q)
    )
)
@example(instant=datetime(2026, 3, 29, 0, 59, tzinfo=UTC))
@example(instant=datetime(2026, 3, 29, 1, 0, tzinfo=UTC))
@example(instant=datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
@example(instant=datetime(2026, 10, 25, 1, 30, tzinfo=UTC))
@example(instant=datetime(2026, 3, 22, 23, 59, tzinfo=UTC))
@settings(max_examples=300)
def test_quota_week_is_the_local_week_holding_the_instant(instant: datetime) -> None:
    start, end = quota_week(instant, "Europe/London")
    assert start <= instant < end
    local_start, local_end = start.astimezone(LONDON), end.astimezone(LONDON)
    assert local_start.weekday() == 0 and local_start.time() == time(0)
    assert local_end.date() - local_start.date() == timedelta(days=7)
    assert local_end.time() == time(0)
    hours = (end - start) / timedelta(hours=1)
    expected = {SPRING - timedelta(days=6): 167, AUTUMN - timedelta(days=6): 169}
    assert hours == expected.get(local_start.date(), 168)
