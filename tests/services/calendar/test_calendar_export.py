"""CalendarExportService on both engines: privacy, permissions, series, cancellations, DST.

Every export is parsed back with icalendar and with vobject, and each occurrence's UTC
instant is compared with what the database holds.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any

import icalendar
import pytest
import vobject  # type: ignore[import-untyped]  # no stubs in the test extra
from dateutil.rrule import rrulestr  # type: ignore[import-untyped]  # as in equipshare.ical
from sqlalchemy import event, select, update

from equipshare.db.engine import Database
from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import Facility
from equipshare.domain.enums import ACTIVE_BOOKING_STATUSES, ExportKind
from equipshare.domain.errors import InputError, NotFound, PermissionDenied
from equipshare.domain.records.scheduling.bookings import BookingRequest, RecurrenceRule
from equipshare.domain.records.scheduling.calendar import ExportScope
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.bookings.series import SeriesService
from equipshare.services.calendar.export import CalendarExportService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"
Range = tuple[datetime, datetime]


def scope(kind: str, key: str) -> ExportScope:
    return ExportScope(ExportKind(kind), key)


@pytest.fixture
def export(context: ServiceContext, world: World) -> CalendarExportService:
    with context.database.sessions.begin() as s:
        s.execute(
            update(Facility)
            .where(Facility.code == "WAR-PRP")
            .values(email="prp@example.ac.uk", building="Physics")
        )
    return CalendarExportService(context)


def secret_booking(context: ServiceContext, day: int = 24) -> int:
    request = BookingRequest(
        XPS,
        london(2026, 3, day, 10),
        london(2026, 3, day, 12),
        purpose="Secret sample X",
        project_code="PRJ-9",
    )
    return BookingService(context).book("alice", request).id


def unfolded(data: bytes) -> str:
    return data.decode().replace("\r\n ", "")


def test_instrument_calendars_show_only_the_institution_and_state(
    context: ServiceContext, export: CalendarExportService
) -> None:
    secret_booking(context)
    data = export.export("bob", scope("instrument", XPS))
    text = unfolded(data)
    assert "SUMMARY:WAR-XPS-01: Booked (University of Warwick)" in text
    for private in ("Alice", "alice@", "Secret sample", "PRJ-9"):
        assert private not in text
    assert "STATUS:CONFIRMED" in text and "State: confirmed" in text
    assert "ORGANIZER;CN=Warwick Photoemission RTP:mailto:prp@example.ac.uk" in text
    assert "LOCATION:Physics" in text
    assert "ATTENDEE" not in text

    own = unfolded(export.export("alice", scope("user", "alice")))
    for detail in ("Alice <alice@example.ac.uk>", "Purpose: Secret sample X", "Project: PRJ-9"):
        assert detail in own


def test_policy_may_show_the_booker_and_project(
    context: ServiceContext, export: CalendarExportService
) -> None:
    secret_booking(context)
    calendar = replace(context.settings.calendar, show_booker=True, show_project=True)
    open_context = replace(context, settings=replace(context.settings, calendar=calendar))
    text = unfolded(CalendarExportService(open_context).export("bob", scope("instrument", XPS)))
    assert "SUMMARY:WAR-XPS-01: Alice (University of Warwick)" in text
    assert "Project: PRJ-9" in text


def test_who_may_export_which_calendar(
    context: ServiceContext, export: CalendarExportService
) -> None:
    secret_booking(context)
    allowed = [
        ("bob", "instrument", XPS),
        ("alice", "user", "alice"),
        ("mgr", "user", "alice"),  # staff: the user's bookings at their facilities
        ("root", "user", "alice"),
        ("mgr", "facility", "WAR-PRP"),
        ("tech", "institution", "WARWICK"),
        ("root", "institution", "ASTON"),
    ]
    for actor, kind, key in allowed:
        assert b"BEGIN:VEVENT" in export.export(actor, scope(kind, key)) or kind == "institution"
    refused = [
        ("bob", "user", "alice"),
        ("bob", "facility", "WAR-PRP"),
        ("otherstaff", "facility", "WAR-PRP"),
        ("alice", "institution", "WARWICK"),
        ("gone", "instrument", XPS),
    ]
    for actor, kind, key in refused:
        with pytest.raises(PermissionDenied):
            export.export(actor, scope(kind, key))
    # Staff of another facility see none of the user's bookings elsewhere.
    assert b"BEGIN:VEVENT" not in export.export("otherstaff", scope("user", "alice"))
    with pytest.raises(NotFound):
        export.export("bob", scope("instrument", "NOPE-01"))
    with pytest.raises(NotFound):
        export.export("mgr", scope("facility", "99999"))
    with pytest.raises(InputError):
        export.events("bob", scope("instrument", XPS), london(2026, 4, 1, 0), london(2026, 3, 1, 0))


def test_output_is_byte_identical_until_a_booking_changes(
    context: ServiceContext, clock: FrozenClock, export: CalendarExportService
) -> None:
    booking = secret_booking(context)
    first = export.export("alice", scope("user", "alice"))
    clock.advance(hours=3)
    assert export.export("alice", scope("user", "alice")) == first
    BookingService(context).cancel("alice", booking, "sample not ready")
    changed = export.export("alice", scope("user", "alice"))
    assert changed != first
    vevent = icalendar.Calendar.from_ical(changed).walk("VEVENT")[0]
    assert vevent["SEQUENCE"] == 1
    assert vevent.decoded("DTSTAMP") == clock.now()


def test_cancelled_bookings_stay_marked_for_the_grace_period_then_go(
    context: ServiceContext, clock: FrozenClock, export: CalendarExportService
) -> None:
    booking = secret_booking(context)
    secret_booking(context, day=25)
    BookingService(context).cancel("alice", booking, "sample not ready")
    text = unfolded(export.export("bob", scope("instrument", XPS)))
    assert text.count("BEGIN:VEVENT") == 2
    assert "SUMMARY:Cancelled: WAR-XPS-01: Booked (University of Warwick)" in text
    assert "STATUS:CANCELLED" in text and "TRANSP:TRANSPARENT" in text
    assert "SEQUENCE:1" in text
    clock.advance(days=7, minutes=1)
    text = unfolded(export.export("bob", scope("instrument", XPS)))
    assert text.count("BEGIN:VEVENT") == 1
    assert "Cancelled" not in text


def test_queries_do_not_grow_with_the_number_of_bookings(
    context: ServiceContext, database: Database, export: CalendarExportService
) -> None:
    def statements() -> int:
        seen: list[str] = []

        def count(*args: Any) -> None:
            seen.append(args[2])

        event.listen(database.engine, "before_cursor_execute", count)
        try:
            export.export("alice", scope("user", "alice"))
        finally:
            event.remove(database.engine, "before_cursor_execute", count)
        return len(seen)

    secret_booking(context, 24)
    few = statements()
    for day in (25, 26, 27, 30, 31):
        secret_booking(context, day)
    SeriesService(context).book_series(
        "alice",
        BookingRequest(XPS, london(2026, 4, 1, 14), london(2026, 4, 1, 15)),
        RecurrenceRule("weekly", count=3),
    )
    assert statements() <= few + 2  # the series adds its two queries, whatever its size


# -- series and DST, read back by two parsers ------------------------------------------


def expand_icalendar(data: bytes) -> dict[str, set[Range]]:
    """Each UID's occurrences, expanded from icalendar's parse with dateutil."""
    out: dict[str, set[Range]] = {}
    events = icalendar.Calendar.from_ical(data).walk("VEVENT")
    overrides = {
        (str(e["UID"]), e.decoded("RECURRENCE-ID").astimezone(UTC)): e
        for e in events
        if "RECURRENCE-ID" in e
    }
    for e in events:
        if "RECURRENCE-ID" in e or e["STATUS"] == "CANCELLED":
            continue
        uid, start = str(e["UID"]), e.decoded("DTSTART")
        length = e.decoded("DTEND") - start
        starts = [start]
        if "RRULE" in e:
            rule_text = e["RRULE"].to_ical()
            assert isinstance(rule_text, bytes)
            rule = rrulestr(rule_text.decode(), dtstart=start)
            exdates = e.get("EXDATE", [])
            excluded = {
                d.dt.astimezone(UTC)
                for group in (exdates if isinstance(exdates, list) else [exdates])
                for d in group.dts
            }
            starts = [s for s in rule if s.astimezone(UTC) not in excluded]
        for s in starts:
            moved = overrides.get((uid, s.astimezone(UTC)))
            if moved is not None:
                if moved["STATUS"] == "CANCELLED":
                    continue
                s, length = (
                    moved.decoded("DTSTART"),
                    moved.decoded("DTEND") - moved.decoded("DTSTART"),
                )
            out.setdefault(uid, set()).add((s.astimezone(UTC), (s + length).astimezone(UTC)))
    return out


def expand_vobject(data: bytes) -> dict[str, set[Range]]:
    """Each UID's occurrences, expanded by vobject's own rruleset (RRULE minus EXDATE)."""
    out: dict[str, set[Range]] = {}
    events = vobject.readOne(data.decode()).vevent_list
    overrides = {
        (e.uid.value, e.recurrence_id.value.astimezone(UTC)): e
        for e in events
        if hasattr(e, "recurrence_id")
    }
    for e in events:
        if hasattr(e, "recurrence_id") or e.status.value == "CANCELLED":
            continue
        length = e.dtend.value - e.dtstart.value
        starts = list(e.getrruleset(addRDate=True)) if hasattr(e, "rrule") else [e.dtstart.value]
        for s in starts:
            moved = overrides.get((e.uid.value, s.astimezone(UTC)))
            this_length = length
            if moved is not None:
                if moved.status.value == "CANCELLED":
                    continue
                s, this_length = moved.dtstart.value, moved.dtend.value - moved.dtstart.value
            out.setdefault(e.uid.value, set()).add(
                (s.astimezone(UTC), (s + this_length).astimezone(UTC))
            )
    return out


def database_occurrences(database: Database) -> set[Range]:
    with database.readonly() as s:
        rows = s.execute(
            select(Booking.starts_at, Booking.ends_at).where(
                Booking.status.in_(ACTIVE_BOOKING_STATUSES)
            )
        ).all()
    return {(start, end) for start, end in rows}


def assert_parsers_agree_with_database(data: bytes, database: Database) -> None:
    truth = database_occurrences(database)
    by_icalendar = set().union(*expand_icalendar(data).values())
    by_vobject = set().union(*expand_vobject(data).values())
    assert by_icalendar == truth
    assert by_vobject == truth


def test_a_series_with_an_override_and_an_exception_across_the_march_change(
    context: ServiceContext, clock: FrozenClock, database: Database, export: CalendarExportService
) -> None:
    series = SeriesService(context)
    # Mondays 10:00-12:00 London: 23 March is GMT, 30 March on are BST.
    result = series.book_series(
        "alice",
        BookingRequest(XPS, london(2026, 3, 23, 10), london(2026, 3, 23, 12), purpose="runs"),
        RecurrenceRule("weekly", count=4),
    )
    second, third = result.bookings[1].id, result.bookings[2].id
    series.cancel_occurrences("alice", second, scope="this", reason="away")  # the exception
    series.modify_occurrences("alice", third, scope="this", new_start_time=time(14))  # override
    secret_booking(context, day=27)  # a single booking on the Friday after the change
    clock.advance(days=8)  # the cancellation's grace has passed: an EXDATE now

    data = export.export("alice", scope("user", "alice"))
    events = icalendar.Calendar.from_ical(data).walk("VEVENT")
    series_uid = next(str(e["UID"]) for e in events if "RRULE" in e)
    assert [str(e["UID"]) for e in events].count(series_uid) == 2  # master + one override
    master = next(e for e in events if "RRULE" in e)
    assert master.decoded("DTSTART") == london(2026, 3, 23, 10)
    assert str(master["DTSTART"].params["TZID"]) == "Europe/London"
    text = unfolded(data)
    assert "EXDATE;TZID=Europe/London:20260330T100000" in text
    assert "RECURRENCE-ID;TZID=Europe/London:20260406T100000" in text
    assert "DTSTART;TZID=Europe/London:20260406T140000" in text
    assert text.count("BEGIN:VTIMEZONE") == 1
    assert_parsers_agree_with_database(data, database)


def test_the_grace_period_shows_a_cancelled_occurrence_as_a_cancelled_override(
    context: ServiceContext, export: CalendarExportService
) -> None:
    series = SeriesService(context)
    result = series.book_series(
        "alice",
        BookingRequest(XPS, london(2026, 3, 23, 10), london(2026, 3, 23, 12)),
        RecurrenceRule("weekly", count=3),
    )
    series.cancel_occurrences("alice", result.bookings[1].id, scope="this", reason="away")
    text = unfolded(export.export("bob", scope("instrument", XPS)))
    assert "RECURRENCE-ID;TZID=Europe/London:20260330T100000" in text
    assert "SUMMARY:Cancelled: WAR-XPS-01: Booked (University of Warwick)" in text
    assert "EXDATE" not in text


def test_instants_either_side_of_the_october_change(
    context: ServiceContext, clock: FrozenClock, database: Database, export: CalendarExportService
) -> None:
    clock.advance(days=200)  # 2 October 2026, so late October is within booking range
    series = SeriesService(context)
    series.book_series(  # Mondays 10:00 London: 19 October BST, 26 October and on GMT
        "alice",
        BookingRequest(XPS, london(2026, 10, 19, 10), london(2026, 10, 19, 11)),
        RecurrenceRule("weekly", until=date(2026, 11, 2)),
    )
    bookings = BookingService(context)
    bookings.book("alice", BookingRequest(XPS, london(2026, 10, 23, 15), london(2026, 10, 23, 17)))
    bookings.book("alice", BookingRequest(XPS, london(2026, 10, 27, 9), london(2026, 10, 27, 10)))
    data = export.export("alice", scope("user", "alice"))
    assert_parsers_agree_with_database(data, database)
    occurrences = set().union(*expand_vobject(data).values())
    assert (
        datetime(2026, 10, 19, 9, tzinfo=UTC),
        datetime(2026, 10, 19, 10, tzinfo=UTC),
    ) in occurrences
    assert (
        datetime(2026, 10, 26, 10, tzinfo=UTC),
        datetime(2026, 10, 26, 11, tzinfo=UTC),
    ) in occurrences
