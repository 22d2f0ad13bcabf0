"""The demo seed: a believable consortium whose bookings obey every rule the engine will check."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, Executable, func, select, text

from equipshare.config import Settings
from equipshare.db.engine import Database
from equipshare.db.models.bookings import Booking, Downtime
from equipshare.db.models.catalogue import Facility, Institution, Instrument, OpeningHours, User
from equipshare.db.models.charging import RateCard
from equipshare.db.models.feeds import ChangeStamp
from equipshare.db.models.training import TrainingRecord
from equipshare.db.tables import metadata as all_tables
from equipshare.demo.catalogue import FACILITY_TEMPLATES, INSTITUTIONS, KINDS
from equipshare.demo.seeding import DemoService, DemoSummary, plan_demo
from equipshare.domain.enums import AccessLevel, BookingStatus, Role, StaffRole, UserClass
from equipshare.domain.errors import RefusedError
from equipshare.domain.money.charging import (
    FREE,
    Charge,
    FrozenRates,
    billable_minutes,
    is_late_cancellation,
    pence_of,
    session_charge,
)
from equipshare.domain.records.pages import ApprovalOrder, ApprovalsQuery
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.admin.integrity import IntegrityService
from equipshare.services.bookings.past import LAPSED_REASON
from equipshare.services.bookings.service import ApprovalsService, DecisionService
from equipshare.services.plumbing.context import ServiceContext
from tests.conftest import BACKENDS
from tests.support import backends

pytestmark = pytest.mark.slow

LONDON = ZoneInfo("Europe/London")
# The conftest clock: a Monday in winter time, so the 16-week span crosses the March change.
NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
#: The demo is planned as of the start of the London day, whatever the time (GMT here).
DAY_START = datetime(2026, 3, 16, 0, 0, tzinfo=UTC)
SEED = 7
PARTNERS = {"ASTON", "BHAM", "CRAN", "KEELE", "LEIC", "LBORO", "NOTTS", "WARWICK"}
HELD_STATUSES = ("pending", "confirmed", "completed", "no_show")  # they really used the slot
HELD = str(HELD_STATUSES)


@dataclass
class Seeded:
    context: ServiceContext
    summary: DemoSummary
    backend: str

    def scalar(self, sql: str) -> Any:
        with self.context.database.engine.connect() as conn:
            return conn.execute(text(sql)).scalar_one()

    def rows(self, statement: Executable) -> list[Any]:
        with self.context.database.engine.connect() as conn:
            return list(conn.execute(statement))

    def counts(self) -> dict[str, int]:
        tables = all_tables.sorted_tables
        return {t.name: self.rows(select(func.count()).select_from(t))[0][0] for t in tables}


def _fresh_database(
    request: pytest.FixtureRequest, backend: str, directory: Path
) -> tuple[str, Callable[[], None]]:
    """A migrated, empty database on `backend` and a function that throws it away."""
    if backend == "sqlite":
        url = backends.copy_sqlite(request.getfixturevalue("sqlite_template"), directory)
        return url, lambda: None
    admin, template = request.getfixturevalue("postgres_template")
    created = backends.create_postgres_database(admin, template=template)
    return created.render_as_string(hide_password=False), lambda: backends.drop_postgres_database(
        admin, created.database or ""
    )


def _seed(url: str, seed: int = SEED) -> tuple[ServiceContext, DemoSummary]:
    context = ServiceContext(
        Database.connect(url), FrozenClock(NOW), Settings().with_database_url(url)
    )
    return context, DemoService(context).seed(seed=seed, admin_username="jane.doe")


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    """Seeded once per backend: the invariant tests below only read it."""
    url, discard = _fresh_database(request, request.param, tmp_path_factory.mktemp("demo"))
    context, summary = _seed(url)
    yield Seeded(context, summary, request.param)
    context.close()
    discard()


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


# Each query counts rows that break one rule the booking engine and `equipshare check` rely on.
_OVERLAP = "a.id < b.id AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
_BOTH_HELD = f"a.status IN {HELD} AND b.status IN {HELD}"
_HOST = "JOIN instruments i ON i.id = b.instrument_id JOIN facilities f ON f.id = i.facility_id"
_FACILITY_TECHNICIAN = (
    "SELECT 1 FROM facility_staff s WHERE s.facility_id = i.facility_id "
    "AND s.role = 'technician' AND s.user_id = "
)
BROKEN_RULES = {
    "active bookings overlap on an instrument": "SELECT count(*) FROM bookings a JOIN bookings b "
    f"ON a.instrument_id = b.instrument_id AND {_OVERLAP} WHERE {_BOTH_HELD}",
    "a booking falls in a downtime": "SELECT count(*) FROM bookings b JOIN downtimes d "
    "ON d.instrument_id = b.instrument_id AND b.starts_at < d.ends_at AND d.starts_at < b.ends_at",
    "an untrained user books alone": f"SELECT count(*) FROM bookings b {_HOST} "
    "WHERE i.requires_training AND b.technician_id IS NULL AND NOT EXISTS ("
    " SELECT 1 FROM training_records t WHERE t.user_id = b.user_id"
    " AND t.instrument_id = b.instrument_id AND t.level = 'independent'"
    " AND t.trained_at <= b.starts_at AND t.revoked_at IS NULL"
    " AND (t.expires_at IS NULL OR t.expires_at >= b.ends_at))",
    "an assisting technician is not the facility's": f"SELECT count(*) FROM bookings b {_HOST} "
    f"WHERE b.technician_id IS NOT NULL AND NOT EXISTS ({_FACILITY_TECHNICIAN} b.technician_id)",
    "a technician assists twice at once": "SELECT count(*) FROM bookings a JOIN bookings b "
    f"ON a.technician_id = b.technician_id AND {_OVERLAP} WHERE {_BOTH_HELD}",
    "a user is at two attended instruments at once": "SELECT count(*) FROM bookings a "
    f"JOIN bookings b ON a.user_id = b.user_id AND {_OVERLAP} "
    "JOIN instruments ia ON ia.id = a.instrument_id JOIN instruments ib ON ib.id = b.instrument_id "
    f"WHERE {_BOTH_HELD} AND NOT ia.allow_overnight AND NOT ib.allow_overnight",
    "the access level refuses the user": f"SELECT count(*) FROM bookings b {_HOST} "
    "JOIN users u ON u.id = b.user_id JOIN institutions g ON g.id = u.institution_id "
    "WHERE g.id <> f.institution_id AND (i.access_level = 'institution' "
    " OR (i.access_level = 'consortium' AND NOT g.is_partner)"
    " OR (i.access_level = 'external_academic' AND NOT g.is_partner"
    "     AND g.sector <> 'academic'))",
    "an inactive user books": "SELECT count(*) FROM bookings b JOIN users u ON u.id = b.user_id "
    "WHERE NOT u.active",
    "a trainer is not the facility's technician": "SELECT count(*) FROM training_records t "
    f"JOIN instruments i ON i.id = t.instrument_id WHERE NOT EXISTS ({_FACILITY_TECHNICIAN} "
    "t.trainer_id)",
    "a contact is not the facility's technician": "SELECT count(*) FROM instruments i "
    f"WHERE NOT EXISTS ({_FACILITY_TECHNICIAN} i.contact_technician_id)",
}


@pytest.mark.parametrize("rule", BROKEN_RULES)
def test_no_row_breaks_a_booking_rule(seeded: Seeded, rule: str) -> None:
    assert seeded.scalar(BROKEN_RULES[rule]) == 0, rule


def test_the_rules_have_something_to_check(seeded: Seeded) -> None:
    stamp = f"'{NOW:%Y-%m-%d %H:%M:%S}'"
    under_way = f"SELECT count(*) FROM downtimes WHERE starts_at <= {stamp} AND ends_at > {stamp}"
    assisted = "SELECT count(*) FROM bookings WHERE technician_id IS NOT NULL"
    # A released (cancelled or rejected) slot may be booked again by someone else.
    rebooked = (
        f"SELECT count(*) FROM bookings a JOIN bookings b USING (instrument_id) WHERE {_OVERLAP}"
    )
    assert seeded.scalar(under_way) >= 1 and seeded.scalar(assisted) > 500
    assert seeded.scalar(rebooked) > 0


def test_a_believable_share_of_bookings_cross_institutions(seeded: Seeded) -> None:
    cross = seeded.scalar(
        "SELECT count(*) FROM bookings b JOIN users u ON u.id = b.user_id "
        "JOIN instruments i ON i.id = b.instrument_id JOIN facilities f ON f.id = i.facility_id "
        "WHERE u.institution_id <> f.institution_id"
    )
    assert cross == seeded.summary.cross_institution_bookings
    assert 0.18 <= cross / seeded.summary.bookings <= 0.32


def _rule_breaches(
    bookings: Sequence[Mapping[str, Any]],
    instruments: Sequence[Mapping[str, Any]],
    opening_hours: Sequence[Mapping[str, Any]],
) -> list[str]:
    """Bookings off the slot grid, outside min/max length or outside local opening hours."""
    policy = {i["id"]: i for i in instruments}
    hours: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    for h in opening_hours:
        hours[h["instrument_id"]][h["weekday"]] = (h["opens_minute"], h["closes_minute"])
    breaches = []
    for b in bookings:
        rules, open_days = policy[b["instrument_id"]], hours.get(b["instrument_id"])
        minutes = int((b["ends_at"] - b["starts_at"]).total_seconds()) // 60  # elapsed, in UTC
        start, end = b["starts_at"].astimezone(LONDON), b["ends_at"].astimezone(LONDON)
        first, last = start.hour * 60 + start.minute, end.hour * 60 + end.minute
        slot, shortest, longest = (rules[k] for k in ("slot_minutes", "min_minutes", "max_minutes"))
        if not shortest <= minutes <= longest or minutes % slot or first % slot:
            breaches.append(f"{rules['code']} {start} {minutes} min is off the slot grid")
        elif open_days is not None:
            opens, closes = open_days.get(start.weekday(), (0, 0))
            if start.date() != end.date() or not opens <= first < last <= closes:
                breaches.append(f"{rules['code']} {start}-{end} is outside opening hours")
    return breaches


def test_bookings_keep_to_slots_lengths_and_opening_hours(seeded: Seeded) -> None:
    bookings = seeded.rows(select(Booking.instrument_id, Booking.starts_at, Booking.ends_at))
    instruments = seeded.rows(select(Instrument.__table__))
    hours = seeded.rows(select(OpeningHours.__table__))
    assert (
        _rule_breaches(*([r._mapping for r in rows] for rows in (bookings, instruments, hours)))
        == []
    )


@pytest.mark.parametrize(
    "now",
    [datetime(2026, 3, 20, 12, tzinfo=UTC), datetime(2026, 10, 20, 12, tzinfo=UTC)],
    ids=["spring-forward", "fall-back"],
)
def test_clock_changes_inside_the_span_keep_bookings_in_hours(now: datetime) -> None:
    plan = plan_demo(SEED, now, "jane.doe")
    offsets = {(now + timedelta(weeks=w)).astimezone(LONDON).utcoffset() for w in (-8, 8)}
    assert len(offsets) == 2, "the span must cross a clock change"
    rows = (plan.rows(Booking), plan.rows(Instrument), plan.rows(OpeningHours))
    assert _rule_breaches(*rows) == []


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


def test_quota_and_project_codes_hold_on_the_meg_style_lab(seeded: Seeded) -> None:
    rows = seeded.rows(
        select(Booking, Instrument.weekly_quota_minutes.label("quota"))
        .join(Instrument, Instrument.id == Booking.instrument_id)
        .where(Instrument.weekly_quota_minutes.is_not(None), Booking.status.in_(HELD_STATUSES))
    )
    used: dict[tuple[int, int, date], int] = defaultdict(int)
    for b in rows:
        day = b.starts_at.astimezone(LONDON).date()
        week = (b.instrument_id, b.user_id, day - timedelta(days=day.weekday()))
        used[week] += int((b.ends_at - b.starts_at).total_seconds()) // 60
        assert b.project_code
    assert rows and max(used.values()) <= min(b.quota for b in rows)


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
    url, discard = _fresh_database(request, seeded.backend, tmp_path)
    context, summary = _seed(url)
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


def _priced_bookings(seeded: Seeded) -> list[Any]:
    """Every booking with its facility's charging policy and the classes' facts, one query."""
    user_institution = Institution.__table__.alias("guest")
    return seeded.rows(
        select(
            Booking,
            Facility.charge_basis,
            Facility.free_cancellation_hours,
            Facility.late_cancellation_percent,
            Facility.requires_check_in,
            Facility.institution_id.label("host_id"),
            user_institution.c.id.label("guest_id"),
            user_institution.c.is_partner,
            user_institution.c.sector,
        )
        .join(Instrument, Instrument.id == Booking.instrument_id)
        .join(Facility, Facility.id == Instrument.facility_id)
        .join(User, User.id == Booking.user_id)
        .join(user_institution, user_institution.c.id == User.institution_id)
    )


def _expected_charge(b: Any) -> Charge:
    """The contract's rule for what a booking costs now, from its frozen rates and status."""
    rates = FrozenRates(UserClass(b.user_class), b.hourly_rate_pence, b.technician_rate_pence)
    assisted = b.technician_id is not None
    booked = session_charge(billable_minutes(b.starts_at, b.ends_at), rates, assisted=assisted)
    if b.status == "rejected":
        return FREE
    if b.status == "cancelled":
        late = is_late_cancellation(b.starts_at, b.cancelled_at, b.free_cancellation_hours)
        return booked.percent(b.late_cancellation_percent) if late else FREE
    used = b.checked_in_at is not None and (b.checked_out_at or b.status == "completed")
    if b.charge_basis == "actual" and used:
        minutes = billable_minutes(b.checked_in_at, b.checked_out_at or b.ends_at)
        return session_charge(minutes, rates, assisted=assisted)
    return booked  # pending, confirmed, no-shows (in full) and booked-time facilities


