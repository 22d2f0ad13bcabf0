"""Generated calendars against the importer: read or refused in one line, within budget.

Two generators: recurrence rules built part by part (in and out of RFC 5545's ranges, on
events and in custom VTIMEZONEs), and real-looking calendars mutated line by line and
byte by byte. Every input runs in the bounded worker (tests/ical/bounded.py), so a hang,
a traceback or memory growth fails the test with the input that caused it.
"""

from __future__ import annotations

import os
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ical.bounded import BoundedWorker

FUZZ = settings(
    max_examples=int(os.environ.get("EQUIPSHARE_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
FREQUENCIES = ["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY", "X"]


def numbers(low: int, high: int) -> st.SearchStrategy[str]:
    """A BYxxx value list: mostly in range, sometimes out, sometimes long."""
    value = st.integers(low, high) | st.integers(-1000, 1000)
    return st.lists(value, min_size=1, max_size=70).map(lambda v: ",".join(map(str, v)))


# Naive: written into the file as text, with or without a Z or a TZID.
STAMP = st.datetimes(min_value=datetime(1500, 1, 1), max_value=datetime(9999, 12, 30))  # noqa: DTZ001
WHEN = st.one_of(
    STAMP.map(lambda d: d.strftime("%Y%m%dT%H%M%SZ")),
    STAMP.map(lambda d: d.strftime("%Y%m%dT%H%M%S")),
    STAMP.map(lambda d: d.strftime("%Y%m%d")),
    st.sampled_from(["20260320T100000Z", "2026", "tomorrow", ""]),
)
PARTS = {
    "INTERVAL": st.integers(-3, 3) | st.integers(-(2**31), 2**31) | st.just("x"),
    "COUNT": st.integers(-2, 5) | st.integers(0, 2**40),
    "UNTIL": WHEN,
    "BYSECOND": numbers(0, 60),
    "BYMINUTE": numbers(0, 59),
    "BYHOUR": numbers(0, 23),
    "BYMONTHDAY": numbers(-31, 31),
    "BYYEARDAY": numbers(-366, 366),
    "BYWEEKNO": numbers(-53, 53),
    "BYMONTH": numbers(1, 12),
    "BYSETPOS": numbers(-366, 366),
    "BYDAY": st.lists(
        st.tuples(
            st.sampled_from(["", "1", "-1", "+2", "5", "53", "99", "0"]),
            st.sampled_from([*WEEKDAYS, "XX"]),
        ),
        min_size=1,
        max_size=10,
    ).map(lambda days: ",".join(n + d for n, d in days)),
    "WKST": st.sampled_from([*WEEKDAYS, "ZZ"]),
}


@st.composite
def rules(draw: st.DrawFn) -> str:
    parts = [f"FREQ={draw(st.sampled_from(FREQUENCIES))}"]
    for name in draw(st.lists(st.sampled_from(sorted(PARTS)), max_size=5, unique=True)):
        parts.append(f"{name}={draw(PARTS[name])}")
    return ";".join(draw(st.permutations(parts)))


def calendar(*lines: str) -> bytes:
    body = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//fuzz//EN", *lines, "END:VCALENDAR"]
    return ("\r\n".join(body) + "\r\n").encode()


@st.composite
def rule_calendars(draw: st.DrawFn) -> bytes:
    start = draw(WHEN)
    all_day = draw(st.booleans())
    value = ";VALUE=DATE" if all_day else ""
    rrules = [f"RRULE:{draw(rules())}" for _ in range(draw(st.integers(1, 3)))]
    extra = draw(st.lists(st.sampled_from(["EXDATE", "RDATE"]).flatmap(
        lambda name: WHEN.map(lambda w: f"{name}:{w}")), max_size=3))  # fmt: skip
    event = [
        "BEGIN:VEVENT",
        f"UID:fuzz-{draw(st.integers(0, 3))}@example.org",
        f"DTSTART{value}:{start}",
        draw(st.sampled_from(["DURATION:PT1H", "DURATION:P1D", f"DTEND{value}:{start}", ""])),
        *rrules,
        *extra,
        "END:VEVENT",
    ]
    if not draw(st.booleans()):
        return calendar(*[line for line in event if line])
    zone = [
        "BEGIN:VTIMEZONE", "TZID:Fuzz Zone", "BEGIN:STANDARD", f"DTSTART:{draw(WHEN)}",
        "TZOFFSETFROM:+0100", "TZOFFSETTO:+0000", f"RRULE:{draw(rules())}", "END:STANDARD",
        "END:VTIMEZONE",
    ]  # fmt: skip
    zoned = [line.replace("DTSTART:", "DTSTART;TZID=Fuzz Zone:") for line in event if line]
    return calendar(*zone, *zoned)


@FUZZ
@given(data=rule_calendars())
def test_generated_recurrence_rules_are_read_or_refused_within_budget(
    bounded: BoundedWorker, data: bytes
) -> None:
    outcome = bounded.run(data)
    if outcome.refused is not None:
        assert outcome.refused.startswith("fuzz.ics")


BASE = calendar(
    "X-WR-TIMEZONE:Europe/London",
    "BEGIN:VTIMEZONE", "TZID:Customized Time Zone", "BEGIN:STANDARD",
    "DTSTART:16010101T020000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0000",
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "END:STANDARD", "BEGIN:DAYLIGHT",
    "DTSTART:16010101T010000", "TZOFFSETFROM:+0000", "TZOFFSETTO:+0100",
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", "END:DAYLIGHT", "END:VTIMEZONE",
    "BEGIN:VEVENT", "UID:series@example.org", "SUMMARY:Weekly XPS",
    "DTSTART;TZID=Customized Time Zone:20260302T100000",
    "DTEND;TZID=Customized Time Zone:20260302T120000",
    "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20260601T000000Z",
    "EXDATE;TZID=Customized Time Zone:20260304T100000",
    "ORGANIZER;CN=Alice:mailto:alice@example.ac.uk", "ATTENDEE:mailto:bob@example.ac.uk",
    "BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT15M", "END:VALARM", "END:VEVENT",
    "BEGIN:VEVENT", "UID:series@example.org", "RECURRENCE-ID:20260309T100000Z",
    "DTSTART:20260309T130000Z", "DTEND:20260309T150000Z", "SUMMARY:Moved", "END:VEVENT",
    "BEGIN:VEVENT", "UID:day@example.org", "DTSTART;VALUE=DATE:20260320",
    "RDATE;VALUE=PERIOD:20260321T090000Z/PT2H", "DESCRIPTION:line one\\nline two",
    "STATUS:CANCELLED", "END:VEVENT",
)  # fmt: skip
VOCABULARY = [
    "BEGIN:VEVENT", "END:VEVENT", "BEGIN:VCALENDAR", "END:VCALENDAR", "BEGIN:VTIMEZONE",
    "UID:series@example.org", "DTSTART:20260320T100000Z", "DTSTART;TZID=Nowhere:20260320T1",
    "DTEND:20260320T090000Z", "DURATION:-PT1H", "DURATION:P9999W", "RRULE:FREQ=DAILY;INTERVAL=0",
    "RRULE:FREQ=HOURLY", "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "RDATE:99991231T000000Z",
    "EXDATE:garbage", "RECURRENCE-ID:20260304T100000Z", "SEQUENCE:-5", "SEQUENCE:99999999999",
    "LAST-MODIFIED:x", " folded continuation", "X-LONG:" + "x" * 3000, ":", ";;;", "BEGIN:",
]  # fmt: skip
MUTATIONS = st.one_of(
    st.tuples(st.just("drop"), st.integers(0, 80), st.just(b"")),
    st.tuples(st.just("copy"), st.integers(0, 80), st.just(b"")),
    st.tuples(st.just("line"), st.integers(0, 80),
              st.sampled_from(VOCABULARY).map(str.encode) | st.binary(max_size=40)),
    st.tuples(st.just("bytes"), st.integers(0, len(BASE)), st.binary(min_size=1, max_size=8)),
)  # fmt: skip


def mutate(base: bytes, mutations: list[tuple[str, int, bytes]]) -> bytes:
    lines = base.split(b"\r\n")
    for kind, at, payload in mutations:
        where = at % len(lines)
        if kind == "drop":
            del lines[where]
        elif kind == "copy":
            lines.insert(where, lines[where])
        elif kind == "line":
            lines.insert(where, payload)
        else:
            text = b"\r\n".join(lines)
            spot = at % (len(text) + 1)
            lines = (text[:spot] + payload + text[spot:]).split(b"\r\n")
        if not lines:
            lines = [b""]
    return b"\r\n".join(lines)


@FUZZ
@given(mutations=st.lists(MUTATIONS, min_size=1, max_size=6))
def test_mutated_calendars_are_read_or_refused_within_budget(
    bounded: BoundedWorker, mutations: list[tuple[str, int, bytes]]
) -> None:
    outcome = bounded.run(mutate(BASE, mutations))
    if outcome.refused is not None:
        assert outcome.refused.startswith("fuzz.ics")


def test_the_unmutated_base_calendar_is_read(bounded: BoundedWorker) -> None:
    """The mutations start from a calendar the importer reads whole."""
    assert bounded.run(BASE).summary == "26 events, 0 skipped"
