"""Training records on both engines: rights, record/renew/revoke, listings, audit, bad input.

The clock starts at Mon 16 Mar 2026 09:00 UTC. The world trains alice, bob and carol on
WAR-XPS-01 (by tech, expiring 2028-01-01 00:00 UTC, so valid through Fri 31 Dec 2027).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from equipshare.db.models.audit import AuditEvent
from equipshare.domain.enums import TrainingLevel, TrainingState
from equipshare.domain.errors import (
    ConflictError,
    EquipshareError,
    InputError,
    NotFound,
    PermissionDenied,
    RefusedError,
)
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.records.users.people import TrainingRecordView
from equipshare.domain.rules.training_rules import training_words
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.people.training import TrainingService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World, london

XPS, MEG, RAM, SEM = "WAR-XPS-01", "WAR-MEG-01", "WAR-RAM-01", "AST-SEM-01"


@pytest.fixture
def training(context: ServiceContext, world: World) -> TrainingService:
    return TrainingService(context)


def audit(context: ServiceContext) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    with context.database.readonly() as s:
        rows = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        return [(e.action, e.entity_type, e.before or {}, e.after or {}) for e in rows]


def record_of(training: TrainingService, username: str, code: str) -> TrainingRecordView:
    (found,) = [
        r
        for r in training.for_facility("root", include_inactive=True)
        if r.username == username and r.instrument_code == code
    ]
    return found


def test_a_technician_records_training_valid_through_a_local_day(
    training: TrainingService, context: ServiceContext, world: World
) -> None:
    view = training.record("tech", "erin", XPS, "independent", date(2026, 6, 30), "  XPS intro  ")

    assert (view.username, view.user_display_name, view.user_institution_code) == (
        "erin",
        "Erin",
        "WARWICK",
    )
    assert (view.instrument_code, view.facility_name, view.timezone) == (
        XPS,
        "Warwick Photoemission RTP",
        "Europe/London",
    )
    assert view.level is TrainingLevel.INDEPENDENT
    assert view.trained_at == datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
    # Through 30 June in London (summer time): the local midnight that ends the day.
    assert view.expires_at == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
    assert (view.revoked_at, view.trainer_username, view.notes) == (None, "tech", "XPS intro")
    assert view.state is TrainingState.ACTIVE
    assert training_words(training.status_for("erin", XPS)) == (
        "trained (independent) until Tue 30 Jun 2026"
    )
    (event,) = audit(context)
    assert event[:3] == ("training.record", "training_record", {})
    assert event[3]["user_id"] == world.users["erin"]
    assert event[3]["trainer_id"] == world.users["tech"]
    assert (event[3]["level"], event[3]["expires_at"]) == (
        "independent",
        "2026-06-30T23:00:00+00:00",
    )


def test_recorded_training_lets_the_user_book(
    training: TrainingService, context: ServiceContext
) -> None:
    bookings = BookingService(context)
    request = BookingRequest(XPS, london(2026, 3, 17, 10), london(2026, 3, 17, 11))
    with pytest.raises(RefusedError, match="no current training"):
        bookings.book("erin", request)
    training.record("mgr", "erin", XPS, TrainingLevel.INDEPENDENT, None)
    assert bookings.book("erin", request).username == "erin"


@pytest.mark.parametrize(
    ("actor", "code", "refusal"),
    [
        ("alice", XPS, "alice may not record training on WAR-XPS-01"),
        ("otherstaff", XPS, "manager or technician of Warwick Photoemission RTP"),
        ("tech", SEM, "tech may not record training on AST-SEM-01"),
        ("gone", XPS, "deactivated"),
    ],
)
def test_only_staff_of_the_instruments_facility_or_admins_record(
    training: TrainingService, context: ServiceContext, actor: str, code: str, refusal: str
) -> None:
    with pytest.raises(PermissionDenied, match=refusal):
        training.record(actor, "erin", code, "independent", None)
    assert audit(context) == []
    assert training.record("otherstaff", "erin", SEM, "supervised", None).trainer_username == (
        "otherstaff"
    )
    assert training.record("root", "dave", SEM, "independent", None).trainer_username == "root"


def test_others_may_not_renew_revoke_or_list(training: TrainingService, world: World) -> None:
    alice = record_of(training, "alice", XPS)
    for call in (
        lambda: training.renew("otherstaff", alice.id, date(2028, 6, 30)),
        lambda: training.revoke("otherstaff", alice.id, "no reason"),
        lambda: training.revoke("alice", alice.id, "I am done"),
        lambda: training.for_facility("alice"),
        lambda: training.expiring("bob"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    warwick = world.facilities["WAR-PRP"]
    with pytest.raises(PermissionDenied, match="otherstaff may not record training on WAR-PRP"):
        training.for_facility("otherstaff", warwick)
    assert record_of(training, "alice", XPS) == alice  # nothing changed


def test_an_active_record_refuses_a_second_until_revoked(
    training: TrainingService, context: ServiceContext
) -> None:
    alice = record_of(training, "alice", XPS)
    with pytest.raises(ConflictError) as caught:
        training.record("tech", "alice", XPS, "supervised", None)
    assert caught.value.field == "user"
    assert str(caught.value) == (
        f"alice already holds independent training on WAR-XPS-01 (record {alice.id}, valid "
        "until Fri 31 Dec 2027): renew that record, or revoke it before recording new training"
    )

    revoked = training.revoke("tech", alice.id, "  moved to the supervised scheme ")
    assert revoked.state is TrainingState.REVOKED
    assert revoked.revoked_at == context.clock.now()
    assert revoked.notes == "Revoked Mon 16 Mar 2026 by tech: moved to the supervised scheme"
    again = training.record("tech", "alice", XPS, "supervised", None)
    assert again.id != alice.id and again.state is TrainingState.ACTIVE

    assert [(a, b.get("revoked_at"), c.get("revoked_at")) for a, _, b, c in audit(context)] == [
        ("training.revoke", None, "2026-03-16T09:00:00+00:00"),
        ("training.record", None, None),
    ]
    assert audit(context)[0][3]["reason"] == "moved to the supervised scheme"


def test_renew_extends_and_revives_an_expired_record(
    training: TrainingService, context: ServiceContext, clock: FrozenClock
) -> None:
    erin = training.record("tech", "erin", XPS, "independent", date(2026, 3, 20))
    clock.instant = datetime(2026, 3, 25, 9, 0, tzinfo=UTC)  # erin's training has lapsed
    assert training.status_for("erin", XPS).state is TrainingState.EXPIRED
    assert not training.status_for("erin", XPS).may_use_alone

    renewed = training.renew("tech2", erin.id, date(2027, 3, 31))

    assert renewed.id == erin.id and renewed.state is TrainingState.ACTIVE
    assert renewed.expires_at == datetime(2027, 3, 31, 23, 0, tzinfo=UTC)
    assert training.status_for("erin", XPS).may_use_alone
    action, entity, before, after = audit(context)[-1]
    assert (action, entity) == ("training.renew", "training_record")
    assert before["expires_at"] == "2026-03-21T00:00:00+00:00"
    assert after["expires_at"] == "2027-03-31T23:00:00+00:00"


def test_renew_refuses_revoked_records_past_dates_and_twins(
    training: TrainingService, clock: FrozenClock
) -> None:
    alice = record_of(training, "alice", XPS)
    with pytest.raises(InputError, match="already have ended") as caught:
        training.renew("tech", alice.id, date(2026, 3, 15))
    assert caught.value.field == "expires_at"
    # Through today is still in the future at 09:00.
    assert training.renew("tech", alice.id, date(2026, 3, 16)).expires_at == datetime(
        2026, 3, 17, 0, 0, tzinfo=UTC
    )

    training.revoke("tech", alice.id, "left the group")
    with pytest.raises(RefusedError, match="was revoked and cannot be renewed"):
        training.renew("tech", alice.id, date(2027, 1, 1))
    with pytest.raises(RefusedError, match="already revoked"):
        training.revoke("tech", alice.id, "twice")
    with pytest.raises(NotFound, match="no training record 9999") as missing:
        training.renew("tech", 9999, date(2027, 1, 1))
    assert missing.value.field == "record"

    old = training.record("tech", "erin", RAM, "independent", date(2026, 3, 17))
    clock.advance(days=3)
    training.record("tech", "erin", RAM, "independent", date(2026, 12, 31))
    with pytest.raises(ConflictError, match="already active for this user"):
        training.renew("tech", old.id, date(2027, 1, 1))


@pytest.mark.parametrize(
    ("args", "error", "field"),
    [
        (("nobody", XPS, "independent", None), NotFound, "user"),
        (("erin", "WAR-NOPE-01", "independent", None), NotFound, "instrument"),
        (("  ", XPS, "independent", None), InputError, "user"),
        (("erin", "", "independent", None), InputError, "instrument"),
        (("erin", XPS, "expert", None), InputError, "level"),
        (("erin", XPS, "independent", date(2026, 3, 15)), InputError, "expires_at"),
        # A naive instant is ambiguous, so it is refused.
        (("erin", XPS, "independent", datetime(2027, 1, 1, 12)), InputError, "expires_at"),  # noqa: DTZ001
        (("erin", XPS, "independent", london(2026, 3, 16, 9)), InputError, "expires_at"),
        (("gone", XPS, "independent", None), RefusedError, "user"),
    ],
)
def test_bad_input_names_the_field(
    training: TrainingService,
    context: ServiceContext,
    args: tuple[str, str, str, date | None],
    error: type[EquipshareError],
    field: str,
) -> None:
    with pytest.raises(error) as caught:
        training.record("tech", *args)
    assert getattr(caught.value, "field", None) == field
    assert audit(context) == []


def test_revoke_needs_a_reason(training: TrainingService) -> None:
    alice = record_of(training, "alice", XPS)
    with pytest.raises(InputError) as caught:
        training.revoke("tech", alice.id, "   ")
    assert caught.value.field == "reason"
    assert record_of(training, "alice", XPS).state is TrainingState.ACTIVE


def test_for_facility_lists_what_the_actor_looks_after_by_instrument_then_user(
    training: TrainingService, world: World
) -> None:
    training.record("tech", "erin", RAM, "supervised", None)
    training.record("tech", "dave", MEG, "independent", None)
    training.record("otherstaff", "alice", SEM, "independent", None)
    bob = record_of(training, "bob", XPS)
    training.revoke("mgr", bob.id, "safety breach")

    def listed(actor: str, **kwargs: Any) -> list[tuple[str, str, TrainingState]]:
        rows = training.for_facility(actor, **kwargs)
        return [(r.instrument_code, r.username, r.state) for r in rows]

    active = TrainingState.ACTIVE
    assert listed("tech") == [
        (MEG, "dave", active),
        (RAM, "erin", active),
        (XPS, "alice", active),
        (XPS, "carol", active),
    ]
    assert listed("tech", include_inactive=True) == [
        (MEG, "dave", active),
        (RAM, "erin", active),
        (XPS, "alice", active),
        (XPS, "bob", TrainingState.REVOKED),
        (XPS, "carol", active),
    ]
    assert listed("otherstaff") == [(SEM, "alice", active)]
    assert listed("root", facility_id=world.facilities["AST-EM"]) == [(SEM, "alice", active)]
    assert len(listed("root")) == 5
    with pytest.raises(NotFound) as missing:
        training.for_facility("root", 9999)
    assert missing.value.field == "facility"


def test_expiring_lists_active_records_within_the_window_soonest_first(
    training: TrainingService, clock: FrozenClock
) -> None:
    now = clock.now()
    training.record("tech", "erin", XPS, "independent", now + timedelta(days=30))  # the edge
    training.record("tech", "erin", RAM, "independent", date(2026, 3, 20))
    training.record("tech", "dave", MEG, "supervised", date(2026, 4, 1))
    training.record("tech", "dave", RAM, "independent", now + timedelta(days=30, seconds=1))
    training.record("tech", "erin", MEG, "independent", None)  # never expires
    revoked = training.record("tech", "carol", RAM, "independent", date(2026, 3, 18))
    training.revoke("tech", revoked.id, "left")
    training.record("tech", "bob", RAM, "independent", date(2026, 3, 16))  # lapses tonight
    clock.advance(days=1)  # bob's has now expired; the window moves on a day

    def expiring(days: int = 30) -> list[tuple[str, str]]:
        return [(r.username, r.instrument_code) for r in training.expiring("tech", days)]

    assert expiring() == [("erin", RAM), ("dave", MEG), ("erin", XPS), ("dave", RAM)]
    clock.instant = now
    assert expiring() == [("bob", RAM), ("erin", RAM), ("dave", MEG), ("erin", XPS)]
    assert expiring(5) == [("bob", RAM), ("erin", RAM)]
    assert training.expiring("otherstaff") == []
    with pytest.raises(InputError) as caught:
        training.expiring("tech", -1)
    assert caught.value.field == "within_days"


def test_status_for_says_trained_expired_revoked_or_not_trained(
    training: TrainingService, clock: FrozenClock
) -> None:
    assert training_words(training.status_for("alice", XPS)) == (
        "trained (independent) until Fri 31 Dec 2027"
    )
    assert training.status_for("alice", XPS).may_use_alone
    never = training.status_for("erin", XPS)
    assert (never.state, never.record_id, never.may_use_alone) == (None, None, False)
    assert training_words(never) == "not trained"

    supervised = training.record("tech", "erin", XPS, "supervised", None)
    status = training.status_for("erin", XPS)
    assert (status.state, status.level, status.record_id) == (
        TrainingState.ACTIVE,
        TrainingLevel.SUPERVISED,
        supervised.id,
    )
    assert not status.may_use_alone  # the booking rule wants independent training
    assert training_words(status) == "trained (supervised), no expiry"

    training.revoke("tech", record_of(training, "bob", XPS).id, "safety breach")
    assert training_words(training.status_for("bob", XPS)) == "revoked on Mon 16 Mar 2026"

    clock.instant = datetime(2028, 1, 1, 0, 0, tzinfo=UTC)
    carol = training.status_for("carol", XPS)
    assert carol.state is TrainingState.EXPIRED and not carol.may_use_alone
    assert training_words(carol) == "expired (was valid until Fri 31 Dec 2027)"
    with pytest.raises(NotFound):
        training.status_for("carol", "WAR-NOPE-01")
