"""The demo seed: a believable consortium, the same for the same seed, that a fresh database
takes once (the rules its bookings obey: test_demo_rules.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, select, text

from equipshare.db.models.bookings import Booking, Downtime
from equipshare.db.models.catalogue import Institution, Instrument, OpeningHours, User
from equipshare.db.models.feeds import ChangeStamp
from equipshare.db.models.training import TrainingRecord
from equipshare.db.tables import metadata as all_tables
from equipshare.demo.catalogue import FACILITY_TEMPLATES, INSTITUTIONS, KINDS
from equipshare.demo.seeding import DemoService, plan_demo
from equipshare.domain.enums import AccessLevel, BookingStatus, Role, StaffRole
from equipshare.domain.errors import RefusedError
from equipshare.domain.records.pages import ApprovalOrder, ApprovalsQuery
from equipshare.services.admin.integrity import IntegrityService
from equipshare.services.bookings.past import LAPSED_REASON
from equipshare.services.bookings.service import ApprovalsService, DecisionService
from tests.demo.demo_world import (
    DAY_START,
    LONDON,
    NOW,
    PARTNERS,
    SEED,
    Seeded,
    fresh_database,
    seed_demo,
)

pytestmark = pytest.mark.slow


def _dump(conn: Connection) -> dict[str, Sequence[Any]]:
    return {
        table.name: conn.execute(select(table).order_by(*table.primary_key.columns)).all()
        for table in all_tables.sorted_tables
    }


def test_counts_are_in_range_and_match_the_summary(seeded: Seeded) -> None:
    counts, summary = seeded.counts(), seeded.summary
    shown = {label.replace(" ", "_"): n for label, n in summary.counts()}
    assert {table: counts[table] for table in shown if table in counts} == {
        table: n for table, n in shown.items() if table in counts
    }
    assert (summary.institutions, summary.partner_institutions) == (12, 8)
    assert summary.facilities >= 38 and 300 <= summary.instruments <= 340
    assert 450 <= summary.users <= 600 and 20_000 <= summary.bookings <= 30_000
    assert summary.training_records > 1_000
    cards = "SELECT count(*) FROM (SELECT DISTINCT instrument_id, user_class FROM rate_cards) AS c"
    assert seeded.scalar(cards) == 4 * summary.instruments < summary.rate_cards
    assert 5 <= summary.downtimes <= 40
    pending = seeded.scalar("SELECT count(*) FROM bookings WHERE status = 'pending'")
    assert summary.pending_bookings == pending > 0


def test_the_consortium_is_the_eight_partners_and_some_outsiders(seeded: Seeded) -> None:
    rows = seeded.rows(select(Institution))
    partners = {r.code for r in rows if r.is_partner}
    assert partners == PARTNERS
    assert {r.sector for r in rows if not r.is_partner} == {"academic", "industry"}
    assert all(r.email_domain and "." in r.email_domain for r in rows)


def test_every_role_is_present_and_the_admin_is_the_os_user(seeded: Seeded) -> None:
    roles = {r.role for r in seeded.rows(text("SELECT DISTINCT role FROM users"))}
    staff = {r.role for r in seeded.rows(text("SELECT DISTINCT role FROM facility_staff"))}
    admin = seeded.rows(text("SELECT display_name, role FROM users WHERE username = 'jane.doe'"))
    assert roles == {r.value for r in Role} and staff == {r.value for r in StaffRole}
    assert [tuple(a) for a in admin] == [("Jane Doe", "admin")]
    assert (
        seeded.scalar(
            "SELECT min(n) FROM (SELECT count(*) AS n FROM facility_staff "
            "WHERE role = 'technician' GROUP BY facility_id) AS t"
        )
        >= 2
    )
    assert seeded.scalar("SELECT count(DISTINCT username) FROM users") == seeded.summary.users


def test_instruments_have_real_kinds_contacts_and_policies(seeded: Seeded) -> None:
    instruments = seeded.rows(select(Instrument))
    hours = {r.instrument_id for r in seeded.rows(select(OpeningHours))}
    assert {"XPS", "SEM", "TEM", "FIB", "NMR", "Confocal", "LC-MS", "XRD", "AFM"} <= {
        i.category for i in instruments
    }
    assert {i.status for i in instruments} == {"available", "limited", "out_of_service", "retired"}
    assert {i.access_level for i in instruments} == {a.value for a in AccessLevel}
    meg = [i for i in instruments if i.min_minutes == i.max_minutes == i.slot_minutes == 120]
    assert meg and all(
        i.requires_project_code and i.requires_approval and i.weekly_quota_minutes == 360
        for i in meg
    )
    for i in instruments:
        assert i.code.startswith(i.code.split("-")[0] + "-") and i.manufacturer and i.model
        assert i.contact_email and i.contact_name and i.uniquip_type == "equipment"
        assert (i.id not in hours) == i.allow_overnight  # round the clock means no rows


def test_rate_cards_rise_from_internal_to_industry_and_some_rise_in_the_span(
    seeded: Seeded,
) -> None:
    order = ["internal", "partner", "external_academic", "industry"]
    rows = seeded.rows(
        text(
            "SELECT instrument_id, user_class, hourly_rate, valid_from FROM rate_cards "
            "ORDER BY valid_from"
        )
    )
    prices: dict[tuple[int, str], dict[str, Any]] = defaultdict(dict)
    history: dict[tuple[int, str], list[Any]] = defaultdict(list)
    for instrument_id, user_class, rate, valid_from in rows:
        prices[instrument_id, str(valid_from)][user_class] = rate
        history[instrument_id, user_class].append(rate)
        assert str(valid_from) <= str(NOW.date())
    for by_class in prices.values():
        assert [by_class[c] for c in order] == sorted(by_class[c] for c in order)
        assert by_class["internal"] < by_class["industry"]
    risen = [rates for rates in history.values() if len(rates) > 1]
    assert len(risen) >= 40 and all(rates == sorted(set(rates)) for rates in risen)
    first_day = (NOW - timedelta(weeks=8)).date()
    assert {str(r[3]) for r in rows if str(r[3]) >= str(first_day)}, "no rise inside the span"


def test_statuses_and_timestamps_follow_the_clock(seeded: Seeded) -> None:
    rows = seeded.rows(select(Booking))
    for b in rows:
        assert b.created_at < b.starts_at and b.created_at <= DAY_START
        assert b.updated_at >= b.created_at and b.starts_at.tzinfo is not None
        if b.ends_at <= DAY_START:
            assert b.status not in ("pending", "confirmed")
        if b.starts_at >= DAY_START:
            assert b.status not in ("completed", "no_show")
        if b.status in ("cancelled", "rejected", "no_show"):
            assert b.status_reason
        if b.status_reason == LAPSED_REASON:  # ended undecided since the start of the day
            assert b.status == "rejected" and b.ends_at <= b.decided_at == b.updated_at == NOW
        elif b.decided_at is not None:
            assert b.created_at <= b.decided_at <= min(b.starts_at, DAY_START)
    assert {b.status for b in rows} == {s.value for s in BookingStatus}
    assert len({b.ical_uid for b in rows}) == len(rows)


def test_series_repeat_weekly_at_the_same_local_time(seeded: Seeded) -> None:
    series = seeded.rows(text("SELECT id, rrule FROM booking_series"))
    occurrences = seeded.rows(
        select(Booking).where(Booking.series_id.is_not(None)).order_by(Booking.starts_at)
    )
    assert len(series) >= 3
    for series_id, rrule in series:
        starts = [o.starts_at for o in occurrences if o.series_id == series_id]
        assert rrule == f"FREQ=WEEKLY;COUNT={len(starts)}"
        local = [s.astimezone(LONDON) for s in starts]
        assert len({(s.weekday(), s.time()) for s in local}) == 1
    assert all(o.recurrence_start == o.starts_at for o in occurrences)


def test_training_records_include_lapsed_and_lapsing(seeded: Seeded) -> None:
    stamp = f"'{NOW:%Y-%m-%d %H:%M:%S}'"
    soon = f"'{NOW + timedelta(days=31):%Y-%m-%d %H:%M:%S}'"
    lapsed = seeded.scalar(f"SELECT count(*) FROM training_records WHERE expires_at < {stamp}")
    lapsing = seeded.scalar(
        f"SELECT count(*) FROM training_records WHERE expires_at BETWEEN {stamp} AND {soon}"
    )
    supervised = seeded.scalar("SELECT count(*) FROM training_records WHERE level = 'supervised'")
    assert min(lapsed, lapsing, supervised) > 0


def test_new_rows_get_fresh_ids_after_the_seed(seeded: Seeded) -> None:
    # Explicit ids must not leave PostgreSQL's sequences behind the data.
    with seeded.context.database.sessions() as session:
        institution = Institution(code="NEW", name="New", sector="academic", created_at=NOW)
        session.add(institution)
        session.flush()
        assert institution.id > seeded.summary.institutions
        session.rollback()


def test_a_database_with_data_is_refused_and_left_alone(seeded: Seeded) -> None:
    before = seeded.counts()
    with pytest.raises(RefusedError, match="already holds data") as refused:
        DemoService(seeded.context).seed(seed=99, admin_username="someone")
    url = seeded.context.database.engine.url.render_as_string(hide_password=True)
    assert url in str(refused.value) and "--reset" in str(refused.value)
    assert seeded.counts() == before


def test_requests_that_ended_today_lapse_as_close_past_would(seeded: Seeded) -> None:
    """The plan is as of midnight; a request that ended between then and the clock's now
    could no longer be approved, so the seed lapses it: audited, its requester told."""
    ended = f"status = 'pending' AND ends_at <= '{NOW:%Y-%m-%d %H:%M:%S}'"
    assert seeded.scalar(f"SELECT count(*) FROM bookings WHERE {ended}") == 0
    lapsed = [
        r.id
        for r in seeded.rows(
            select(Booking.id).where(Booking.status_reason == LAPSED_REASON).order_by(Booking.id)
        )
    ]
    assert len(lapsed) == seeded.summary.lapsed_requests > 0
    audited = seeded.rows(text("SELECT entity_id FROM audit_events WHERE action = 'booking.lapse'"))
    told = seeded.rows(text("SELECT booking_id FROM notifications ORDER BY booking_id"))
    assert sorted(int(r.entity_id) for r in audited) == [r.booking_id for r in told] == lapsed


def test_the_same_seed_and_week_give_identical_databases_whose_requests_can_be_approved(
    seeded: Seeded, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url, discard = fresh_database(request, seeded.backend, tmp_path)
    context, summary = seed_demo(url)
    try:
        with (
            context.database.engine.connect() as again,
            seeded.context.database.engine.connect() as first,
        ):
            assert _dump(again) == _dump(first)
        assert summary == seeded.summary
        # The copy is thrown away: approve there the first page Approvals shows the admin
        # in soonest-start order, the requests nearest to having ended.
        soonest = ApprovalsQuery(order=ApprovalOrder.STARTS)
        page = ApprovalsService(context).page("jane.doe", soonest, limit=100)
        assert page.total == summary.pending_bookings
        ids = [r.booking_id for r in page.rows]
        outcome = DecisionService(context).approve_many("jane.doe", ids)
        assert ([b.id for b in outcome.approved], outcome.refused) == (ids, ())
    finally:
        context.close()
        discard()


def test_the_same_seed_gives_the_same_data_all_day() -> None:
    """Seed 2026 gave 24,269 bookings at 20:58 and 23,975 at 21:09 on the same day."""
    morning = plan_demo(SEED, DAY_START + timedelta(minutes=5), "jane.doe")
    evening = plan_demo(SEED, DAY_START + timedelta(hours=23, minutes=55), "jane.doe")
    assert morning.summary == evening.summary
    assert morning.rows(Booking) == evening.rows(Booking)
    tomorrow = plan_demo(SEED, DAY_START + timedelta(days=1, hours=9), "jane.doe")
    assert tomorrow.rows(Booking) != morning.rows(Booking)


def test_another_seed_gives_other_data() -> None:
    first, other = plan_demo(SEED, NOW, "jane.doe"), plan_demo(SEED + 1, NOW, "jane.doe")
    assert first.rows(Booking)[:50] != other.rows(Booking)[:50]
    assert [u["username"] for u in first.rows(User)] != [u["username"] for u in other.rows(User)]


def test_the_catalogue_is_internally_consistent() -> None:
    for kind in KINDS.values():
        assert 1440 % kind.slot == 0 and kind.min_len <= kind.max_len, kind.key
        assert all(kind.min_len <= n <= kind.max_len and n % kind.slot == 0 for n in kind.lengths)
        if kind.hours is not None:
            assert kind.hours[0] % kind.slot == 0 and kind.hours[1] % kind.slot == 0, kind.key
    for template in FACILITY_TEMPLATES.values():
        assert set(template.kinds) <= set(KINDS), template.key
    assert len({spec.prefix for spec in INSTITUTIONS}) == len(INSTITUTIONS)
    assert sum(len(spec.facilities) for spec in INSTITUTIONS) == 40


def test_a_fresh_demo_passes_equipshare_check(seeded: Seeded) -> None:
    """The demo follows the booking rules to the letter, training expiry included."""
    report = IntegrityService(seeded.context).check()
    assert report.problems == ()


def test_the_seed_stamps_what_it_wrote_on_both_engines(seeded: Seeded) -> None:
    """A screen's live check and a feed's cache read the change stamps: a seeded database
    holds one for every scope the seed wrote (COPY on PostgreSQL counts as INSERT does)."""
    plan = plan_demo(SEED, NOW, "jane.doe")
    expected = {("all", 0)}
    for model, kinds in (
        (Booking, (("user", "user_id"), ("instrument", "instrument_id"))),
        (Downtime, (("schedule", "instrument_id"),)),
        (OpeningHours, (("schedule", "instrument_id"),)),
        (TrainingRecord, (("training", "instrument_id"),)),
    ):
        expected |= {(kind, row[column]) for row in plan.rows(model) for kind, column in kinds}
    stamps = {
        (kind, key): counter
        for kind, key, counter in seeded.rows(
            select(ChangeStamp.kind, ChangeStamp.key, ChangeStamp.counter)
        )
    }
    assert stamps == dict.fromkeys(expected, 1)
