"""A calendar import keeps every booking rule but notice and horizon, on both engines.

Each refused event is reported with the rule that refused it and its line; a booking that
needs approval arrives pending; staff may override the policy, the quota and approval,
never access or training; and `equipshare check` is clean after every import.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking
from equipshare.domain.enums import BookingStatus, ImportAction
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.records.scheduling.calendar import ImportReport
from equipshare.services.admin.integrity import IntegrityService
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.calendar.importing import CalendarImportService
from equipshare.services.plumbing.context import ServiceContext
from tests.services.calendar.test_calendar_import import ics, vevent
from tests.support.world import World, add_instrument, london

XPS, RAM = "WAR-XPS-01", "WAR-RAM-01"


def organised_by(user: str) -> str:
    return f"ORGANIZER:mailto:{user}@example.ac.uk"


def run(context: ServiceContext, code: str, *events: str, **kwargs: Any) -> ImportReport:
    report = CalendarImportService(context).import_calendar(
        "tech", code, ics(*events), source="cal.ics", **kwargs
    )
    problems = IntegrityService(context).check().problems
    assert not problems, problems  # every import leaves a database `check` passes
    return report


def booking(database: Database, booking_id: int | None) -> Booking:
    assert booking_id is not None
    with database.readonly() as s:
        row = s.get_one(Booking, booking_id)
        s.expunge(row)
        return row


def test_an_industry_user_on_an_institution_only_instrument_is_refused_by_access(
    context: ServiceContext, world: World, database: Database
) -> None:
    report = run(
        context, RAM, vevent("a@x", "20260323T100000", "20260323T110000", organised_by("dave"))
    )
    (refused,) = report.outcomes
    assert (refused.action, refused.rule, refused.record_id) == (
        ImportAction.REFUSED,
        "access",
        None,
    )
    assert refused.reason == (
        "WAR-RAM-01 is open to University of Warwick users only; dave is from Acme Materials Ltd"
    )
    assert refused.line == 4
    with database.readonly() as s:
        assert s.scalars(select(Booking.id)).all() == []
    overriding = run(
        context,
        RAM,
        vevent("a@x", "20260323T100000", "20260323T110000", organised_by("dave")),
        override_policy=True,
    )
    assert [o.rule for o in overriding.refused] == ["access"]  # no override reaches access


def test_outside_opening_hours_is_refused_but_notice_and_horizon_are_not_asked(
    context: ServiceContext, world: World, database: Database
) -> None:
    report = run(
        context,
        XPS,
        vevent("sat@x", "20260328T100000", "20260328T120000", organised_by("alice")),
        vevent("late@x", "20260324T160000", "20260324T180000", organised_by("alice")),
        # 09:00 today, now (notice is an hour), and 100 days ahead (the horizon is 90): fine.
        vevent("soon@x", "20260316T090000", "20260316T100000", organised_by("alice")),
        vevent("far@x", "20260624T090000", "20260624T100000", organised_by("alice")),
    )
    assert [(o.key, o.rule) for o in report.refused] == [
        ("late@x", "opening hours"),
        ("sat@x", "opening hours"),
    ]
    assert "10:00-12:00 Sat 28 Mar 2026 GMT is outside WAR-XPS-01's opening hours" in (
        report.refused[1].reason
    )
    assert [o.key for o in report.created] == ["soon@x", "far@x"]


def test_a_booking_that_needs_approval_is_imported_pending(
    context: ServiceContext, world: World, database: Database
) -> None:
    add_instrument(database, world, "WAR-NMR-01", "WAR-PRP", requires_approval=True,
                   requires_training=False)  # fmt: skip
    own = run(
        context,
        "WAR-NMR-01",
        vevent("n@x", "20260323T100000", "20260323T110000", organised_by("alice")),
    )
    cross = run(
        context, XPS, vevent("b@x", "20260323T100000", "20260323T110000", organised_by("bob"))
    )
    for report in (own, cross):
        (made,) = report.created
        row = booking(database, made.record_id)
        assert (row.status, row.decided_by_id) == (BookingStatus.PENDING, None)
    # Approved here, it stays confirmed while the calendar keeps it; moved, it asks again.
    bob_id = cross.created[0].record_id
    assert bob_id is not None
    BookingService(context).approve("mgr", bob_id)
    same = run(context, XPS, vevent("b@x", "20260323T100000", "20260323T110000",
                                    organised_by("bob")))  # fmt: skip
    assert [o.action for o in same.outcomes] == [ImportAction.UNCHANGED]
    moved = run(context, XPS, vevent("b@x", "20260323T140000", "20260323T150000",
                                     organised_by("bob")))  # fmt: skip
    assert [o.action for o in moved.outcomes] == [ImportAction.UPDATED]
    row = booking(database, bob_id)
    assert (row.status, row.decided_by_id) == (BookingStatus.PENDING, None)


def test_an_untrained_owner_is_refused_by_training(
    context: ServiceContext, world: World, database: Database
) -> None:
    report = run(
        context,
        XPS,
        vevent("s@x", "20260323T100000", "20260323T110000", "ORGANIZER:mailto:x@elsewhere.org"),
        owner_username="erin",
        override_policy=True,  # training yields to no override either
    )
    (refused,) = report.outcomes
    assert (refused.action, refused.rule) == (ImportAction.REFUSED, "training")
    assert refused.reason.startswith("erin has no current training on WAR-XPS-01")


def test_an_instrument_out_of_service_takes_no_future_imports(
    context: ServiceContext, world: World, database: Database
) -> None:
    report = run(
        context,
        "WAR-AFM-01",
        vevent("f@x", "20260323T100000", "20260323T110000", organised_by("alice")),
    )
    assert [(o.rule, o.reason) for o in report.refused] == [
        ("status", "WAR-AFM-01 is out of service and cannot be booked")
    ]


def test_the_weekly_quota_counts_what_is_booked_and_what_the_file_adds(
    context: ServiceContext, world: World, database: Database
) -> None:
    add_instrument(database, world, "WAR-SPM-01", "WAR-PRP", requires_training=False,
                   weekly_quota_minutes=180)  # fmt: skip
    BookingService(context).book(
        "alice", BookingRequest("WAR-SPM-01", london(2026, 3, 23, 9), london(2026, 3, 23, 10))
    )
    alice = organised_by("alice")
    events = (
        vevent("q1@x", "20260324T100000", "20260324T110000", alice),
        vevent("q2@x", "20260325T100000", "20260325T110000", alice),
        vevent("q3@x", "20260326T100000", "20260326T110000", alice),  # a fourth hour
        vevent("q4@x", "20260331T100000", "20260331T110000", alice),  # the next week
    )
    report = run(context, "WAR-SPM-01", *events)
    assert [o.key for o in report.created] == ["q1@x", "q2@x", "q4@x"]
    assert [(o.key, o.rule) for o in report.refused] == [("q3@x", "quota")]
    assert "3 hours already booked that week" in report.refused[0].reason
    # Moving q2 to the week before frees the hour q3 wants, in the same file.
    report = run(
        context,
        "WAR-SPM-01",
        vevent("q2@x", "20260320T100000", "20260320T110000", alice),
        *events[2:],
    )
    assert [(o.key, o.action) for o in report.outcomes] == [
        ("q2@x", ImportAction.UPDATED),
        ("q3@x", ImportAction.CREATED),
        ("q4@x", ImportAction.UNCHANGED),
    ]


def test_an_override_confirms_with_the_importer_s_decision_and_audits_what_it_waved(
    context: ServiceContext, world: World, database: Database
) -> None:
    report = run(
        context,
        XPS,
        vevent("sat@x", "20260328T100000", "20260328T120000", organised_by("bob")),
        override_policy=True,
    )
    (made,) = report.created
    assert len(made.overridden) == 2
    assert "outside WAR-XPS-01's opening hours" in made.overridden[0]
    assert made.overridden[1] == "bob from Aston University needs approval"
    row = booking(database, made.record_id)
    assert (row.status, row.decided_by_id) == (BookingStatus.CONFIRMED, world.users["tech"])
    with database.readonly() as s:
        (after,) = s.scalars(select(AuditEvent.after)).all()
    assert after is not None and after["overridden"] == list(made.overridden)


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_refused_event_leaves_its_earlier_row_as_it_was(
    context: ServiceContext, world: World, database: Database, dry_run: bool
) -> None:
    first = run(
        context, XPS, vevent("a@x", "20260323T100000", "20260323T110000", organised_by("alice"))
    )
    row_id = first.created[0].record_id
    again = run(
        context,
        XPS,
        vevent("a@x", "20260328T100000", "20260328T110000", organised_by("alice")),
        dry_run=dry_run,
    )
    (refused,) = again.outcomes
    assert (refused.action, refused.record_id, refused.rule) == (
        ImportAction.REFUSED,
        row_id,
        "opening hours",
    )
    row = booking(database, row_id)
    assert (row.starts_at, row.sequence) == (london(2026, 3, 23, 10), 0)
