"""Calendar import on both engines: idempotent by UID, conflicts reported, one transaction.

The booking rules an import keeps (access, training, hours, approval, override) are
tested in test_import_rules.py.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking, Downtime
from equipshare.db.models.catalogue import User
from equipshare.domain.enums import BookingStatus, DowntimeReason
from equipshare.domain.errors import InputError, PermissionDenied
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.records.scheduling.calendar import ImportReport
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.calendar import import_rows
from equipshare.services.calendar.import_rows import downtime_reason, import_uid
from equipshare.services.calendar.importing import CalendarImportService
from equipshare.services.downtime.scheduling import DowntimeService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"


def ics(*events: str) -> bytes:
    body = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *events])
    return (body + "\r\nEND:VCALENDAR\r\n").encode()


def vevent(uid: str, start: str, end: str, *extra: str) -> str:
    """A UTC VEVENT; `start`/`end` as 20260323T100000."""
    lines = ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTART:{start}Z", f"DTEND:{end}Z", *extra]
    return "\r\n".join([*lines, "END:VEVENT"])


# Monday 23 March 2026 (GMT): alice organises, bob attends; a Saturday-morning run that
# breaks opening hours; a tentative one for an attendee from a university outside the
# consortium (the XPS is open to partners only); a stranger's event.
CALENDAR = ics(
    vevent(
        "a@outlook",
        "20260323T100000",
        "20260323T120000",
        "SUMMARY:<b>Depth profile</b>",
        "ORGANIZER;CN=Alice:mailto:ALICE@example.ac.uk",
        "ATTENDEE:mailto:bob@example.ac.uk",
    ),
    vevent("b@outlook", "20260328T070000", "20260328T090000", "ORGANIZER:mailto:bob@example.ac.uk"),
    vevent(
        "c@outlook",
        "20260324T130000",
        "20260324T140000",
        "STATUS:TENTATIVE",
        "ORGANIZER:mailto:nobody@elsewhere.example",
        "ATTENDEE:mailto:carol@example.ac.uk",
    ),
    vevent(
        "d@outlook", "20260325T100000", "20260325T110000", "ORGANIZER:mailto:x@elsewhere.example"
    ),
)


@pytest.fixture
def importer(context: ServiceContext) -> CalendarImportService:
    return CalendarImportService(context)


def run(importer: CalendarImportService, data: bytes, **kwargs: object) -> ImportReport:
    return importer.import_calendar("tech", XPS, data, source="cal.ics", **kwargs)  # type: ignore[arg-type]


def rows(database: Database) -> list[tuple[str, str, str, BookingStatus, int]]:
    with database.readonly() as s:
        found = s.execute(
            select(
                Booking.ical_uid, User.username, Booking.purpose, Booking.status, Booking.sequence
            )
            .join(User, User.id == Booking.user_id)
            .order_by(Booking.starts_at)
        ).all()
    return [tuple(r) for r in found]  # type: ignore[misc]


def count(database: Database, model: type[object]) -> int:
    with database.readonly() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_import_matches_owners_by_email_and_keeps_the_booking_rules(
    importer: CalendarImportService, world: World, database: Database
) -> None:
    report = run(importer, CALENDAR)
    assert [o.key for o in report.created] == ["a@outlook"]
    assert [(o.key, o.rule) for o in report.refused] == [
        ("c@outlook", "access"),
        ("b@outlook", "opening hours"),  # Saturday 07:00
    ]
    (skipped,) = report.skipped
    assert skipped.key == "d@outlook"
    assert "x@elsewhere.example" in skipped.reason and "--owner" in skipped.reason
    assert rows(database) == [
        ("import:WAR-XPS-01:a@outlook", "alice", "Depth profile", BookingStatus.CONFIRMED, 0),
    ]
    with database.readonly() as s:
        made_by = set(s.scalars(select(Booking.created_by_id)))
        audits = s.scalars(select(AuditEvent.action)).all()
    assert made_by == {world.users["tech"]}
    assert audits == ["booking.import"]


def test_owner_option_takes_what_no_email_claims(
    importer: CalendarImportService, world: World, database: Database
) -> None:
    report = run(importer, CALENDAR, owner_username="bob")
    assert len(report.created) == 2
    assert [r[1] for r in rows(database)] == ["alice", "bob"]
    assert [r[3] for r in rows(database)] == [BookingStatus.CONFIRMED, BookingStatus.PENDING]


def test_reimport_is_idempotent_and_updates_a_changed_event(
    importer: CalendarImportService, world: World, database: Database
) -> None:
    first = run(importer, CALENDAR, owner_username="bob")
    again = run(importer, CALENDAR, owner_username="bob")
    assert len(again.unchanged) == 2 and not again.created and not again.updated
    assert count(database, Booking) == 2
    moved = ics(
        vevent(
            "a@outlook",
            "20260323T140000",
            "20260323T160000",
            "SEQUENCE:1",
            "SUMMARY:Depth profile",
            "ORGANIZER:mailto:alice@example.ac.uk",
        ),
        vevent("d@outlook", "20260325T100000", "20260325T110000", "STATUS:CANCELLED"),
    )
    report = run(importer, moved)
    assert [(o.key, o.reason) for o in report.updated] == [
        ("a@outlook", ""),
        ("d@outlook", "cancelled in the calendar"),
    ]
    assert report.updated[0].record_id == first.created[0].record_id
    assert count(database, Booking) == 2
    with database.readonly() as s:
        row = s.get_one(Booking, first.created[0].record_id)
        assert (row.starts_at, row.ends_at, row.sequence) == (
            london(2026, 3, 23, 14),
            london(2026, 3, 23, 16),
            1,
        )
    assert [r[3] for r in rows(database)][-1] is BookingStatus.CANCELLED


def test_conflicts_are_reported_and_never_overwritten(
    importer: CalendarImportService, world: World, database: Database, context: ServiceContext
) -> None:
    bobs = BookingService(context).book(
        "bob", BookingRequest(XPS, london(2026, 3, 23, 11), london(2026, 3, 23, 12))
    )
    down, _ = DowntimeService(context).schedule(
        "tech", XPS, london(2026, 3, 26, 9), london(2026, 3, 26, 17), DowntimeReason.REPAIR
    )
    data = ics(
        vevent(
            "a@outlook",
            "20260323T100000",
            "20260323T120000",
            "ORGANIZER:mailto:alice@example.ac.uk",
        ),
        vevent(
            "e@outlook",
            "20260326T100000",
            "20260326T110000",
            "ORGANIZER:mailto:alice@example.ac.uk",
        ),
        vevent(
            "f@outlook",
            "20260327T100000",
            "20260327T120000",
            "ORGANIZER:mailto:alice@example.ac.uk",
        ),
        vevent(
            "g@outlook", "20260327T110000", "20260327T130000", "ORGANIZER:mailto:bob@example.ac.uk"
        ),
    )
    report = run(importer, data)
    assert [o.key for o in report.created] == ["f@outlook"]
    conflicts = {o.key: o for o in report.conflicts}
    assert conflicts["a@outlook"].conflicting_booking_ids == (bobs.id,)
    assert f"booking {bobs.id}" in conflicts["a@outlook"].reason
    assert conflicts["e@outlook"].conflicting_downtime_ids == (down.id,)
    assert conflicts["g@outlook"].conflicting_keys == ("f@outlook",)
    with database.readonly() as s:
        kept = s.get_one(Booking, bobs.id)
        assert (kept.status, kept.sequence, kept.user_id) == (bobs.status, 0, world.users["bob"])
    assert count(database, Booking) == 2


def test_series_occurrences_are_keyed_by_recurrence_id(
    importer: CalendarImportService, world: World, database: Database
) -> None:
    data = ics(
        vevent(
            "s@google",
            "20260324T090000",
            "20260324T100000",
            "RRULE:FREQ=WEEKLY;COUNT=4",
            "EXDATE:20260331T090000Z",
            "ORGANIZER:mailto:alice@example.ac.uk",
        ),
        vevent(
            "s@google",
            "20260407T150000",
            "20260407T160000",
            "RECURRENCE-ID:20260407T090000Z",
            "ORGANIZER:mailto:alice@example.ac.uk",
        ),
    )
    report = run(importer, data)
    assert [o.key for o in report.created] == [
        "s@google/20260324T090000Z",
        "s@google/20260407T090000Z",  # moved to 15:00 by its override
        "s@google/20260414T090000Z",
    ]
    assert report.created[1].starts_at == london(2026, 4, 7, 16)  # 15:00Z is 16:00 BST
    again = run(importer, data)
    assert [(o.key, o.record_id) for o in again.unchanged] == [
        (o.key, o.record_id) for o in report.created
    ]


def test_dry_run_reports_and_writes_nothing(
    importer: CalendarImportService, world: World, database: Database
) -> None:
    report = run(importer, CALENDAR, dry_run=True, owner_username="bob")
    assert report.dry_run
    assert len(report.created) == 2 and all(o.record_id is None for o in report.created)
    assert count(database, Booking) == 0 and count(database, AuditEvent) == 0


def test_only_staff_may_import_and_bad_files_write_nothing(
    importer: CalendarImportService, world: World, database: Database
) -> None:
    with pytest.raises(PermissionDenied, match="override the booking policy"):
        importer.import_calendar("alice", XPS, CALENDAR)
    with pytest.raises(PermissionDenied):  # refused before the file is even read
        importer.import_calendar("alice", XPS, b"<html>login</html>")
    with pytest.raises(PermissionDenied, match="schedule downtime"):
        importer.import_calendar("otherstaff", XPS, CALENDAR, as_downtime=True)
    truncated = CALENDAR[: len(CALENDAR) // 2]
    with pytest.raises(InputError, match=r"^cal\.ics, line \d+: .*truncated"):
        run(importer, truncated)
    assert count(database, Booking) == 0


def test_a_failure_midway_leaves_nothing(
    importer: CalendarImportService,
    world: World,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:

    calls: list[str] = []
    real = import_rows.record_audit

    def failing(*args: object, **kwargs: object) -> None:
        calls.append(str(kwargs["action"]))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(import_rows, "record_audit", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        run(importer, CALENDAR, owner_username="bob")
    assert count(database, Booking) == 0 and count(database, AuditEvent) == 0


def test_as_downtime_uses_downtime_rows_and_reports_bookings_in_the_way(
    importer: CalendarImportService, world: World, database: Database, context: ServiceContext
) -> None:
    bobs = BookingService(context).book(
        "bob", BookingRequest(XPS, london(2026, 3, 24, 10), london(2026, 3, 24, 11))
    )
    data = ics(
        vevent("m@outlook", "20260323T090000", "20260323T170000", "SUMMARY:Annual calibration"),
        vevent("n@outlook", "20260324T090000", "20260324T170000", "SUMMARY:Engineer visit"),
    )
    report = run(importer, data, as_downtime=True)
    assert [o.key for o in report.created] == ["m@outlook"]
    assert [o.conflicting_booking_ids for o in report.conflicts] == [(bobs.id,)]
    with database.readonly() as s:
        (row,) = s.scalars(select(Downtime)).all()
        assert (row.reason, row.ical_uid, row.starts_at) == (
            DowntimeReason.CALIBRATION,
            "import:WAR-XPS-01:m@outlook",
            london(2026, 3, 23, 9),
        )
        assert s.get_one(Booking, bobs.id).status is bobs.status
    again = run(importer, data, as_downtime=True)
    assert [o.key for o in again.unchanged] == ["m@outlook"]
    gone = ics(vevent("m@outlook", "20260323T090000", "20260323T170000", "STATUS:CANCELLED"))
    assert [o.reason for o in run(importer, gone, as_downtime=True).updated] == [
        "removed: cancelled in the calendar"
    ]
    assert count(database, Downtime) == 0


def test_long_source_uids_are_hashed_to_fit_the_column_and_reasons_are_guessed() -> None:
    outlook = "040000008200E00074C5B7101A82E008" * 10  # 320 characters
    key = import_uid(XPS, outlook)
    assert key.startswith("import:WAR-XPS-01:sha256:") and len(key) <= 255
    assert key == import_uid(XPS, outlook) != import_uid(XPS, outlook + "/20260323T100000Z")
    assert import_uid(XPS, "a@b") == "import:WAR-XPS-01:a@b"
    assert [downtime_reason(s) for s in ("Annual Calibration", "Service visit", "Party")] == [
        DowntimeReason.CALIBRATION,
        DowntimeReason.MAINTENANCE,
        DowntimeReason.OTHER,
    ]
