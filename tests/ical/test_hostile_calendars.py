"""Hostile calendars (tests/ical/corpus/): each is read or refused in one line, within budget.

Every file runs in the bounded worker (tests/ical/bounded.py): over 5 s or 300 MB of
resident memory, or a traceback, fails the test. Before issue 17 the INTERVAL=0 files
ran until the machine ran out of memory, the BYMINUTE x BYSECOND file took 27 s and
1.7 GB, INTERVAL=-1 and the overlong DURATION ended in tracebacks, a custom VTIMEZONE
with an hourly or impossible rule hung, and a nested VEVENT or a reused UID was imported
without a word.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from equipshare.domain.errors import InputError
from equipshare.ical.import_source import MAX_CONTENT_ITEMS
from equipshare.ical.importer import parse_calendar
from equipshare.ical.recurrence import MAX_EARLIER, WalkBudget, recurrence_rules, rule_starts
from tests.ical.bounded import BoundedWorker
from tests.ical.fuzz_targets import NOW

CORPUS = Path(__file__).parent / "corpus"
ZONE = ", line 21: its VTIMEZONE 'Customized Time Zone': "
REFUSED_ONCE = "line 8: RRULE INTERVAL={} must be 1 to 1000"
# Each file: what a refusal says after "fuzz.ics", or the summary of what was read.
EXPECTED = {
    "bad_utf8.ics": ", line 8: not UTF-8 text, as iCalendar requires",
    "deep_nesting.ics": ", line 11: BEGIN:X-DEEP is nested over 8 deep",
    "duplicate_uid.ics": "1 events, 1 skipped",
    "empty_calendar.ics": "0 events, 0 skipped",
    "empty_file.ics": ", line 1: not an iCalendar file: no BEGIN:VCALENDAR",
    "exdate_flood.ics": "3 events, 0 skipped",
    "html_page.ics": ", line 1: not an iCalendar file: it is an HTML page",
    "invalid_tzid_10k.ics": ": not a calendar icalendar can read",
    "invalid_tzid_path.ics": ", line 6: unknown time zone '../../../../etc/passwd'",
    "lone_cr_line_breaks.ics": "0 events, 0 skipped",
    "long_folded_line.ics": "1 events, 0 skipped",
    "long_lines.ics": "1 events, 0 skipped",
    "nested_vevent.ics": ", line 8: BEGIN:VEVENT inside BEGIN:VEVENT from line 4",
    "nul_at_start.ics": ", line 1: not an iCalendar file: it is binary data",
    "nul_byte.ics": ", line 9: a NUL byte, which iCalendar text never holds",
    "overlong_duration.ics": ", line 7: the event 'd@example.org' lasts 699999993 days",
    "rdate_flood.ics": ", line 4: the event 'hostile@example.org' repeats over 2000 times",
    "rrule_byday_week_99.ics": ", line 8: bad RRULE: '99MO': the week number must be 1 to 53",
    "rrule_bymonthday_out_of_range.ics": ", line 8: bad RRULE: BYMONTHDAY=40 is outside",
    "rrule_bysetpos_everything.ics": "361 events, 0 skipped",
    "rrule_count_huge.ics": "361 events, 0 skipped",
    "rrule_dtstart_year_1.ics": ", line 6: the year 1 is outside 1583 to 9000",
    "rrule_dtstart_year_9999.ics": ", line 6: the year 9999 is outside 1583 to 9000",
    "rrule_every_7_days_on_the_wrong_weekday.ics": "1 events, 0 skipped",
    "rrule_hourly_byminute.ics": ", line 4: the event 'hostile@example.org' repeats over 2000",
    "rrule_hourly_byminute_bysecond.ics": (
        ", line 8: RRULE BYHOUR, BYMINUTE and BYSECOND make 3600 times in each period"
    ),
    "rrule_impossible_day_daily.ics": "1 events, 0 skipped",
    "rrule_impossible_day_hourly.ics": "1 events, 0 skipped",
    "rrule_impossible_yearday.ics": "1 events, 0 skipped",
    "rrule_interval_huge.ics": ", " + REFUSED_ONCE.format(2147483647),
    "rrule_interval_negative.ics": ", " + REFUSED_ONCE.format(-1) + " (0 never moves on",
    "rrule_interval_zero_daily.ics": ", " + REFUSED_ONCE.format(0),
    "rrule_interval_zero_yearly_until.ics": ", " + REFUSED_ONCE.format(0),
    "rrule_many_rules_one_event.ics": ", line 8: the file's repeating events take over 500,000",
    "rrule_no_freq.ics": ", line 8: bad RRULE: FREQ=(missing) is not a frequency",
    "rrule_old_impossible_rules_many_events.ics": (
        ", line 164: the file's repeating events take over 500,000 steps to expand"
    ),
    "rrule_starts_in_1780.ics": (
        ", line 8: the series starts on 1780-01-01, 2953 months before the import window"
    ),
    "rrule_unknown_part.ics": ", line 8: bad RRULE: unknown part BYEASTER",
    "rrule_until_far_future.ics": "52 events, 0 skipped",
    "rrule_until_garbage.ics": ", line 8: bad RRULE",
    "truncated.ics": ", line 7: the file ends inside BEGIN:VEVENT from line 4",
    "utf16.ics": ", line 1: not an iCalendar file: it is binary data",
    "vtimezone_hourly.ics": ZONE + "RRULE FREQ=HOURLY: a zone changes by a yearly rule",
    "vtimezone_interval_negative.ics": ZONE + "RRULE INTERVAL=-1 must be 1 to 1000",
    "vtimezone_interval_zero.ics": ZONE + "RRULE INTERVAL=0 must be 1 to 1000",
    "vtimezone_never_changes_again.ics": (
        ZONE + "RRULE FREQ=YEARLY;BYMONTHDAY=30;BYMONTH=2 stops changing the zone"
    ),
}


def test_every_corpus_file_has_an_expectation() -> None:
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_hostile_file_is_read_or_refused_in_one_line_within_budget(
    bounded: BoundedWorker, name: str
) -> None:
    outcome = bounded.run((CORPUS / name).read_bytes())
    expected = EXPECTED[name]
    if outcome.refused is None:
        assert outcome.summary == expected
    else:
        assert outcome.refused.startswith("fuzz.ics" + expected), outcome.refused


def test_interval_zero_and_the_expansion_bomb_are_refused_fast_and_small(
    bounded: BoundedWorker,
) -> None:
    """The issue's measurements: forever and 837 MB, 27 s and 1.7 GB, a traceback."""
    for name in (
        "rrule_interval_zero_daily.ics",
        "rrule_interval_zero_yearly_until.ics",
        "rrule_interval_negative.ics",
        "rrule_hourly_byminute_bysecond.ics",
        "rrule_hourly_byminute.ics",
    ):
        outcome = bounded.run((CORPUS / name).read_bytes(), seconds=2.0)
        assert outcome.refused is not None and outcome.peak_mb < 50, (name, outcome)


