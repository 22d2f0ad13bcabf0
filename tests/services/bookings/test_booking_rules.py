"""Each booking rule, in order, refuses and accepts; on SQLite and PostgreSQL.

The clock is Mon 16 Mar 2026 09:00 UTC (09:00 GMT in London); see tests/support/world.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from equipshare.db.models.bookings import Downtime
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import BookingStatus, DowntimeReason
from equipshare.domain.errors import (
    ConflictError,
    InputError,
    NotFound,
    PermissionDenied,
    RefusedError,
)
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS = "WAR-XPS-01"


def req(start: datetime, end: datetime, code: str = XPS, **kw: object) -> BookingRequest:
    return BookingRequest(code, start, end, **kw)  # type: ignore[arg-type]


def refusal(svc: BookingService, user: str, request: BookingRequest, **kw: object) -> RefusedError:
    with pytest.raises(RefusedError) as caught:
        svc.book(user, request, **kw)  # type: ignore[arg-type]
    return caught.value


# Rule 1: the instrument exists and takes bookings.
def test_unknown_instrument(svc: BookingService) -> None:
    error = refusal(svc, "alice", req(london(2026, 3, 17, 10), london(2026, 3, 17, 11), "NOPE-1"))
    assert isinstance(error, NotFound)
    assert str(error) == "no instrument with code 'NOPE-1'"


def test_out_of_service_instrument(svc: BookingService) -> None:
    error = refusal(
        svc, "alice", req(london(2026, 3, 17, 10), london(2026, 3, 17, 11), "WAR-AFM-01")
    )
    assert str(error) == "WAR-AFM-01 is out of service and cannot be booked"


# Rule 2: access level.
@pytest.mark.parametrize(
    ("user", "code", "allowed"),
    [
        ("bob", XPS, True),  # partner on a consortium instrument
        ("carol", XPS, False),  # non-partner academic on a consortium instrument
        ("bob", "WAR-RAM-01", False),  # partner on an institution-only instrument
        ("alice", "WAR-RAM-01", True),
        ("carol", "AST-SEM-01", True),  # academic on an external_academic instrument
        ("dave", "AST-SEM-01", False),  # industry on an external_academic instrument
    ],
)
def test_access_levels(svc: BookingService, user: str, code: str, allowed: bool) -> None:
    request = req(london(2026, 3, 17, 10), london(2026, 3, 17, 11), code)
    if allowed:
        assert svc.book(user, request).status.holds_slot
    else:
        assert " is open to " in str(refusal(svc, user, request))


# Rule 3: training, unless assisted.
def test_training_required_unless_assisted(svc: BookingService) -> None:
    request = req(london(2026, 3, 17, 10), london(2026, 3, 17, 11))
    error = refusal(svc, "erin", request)
    assert error.field == "technician"
    assert "erin has no current training on WAR-XPS-01" in str(error)
    assisted = svc.book(
        "erin", req(london(2026, 3, 17, 10), london(2026, 3, 17, 11), technician_username="tech")
    )
    assert assisted.technician_id is not None


def test_expired_and_revoked_training_do_not_count(
    svc: BookingService, context: ServiceContext, world: World
) -> None:
    with context.database.sessions.begin() as s:
        s.execute(
            update(TrainingRecord)
            .where(TrainingRecord.user_id == world.users["alice"])
            .values(expires_at=datetime(2026, 3, 17, 10, 30, tzinfo=UTC))
        )
    # Valid at the start, expired before the end: refused.
    assert "no current training" in str(
        refusal(svc, "alice", req(london(2026, 3, 17, 10), london(2026, 3, 17, 11)))
    )
    with context.database.sessions.begin() as s:
        s.execute(
            update(TrainingRecord)
            .where(TrainingRecord.user_id == world.users["bob"])
            .values(revoked_at=datetime(2026, 3, 1, tzinfo=UTC))
        )
    assert "no current training" in str(
        refusal(svc, "bob", req(london(2026, 3, 17, 10), london(2026, 3, 17, 11)))
    )


def test_assisting_technician_must_staff_the_facility(svc: BookingService) -> None:
    error = refusal(
        svc,
        "erin",
        req(london(2026, 3, 17, 10), london(2026, 3, 17, 11), technician_username="otherstaff"),
    )
    assert str(error) == "otherstaff is not a technician of Warwick Photoemission RTP"


# Rule 4: policy.
@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (london(2026, 3, 17, 10, 30), london(2026, 3, 17, 11, 30), "1 hour slots"),
        (london(2026, 3, 17, 10), london(2026, 3, 17, 10), "must end after it starts"),
        (london(2026, 3, 16, 8), london(2026, 3, 16, 9), "in the past"),
        (london(2026, 3, 16, 9), london(2026, 3, 16, 10), "needs 1 hour notice"),
        (london(2026, 6, 16, 10), london(2026, 6, 16, 11), "at most 90 days ahead"),
        (london(2026, 3, 17, 8), london(2026, 3, 17, 10), "outside WAR-XPS-01's opening hours"),
        (london(2026, 3, 17, 16), london(2026, 3, 17, 18), "overnight use is not allowed"),
        (london(2026, 3, 21, 10), london(2026, 3, 21, 11), "opening hours"),  # Saturday
        (london(2026, 3, 17, 9), london(2026, 3, 17, 18), "at most 8 hours"),
    ],
)
def test_policy_refusals(svc: BookingService, start: datetime, end: datetime, words: str) -> None:
    assert words in str(refusal(svc, "alice", req(start, end)))


def test_minimum_notice_allows_the_earliest_start(svc: BookingService) -> None:
    # 09:00 now with 60 minutes' notice: 10:00 today is exactly the earliest start.
    assert svc.book("alice", req(london(2026, 3, 16, 10), london(2026, 3, 16, 11))).id


def test_notice_is_named_with_the_earliest_start(
    context: ServiceContext, svc: BookingService
) -> None:
    context.clock.advance(minutes=30)  # type: ignore[attr-defined]
    error = refusal(svc, "alice", req(london(2026, 3, 16, 10), london(2026, 3, 16, 11)))
    # 10:30 is past the notice but off the hourly grid: 11:00 is the first start that will do.
    assert str(error) == (
        "WAR-XPS-01 needs 1 hour notice: the earliest start is 11:00 Mon 16 Mar 2026 GMT"
    )


def test_opening_hours_hold_across_the_spring_dst_change(svc: BookingService) -> None:
    # Mon 30 Mar is the first weekday of BST: 09:00 London is 08:00 UTC.
    booked = svc.book("alice", req(london(2026, 3, 30, 9), london(2026, 3, 30, 17)))
    assert booked.starts_at == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert booked.ends_at == datetime(2026, 3, 30, 16, 0, tzinfo=UTC)
    utc_nine = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)  # 10:00 BST: fine
    assert svc.book("alice", req(utc_nine, utc_nine + timedelta(hours=7))).id
    utc_eight = datetime(2026, 4, 1, 16, 0, tzinfo=UTC)  # 17:00-18:00 BST: closed
    assert "opening hours" in str(
        refusal(svc, "alice", req(utc_eight, utc_eight + timedelta(hours=1)))
    )


def test_overnight_instrument_may_span_closed_hours(svc: BookingService) -> None:
    booked = svc.book("alice", req(london(2026, 3, 17, 18), london(2026, 3, 18, 8), "WAR-RAM-01"))
    assert booked.status is BookingStatus.CONFIRMED


def test_project_code_required(svc: BookingService) -> None:
    error = refusal(
        svc, "alice", req(london(2026, 3, 17, 10), london(2026, 3, 17, 12), "WAR-MEG-01")
    )
    assert error.field == "project_code"
    assert svc.book(
        "alice",
        req(
            london(2026, 3, 17, 10),
            london(2026, 3, 17, 12),
            "WAR-MEG-01",
            project_code="EP/X012345/1",
        ),
    ).id


def test_naive_times_are_input_errors(svc: BookingService) -> None:
    with pytest.raises(InputError, match=r"start: .* has no time zone"):
        svc.book("alice", req(datetime(2026, 3, 17, 10), datetime(2026, 3, 17, 11)))  # noqa: DTZ001


# Rule 5: weekly quota (6 h on the MEG, 2 h fixed slots), per local week.
def test_weekly_quota(svc: BookingService) -> None:
    for day in (16, 17, 18):
        svc.book(
            "alice",
            req(
                london(2026, 3, day, 12), london(2026, 3, day, 14), "WAR-MEG-01", project_code="P1"
            ),
        )
    error = refusal(
        svc,
        "alice",
        req(london(2026, 3, 19, 12), london(2026, 3, 19, 14), "WAR-MEG-01", project_code="P1"),
    )
    assert str(error) == (
        "WAR-MEG-01 allows 6 hours a week per user; 6 hours already booked that week, none left"
    )
    # The next week starts fresh; a cancelled booking frees its quota.
    assert svc.book(
        "alice",
        req(london(2026, 3, 23, 12), london(2026, 3, 23, 14), "WAR-MEG-01", project_code="P1"),
    ).id


def test_staff_may_override_policy_and_quota_on_behalf_and_it_is_audited(
    svc: BookingService, context: ServiceContext
) -> None:
    early = req(london(2026, 3, 17, 7), london(2026, 3, 17, 8), on_behalf_of="alice")
    assert "opening hours" in str(refusal(svc, "tech", early))
    booked = svc.book("tech", early, override_policy=True)
    assert booked.username == "alice" and booked.status is BookingStatus.CONFIRMED
    from equipshare.db.models.audit import AuditEvent

    with context.database.readonly() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.entity_id == str(booked.id))).one()
    assert event.action == "booking.override"
    assert "opening hours" in event.after["overridden"][0]  # type: ignore[index]
    # Researchers may not override, and nobody overrides for themselves.
    assert isinstance(refusal(svc, "erin", early, override_policy=True), PermissionDenied)
    assert "only for booking on behalf" in str(
        refusal(
            svc, "tech", req(london(2026, 3, 17, 7), london(2026, 3, 17, 8)), override_policy=True
        )
    )


# Rule 6: overlaps, downtime and the technician's time. Nobody overrides them.
def test_overlap_refused_touching_allowed(svc: BookingService) -> None:
    first = svc.book("alice", req(london(2026, 3, 17, 10), london(2026, 3, 17, 12)))
    error = refusal(svc, "bob", req(london(2026, 3, 17, 11), london(2026, 3, 17, 13)))
    assert isinstance(error, ConflictError)
    assert (
        str(error)
        == f"WAR-XPS-01 is already booked 10:00-12:00 Tue 17 Mar 2026 GMT (booking {first.id})"
    )
    assert svc.book("bob", req(london(2026, 3, 17, 12), london(2026, 3, 17, 13))).id
    assert svc.book("bob", req(london(2026, 3, 17, 9), london(2026, 3, 17, 10))).id
    staff = req(
        london(2026, 3, 17, 11),
        london(2026, 3, 17, 12),
        on_behalf_of="erin",
        technician_username="tech",
    )
    assert isinstance(refusal(svc, "mgr", staff, override_policy=True), ConflictError)


def test_pending_bookings_hold_their_slot_and_cancelled_ones_free_it(svc: BookingService) -> None:
    pending = svc.book("bob", req(london(2026, 3, 17, 10), london(2026, 3, 17, 12)))
    assert pending.status is BookingStatus.PENDING
    assert isinstance(
        refusal(svc, "alice", req(london(2026, 3, 17, 10), london(2026, 3, 17, 11))), ConflictError
    )
    svc.cancel("bob", pending.id, "no sample")
    assert svc.book("alice", req(london(2026, 3, 17, 10), london(2026, 3, 17, 11))).id


def test_downtime_blocks_booking(
    svc: BookingService, context: ServiceContext, world: World
) -> None:
    with context.database.sessions.begin() as s:
        s.add(
            Downtime(
                instrument_id=world.instruments[XPS],
                starts_at=london(2026, 3, 18, 9),
                ends_at=london(2026, 3, 18, 13),
                reason=DowntimeReason.CALIBRATION,
                ical_uid="dt-1",
                created_at=context.clock.now(),
                updated_at=context.clock.now(),
            )
        )
    error = refusal(svc, "alice", req(london(2026, 3, 18, 12), london(2026, 3, 18, 14)))
    assert str(error) == "WAR-XPS-01 is down for calibration 09:00-13:00 Wed 18 Mar 2026 GMT"
    assert svc.book("alice", req(london(2026, 3, 18, 13), london(2026, 3, 18, 14))).id


def test_technician_cannot_assist_two_sessions_at_once(svc: BookingService) -> None:
    first = svc.book(
        "erin", req(london(2026, 3, 17, 10), london(2026, 3, 17, 12), technician_username="tech")
    )
    error = refusal(
        svc,
        "erin",
        req(
            london(2026, 3, 17, 10),
            london(2026, 3, 17, 12),
            "WAR-MEG-01",
            technician_username="tech",
            project_code="P",
        ),
    )
    assert error.field == "technician"
    assert (
        str(error)
        == f"tech is already assisting 10:00-12:00 Tue 17 Mar 2026 GMT (booking {first.id})"
    )
    assert svc.book("erin", req(london(2026, 3, 17, 11), london(2026, 3, 17, 12), "AST-SEM-01"))


# Rule 7: approval.
@pytest.mark.parametrize(
    ("user", "code", "status"),
    [
        ("alice", XPS, BookingStatus.CONFIRMED),  # own institution, no approval needed
        ("bob", XPS, BookingStatus.PENDING),  # another institution
        ("alice", "WAR-MEG-01", BookingStatus.PENDING),  # instrument requires approval
        ("mgr", "WAR-MEG-01", BookingStatus.CONFIRMED),  # staff need not wait for themselves
    ],
)
def test_initial_status(svc: BookingService, user: str, code: str, status: BookingStatus) -> None:
    start = london(2026, 3, 17, 10)
    booked = svc.book(
        user,
        req(
            start,
            start + timedelta(hours=2),
            code,
            project_code="P",
            technician_username="tech" if user == "mgr" else None,
        ),
    )
    assert booked.status is status


def test_approve_and_reject_need_facility_staff_and_reasons(svc: BookingService) -> None:
    pending = svc.book("bob", req(london(2026, 3, 17, 10), london(2026, 3, 17, 11)))
    with pytest.raises(PermissionDenied, match="bob may not approve bookings on WAR-XPS-01"):
        svc.approve("bob", pending.id)
    with pytest.raises(PermissionDenied, match="manager or technician of Warwick Photoemission"):
        svc.approve("otherstaff", pending.id)
    with pytest.raises(RefusedError, match="needs a reason"):
        svc.reject("mgr", pending.id, "  ")
    rejected = svc.reject("tech", pending.id, "sample not compatible with UHV")
    assert rejected.status is BookingStatus.REJECTED
    assert rejected.status_reason == "sample not compatible with UHV"
    assert rejected.sequence == 1
    with pytest.raises(RefusedError, match="is rejected; only pending"):
        svc.approve("mgr", pending.id)


def test_deactivated_users_may_do_nothing(svc: BookingService) -> None:
    error = refusal(svc, "gone", req(london(2026, 3, 17, 10), london(2026, 3, 17, 11)))
    assert str(error) == "gone may not book: the account is deactivated"