def test_every_charge_is_what_the_frozen_rates_and_status_give(seeded: Seeded) -> None:
    rows = _priced_bookings(seeded)
    wrong = [
        (b.id, b.status, (b.instrument_charge_pence, b.technician_charge_pence), expected)
        for b in rows
        if Charge(b.instrument_charge_pence, b.technician_charge_pence)
        != (expected := _expected_charge(b))
    ]
    assert wrong == []
    assert all(b.hourly_rate_pence is not None for b in rows)  # every instrument has a card
    late_fees = [b for b in rows if b.status == "cancelled" and b.instrument_charge_pence > 0]
    free_cancels = [b for b in rows if b.status == "cancelled" and b.instrument_charge_pence == 0]
    actual = [b for b in rows if b.charge_basis == "actual" and b.checked_out_at is not None]
    assert len(late_fees) >= 20 and len(free_cancels) >= 100
    assert any(_expected_charge(b) != _booked(b) for b in actual)  # actual time differs


def _booked(b: Any) -> Charge:
    rates = FrozenRates(UserClass(b.user_class), b.hourly_rate_pence, b.technician_rate_pence)
    minutes = billable_minutes(b.starts_at, b.ends_at)
    return session_charge(minutes, rates, assisted=b.technician_id is not None)


def test_frozen_rates_are_the_cards_in_force_on_the_day_of_booking(seeded: Seeded) -> None:
    cards: dict[tuple[int, str], list[tuple[date, int, int]]] = defaultdict(list)
    for card in seeded.rows(select(RateCard).order_by(RateCard.valid_from)):
        cards[card.instrument_id, card.user_class].append(
            (card.valid_from, pence_of(card.hourly_rate), pence_of(card.technician_hourly_rate))
        )
    eras: dict[int, set[int]] = defaultdict(set)
    for b in _priced_bookings(seeded):
        if b.guest_id == b.host_id:
            expected_class = "internal"
        elif b.is_partner:
            expected_class = "partner"
        else:
            expected_class = "industry" if b.sector == "industry" else "external_academic"
        assert b.user_class == expected_class
        made = b.created_at.astimezone(LONDON).date()
        in_force = [c for c in cards[b.instrument_id, b.user_class] if c[0] <= made][-1]
        assert (b.hourly_rate_pence, b.technician_rate_pence) == in_force[1:]
        eras[b.instrument_id].add(b.hourly_rate_pence)
    # Bookings made before a rise keep the old price, later ones pay the new: both appear.
    assert sum(len(rates) > 1 for rates in eras.values()) >= 40