def test_a_flood_of_lines_or_dates_is_refused_before_icalendar_reads_it(
    bounded: BoundedWorker,
) -> None:
    """icalendar spends about 100 us and 1 KB a line: 20 MB of short lines, 90 s and 1 GB."""
    head = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260320T100000Z\r\n"
    lines = head + "EXDATE:20260321T100000Z\r\n" * (MAX_CONTENT_ITEMS + 1)
    dates = head + "EXDATE:" + ",20260321T100000Z" * MAX_CONTENT_ITEMS + "\r\n"
    for text in (lines, dates):
        outcome = bounded.run((text + "END:VEVENT\r\nEND:VCALENDAR\r\n").encode())
        assert outcome.refused == (
            "fuzz.ics: over 300,000 lines (each RDATE and EXDATE date counts as one); "
            "import it in parts"
        )
        assert outcome.seconds < 3 and outcome.peak_mb < 200


def parse(text: str) -> tuple[list[tuple[str, str]], list[tuple[str, int | None, str]]]:
    parsed = parse_calendar(
        text.encode(), now=NOW, default_timezone="Europe/London", source="cal.ics"
    )
    events = [(e.uid, e.summary) for e in parsed.events]
    return events, [(s.summary, s.line, s.reason) for s in parsed.skipped]


