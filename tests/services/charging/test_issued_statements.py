"""Months close: an issued statement is stored and never changes, on both engines; later
changes to its bookings are billed as adjustments on the next open month; purge and
anonymise never touch what a statement bills."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from equipshare.config import RetentionSettings
from equipshare.db.engine import Database
from equipshare.domain.enums import UserClass
from equipshare.domain.errors import PermissionDenied, RefusedError
from equipshare.domain.records.money.statements import Statement
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.admin.service import RetentionService
from equipshare.services.bookings.service import BookingService, CheckInService
from equipshare.services.charging.service import ChargeCorrectionService, StatementService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.november import DECEMBER, NOVEMBER, NOW, at, plant_november
from tests.support.pricing import plant_rate
from tests.support.world import World


@pytest.fixture
def november(database: Database, world: World, clock: FrozenClock) -> dict[str, int]:
    clock.instant = NOW
    return plant_november(database, world)


def short_retention(context: ServiceContext) -> ServiceContext:
    """`[retention] cancelled_days = 7`, as in the issue that lost billed history."""
    settings = replace(context.settings, retention=RetentionSettings(cancelled_days=7))
    return replace(context, settings=settings)


def adjustments(statement: Statement) -> dict[int, tuple[int, date | None, str]]:
    return {
        line.booking_id: (line.total_pence, line.adjusts_month, line.note)
        for line in statement.lines
        if line.adjusts_month is not None
    }


def test_purge_with_short_cancelled_days_keeps_charged_late_cancellations(
    context: ServiceContext, november: dict[str, int]
) -> None:
    statements = StatementService(context)
    before = statements.statement("root", NOVEMBER)
    assert before.total_pence == 2_000 + 1_500 + 500 + 4_000 + 1_000

    report = RetentionService(short_retention(context)).purge("root", date(2026, 11, 15))

    # The free cancellation and the rejection go; the charged late cancellations stay.
    assert report.bookings == 2 and report.kept_charged == 2
    after = statements.statement("root", NOVEMBER)
    assert after == before
    assert {november["late1"], november["late2"]} <= {line.booking_id for line in after.lines}


def test_an_issued_month_never_changes_and_later_changes_bill_the_next_month(
    context: ServiceContext,
    clock: FrozenClock,
    database: Database,
    world: World,
    november: dict[str, int],
) -> None:
    statements = StatementService(context)
    report = statements.issue("root", NOVEMBER)
    assert not report.already and report.statement.issued_by == "root"
    issued = statements.statement("root", NOVEMBER)
    assert issued == report.statement and issued.issued_at == NOW
    assert issued.total_pence == 9_000
    assert november["straddling"] not in {line.booking_id for line in issued.lines}

    clock.advance(hours=1)
    # A late check-out correction: carol left at 11:00, so one hour, not four.
    CheckInService(context).check_out("tech", november["corrected"], at=at(9, 11))
    # A cancellation of the session still running: a late fee.
    BookingService(context).cancel("carol", november["straddling"], "plans changed")
    # A fee waived, and a session repriced at the partner card (£15 an hour) bob should
    # have had: each says the issued month stands and the next open one bills it.
    corrections = ChargeCorrectionService(context)
    waived = corrections.waive("tech", november["late2"], "fee quoted wrongly")
    assert (waived.issued_month, waived.adjusts_on) == (NOVEMBER, DECEMBER)
    assert waived.words().endswith("; billed as an adjustment on 2026-12")
    plant_rate(database, world, "WAR-XPS-01", UserClass.PARTNER, "15")
    repriced = corrections.reprice("mgr", november["session"], "bob is a partner")
    assert (repriced.before_pence, repriced.after_pence) == (2_000, 3_000)
    assert repriced.adjusts_on == DECEMBER
    # Purge and anonymise with short periods.
    RetentionService(short_retention(context)).purge("root", date(2026, 12, 1))
    RetentionService(context).anonymise("root", date(2026, 11, 20))

    assert statements.statement("root", NOVEMBER) == issued
    december = statements.statement("root", DECEMBER)
    found = adjustments(december)
    fee = found[november["straddling"]][0]
    assert fee > 0
    assert found == {
        november["corrected"]: (-3_000, NOVEMBER, "adjusts 2026-11: billed £40.00, now £10.00 "
                                "(completed)"),
        november["straddling"]: (fee, NOVEMBER, f"adjusts 2026-11: billed £0.00, now "
                                 f"£{fee / 100:.2f} (cancelled)"),
        november["late2"]: (-500, NOVEMBER, "adjusts 2026-11: billed £5.00, now £0.00 "
                            "(cancelled)"),
        november["session"]: (1_000, NOVEMBER, "adjusts 2026-11: billed £20.00, now £30.00 "
                              "(completed)"),
    }  # fmt: skip
    assert december.total_pence == 1_000 - 3_000 + fee - 500 + 1_000
    assert december.issued_at is None

    # Issuing December stores the adjustments; January then owes nothing more for them.
    clock.instant = NOW + timedelta(days=31)
    issued_december = replace(december, issued_at=clock.now(), issued_by="root")
    assert statements.issue("root", DECEMBER).statement == issued_december
    assert statements.statement("root", DECEMBER) == issued_december
    assert statements.statement("root", date(2027, 1, 1)).lines == ()


def test_a_correction_after_two_issued_months_bills_the_first_open_one(
    context: ServiceContext, clock: FrozenClock, november: dict[str, int]
) -> None:
    statements = StatementService(context)
    statements.issue("root", NOVEMBER)
    clock.instant = NOW + timedelta(days=31)
    december = statements.issue("root", DECEMBER).statement

    waived = ChargeCorrectionService(context).waive("otherstaff", november["no_show"], "ill")
    assert waived.words() == (
        f"booking {november['no_show']}: £10.00 -> £0.00 (waived: ill); billed as an "
        "adjustment on 2027-01"
    )
    assert statements.statement("root", DECEMBER) == december
    [line] = statements.statement("root", date(2027, 1, 1)).lines
    assert (line.booking_id, line.total_pence, line.adjusts_month) == (
        november["no_show"], -1_000, NOVEMBER)  # fmt: skip
    assert line.note == "adjusts 2026-11: billed £10.00, now £0.00 (no show)"


def test_issuing_twice_changes_nothing_and_says_so(
    context: ServiceContext, clock: FrozenClock, november: dict[str, int]
) -> None:
    statements = StatementService(context)
    dry = statements.issue("root", NOVEMBER, dry_run=True)
    assert dry.dry_run and not dry.already
    assert statements.months("root")[1].issued_at is None  # nothing stored

    first = statements.issue("root", NOVEMBER)
    clock.advance(days=3)
    again = statements.issue("root", NOVEMBER)
    assert again.already and again.statement == first.statement


def test_only_admins_issue_and_only_months_that_are_over(
    context: ServiceContext, november: dict[str, int]
) -> None:
    statements = StatementService(context)
    with pytest.raises(PermissionDenied, match="mgr may not issue recharge statements"):
        statements.issue("mgr", NOVEMBER)
    with pytest.raises(RefusedError, match=r"2026-12 is not over yet \(its last day is Thu 31"):
        statements.issue("root", DECEMBER)


def test_months_lists_issued_and_open_months_with_what_the_reader_may_see(
    context: ServiceContext, november: dict[str, int]
) -> None:
    statements = StatementService(context)
    statements.issue("root", NOVEMBER)

    months = statements.months("root")
    assert [m.month for m in months[:3]] == [DECEMBER, NOVEMBER, date(2026, 10, 1)]
    assert len(months) == 12
    assert (months[1].issued, months[1].lines, months[1].total_pence) == (True, 5, 9_000)
    assert not months[0].issued and months[0].total_pence is None
    # WAR-PRP's manager sees the lines of WAR-PRP's instruments only.
    mine = statements.months("mgr")[1]
    assert (mine.lines, mine.total_pence) == (4, 8_000)
    assert statements.statement("mgr", NOVEMBER).total_pence == 8_000