def test_policies_vary_and_use_is_recorded_where_it_is_required(seeded: Seeded) -> None:
    facilities = seeded.rows(select(Facility))
    assert {f.charge_basis for f in facilities} == {"booked", "actual"}
    assert 2 <= sum(f.charge_basis == "actual" for f in facilities) <= 6
    assert {f.free_cancellation_hours for f in facilities} == {12, 24, 48}
    assert {f.late_cancellation_percent for f in facilities} == {0, 50, 100}
    assert all(f.requires_check_in for f in facilities if f.charge_basis == "actual")
    rows = _priced_bookings(seeded)
    for b in rows:
        if b.status == "no_show":
            assert b.requires_check_in and b.checked_in_at is None
        if b.checked_in_at is not None:
            assert b.status in ("completed", "confirmed")
            assert b.starts_at <= b.checked_in_at < b.ends_at and b.checked_in_at < DAY_START
            assert b.checked_in_by_id in (b.user_id, b.technician_id)
        if b.checked_out_at is not None:
            assert b.checked_in_at < b.checked_out_at <= b.ends_at <= DAY_START
        if b.status == "completed" and b.requires_check_in:
            assert b.checked_in_at is not None
        assert (b.cancelled_at is not None) == (b.status == "cancelled")
        if b.cancelled_at is not None:
            assert b.created_at < b.cancelled_at <= min(DAY_START, b.starts_at)
    late_in = [b for b in rows if b.checked_in_at and b.checked_in_at > b.starts_at]
    early_out = [b for b in rows if b.checked_out_at and b.checked_out_at < b.ends_at]
    forgot = [
        b for b in rows if b.status == "completed" and b.checked_in_at and not b.checked_out_at
    ]
    assert min(len(late_in), len(early_out), len(forgot)) >= 10
    assert 10 <= sum(b.status == "no_show" for b in rows) <= 300


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
