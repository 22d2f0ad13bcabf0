"""Acknowledgements on the known world, both engines: what counts, who is credited, who may ask."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from equipshare.db.models.audit import AuditEvent
from equipshare.domain.acknowledgements.formats import FORMATS, render
from equipshare.domain.acknowledgements.wording import DEFAULT_TEMPLATE, paragraph
from equipshare.domain.enums import BookingStatus
from equipshare.domain.errors import InputError, NotFound, PermissionDenied
from equipshare.domain.records.impact.acknowledgements import (
    Acknowledgement,
    CreditRole,
    TechnicianActivity,
)
from equipshare.domain.records.impact.credit import UNNAMED_STAFF
from equipshare.services.acknowledgements.service import credited_technicians
from tests.services.acknowledgements.conftest import HIDDEN_NAME, HIDDEN_ORCID, March
from tests.support.maintenance_rows import plant_booking

INV, SUP = CreditRole.INVESTIGATION, CreditRole.SUPERVISION


def _facility(ack: Acknowledgement, code: str) -> object:
    return next(f for f in ack.facilities if f.code == code)


def test_a_researcher_sees_her_completed_work_and_who_helped(march: March) -> None:
    ack = march.service.for_user("alice", "alice")
    assert [f.code for f in ack.facilities] == ["WAR-PRP", "AST-EM"]  # most hours first
    warwick, aston = ack.facilities
    (xps,) = warwick.instruments
    assert (xps.code, xps.sessions, xps.minutes) == ("WAR-XPS-01", 2, 360)
    assert (xps.assisted_sessions, xps.assisted_minutes) == (1, 240)
    (tech,) = warwick.technicians
    assert (tech.name, tech.named) == ("Tech", True)
    assert tech.activities == (
        TechnicianActivity(INV, "XPS", 1, 240),
        TechnicianActivity(SUP, "XPS", 1, 0),
    )
    assert [(t.name, t.roles) for t in aston.technicians] == [("Otherstaff", (INV,))]
    assert (ack.sessions, ack.minutes) == (3, 420)
    text = paragraph(ack)
    assert "Tech for assisted XPS measurements, 4\u00a0h, and for XPS training" in text
    assert "at the Warwick Photoemission RTP, University of Warwick." in text
    assert "Otherstaff for assisted SEM measurements, 1\u00a0h." in text
    # Never the collaborator, nor the technician who only helped him.
    for form in FORMATS:
        shown = render(ack, form)
        assert "bob" not in shown.lower() and UNNAMED_STAFF not in shown


def test_a_period_counts_bookings_starting_in_its_local_days(march: March) -> None:
    period = march.service.period(date(2026, 3, 3), date(2026, 3, 4))
    ack = march.service.for_user("alice", "alice", period)
    assert ack.minutes == 180 and ack.sessions == 2
    warwick = _facility(ack, "WAR-PRP")
    # Trained before her session on the XPS: still thanked, though nothing was assisted.
    assert [(t.name, t.activities) for t in warwick.technicians] == [  # type: ignore[attr-defined]
        ("Tech", (TechnicianActivity(SUP, "XPS", 1, 0),))
    ]
    empty = march.service.for_user("alice", "alice", march.service.period(date(2026, 3, 10), None))
    assert empty.empty and "No completed bookings of alice" in render(empty, "text")


def test_bad_periods_are_refused_naming_the_option(march: March) -> None:
    with pytest.raises(InputError, match="--to 2026-03-01 is before --from"):
        march.service.period(date(2026, 3, 2), date(2026, 3, 1))
    with pytest.raises(InputError, match="--from 2026-04-01 is after today"):
        march.service.period(date(2026, 4, 1), None)


def test_facility_staff_see_only_their_facilities_part(march: March) -> None:
    mgr = march.service.for_user("mgr", "alice")
    assert [f.code for f in mgr.facilities] == ["WAR-PRP"]
    aston = march.service.for_user("otherstaff", "alice")
    assert [f.code for f in aston.facilities] == ["AST-EM"]
    admin = march.service.for_user("root", "alice")
    assert [f.code for f in admin.facilities] == ["WAR-PRP", "AST-EM"]


@pytest.mark.parametrize(
    ("actor", "subject"),
    [("erin", "alice"), ("bob", "alice"), ("otherstaff", "bob"), ("gone", "gone")],
)
def test_others_are_refused(march: March, actor: str, subject: str) -> None:
    with pytest.raises(PermissionDenied):
        march.service.for_user(actor, subject)


def test_a_project_shows_each_asker_only_what_they_may_see(march: March) -> None:
    own = march.service.for_project("alice", "P1")
    assert own.minutes == 420  # hers only, not bob's 3 h
    assert all(t.named for f in own.facilities for t in f.technicians)
    staff = march.service.for_project("mgr", "P1")
    assert [f.code for f in staff.facilities] == ["WAR-PRP"] and staff.minutes == 540
    admin = march.service.for_project("root", " P1 ")
    assert admin.minutes == 600 and admin.subject == "P1"
    for actor, code in (("erin", "P1"), ("root", "NOPE")):
        with pytest.raises(NotFound, match="--project: no completed booking under project"):
            march.service.for_project(actor, code)
    with pytest.raises(InputError, match="--project: give a project code"):
        march.service.for_project("root", "  ")


def test_an_opted_out_technician_is_credited_but_never_named(march: March) -> None:
    ack = march.service.for_project("root", "P1")
    warwick = _facility(ack, "WAR-PRP")
    credits = {t.name: t for t in warwick.technicians}  # type: ignore[attr-defined]
    hidden = credits[UNNAMED_STAFF]
    assert (hidden.named, hidden.orcid, hidden.job_title) == (False, None, "")
    assert hidden.activities == (TechnicianActivity(INV, "XPS", 1, 180),)
    assert f"the {UNNAMED_STAFF} for assisted XPS measurements, 3\u00a0h" in paragraph(ack)
    for form in FORMATS:
        shown = render(ack, form).lower()
        for secret in (HIDDEN_NAME, HIDDEN_ORCID, "tech2", "senior experimental"):
            assert secret.lower() not in shown, (form, secret)


def test_credited_technicians_for_other_services(march: March) -> None:
    with march.context.database.readonly() as session:
        found = credited_technicians(session, [*march.alice_bookings, march.bob_booking])
        nothing = credited_technicians(session, [])
    users, facilities = march.world.users, march.world.facilities
    assert {(c.user_id, c.facility_id, c.roles, c.named) for c in found} == {
        (users["tech"], facilities["WAR-PRP"], frozenset({INV, SUP}), True),
        (users["tech2"], facilities["WAR-PRP"], frozenset({INV}), False),
        (users["otherstaff"], facilities["AST-EM"], frozenset({INV}), True),
    }
    assert nothing == ()


def test_managers_set_and_clear_their_facility_wording(march: March) -> None:
    service = march.service
    assert service.wording("alice", "WAR-PRP").template == DEFAULT_TEMPLATE
    saved = service.set_wording(
        "mgr", "WAR-PRP", "We thank the $facility\n  ($facility_code) for $hours h.$thanks\n"
    )
    assert saved.template == "We thank the $facility ($facility_code) for $hours h.$thanks"
    assert not saved.is_default
    text = paragraph(service.for_user("alice", "alice"))
    assert text.startswith("We thank the Warwick Photoemission RTP (WAR-PRP) for 6 h. We thank")
    with pytest.raises(InputError, match=r"^template: unknown placeholder \$name; known: "):
        service.set_wording("mgr", "WAR-PRP", "Thanks to $name")
    with pytest.raises(InputError, match=r"template: a \$ must start a placeholder"):
        service.set_wording("mgr", "WAR-PRP", "It cost $5")
    for actor in ("tech", "alice", "otherstaff"):
        with pytest.raises(PermissionDenied, match="needs a manager of the facility"):
            service.set_wording(actor, "WAR-PRP", "Thanks $facility")
    with pytest.raises(NotFound, match="no facility with code 'NOPE'"):
        service.set_wording("root", "NOPE", "Thanks")
    cleared = service.clear_wording("root", "WAR-PRP")
    assert cleared.is_default and cleared.template == DEFAULT_TEMPLATE
    with march.context.database.readonly() as session:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "facility.acknowledgement")
            .order_by(AuditEvent.id)
        ).all()
    assert [(e.before, e.after) for e in events] == [
        ({"acknowledgement_template": None}, {"acknowledgement_template": saved.template}),
        ({"acknowledgement_template": saved.template}, {"acknowledgement_template": None}),
    ]


def test_local_days_hold_across_the_october_clock_change(march: March) -> None:
    """00:30 BST on Sun 26 Oct 2025 is 23:30 UTC the day before: it is the 26th's session."""
    start = datetime(2025, 10, 25, 23, 30, tzinfo=UTC)
    plant_booking(march.context.database, march.world, "erin", "WAR-XPS-01", start,
                  start + timedelta(hours=2), BookingStatus.COMPLETED)  # fmt: skip
    service = march.service
    saturday = service.for_user("erin", "erin", service.period(None, date(2025, 10, 25)))
    sunday = service.for_user(
        "erin", "erin", service.period(date(2025, 10, 26), date(2025, 10, 26))
    )
    assert saturday.empty and sunday.minutes == 120
    assert sunday.period.ends_at == datetime(2025, 10, 27, 0, 0, tzinfo=UTC)  # a 25-hour day
    assert sunday.period.starts_at == datetime(2025, 10, 25, 23, 0, tzinfo=UTC)
