"""The demo's technician profiles: a few technicians who assisted most, each iD passing the
ORCID check and held by no real person, one technician opted out, and a researcher whose
sessions both a named and the opted-out technician assisted (so their acknowledgement
shows both)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from equipshare.db.models.bookings import Booking
from equipshare.db.models.catalogue import FacilityStaff, User
from equipshare.db.models.credit import TechnicianProfile
from equipshare.demo.credit import PROFILED, demo_orcid
from equipshare.demo.seeding import plan_demo
from equipshare.domain.enums import Role
from equipshare.domain.inputs.scholarly_ids import parse_orcid

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)


def test_the_demo_profiles_show_named_and_opted_out_technicians() -> None:
    plan = plan_demo(7, NOW, "jane.doe")
    profiles = plan.rows(TechnicianProfile)
    assert len(profiles) == PROFILED == plan.summary.technician_profiles
    assert [p["user_id"] for p in profiles] == sorted({p["user_id"] for p in profiles})
    for profile in profiles:
        assert parse_orcid(profile["orcid"]) == profile["orcid"]
        assert profile["orcid"].startswith("0000-0000-")  # a block ORCID never issued
        assert profile["job_title"] and profile["expertise"]
    assert len({p["orcid"] for p in profiles}) == PROFILED
    opted_out = [p["user_id"] for p in profiles if not p["named"]]
    named = {p["user_id"] for p in profiles if p["named"]}
    assert len(opted_out) == 1 and any(p["credit_name"] for p in profiles)
    roles = {u["id"]: u["role"] for u in plan.rows(User)}
    staff = {s["user_id"] for s in plan.rows(FacilityStaff)}
    assert all(roles[p["user_id"]] == Role.TECHNICIAN.value for p in profiles)
    assert {p["user_id"] for p in profiles} <= staff
    assisted_by: dict[int, set[int]] = defaultdict(set)
    for booking in plan.rows(Booking):
        if booking["status"] == "completed" and booking["technician_id"] is not None:
            assisted_by[booking["user_id"]].add(booking["technician_id"])
    assert any(
        opted_out[0] in technicians and technicians & named for technicians in assisted_by.values()
    )


def test_demo_orcids_carry_their_check_digit() -> None:
    assert demo_orcid(402) == "0000-0000-0000-4029"
    assert parse_orcid(demo_orcid(1)) == demo_orcid(1)