def calendar(*events: tuple[str, ...]) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"]
    for extra in events:
        lines += [
            "BEGIN:VEVENT",
            "UID:shared@example.org",
            "DTSTART:20260320T100000Z",
            "DTEND:20260320T110000Z",
            *extra,
            "END:VEVENT",
        ]
    return "\r\n".join([*lines, "END:VCALENDAR", ""])


def test_a_reused_uid_keeps_the_first_and_reports_the_second_with_its_line() -> None:
    events, skipped = parse(calendar(("SUMMARY:first",), ("SUMMARY:second",)))
    assert events == [("shared@example.org", "first")]
    assert skipped == [("second", 10, "same UID as the event on line 4, which is kept")]


def test_a_newer_version_of_an_event_wins_and_the_older_is_reported() -> None:
    events, skipped = parse(
        calendar(
            ("SUMMARY:old", "SEQUENCE:1"),
            ("SUMMARY:new", "SEQUENCE:2"),
            ("SUMMARY:newer", "SEQUENCE:2", "LAST-MODIFIED:20260301T000000Z"),
        )
    )
    assert events == [("shared@example.org", "newer")]
    assert skipped == [
        ("old", 4, "an older version of the event on line 11 (same UID)"),
        ("new", 11, "an older version of the event on line 18 (same UID)"),
    ]


def test_a_reused_recurrence_id_is_reported_too() -> None:
    override = ("RECURRENCE-ID:20260327T100000Z", "DTSTART:20260327T120000Z")
    events, skipped = parse(
        calendar(
            ("RRULE:FREQ=WEEKLY;COUNT=3", "SUMMARY:series"),
            (*override, "SUMMARY:moved"),
            (*override, "SUMMARY:moved again"),
        )
    )
    assert [s for _, s in events] == ["series", "moved", "series"]
    assert skipped == [
        ("moved again", 19, "same UID and RECURRENCE-ID as the event on line 11, which is kept")
    ]


def walk(rule: str, start: datetime, low: datetime, high: datetime) -> list[datetime]:
    (read,) = recurrence_rules(_recur(rule), start, "cal.ics, line 8")
    return list(rule_starts(read, low, high, WalkBudget()))


def _recur(text: str) -> object:
    from icalendar.prop import vRecur

    return vRecur.from_ical(text)


def test_a_rule_no_day_satisfies_stops_walking_past_the_window() -> None:
    """dateutil would walk day by day to 9999 (8-14 s); the hook on its walk stops it."""
    start = datetime(2026, 3, 20, 10, tzinfo=UTC)
    started = time.process_time()  # CPU time, so a busy machine does not fail it
    for rule in ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30"):
        assert walk(rule, start, start, start + timedelta(days=400)) == []
    assert time.process_time() - started < 1.0


def test_the_walk_is_lazy_and_stops_at_the_window() -> None:
    start = datetime(2026, 3, 20, 10, tzinfo=UTC)
    found = walk("FREQ=DAILY;COUNT=2147483647", start, start, start + timedelta(days=9))
    assert found == [start + timedelta(days=n) for n in range(10)]


def test_instances_before_the_window_are_counted_as_they_come() -> None:
    start = datetime(1990, 1, 1, 10, tzinfo=UTC)
    with pytest.raises(InputError, match=f"makes over {MAX_EARLIER:,} occurrences before"):
        walk("FREQ=HOURLY;BYHOUR=1,2,3,4,5,6,7,8", start, datetime(2026, 1, 1, tzinfo=UTC),
             datetime(2027, 1, 1, tzinfo=UTC))  # fmt: skip
