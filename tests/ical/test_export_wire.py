"""The export writer's wire format: folding, escaping, byte stability, VTIMEZONEs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject  # type: ignore[import-untyped]  # no stubs in the test extra

from equipshare.domain.enums import CalendarEventStatus
from equipshare.domain.records.scheduling.calendar import CalendarEvent, CalendarMeta
from equipshare.ical.export import render_calendar, render_event
from equipshare.ical.vtimezone import vtimezone
from equipshare.ical.wire import duration, escape_text, fold

LONDON = ZoneInfo("Europe/London")


def event(**changes: object) -> CalendarEvent:
    values: dict[str, object] = dict(
        uid="booking-1@equipshare",
        sequence=3,
        summary="WAR-XPS-01: Booked (University of Warwick)",
        description="State: confirmed",
        location="Physics, room P5.21",
        url="https://example.ac.uk/xps",
        categories=("Instrument booking", "Spectroscopy"),
        status=CalendarEventStatus.CONFIRMED,
        starts_at=datetime(2026, 3, 30, 9, tzinfo=UTC),
        ends_at=datetime(2026, 3, 30, 11, tzinfo=UTC),
        timezone="Europe/London",
        last_modified=datetime(2026, 3, 16, 9, 30, tzinfo=UTC),
        organiser_name="Warwick Photoemission RTP",
        organiser_email="prp@example.ac.uk",
    )
    values.update(changes)
    return CalendarEvent(**values)  # type: ignore[arg-type]


def unfold(data: bytes) -> list[bytes]:
    return data.replace(b"\r\n ", b"").split(b"\r\n")


@pytest.mark.parametrize("text", ["é" * 80, "a" + "€" * 60, "x" * 73 + "😀" * 10, "ab" * 100])
def test_folding_keeps_lines_within_75_octets_and_utf8_whole(text: str) -> None:
    data = fold(f"SUMMARY:{escape_text(text)}")
    lines = data.split(b"\r\n")
    assert lines[-1] == b""
    for line in lines[:-1]:
        assert len(line) <= 75
        line.decode("utf-8")  # no line starts or ends inside a multibyte character
    assert all(line.startswith(b" ") for line in lines[1:-1])
    assert unfold(data)[0].decode() == f"SUMMARY:{text}"


def test_a_fold_never_separates_a_backslash_from_what_it_escapes() -> None:
    for pad in range(60, 80):
        data = fold("DESCRIPTION:" + "x" * pad + escape_text(";,\\\n" * 10))
        for line in data.split(b"\r\n")[:-1]:
            body = line.rstrip(b"\\")
            assert (len(line) - len(body)) % 2 == 0, line


def test_text_is_escaped_and_control_characters_stripped() -> None:
    assert escape_text("a;b,c\\d\r\ne\nf\x00g\x07h\x1bi\tj") == "a\\;b\\,c\\\\d\\ne\\nfghi\tj"
    rendered = render_event(event(summary="Run; sample A, B\x0c", description="1\n2"))
    lines = unfold(rendered)
    assert b"SUMMARY:Run\\; sample A\\, B" in lines
    assert b"DESCRIPTION:1\\n2" in lines


def test_durations_are_rfc5545_not_python_timedelta_text() -> None:
    assert duration(timedelta(hours=1)) == "PT1H"
    assert duration(timedelta(minutes=90)) == "PT1H30M"
    assert duration(timedelta(days=1)) == "P1D"
    assert duration(timedelta(days=7)) == "P1W"
    assert duration(timedelta(days=1, minutes=5)) == "P1DT5M"
    assert duration(timedelta(0)) == "PT0S"


def test_rendering_is_byte_stable_crlf_and_without_bom() -> None:
    first = render_calendar(
        CalendarMeta("XPS", "Europe/London", timedelta(hours=1)), [render_event(event())]
    )
    again = render_calendar(
        CalendarMeta("XPS", "Europe/London", timedelta(hours=1)), [render_event(event())]
    )
    assert first == again
    assert not first.startswith(b"\xef\xbb\xbf")
    assert first.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in first.replace(b"\r\n", b"")
    assert render_event(event(sequence=4)) != render_event(event())


def test_calendar_properties_clients_need() -> None:
    data = render_calendar(
        CalendarMeta("WAR-XPS-01 · Midlands", "Europe/London", timedelta(hours=6)),
        [render_event(event())],
    )
    lines = unfold(data)
    for expected in [
        b"METHOD:PUBLISH",
        "NAME:WAR-XPS-01 · Midlands".encode(),
        "X-WR-CALNAME:WAR-XPS-01 · Midlands".encode(),
        b"REFRESH-INTERVAL;VALUE=DURATION:PT6H",
        b"X-PUBLISHED-TTL:PT6H",
        b"TZID:Europe/London",
        b"UID:booking-1@equipshare",
        b"SEQUENCE:3",
        b"DTSTAMP:20260316T093000Z",
        b"LAST-MODIFIED:20260316T093000Z",
        b"DTSTART;TZID=Europe/London:20260330T100000",
        b"DTEND;TZID=Europe/London:20260330T120000",
        b"LOCATION:Physics\\, room P5.21",
        b"URL:https://example.ac.uk/xps",
        b"CATEGORIES:Instrument booking,Spectroscopy",
        b"ORGANIZER;CN=Warwick Photoemission RTP:mailto:prp@example.ac.uk",
        b"STATUS:CONFIRMED",
        b"TRANSP:OPAQUE",
    ]:
        assert expected in lines, expected
    assert not any(line.startswith(b"ATTENDEE") for line in lines)
    assert icalendar.Calendar.from_ical(data).walk("VEVENT")[0]["SEQUENCE"] == 3


def test_a_cancelled_event_says_so_in_its_title_and_frees_the_time() -> None:
    lines = unfold(render_event(event(status=CalendarEventStatus.CANCELLED, sequence=4)))
    assert b"SUMMARY:Cancelled: WAR-XPS-01: Booked (University of Warwick)" in lines
    assert b"STATUS:CANCELLED" in lines
    assert b"TRANSP:TRANSPARENT" in lines


def test_london_vtimezone_is_two_yearly_rules() -> None:
    lines = unfold(vtimezone("Europe/London"))
    assert lines.count(b"BEGIN:DAYLIGHT") == 1 and lines.count(b"BEGIN:STANDARD") == 1
    assert b"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" in lines
    assert b"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU" in lines
    assert not any(line.startswith(b"RDATE") for line in lines)


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Australia/Sydney"])
def test_parsers_read_our_vtimezones_as_zoneinfo_does(zone: str) -> None:
    """Instants a week apart through 2026, on both sides of each change, read back right."""
    tz = ZoneInfo(zone)
    starts = [datetime(2026, 1, 5, 10, tzinfo=UTC) + timedelta(days=7 * n) for n in range(52)]
    starts += [datetime(2026, 3, 29, 0, 30, tzinfo=UTC), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)]
    starts += [datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)]
    events = [
        render_event(event(uid=f"e{n}", timezone=zone, starts_at=s, ends_at=s + timedelta(hours=1)))
        for n, s in enumerate(starts)
    ]
    data = render_calendar(CalendarMeta("t", zone, timedelta(hours=1)), events)
    parsed = {
        str(e["UID"]): e.decoded("DTSTART")
        for e in icalendar.Calendar.from_ical(data).walk("VEVENT")
    }
    by_vobject = {e.uid.value: e.dtstart.value for e in vobject.readOne(data.decode()).vevent_list}
    for n, start in enumerate(starts):
        assert parsed[f"e{n}"].astimezone(UTC) == start
        assert by_vobject[f"e{n}"].astimezone(UTC) == start
        assert start.astimezone(tz).utcoffset() == by_vobject[f"e{n}"].utcoffset()


def test_parameter_values_with_separators_are_quoted() -> None:
    lines = unfold(render_event(event(organiser_name='Materials "Lab", Room: 2; B')))
    assert b"ORGANIZER;CN=\"Materials 'Lab', Room: 2; B\":mailto:prp@example.ac.uk" in lines
    parsed = icalendar.Calendar.from_ical(render_event(event(organiser_name="A, B")))
    assert parsed["ORGANIZER"].params["CN"] == "A, B"


def test_an_instant_in_the_repeated_hour_is_written_in_utc() -> None:
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 01:30 GMT, after 01:30 BST
    lines = unfold(render_event(event(starts_at=second, ends_at=second + timedelta(hours=1))))
    assert b"DTSTART:20261025T013000Z" in lines
    assert b"DTEND;TZID=Europe/London:20261025T023000" in lines
