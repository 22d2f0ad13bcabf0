"""The importer on real exports shipped inside icalendar, and on small broken files of our own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path

import pytest

from equipshare.domain.enums import CalendarEventStatus
from equipshare.domain.errors import InputError
from equipshare.ical.import_source import MAX_IMPORT_BYTES, read_calendar_file
from equipshare.ical.importer import ImportedEvent, ParsedCalendar, parse_calendar

# The icalendar package ships real-world exports (Outlook/Exchange, Google, Thunderbird)
# and deliberately broken files; we read them where pip installed them.
SHIPPED = files("icalendar") / "tests"


def shipped(name: str) -> bytes:
    return (SHIPPED / name).read_bytes()


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def parse(data: bytes | str, now: datetime, *, limit: int = MAX_IMPORT_BYTES) -> ParsedCalendar:
    raw = data.encode() if isinstance(data, str) else data
    return parse_calendar(
        raw, now=now, default_timezone="Europe/London", source="cal.ics", limit=limit
    )


def calendar(*lines: str) -> str:
    """A calendar around `lines`, CRLF as RFC 5545 wants."""
    body = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *lines, "END:VCALENDAR"]
    return "\r\n".join(body) + "\r\n"


def event(*lines: str, uid: str = "ev-1@example.org") -> list[str]:
    return ["BEGIN:VEVENT", f"UID:{uid}", *lines, "END:VEVENT"]


def instants(events: tuple[ImportedEvent, ...]) -> list[tuple[str, str]]:
    return [(e.starts_at.strftime("%Y-%m-%d %H:%M"), e.ends_at.strftime("%H:%M")) for e in events]


GMT_STANDARD_TIME = [
    "BEGIN:VTIMEZONE",
    "TZID:GMT Standard Time",
    "BEGIN:STANDARD",
    "DTSTART:16010101T020000",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0000",
    "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10",
    "END:STANDARD",
    "BEGIN:DAYLIGHT",
    "DTSTART:16010101T010000",
    "TZOFFSETFROM:+0000",
    "TZOFFSETTO:+0100",
    "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3",
    "END:DAYLIGHT",
    "END:VTIMEZONE",
]


# -- real-world exports -------------------------------------------------------------------


def test_exchange_windows_zone_names_become_the_right_instants() -> None:
    pacific = parse(shipped("calendars/timezone_same_start.ics"), at(2017, 2, 20))
    assert instants(pacific.events) == [("2017-02-24 20:00", "20:30")]  # 12:00 PST
    assert pacific.events[0].key == (
        "040000008200E00074C5B7101A82E0080000000090E19664858ED20100000000000000"
    )
    eastern = parse(shipped("calendars/issue_836_do_not_quote_tzid.ics"), at(2024, 10, 20))
    assert instants(eastern.events) == [("2024-10-28 21:00", "22:00")]  # 17:00 EDT


def test_google_weekday_series_keeps_its_wall_clock_across_the_october_change() -> None:
    parsed = parse(shipped("calendars/x_location.ics"), at(2016, 11, 1))
    first = parsed.events[:3]
    # 14:00 Europe/Zurich: CEST until 30 October 2016, CET after.
    assert instants(first) == [
        ("2016-10-28 12:00", "12:30"),
        ("2016-10-31 13:00", "13:30"),
        ("2016-11-01 13:00", "13:30"),
    ]
    assert {e.uid for e in parsed.events} == {"BFE33ADD-5553-48B5-B5A5-F9DA5CA4C393"}
    assert len({e.key for e in parsed.events}) == len(parsed.events)
    assert all(e.starts_at.weekday() < 5 for e in parsed.events)
    assert parsed.events[-1].starts_at < parsed.window_end
    assert parsed.events[0].location == "Roadstar 16 12764 Happyville Denmark"


def test_google_utc_event_and_thunderbird_london_event() -> None:
    google = parse(shipped("calendars/alarm_google_future.ics"), at(2024, 10, 1))
    assert instants(google.events) == [("2024-10-04 18:15", "19:00")]
    assert google.events[0].status is CalendarEventStatus.CONFIRMED
    thunderbird = parse(shipped("calendars/alarm_thunderbird_future.ics"), at(2024, 10, 1))
    (only,) = thunderbird.events
    assert only.summary == "event with alarms"
    # Europe/London in BST: the file's wall-clock time less one hour.
    assert only.starts_at == at(2024, 10, 23, 14, 0)


def test_series_with_an_rdate_period_and_a_moved_occurrence() -> None:
    parsed = parse(shipped("calendars/rfc_7265_appendix_example_2_ical.ics"), at(2006, 1, 1))
    assert instants(parsed.events) == [
        ("2006-01-02 17:00", "18:00"),
        ("2006-01-02 20:00", "22:00"),  # the RDATE PERIOD keeps its own two hours
        ("2006-01-03 17:00", "18:00"),
        ("2006-01-04 19:00", "20:00"),  # RECURRENCE-ID moved 12:00 to 14:00 US/Eastern
        ("2006-01-05 17:00", "18:00"),
        ("2006-01-06 17:00", "18:00"),
    ]
    moved = parsed.events[3]
    assert moved.key.endswith("/20060104T170000Z")  # keyed by the original start


def test_exdates_on_separate_lines_remove_their_occurrences() -> None:
    text = shipped("events/event_with_recurrence_exdates_on_different_lines.ics").decode()
    text = text.replace("BEGIN:VEVENT", "BEGIN:VEVENT\r\nUID:vienna@example.org", 1)
    parsed = parse(f"BEGIN:VCALENDAR\r\n{text.strip()}\r\nEND:VCALENDAR\r\n", at(2012, 3, 20))
    days = [e.starts_at.strftime("%m-%d") for e in parsed.events]
    # Tuesdays 27 Mar - 3 Jul 2012 less five EXDATEs; UNTIL is 3 Jul 08:00Z, the last start.
    tuesdays = "03-27 04-24 05-08 05-15 05-22 06-05 06-12 06-19 06-26 07-03"
    assert days == tuesdays.split()
    assert parsed.events[0].starts_at == at(2012, 3, 27, 8)  # 10:00 CEST


def test_several_calendars_in_one_file_and_out_of_window_events() -> None:
    parsed = parse(shipped("calendars/multiple_calendar_components.ics"), at(2003, 12, 1))
    assert [e.summary for e in parsed.events] == ["Christmas Day", "Christmas again!"]
    assert [s.reason for s in parsed.skipped] == ["outside the import window"]
    christmas = parsed.events[0]
    assert christmas.all_day
    assert (christmas.starts_at, christmas.ends_at) == (at(2003, 12, 25), at(2003, 12, 26))


BROKEN_SHIPPED = [
    ("calendars/broken_dtstart.ics", "line 6: bad DTSTART"),
    ("calendars/issue_1081_invalid_start_and_end.ics", "line 6: bad DTSTART"),
    ("calendars/issue_1081_invalid_rrule_freq.ics", "line 7: bad RRULE"),
    ("calendars/issue_165_missing_event.ics", "line 25: bad RRULE"),
    ("calendars/parsing_error.ics", "line 19: bad EXDATE"),
    ("calendars/broken_ical.ics", "line 4: unreadable line"),
    ("calendars/small_bad_calendar.ics", "line 3: the file ends inside BEGIN:VCALENDAR"),
    ("calendars/big_bad_calendar.ics", "it looks truncated"),
    ("calendars/issue_104_broken_calendar.ics", "line 13: 'X' is not an iCalendar content line"),
    ("calendars/fuzz_testcase_invalid_month.ics", "line 1: not an iCalendar file"),
]


@pytest.mark.parametrize(("name", "expected"), BROKEN_SHIPPED)
def test_deliberately_broken_files_are_refused_on_one_line(name: str, expected: str) -> None:
    with pytest.raises(InputError) as caught:
        parse(shipped(name), at(2025, 1, 1))
    message = str(caught.value)
    assert message.startswith("cal.ics")
    assert expected in message
    assert "\n" not in message


# -- our own files ------------------------------------------------------------------------


def test_outlook_series_in_gmt_standard_time_crosses_the_march_change() -> None:
    text = calendar(
        *GMT_STANDARD_TIME,
        *event(
            "SUMMARY:XPS session",
            "DTSTART;TZID=GMT Standard Time:20260319T100000",
            "DTEND;TZID=GMT Standard Time:20260319T120000",
            "RRULE:FREQ=WEEKLY;COUNT=3",
            "ORGANIZER;CN=Alice:mailto:Alice@Warwick.example",
            "ATTENDEE;CN=XPS:mailto:xps-01@warwick.example",
            "ATTENDEE:MAILTO:bob@warwick.example",
        ),
    )
    parsed = parse(text, at(2026, 3, 16))
    assert instants(parsed.events) == [
        ("2026-03-19 10:00", "12:00"),  # GMT
        ("2026-03-26 10:00", "12:00"),
        ("2026-04-02 09:00", "11:00"),  # BST from 29 March
    ]
    assert parsed.events[0].emails == (
        "alice@warwick.example",
        "xps-01@warwick.example",
        "bob@warwick.example",
    )


def test_windows_zone_without_vtimezone_uses_cldr() -> None:
    text = calendar(
        *event(
            'DTSTART;TZID="W. Europe Standard Time":20260701T090000',
            'DTEND;TZID="W. Europe Standard Time":20260701T100000',
        )
    )
    assert instants(parse(text, at(2026, 6, 1)).events) == [("2026-07-01 07:00", "08:00")]


def test_a_name_only_the_file_defines_uses_its_vtimezone() -> None:
    text = calendar(
        "BEGIN:VTIMEZONE",
        "TZID:Customized Time Zone",
        "BEGIN:STANDARD",
        "DTSTART:16010101T000000",
        "TZOFFSETFROM:+0530",
        "TZOFFSETTO:+0530",
        "END:STANDARD",
        "END:VTIMEZONE",
        *event(
            "DTSTART;TZID=Customized Time Zone:20260401T100000",
            "DTEND;TZID=Customized Time Zone:20260401T110000",
        ),
    )
    assert instants(parse(text, at(2026, 3, 16)).events) == [("2026-04-01 04:30", "05:30")]


def test_floating_times_use_x_wr_timezone_else_the_facility_zone() -> None:
    lines = event("DTSTART:20260701T090000", "DTEND:20260701T100000")
    with_hint = calendar("X-WR-TIMEZONE:America/New_York", *lines)
    assert parse(with_hint, at(2026, 6, 1)).events[0].starts_at == at(2026, 7, 1, 13)
    assert parse(calendar(*lines), at(2026, 6, 1)).events[0].starts_at == at(2026, 7, 1, 8)


def test_all_day_events_take_whole_local_days_even_on_the_change_day() -> None:
    text = calendar(*event("DTSTART;VALUE=DATE:20260329", "DTEND;VALUE=DATE:20260330"))
    (day,) = parse(text, at(2026, 3, 16)).events
    assert day.all_day
    assert (day.starts_at, day.ends_at) == (at(2026, 3, 29, 0), at(2026, 3, 29, 23))


def test_text_fields_lose_markup_scripts_and_control_codes() -> None:
    text = calendar(
        *event(
            "SUMMARY:<b>Bring</b> samples &amp; gloves\x1b[31m",
            "DESCRIPTION:<p>Room 2</p><script>steal(document.cookie)</script><style>p{}</style>"
            "Call &lt;tech&gt;",
            "DTSTART:20260320T100000Z",
            "DTEND:20260320T110000Z",
        )
    )
    (found,) = parse(text, at(2026, 3, 16)).events
    assert found.summary == "Bring samples & gloves [31m"
    assert found.description == "Room 2\nCall <tech>"
    assert "steal" not in found.description


def test_window_bounds_an_endless_series_and_skips_what_cannot_be_imported() -> None:
    text = calendar(
        *event(
            "DTSTART:20250101T090000Z",
            "DTEND:20250101T100000Z",
            "RRULE:FREQ=WEEKLY",
            uid="weekly",
        ),
        *event("DTSTART:20260320T100000Z", "TRANSP:TRANSPARENT", "DTEND:20260320T110000Z"),
        *event("DTSTART:20260321T100000Z", uid="no-end"),
        "BEGIN:VEVENT",
        "DTSTART:20260322T100000Z",
        "DTEND:20260322T110000Z",
        "END:VEVENT",
        *event(
            "DTSTART:20260323T100000Z",
            "DTEND:20260323T110000Z",
            "STATUS:CANCELLED",
            uid="gone",
        ),
    )
    parsed = parse(text, at(2026, 3, 16))
    weekly = [e for e in parsed.events if e.uid == "weekly"]
    assert weekly[0].starts_at >= at(2026, 3, 16) - timedelta(days=30)
    assert weekly[-1].starts_at < at(2026, 3, 16) + timedelta(days=365)
    assert 56 <= len(weekly) <= 58
    assert [e.status for e in parsed.events if e.uid == "gone"] == [CalendarEventStatus.CANCELLED]
    reasons = sorted(s.reason for s in parsed.skipped)
    assert reasons == [
        "marked as free time (TRANSP:TRANSPARENT)",
        "no UID, so a re-import could not find it again",
        "no end time (neither DTEND nor DURATION)",
    ]


OWN_BROKEN = [
    (
        calendar(*event("DTSTART:20260320T100000Z", "DTEND:20260320T110000Z"))[:70],
        "line 5: the file ends inside BEGIN:VEVENT from line 4; it looks truncated",
    ),
    (
        "<!DOCTYPE html>\n<html><body><form action=/login>Sign in</form></body></html>\n",
        "line 1: not an iCalendar file: it is an HTML page",
    ),
    (
        calendar(*event("DTSTART:20260230T100000Z", "DTEND:20260301T110000Z")),
        "line 6: bad DTSTART",
    ),
    (
        calendar(
            *event(
                "DTSTART:20260320T100000Z", "DTEND:20260320T110000Z", "RRULE:FREQ=WEEKLY;BYDAY=XX"
            )
        ),
        "line 8: bad RRULE",
    ),
    (
        calendar(*event("DTSTART:20260320T100000Z", "DTEND:20260320T090000Z")),
        "line 7: the event 'ev-1@example.org' ends before it starts",
    ),
    (
        calendar(*event("DTSTART;TZID=Mars/Olympus:20260320T100000", "DTEND:20260320T110000Z")),
        "line 6: unknown time zone 'Mars/Olympus' and the file has no VTIMEZONE for it",
    ),
    (
        calendar(
            *event("DTSTART:20260320T100000Z", "DTEND:20260320T100100Z", "RRULE:FREQ=MINUTELY")
        ),
        "line 8: RRULE FREQ=MINUTELY is not a booking pattern",
    ),
    (
        calendar(*event("DTSTART:20260320T100000Z", "DTEND:20260320T100100Z", "RRULE:FREQ=HOURLY")),
        "line 4: the event 'ev-1@example.org' repeats",
    ),
    (
        calendar(*event("DTSTART;VALUE=DATE:20260320", "DTEND:20260320T100100Z")),
        "line 7: DTEND and DTSTART must both be dates or both date-times",
    ),
    (calendar(*event("SUMMARY:x")), "line 4: the event 'ev-1@example.org' has no DTSTART"),
]


@pytest.mark.parametrize(("text", "expected"), OWN_BROKEN)
def test_bad_input_gives_one_line_with_the_line_number(text: str, expected: str) -> None:
    with pytest.raises(InputError) as caught:
        parse(text, at(2026, 3, 16))
    message = str(caught.value)
    assert message.startswith(f"cal.ics, {expected}")
    assert "\n" not in message


def test_not_utf8_names_the_line() -> None:
    data = calendar(*event("SUMMARY:caf\u00e9", "DTSTART:20260320T100000Z")).encode("latin-1")
    with pytest.raises(InputError, match=r"^cal\.ics, line 6: not UTF-8 text"):
        parse(data, at(2026, 3, 16))


def test_size_limit_refuses_before_parsing(tmp_path: Path) -> None:
    text = calendar(*event("DTSTART:20260320T100000Z", "DTEND:20260320T110000Z"))
    with pytest.raises(InputError, match=r"over the 0\.0 MB limit"):
        parse(text, at(2026, 3, 16), limit=10)
    big = tmp_path / "big.ics"
    big.write_bytes(b"BEGIN:VCALENDAR\r\n" + b"X" * 2048)
    with pytest.raises(InputError, match=r"big\.ics: 0\.0 MB is over the 0\.0 MB limit"):
        read_calendar_file(big, limit=1024)
    assert read_calendar_file(big, limit=4096).startswith(b"BEGIN:VCALENDAR")
